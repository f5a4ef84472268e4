/* The state KVM holds for a VM and its vCPUs, in and out of snapshot sections: registers,
 * FPU/XSAVE, XCRs, MSRs, LAPIC, pending events, MP state, debug registers; the PIC and
 * IOAPIC, the PIT, kvmclock. */
#ifndef PARAVENT_VMM_SNAPSHOT_CPU_H
#define PARAVENT_VMM_SNAPSHOT_CPU_H

#include <stddef.h>

#include "snapshot_buf.h"

struct vm;
struct vcpu;

/* vCPU v, stopped outside KVM_RUN with its last exit completed. 0, or -1 with err. */
int vcpu_state_save(struct vcpu *v, struct snap_buf *b, char *err, size_t errlen);
int vcpu_state_load(struct vcpu *v, struct snap_buf *b, char *err, size_t errlen);

int vm_irqchip_save(struct vm *vm, struct snap_buf *b, char *err, size_t errlen);
int vm_irqchip_load(struct vm *vm, struct snap_buf *b, char *err, size_t errlen);

int vm_clock_save(struct vm *vm, struct snap_buf *b, char *err, size_t errlen);
int vm_clock_load(struct vm *vm, struct snap_buf *b, char *err, size_t errlen);

#endif
