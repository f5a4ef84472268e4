/* ACPI tables for the guest: RSDP, XSDT, FADT with FACS and DSDT, MADT. Poweroff (S5 through
 * the PM1a control register) and reset (the FADT reset register) reach the VMM as port
 * writes (dev_acpi_pm.c). */
#ifndef PARAVENT_VMM_ACPI_H
#define PARAVENT_VMM_ACPI_H

#include <stddef.h>
#include <stdint.h>

#define ACPI_BASE 0xe0000       /* in the BIOS area guests scan for the RSDP */
#define ACPI_SIZE 0x10000
#define ACPI_PM1A_EVT_PORT 0x0600 /* PM1a event block: status, enable (2 + 2 bytes) */
#define ACPI_PM1A_CNT_PORT 0x0604 /* PM1a control block (2 bytes) */
#define ACPI_RESET_PORT 0x0513
#define ACPI_RESET_VALUE 0x01
#define ACPI_S5_SLP_TYP 5         /* the sleep type of S5 (soft off) in the DSDT */
#define ACPI_PM1_SCI_EN 0x0001    /* PM1 control: ACPI mode is on (always, here) */
#define ACPI_PM1_SLP_EN 0x2000    /* PM1 control: enter the sleep state of SLP_TYP */
#define ACPI_PM1_SLP_TYP_SHIFT 10

/* Writes the tables into buf, which stands for guest memory at ACPI_BASE, for ncpus CPUs.
 * Returns the bytes used, or 0 if they do not fit in len. */
size_t acpi_write_tables(uint8_t *buf, size_t len, int ncpus);

/* Sum of bytes mod 256 (0 for a valid table). */
uint8_t acpi_checksum(const uint8_t *p, size_t len);

#endif
