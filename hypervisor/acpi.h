/* ACPI tables for the guest: RSDP, XSDT, FADT with FACS and DSDT, MADT. Poweroff (S5 through
 * the PM1a control register) and reset (the FADT reset register) reach the VMM as port
 * writes (dev_acpi_pm.c); vCPU hotplug is a GPE and one register per CPU (dev_cpu_hotplug.c). */
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
#define ACPI_PM1_PWRBTN 0x0100    /* PM1 status and enable: the fixed power button */
#define ACPI_PM1_SLP_EN 0x2000    /* PM1 control: enter the sleep state of SLP_TYP */
#define ACPI_PM1_SLP_TYP_SHIFT 10
#define ACPI_SCI_IRQ 9
#define ACPI_GPE0_PORT 0x0620     /* GPE0 block: status, enable (2 + 2 bytes: GPEs 0-15) */
#define ACPI_GPE0_LEN 4
#define ACPI_GPE_CPU_HOTPLUG 2    /* \_GPE._E02 rescans the processors */

/* CPU hotplug: one byte register per possible CPU at ACPI_CPU_HOTPLUG_PORT + n. Reads give
 * the bits below; the guest writes INSERTING to acknowledge a plug it has been notified of,
 * and EJECT from the processor's _EJ0 once it has taken the CPU offline. */
#define ACPI_CPU_HOTPLUG_PORT 0x0520
#define ACPI_CPU_PRESENT 0x01
#define ACPI_CPU_INSERTING 0x02   /* plugged, the guest not yet told (Notify device check) */
#define ACPI_CPU_REMOVING 0x04    /* the VMM asks for it back (Notify eject request) */
#define ACPI_CPU_EJECT 0x08

/* Writes the tables into buf, which stands for guest memory at ACPI_BASE: max_cpus processors
 * of which the first boot_cpus are enabled at boot and the rest can be plugged later.
 * Returns the bytes used, or 0 if they do not fit in len or the counts are out of range. */
size_t acpi_write_tables(uint8_t *buf, size_t len, int boot_cpus, int max_cpus);

/* Sum of bytes mod 256 (0 for a valid table). */
uint8_t acpi_checksum(const uint8_t *p, size_t len);

#endif
