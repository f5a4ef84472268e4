/* The Intel MultiProcessor Specification 1.4 tables: how the guest learns its CPUs, the
 * IOAPIC and the ISA interrupt wiring without ACPI. */
#ifndef PARAVENT_VMM_MPTABLE_H
#define PARAVENT_VMM_MPTABLE_H

#include <stddef.h>
#include <stdint.h>

#define IOAPIC_ADDR 0xfec00000u
#define LAPIC_ADDR 0xfee00000u

/* Writes the floating pointer and the configuration table at base (in buf, which stands
 * for guest memory at guest address base) for ncpus CPUs, the first boot_cpus enabled (the
 * others are marked disabled: only ACPI can plug them later). Returns the bytes used, or 0
 * when they do not fit in len or the counts are out of range. */
size_t mptable_write(uint8_t *buf, size_t len, uint32_t base, int boot_cpus, int ncpus);

/* Sum of bytes mod 256: 0 for a valid MP structure. */
uint8_t mptable_checksum(const uint8_t *p, size_t len);

#endif
