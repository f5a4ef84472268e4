/* The x86 machine state a 64-bit kernel entry needs: page tables, GDT, registers,
 * per-vCPU CPUID, MSRs and LAPIC wiring. */
#ifndef PARAVENT_VMM_X86_BOOT_H
#define PARAVENT_VMM_X86_BOOT_H

#include <linux/kvm.h>
#include <stdint.h>

#include "guest_mem.h"

/* Identity page tables for the first 4 GiB and the GDT, in guest memory. */
int x86_write_boot_tables(struct guest_mem *m);

/* Long mode, the boot GDT's segments, paging on, interrupts off: vCPU 0 at entry with
 * RSI pointing at boot_params; the others wait for INIT/SIPI from the guest. */
int x86_setup_vcpu(int vcpu_fd, int id, uint64_t entry, int boot_cpu);

/* Per-vCPU CPUID: the host's supported set, with this vCPU's APIC id and the topology
 * (one thread per core, ncpus cores in one package). */
void x86_cpuid_fixup(struct kvm_cpuid2 *cpuid, int id, int ncpus);

/* LINT0 as ExtINT (the PIC's interrupts, bootstrap CPU only) and LINT1 as NMI, as firmware
 * would leave them. */
int x86_setup_lapic(int vcpu_fd, int boot_cpu);

#endif
