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
#endif
