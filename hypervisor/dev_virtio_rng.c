/* virtio-rng: one queue of buffers the device fills with random bytes, so a guest has
 * entropy from its first second (no waiting on interrupts to seed its pool). */
#include "dev_virtio_rng.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/random.h>

#include "virtio_pci.h"
#include "virtio_spec.h"
#include "vmm.h"

#define RNG_QUEUE_SIZE 64
#define RNG_MAX_PER_REQUEST 4096 /* a guest asking for more gets it in several requests */

struct virtio_rng {
	struct virtio_pci vp;
	struct virtq_chain chain;
	uint64_t bytes;
};

static void rng_config_read(struct virtio_pci *vp, uint32_t off, uint8_t *data, unsigned len)
{
	(void)vp;
	(void)off;
	for (unsigned i = 0; i < len; i++)
		data[i] = 0; /* no configuration space */
}

static void rng_queue_notify(struct virtio_pci *vp, unsigned q)
{
	struct virtio_rng *r = vp->dev;
	struct virtq *vq = &vp->vq[q];
	struct guest_mem *m = &vp->vm->mem;
	int n;

	virtq_enable_notify(vq, m, false);
again:
	while ((n = virtq_pop(vq, m, &r->chain)) != 0) {
		if (n == -EINVAL) {
			virtq_push(vq, m, r->chain.head, 0);
			continue;
		}
		if (n < 0) {
			virtio_pci_set_broken(vp);
			return;
		}
		uint32_t written = 0;
		for (unsigned i = 0; i < r->chain.nbufs && written < RNG_MAX_PER_REQUEST; i++) {
			struct virtq_buf *b = &r->chain.bufs[i];
			if (!b->writable)
				continue;
			size_t want = b->len;
			if (want > RNG_MAX_PER_REQUEST - written)
				want = RNG_MAX_PER_REQUEST - written;
			ssize_t got = getrandom(b->addr, want, 0);
			if (got <= 0)
				break;
			written += (uint32_t)got;
			if ((size_t)got < b->len)
				break;
		}
		r->bytes += written;
		virtq_push_chain(vq, m, &r->chain, written);
	}
	virtio_pci_queue_done(vp, q);
	virtq_enable_notify(vq, m, true);
	if (virtq_has_work(vq, m)) {
		virtq_enable_notify(vq, m, false);
		goto again;
	}
}

static void rng_reset(struct virtio_pci *vp)
{
	(void)vp;
}

static const struct virtio_dev_ops rng_ops = {
	.name = "virtio-rng",
	.device_id = 4,
	.pci_class = 0x00ff,
	.num_queues = 1,
	.queue_size = RNG_QUEUE_SIZE,
	.config_read = rng_config_read,
	.queue_notify = rng_queue_notify,
	.reset = rng_reset,
};

int virtio_rng_add(struct vm *vm)
{
	struct virtio_rng *r = calloc(1, sizeof(*r));

	if (!r)
		return -1;
	return virtio_pci_init(&r->vp, vm, &rng_ops, r, 0);
}
