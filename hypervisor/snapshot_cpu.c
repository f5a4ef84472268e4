/* See snapshot_cpu.h. KVM's own structures go into the stream as blobs with their sizes:
 * they are the kernel's stable ABI, and the size check catches a stream from a build whose
 * headers differ. The order of the KVM_SET calls on restore follows what KVM needs: special
 * registers (EFER, APIC base) before the MSRs, the LAPIC before the TSC deadline MSR that
 * arms its timer, pending events and MP state last. */
#include "snapshot_cpu.h"

#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "vmm.h"

#define MAX_MSRS 512
#define MSR_IA32_TSC_DEADLINE 0x6e0

static int kvm_fail(char *err, size_t errlen, const char *what, int id)
{
	snprintf(err, errlen, "%s (vCPU %d): %s", what, id, strerror(errno));
	return -1;
}

/* The MSRs KVM saves and restores (KVM_GET_MSR_INDEX_LIST: the hardware ones it supports and
 * those it emulates, kvmclock's included). */
static int msr_index_list(int kvm_fd, uint32_t *idx, unsigned max)
{
	struct kvm_msr_list *l = calloc(1, sizeof(*l) + max * sizeof(uint32_t));
	int n = -1;

	if (!l)
		return -1;
	l->nmsrs = max;
	if (ioctl(kvm_fd, KVM_GET_MSR_INDEX_LIST, l) == 0) {
		n = (int)l->nmsrs;
		memcpy(idx, l->indices, (size_t)n * sizeof(uint32_t));
	}
	free(l);
	return n;
}

static struct kvm_msrs *msrs_alloc(unsigned n)
{
	struct kvm_msrs *m = calloc(1, sizeof(*m) + n * sizeof(struct kvm_msr_entry));
	if (m)
		m->nmsrs = n;
	return m;
}

/* KVM refuses 256 or more MSRs in one KVM_GET_MSRS or KVM_SET_MSRS (MAX_IO_MSRS) */
#define MSR_BATCH 255

/* KVM_GET_MSRS or KVM_SET_MSRS over e[0..n), in as few calls as it can (one per MSR cost a
 * stop-and-copy a system call per listed MSR, on each side of the pause): KVM handles the
 * entries in order and stops at the first one it refuses (its return value says how many it
 * handled), so that one is dropped and the call made again from the next. Should a batch fail
 * as a whole, the rest go one at a time. The entries handled move to the front of e, with what
 * KVM read into them; their count, or -1 when out of memory. Each refusal is logged when
 * restoring (v set): the same kernel saved that MSR, so it is one KVM lists but does not let
 * user space set back, reported and skipped, not fatal. */
static int msr_io(int fd, unsigned long request, struct kvm_msr_entry *e, unsigned n, const struct vcpu *v)
{
	struct kvm_msrs *batch = msrs_alloc(MSR_BATCH);
	unsigned kept = 0, most = MSR_BATCH;

	if (!batch)
		return -1;
	for (unsigned from = 0; from < n;) {
		unsigned want = n - from < most ? n - from : most;
		batch->nmsrs = want;
		memcpy(batch->entries, e + from, (size_t)want * sizeof(*e));
		int r = ioctl(fd, request, batch);
		if (r < 0 && want > 1) {
			most = 1;
			continue;
		}
		if (r < 0 || (unsigned)r > want)
			r = 0;
		/* kept <= from: this overwrites only entries already taken into a batch */
		memcpy(e + kept, batch->entries, (size_t)r * sizeof(*e));
		kept += (unsigned)r;
		if ((unsigned)r < want && v)
			vmm_log("vcpu%d: KVM refused MSR 0x%x on restore", v->id, batch->entries[r].index);
		from += (unsigned)r + ((unsigned)r < want); /* past the one refused, if any */
	}
	free(batch);
	return (int)kept;
}

/* Reads every listed MSR the vCPU has (those it refuses are left out). */
static int read_msrs(int fd, int kvm_fd, struct kvm_msrs **out)
{
	uint32_t idx[MAX_MSRS];
	int n = msr_index_list(kvm_fd, idx, MAX_MSRS);
	struct kvm_msrs *all = n > 0 ? msrs_alloc((unsigned)n) : NULL;

	if (!all)
		return -1;
	for (int i = 0; i < n; i++)
		all->entries[i].index = idx[i];
	int got = msr_io(fd, KVM_GET_MSRS, all->entries, (unsigned)n, NULL);
	if (got < 0) {
		free(all);
		return -1;
	}
	all->nmsrs = (unsigned)got;
	*out = all;
	return 0;
}

int vcpu_state_save(struct vcpu *v, struct snap_buf *b, char *err, size_t errlen)
{
	struct kvm_mp_state mp;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xsave xsave;
	struct kvm_xcrs xcrs;
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
	struct kvm_debugregs dregs;
	struct kvm_msrs *msrs = NULL;

	memset(&xcrs, 0, sizeof(xcrs));
	if (ioctl(v->fd, KVM_GET_MP_STATE, &mp) != 0)
		return kvm_fail(err, errlen, "KVM_GET_MP_STATE", v->id);
	if (ioctl(v->fd, KVM_GET_REGS, &regs) != 0)
		return kvm_fail(err, errlen, "KVM_GET_REGS", v->id);
	if (ioctl(v->fd, KVM_GET_SREGS, &sregs) != 0)
		return kvm_fail(err, errlen, "KVM_GET_SREGS", v->id);
	if (ioctl(v->fd, KVM_GET_XSAVE, &xsave) != 0)
		return kvm_fail(err, errlen, "KVM_GET_XSAVE", v->id);
	if (ioctl(v->vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XCRS) > 0 && ioctl(v->fd, KVM_GET_XCRS, &xcrs) != 0)
		return kvm_fail(err, errlen, "KVM_GET_XCRS", v->id);
	if (ioctl(v->fd, KVM_GET_LAPIC, &lapic) != 0)
		return kvm_fail(err, errlen, "KVM_GET_LAPIC", v->id);
	if (ioctl(v->fd, KVM_GET_VCPU_EVENTS, &events) != 0)
		return kvm_fail(err, errlen, "KVM_GET_VCPU_EVENTS", v->id);
	if (ioctl(v->fd, KVM_GET_DEBUGREGS, &dregs) != 0)
		return kvm_fail(err, errlen, "KVM_GET_DEBUGREGS", v->id);
	if (read_msrs(v->fd, v->vm->kvm_fd, &msrs) != 0)
		return kvm_fail(err, errlen, "KVM_GET_MSRS", v->id);
	sb_put_blob(b, &mp, sizeof(mp));
	sb_put_blob(b, &regs, sizeof(regs));
	sb_put_blob(b, &sregs, sizeof(sregs));
	sb_put_blob(b, &xsave, sizeof(xsave));
	sb_put_blob(b, &xcrs, sizeof(xcrs));
	sb_put_blob(b, &lapic, sizeof(lapic));
	sb_put_blob(b, &events, sizeof(events));
	sb_put_blob(b, &dregs, sizeof(dregs));
	sb_put(b, msrs->nmsrs, 4);
	for (unsigned i = 0; i < msrs->nmsrs; i++) {
		sb_put(b, msrs->entries[i].index, 4);
		sb_put(b, msrs->entries[i].data, 8);
	}
	free(msrs);
	return 0;
}

/* Sets the MSRs: the TSC deadline's alone, or all the others. -1 only when out of memory. */
static int write_msrs(struct vcpu *v, const struct kvm_msrs *m, bool deadline)
{
	struct kvm_msrs *some = msrs_alloc(m->nmsrs ? m->nmsrs : 1);
	unsigned n = 0;

	if (!some)
		return -1;
	for (unsigned i = 0; i < m->nmsrs; i++) {
		if ((m->entries[i].index == MSR_IA32_TSC_DEADLINE) == deadline)
			some->entries[n++] = m->entries[i];
	}
	int r = msr_io(v->fd, KVM_SET_MSRS, some->entries, n, v);
	free(some);
	return r < 0 ? -1 : 0;
}

int vcpu_state_load(struct vcpu *v, struct snap_buf *b, char *err, size_t errlen)
{
	struct kvm_mp_state mp;
	struct kvm_regs regs;
	struct kvm_sregs sregs;
	struct kvm_xsave xsave;
	struct kvm_xcrs xcrs;
	struct kvm_lapic_state lapic;
	struct kvm_vcpu_events events;
	struct kvm_debugregs dregs;

	sb_get_blob(b, &mp, sizeof(mp));
	sb_get_blob(b, &regs, sizeof(regs));
	sb_get_blob(b, &sregs, sizeof(sregs));
	sb_get_blob(b, &xsave, sizeof(xsave));
	sb_get_blob(b, &xcrs, sizeof(xcrs));
	sb_get_blob(b, &lapic, sizeof(lapic));
	sb_get_blob(b, &events, sizeof(events));
	sb_get_blob(b, &dregs, sizeof(dregs));
	uint32_t n = (uint32_t)sb_get(b, 4);
	if (b->bad || n > MAX_MSRS) {
		snprintf(err, errlen, "vCPU %d's state is malformed", v->id);
		return -1;
	}
	struct kvm_msrs *m = msrs_alloc(n);
	if (!m)
		return kvm_fail(err, errlen, "out of memory", v->id);
	for (uint32_t i = 0; i < n; i++) {
		m->entries[i].index = (uint32_t)sb_get(b, 4);
		m->entries[i].data = sb_get(b, 8);
	}
	if (!sb_done(b)) {
		free(m);
		snprintf(err, errlen, "vCPU %d's state is malformed", v->id);
		return -1;
	}
	int r = -1;
	if (ioctl(v->fd, KVM_SET_REGS, &regs) != 0)
		kvm_fail(err, errlen, "KVM_SET_REGS", v->id);
	else if (ioctl(v->fd, KVM_SET_XSAVE, &xsave) != 0)
		kvm_fail(err, errlen, "KVM_SET_XSAVE", v->id);
	else if (ioctl(v->vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_XCRS) > 0 && ioctl(v->fd, KVM_SET_XCRS, &xcrs) != 0)
		kvm_fail(err, errlen, "KVM_SET_XCRS", v->id);
	else if (ioctl(v->fd, KVM_SET_SREGS, &sregs) != 0)
		kvm_fail(err, errlen, "KVM_SET_SREGS", v->id);
	else if (ioctl(v->fd, KVM_SET_LAPIC, &lapic) != 0)
		kvm_fail(err, errlen, "KVM_SET_LAPIC", v->id);
	else {
		if (write_msrs(v, m, false) != 0 || write_msrs(v, m, true) != 0) {
			free(m);
			errno = ENOMEM;
			return kvm_fail(err, errlen, "KVM_SET_MSRS", v->id);
		}
		/* KVM_GET_VCPU_EVENTS does not flag these as valid, and KVM_SET_VCPU_EVENTS only
		 * takes what is flagged: without them a pending NMI, or the vector of a SIPI an AP
		 * has received, would be lost */
		events.flags |= KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR;
		if (ioctl(v->fd, KVM_SET_VCPU_EVENTS, &events) != 0)
			kvm_fail(err, errlen, "KVM_SET_VCPU_EVENTS", v->id);
		else if (ioctl(v->fd, KVM_SET_MP_STATE, &mp) != 0)
			kvm_fail(err, errlen, "KVM_SET_MP_STATE", v->id);
		else if (ioctl(v->fd, KVM_SET_DEBUGREGS, &dregs) != 0)
			kvm_fail(err, errlen, "KVM_SET_DEBUGREGS", v->id);
		else
			r = 0;
	}
	free(m);
	return r;
}

int vm_irqchip_save(struct vm *vm, struct snap_buf *b, char *err, size_t errlen)
{
	struct kvm_pit_state2 pit;

	for (uint32_t chip = 0; chip < 3; chip++) {
		struct kvm_irqchip c = { .chip_id = chip };
		if (ioctl(vm->vm_fd, KVM_GET_IRQCHIP, &c) != 0)
			return kvm_fail(err, errlen, "KVM_GET_IRQCHIP", -1);
		sb_put_blob(b, &c, sizeof(c));
	}
	if (ioctl(vm->vm_fd, KVM_GET_PIT2, &pit) != 0)
		return kvm_fail(err, errlen, "KVM_GET_PIT2", -1);
	sb_put_blob(b, &pit, sizeof(pit));
	return 0;
}

int vm_irqchip_load(struct vm *vm, struct snap_buf *b, char *err, size_t errlen)
{
	struct kvm_irqchip c[3];
	struct kvm_pit_state2 pit;

	for (unsigned i = 0; i < 3; i++)
		sb_get_blob(b, &c[i], sizeof(c[i]));
	sb_get_blob(b, &pit, sizeof(pit));
	if (!sb_done(b) || c[0].chip_id != KVM_IRQCHIP_PIC_MASTER || c[1].chip_id != KVM_IRQCHIP_PIC_SLAVE ||
	    c[2].chip_id != KVM_IRQCHIP_IOAPIC) {
		snprintf(err, errlen, "the interrupt controllers' state is malformed");
		return -1;
	}
	for (unsigned i = 0; i < 3; i++) {
		if (ioctl(vm->vm_fd, KVM_SET_IRQCHIP, &c[i]) != 0)
			return kvm_fail(err, errlen, "KVM_SET_IRQCHIP", -1);
	}
	if (ioctl(vm->vm_fd, KVM_SET_PIT2, &pit) != 0)
		return kvm_fail(err, errlen, "KVM_SET_PIT2", -1);
	return 0;
}

int vm_clock_save(struct vm *vm, struct snap_buf *b, char *err, size_t errlen)
{
	struct kvm_clock_data clock;

	memset(&clock, 0, sizeof(clock));
	if (ioctl(vm->vm_fd, KVM_GET_CLOCK, &clock) != 0)
		return kvm_fail(err, errlen, "KVM_GET_CLOCK", -1);
	sb_put(b, clock.clock, 8);
	return 0;
}

/* The guest's clock goes on from where it was saved: the time it spent saved does not pass
 * for it (as with Xen's save and restore); NTP or the agent puts the wall clock right. */
int vm_clock_load(struct vm *vm, struct snap_buf *b, char *err, size_t errlen)
{
	struct kvm_clock_data clock;

	memset(&clock, 0, sizeof(clock));
	clock.clock = sb_get(b, 8);
	if (!sb_done(b)) {
		snprintf(err, errlen, "the clock's state is malformed");
		return -1;
	}
	if (ioctl(vm->vm_fd, KVM_SET_CLOCK, &clock) != 0)
		return kvm_fail(err, errlen, "KVM_SET_CLOCK", -1);
	return 0;
}
