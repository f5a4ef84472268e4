/* KVM_SET_GSI_ROUTING replaces the whole table, so we keep it: the ISA interrupts on the
 * PIC and IOAPIC that KVM sets up by default (GSI 0-23), then one MSI entry per vector. */
#include "msi.h"

#include <errno.h>
#include <linux/kvm.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "vmm.h"

#define FIRST_MSI_GSI 24
#define MAX_MSI 256

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct kvm_irq_routing_entry msi_entries[MAX_MSI];
static int nmsi;
/* KVM's table differs from ours (a vector added or moved since it was last set) */
static bool stale = true;
/* msi_routes_hold: changes wait for msi_routes_commit */
static bool held;

static int set_routing(struct vm *vm)
{
	int n = 16 + 24 + nmsi;
	struct kvm_irq_routing *r = calloc(1, sizeof(*r) + (size_t)n * sizeof(r->entries[0]));
	int i = 0;

	if (!r)
		return -1;
	for (int gsi = 0; gsi < 16; gsi++) {
		if (gsi == 2)
			continue; /* the cascade */
		r->entries[i].gsi = (uint32_t)gsi;
		r->entries[i].type = KVM_IRQ_ROUTING_IRQCHIP;
		r->entries[i].u.irqchip.irqchip = gsi < 8 ? KVM_IRQCHIP_PIC_MASTER : KVM_IRQCHIP_PIC_SLAVE;
		r->entries[i].u.irqchip.pin = (uint32_t)(gsi % 8);
		i++;
	}
	for (int gsi = 0; gsi < 24; gsi++) {
		r->entries[i].gsi = (uint32_t)gsi;
		r->entries[i].type = KVM_IRQ_ROUTING_IRQCHIP;
		r->entries[i].u.irqchip.irqchip = KVM_IRQCHIP_IOAPIC;
		r->entries[i].u.irqchip.pin = (uint32_t)gsi;
		i++;
	}
	memcpy(&r->entries[i], msi_entries, (size_t)nmsi * sizeof(msi_entries[0]));
	r->nr = (uint32_t)(i + nmsi);
	int ret = ioctl(vm->vm_fd, KVM_SET_GSI_ROUTING, r);
	free(r);
	if (ret == 0)
		stale = false;
	return ret;
}

int msi_vector_init(struct vm *vm, struct msi_vector *v)
{
	pthread_mutex_lock(&lock);
	if (nmsi == MAX_MSI) {
		pthread_mutex_unlock(&lock);
		return -1;
	}
	int idx = nmsi++;
	v->gsi = FIRST_MSI_GSI + idx;
	msi_entries[idx].gsi = (uint32_t)v->gsi;
	msi_entries[idx].type = KVM_IRQ_ROUTING_MSI;
	stale = true;
	pthread_mutex_unlock(&lock);
	v->fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (v->fd < 0)
		return -1;
	struct kvm_irqfd irqfd = { .fd = (uint32_t)v->fd, .gsi = (uint32_t)v->gsi };
	return ioctl(vm->vm_fd, KVM_IRQFD, &irqfd);
}

int msi_route(struct vm *vm, struct msi_vector *v, uint64_t addr, uint32_t data)
{
	pthread_mutex_lock(&lock);
	int idx = v->gsi - FIRST_MSI_GSI;
	struct kvm_irq_routing_msi *m = &msi_entries[idx].u.msi;
	if (m->address_lo != (uint32_t)addr || m->address_hi != (uint32_t)(addr >> 32) || m->data != data)
		stale = true;
	m->address_lo = (uint32_t)addr;
	m->address_hi = (uint32_t)(addr >> 32);
	m->data = data;
	/* each KVM_SET_GSI_ROUTING waits for KVM's readers of the old table (an SRCU grace
	 * period): a driver writing back the message it already had costs none */
	int ret = stale && !held ? set_routing(vm) : 0;
	pthread_mutex_unlock(&lock);
	return ret;
}

void msi_routes_hold(void)
{
	pthread_mutex_lock(&lock);
	held = true;
	pthread_mutex_unlock(&lock);
}

int msi_routes_commit(struct vm *vm)
{
	pthread_mutex_lock(&lock);
	held = false;
	int ret = stale ? set_routing(vm) : 0;
	pthread_mutex_unlock(&lock);
	return ret;
}

void msi_signal(struct msi_vector *v)
{
	uint64_t one = 1;
	if (write(v->fd, &one, sizeof(one)) < 0) {
		/* the counter saturating means an interrupt is already pending: fine */
	}
}
