/* virtio-console, a single port (no MULTIPORT): hvc0 in the guest. Output arrives in
 * batches on the transmit queue, one kick per batch instead of one exit per byte as with
 * the UART. Input fills the guest's receive buffers; until it posts some, up to PENDING_MAX
 * bytes wait here and more are dropped (counted), so typing never blocks the VMM. */
#include "dev_virtio_console.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "console.h"
#include "snapshot_buf.h"
#include "virtio_pci.h"
#include "virtio_spec.h"
#include "vmm.h"

#define CONSOLE_QUEUE_SIZE 128
#define RX_QUEUE 0
#define TX_QUEUE 1
#define PENDING_MAX 4096

struct virtio_console {
	struct virtio_pci vp;
	struct virtq_chain chain;
	uint8_t pending[PENDING_MAX];
	size_t npending;
	uint64_t dropped;
};

static void con_config_read(struct virtio_pci *vp, uint32_t off, uint8_t *data, unsigned len)
{
	(void)vp;
	(void)off;
	for (unsigned i = 0; i < len; i++)
		data[i] = 0; /* cols, rows, max_nr_ports: unused without the features */
}

/* Moves pending input into receive buffers the guest has posted. */
static void con_fill_rx(struct virtio_pci *vp)
{
	struct virtio_console *c = vp->dev;
	struct virtq *vq = &vp->vq[RX_QUEUE];
	struct guest_mem *m = &vp->vm->mem;
	bool pushed = false;

	if (!vq->ready || !(vp->status & VIRTIO_STATUS_DRIVER_OK))
		return;
	while (c->npending > 0) {
		int n = virtq_pop(vq, m, &c->chain);
		if (n == 0)
			break;
		if (n == -EINVAL) {
			virtq_push(vq, m, c->chain.head, 0);
			pushed = true;
			continue;
		}
		if (n < 0) {
			virtio_pci_set_broken(vp);
			return;
		}
		size_t done = 0;
		for (unsigned i = 0; i < c->chain.nbufs && done < c->npending; i++) {
			struct virtq_buf *b = &c->chain.bufs[i];
			if (!b->writable)
				continue;
			size_t k = c->npending - done < b->len ? c->npending - done : b->len;
			memcpy(b->addr, c->pending + done, k);
			done += k;
		}
		memmove(c->pending, c->pending + done, c->npending - done);
		c->npending -= done;
		virtq_push_chain(vq, m, &c->chain, (uint32_t)done);
		pushed = true;
	}
	if (pushed)
		virtio_pci_queue_done(vp, RX_QUEUE);
	/* hear about new receive buffers */
	virtq_enable_notify(vq, m, true);
}

/* One batch of the guest's output, to the console sink. */
static uint32_t con_tx_chain(struct virtio_pci *vp, unsigned q, struct virtq_chain *chain)
{
	(void)vp;
	(void)q;
	for (unsigned i = 0; i < chain->nbufs; i++) {
		if (!chain->bufs[i].writable)
			console_output(chain->bufs[i].addr, chain->bufs[i].len);
	}
	return 0;
}

static void con_tx(struct virtio_pci *vp)
{
	struct virtio_console *c = vp->dev;
	virtio_pci_serve_queue(vp, TX_QUEUE, &c->chain, con_tx_chain);
}

static void con_queue_notify(struct virtio_pci *vp, unsigned q)
{
	if (q == TX_QUEUE)
		con_tx(vp);
	else
		con_fill_rx(vp); /* new receive buffers: deliver what waited */
}

static size_t con_input(void *dev, const uint8_t *buf, size_t len)
{
	struct virtio_console *c = dev;

	pthread_mutex_lock(&c->vp.lock);
	size_t room = PENDING_MAX - c->npending, take = len < room ? len : room;
	memcpy(c->pending + c->npending, buf, take);
	c->npending += take;
	c->dropped += len - take;
	con_fill_rx(&c->vp);
	pthread_mutex_unlock(&c->vp.lock);
	return len;
}

static void con_reset(struct virtio_pci *vp)
{
	struct virtio_console *c = vp->dev;
	c->npending = 0;
}

/* Input typed but not yet taken by the guest goes with it. */
static void con_save(struct virtio_pci *vp, struct snap_buf *b)
{
	struct virtio_console *c = vp->dev;

	sb_put(b, c->npending, 4);
	for (size_t i = 0; i < c->npending; i++)
		sb_put(b, c->pending[i], 1);
}

static int con_load(struct virtio_pci *vp, struct snap_buf *b, char *err, size_t errlen)
{
	struct virtio_console *c = vp->dev;
	uint32_t n = (uint32_t)sb_get(b, 4);

	if (n > PENDING_MAX) {
		snprintf(err, errlen, "virtio-console: %u bytes of pending input, more than %d", n, PENDING_MAX);
		return -1;
	}
	for (uint32_t i = 0; i < n; i++)
		c->pending[i] = (uint8_t)sb_get(b, 1);
	c->npending = n;
	return 0;
}

static const struct virtio_dev_ops console_ops = {
	.name = "virtio-console",
	.device_id = 3,
	.pci_class = 0x0780, /* communication, other */
	.num_queues = 2,
	.queue_size = CONSOLE_QUEUE_SIZE,
	.config_read = con_config_read,
	.queue_notify = con_queue_notify,
	.reset = con_reset,
	.save = con_save,
	.load = con_load,
};

int virtio_console_add(struct vm *vm)
{
	struct virtio_console *c = calloc(1, sizeof(*c));

	if (!c || virtio_pci_init(&c->vp, vm, &console_ops, c, 0) != 0)
		return -1;
	console_set_input(con_input, c);
	return 0;
}
