#ifndef PARAVENT_VMM_VM_H
#define PARAVENT_VMM_VM_H
#include "vmm.h"
/* KVM VM with irqchip, PIT and RAM mapped. */
int vm_create(struct vm *vm, const struct vmm_options *opt);
/* vCPUs with CPUID, LAPIC and the boot state (vm->entry_rip must be set). */
int vm_create_vcpus(struct vm *vm);
int vm_start(struct vm *vm);
void vm_join(struct vm *vm);
/* Stops every vCPU (returns once all are parked) / lets them run again. */
void vm_pause(struct vm *vm);
void vm_resume(struct vm *vm);
/* KVM's log of the pages the guest writes, for live migration: on for every RAM slot, read
 * (and cleared) for slot i into bitmap (guest_mem_dirty_words of the slot's size), off. */
int vm_dirty_log_start(struct vm *vm);
int vm_dirty_log_get(struct vm *vm, unsigned i, uint64_t *bitmap);
void vm_dirty_log_stop(struct vm *vm);
#endif
