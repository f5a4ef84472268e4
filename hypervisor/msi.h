/* MSI interrupts through KVM: each vector is a GSI routed to an MSI message and an eventfd
 * bound to it (irqfd), so a device thread interrupts the guest with one write(). */
#ifndef PARAVENT_VMM_MSI_H
#define PARAVENT_VMM_MSI_H

#include <stdint.h>

struct vm;

struct msi_vector {
	int gsi;
	int fd; /* irqfd: writing 1 injects the interrupt */
};

/* Allocates a GSI and an irqfd for one vector (not routed until msi_route). */
int msi_vector_init(struct vm *vm, struct msi_vector *v);
/* Points the vector at an MSI message; the whole routing table is set again, if it changed. */
int msi_route(struct vm *vm, struct msi_vector *v, uint64_t addr, uint32_t data);
/* A restore routes every vector of every device at once: between hold and commit the
 * changes gather, and commit sets the table once (one KVM call instead of one per vector,
 * inside a migration's pause). */
void msi_routes_hold(void);
int msi_routes_commit(struct vm *vm);
void msi_signal(struct msi_vector *v);

#endif
