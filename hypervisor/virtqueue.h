/* The device side of a split virtqueue (virtio 1.x, "Split Virtqueues"), written for a
 * guest that lies: every address it gives goes through guest_mem_ptr, every descriptor is
 * copied once before it is checked and used, and no chain can make us loop or gather
 * without bound.
 *
 * One thread at a time works on a given queue (its device's); the guest's driver runs
 * concurrently on other CPUs, which is what the barriers are for. */
#ifndef PARAVENT_VMM_VIRTQUEUE_H
#define PARAVENT_VMM_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>

#include "guest_mem.h"

#define VIRTQ_MAX_SIZE 1024
#define VIRTQ_MAX_SEGS 256 /* max descriptors gathered for one request */

struct virtq {
	uint16_t size; /* queue size (power of 2, <= VIRTQ_MAX_SIZE), set by driver */
	bool ready;
	uint64_t desc_gpa, avail_gpa, used_gpa;
	bool event_idx;          /* VIRTIO_F_RING_EVENT_IDX negotiated */
	uint16_t last_avail_idx; /* next avail entry to consume */
	uint16_t used_idx;       /* our copy of used->idx */
	uint16_t signalled_used; /* used idx at the last interrupt check, for event idx */
	bool signalled_used_valid;
	bool broken; /* set on a malformed ring: device must go NEEDS_RESET */
};

struct virtq_buf {
	uint8_t *addr;
	uint32_t len;
	bool writable;
	uint64_t gpa; /* where addr is in the guest, to mark the pages we write dirty */
};

struct virtq_chain {
	uint16_t head; /* descriptor index to give back with virtq_push */
	unsigned nbufs;
	struct virtq_buf bufs[VIRTQ_MAX_SEGS];
	/* totals (device-readable first, then device-writable); their sum fits in 32 bits */
	uint64_t readable_len, writable_len;
};

/* Takes the next available chain. Returns:
 *   1        *chain filled: nbufs buffers, the device-readable ones first. Zero-length
 *            descriptors count against VIRTQ_MAX_SEGS but are not listed.
 *   0        nothing available (or the queue is not ready).
 *   -EINVAL  a malformed CHAIN; the ring itself is fine and the entry was consumed.
 *            chain->head is valid: complete it with virtq_push(vq, m, chain->head, 0) and go
 *            on (or reset the device, if it prefers). The buffers in *chain are not usable.
 *            Causes: a loop (more descriptors than the table holds), next >= table size, a
 *            non-empty buffer not inside one RAM region, a device-readable buffer after a
 *            device-writable one, an indirect descriptor inside an indirect table or with
 *            NEXT set, an indirect table not a non-zero multiple of 16 bytes or outside RAM,
 *            more than VIRTQ_MAX_SEGS data descriptors, a total length above UINT32_MAX.
 *   -EPROTO  the RING is unusable: invalid size, misaligned ring, avail->idx more than size
 *            entries ahead of us, or a head index >= size. vq->broken is now set.
 *   -EFAULT  a ring is not inside guest RAM. vq->broken is now set.
 *   -EIO     vq->broken was already set; nothing was read.
 * So: r == -EINVAL is per request, any other negative means DEVICE_NEEDS_RESET.
 * Indirect descriptors are accepted whether or not VIRTIO_RING_F_INDIRECT_DESC was
 * negotiated: following one is as safe as following a chain. */
int virtq_pop(struct virtq *vq, struct guest_mem *m, struct virtq_chain *chain);

/* Returns a chain to the driver: writes the used element, then publishes used->idx with
 * release ordering (the element is visible before the index), and marks both dirty.
 * written is what the device wrote into the chain's writable buffers. Returns 0, -EINVAL for
 * head >= size or a queue that is not ready, or what virtq_pop would for a bad ring. */
int virtq_push(struct virtq *vq, struct guest_mem *m, uint16_t head, uint32_t written);

/* virtq_push in two steps, for a device that returns several chains as one unit (virtio-net's
 * merged receive buffers: the driver must see them all at once). virtq_fill writes the used
 * element `offset` places after the last published one, unseen by the driver; virtq_flush
 * then publishes `count` filled elements with release ordering. Same errors as virtq_push. */
int virtq_fill(struct virtq *vq, struct guest_mem *m, unsigned offset, uint16_t head, uint32_t written);
int virtq_flush(struct virtq *vq, struct guest_mem *m, unsigned count);

/* Gives back the last n chains taken by virtq_pop and not pushed: the next pops return them
 * again. For a device that found it cannot use them yet (a frame that does not fit). */
void virtq_unpop(struct virtq *vq, unsigned n);

/* virtq_push for a chain from virtq_pop that the device may have written into: first marks
 * all the chain's writable buffers dirty (wherever in them the device wrote, e.g. a status
 * byte at the very end), then pushes chain->head. */
int virtq_push_chain(struct virtq *vq, struct guest_mem *m, const struct virtq_chain *chain,
		     uint32_t written);

/* Whether the driver wants an interrupt now; call after pushing one or more entries. Without
 * event idx: unless avail->flags has VIRTQ_AVAIL_F_NO_INTERRUPT. With it: if used->idx passed
 * used_event since the previous call (the spec's vring_need_event), and always on the first
 * call after a reset. Contains the full barrier between our used->idx store and the load of
 * the driver's flags or used_event, without which an interrupt could be lost. */
bool virtq_needs_interrupt(struct virtq *vq, struct guest_mem *m);

/* Asks the driver to notify (kick) us on new buffers, or not to. With event idx: enabling
 * publishes avail_event = last_avail_idx (the kick comes with the next entry), disabling
 * leaves it behind so kicks stop; flags stay 0 as the spec requires. Without: clears or sets
 * VIRTQ_USED_F_NO_NOTIFY. After enabling, call virtq_has_work again: a buffer added just
 * before the driver saw the change came without a kick. A full barrier is included. */
void virtq_enable_notify(struct virtq *vq, struct guest_mem *m, bool enable);

/* Whether virtq_pop has something to return (a chain or an error). */
bool virtq_has_work(struct virtq *vq, struct guest_mem *m);

/* Back to the state after device reset: everything zero, not ready, not broken. The
 * transport then sets size back to its maximum. */
void virtq_reset(struct virtq *vq);

#endif
