/* virtio-rng: one queue of buffers the device fills with random bytes, so a guest has
 * entropy from its first second (no waiting on interrupts to seed its pool). */
#include "dev_virtio_rng.h"

#include <pthread.h>
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

static struct virtio_rng *the_rng;

static void rng_config_read(struct virtio_pci *vp, uint32_t off, uint8_t *data, unsigned len)
{
	(void)vp;
	(void)off;
	for (unsigned i = 0; i < len; i++)
		data[i] = 0; /* no configuration space */
}

/* Fills a request's writable buffers with random bytes. */
static uint32_t rng_fill(struct virtio_pci *vp, unsigned q, struct virtq_chain *chain)
{
	struct virtio_rng *r = vp->dev;
	uint32_t written = 0;
	(void)q;
	for (unsigned i = 0; i < chain->nbufs && written < RNG_MAX_PER_REQUEST; i++) {
		struct virtq_buf *b = &chain->bufs[i];
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
	return written;
}

static void rng_queue_notify(struct virtio_pci *vp, unsigned q)
{
	struct virtio_rng *r = vp->dev;
	virtio_pci_serve_queue(vp, q, &r->chain, rng_fill);
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
	if (virtio_pci_init(&r->vp, vm, &rng_ops, r, 0) != 0) {
		free(r);
		return -1;
	}
	the_rng = r;
	return 0;
}

void virtio_rng_stats(uint64_t *bytes, uint64_t *kicks)
{
	*bytes = *kicks = 0;
	if (!the_rng)
		return;
	pthread_mutex_lock(&the_rng->vp.lock);
	*bytes = the_rng->bytes;
	*kicks = the_rng->vp.kicks;
	pthread_mutex_unlock(&the_rng->vp.lock);
}
