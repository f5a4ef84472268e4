/* virtio-vsock (virtio 1.x device 19): the guest's AF_VSOCK sockets, the channel between
 * dom0's toolstack and paravent-agent in the guest. The data path is vhost-vsock in the dom0
 * kernel: at DRIVER_OK the receive and transmit queues go to it with their ioeventfds and
 * irqfds, and connections to the guest's CID from any dom0 process reach the guest with no
 * exit to this VMM. The event queue stays here and stays idle: it only carries transport
 * resets, which a VMM sends after migrating a guest. */
#include "dev_virtio_vsock.h"

#include <errno.h>
#include <linux/vhost.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "le.h"
#include "vhost.h"
#include "virtio_spec.h"
#include "virtio_pci.h"
#include "vm.h"
#include "vmm.h"

#define VIRTIO_ID_VSOCK 19
#define VSOCK_QUEUE_SIZE 128
#define VSOCK_DATA_QUEUES 2 /* receive and transmit, vhost's; the event queue is ours */

struct virtio_vsock {
	struct virtio_pci vp;
	uint64_t cid;
	int vhost_fd;
	uint64_t vhost_features;
	bool running;
	bool reset_due; /* restored: the guest must hear of a transport reset */
	struct virtq_chain event_chain;
};

#define EVENT_QUEUE 2
#define VIRTIO_VSOCK_EVENT_TRANSPORT_RESET 0

/* After a restore the guest's connections lead nowhere (the dom0 side of them is gone) and
 * its CID may have changed: a transport reset event makes its driver drop them and read the
 * CID again, and its listeners (the agent's) keep listening. */
static void vsock_post_reset(struct virtio_pci *vp)
{
	struct virtio_vsock *s = vp->dev;
	struct virtq *vq = &vp->vq[EVENT_QUEUE];
	struct guest_mem *m = &vp->vm->mem;

	if (!s->reset_due || !vq->ready || !(vp->status & VIRTIO_STATUS_DRIVER_OK))
		return;
	int n = virtq_pop(vq, m, &s->event_chain);
	if (n == 0)
		return; /* no buffer yet: the driver's next kick brings us back */
	s->reset_due = false;
	if (n < 0) {
		if (n == -EINVAL)
			virtq_push(vq, m, s->event_chain.head, 0);
		else
			virtio_pci_set_broken(vp);
		return;
	}
	uint32_t written = 0;
	for (unsigned i = 0; i < s->event_chain.nbufs; i++) {
		struct virtq_buf *b = &s->event_chain.bufs[i];
		if (b->writable && b->len >= 4) {
			put32(b->addr, VIRTIO_VSOCK_EVENT_TRANSPORT_RESET);
			written = 4;
			break;
		}
	}
	virtq_push_chain(vq, m, &s->event_chain, written);
	virtio_pci_queue_done(vp, EVENT_QUEUE);
}

static void vsock_config_read(struct virtio_pci *vp, uint32_t off, uint8_t *data, unsigned len)
{
	struct virtio_vsock *s = vp->dev;
	uint8_t cfg[8];
	put64(cfg, s->cid);
	for (unsigned i = 0; i < len; i++)
		data[i] = off + i < sizeof(cfg) ? cfg[off + i] : 0;
}

static void vsock_queue_notify(struct virtio_pci *vp, unsigned q)
{
	/* the event queue's buffers wait for a transport reset; the data queues' kicks only
	 * come here if vhost could not take them, and then there is no one to serve them */
	if (q == EVENT_QUEUE)
		vsock_post_reset(vp);
}

static void vsock_stop(struct virtio_vsock *s)
{
	if (!s->running)
		return;
	int off = 0;
	ioctl(s->vhost_fd, VHOST_VSOCK_SET_RUNNING, &off);
	for (unsigned q = 0; q < VSOCK_DATA_QUEUES; q++) {
		vhost_take_queue(s->vhost_fd, &s->vp.vm->mem, q, &s->vp.vq[q]);
		virtio_pci_kicks_to_vmm(&s->vp, q, true);
	}
	s->running = false;
}

static void vsock_driver_ok(struct virtio_pci *vp)
{
	struct virtio_vsock *s = vp->dev;
	uint64_t f = vhost_ring_features(vp->driver_features, 0);
	int call[VSOCK_DATA_QUEUES];

	if (s->running)
		return;
	for (unsigned q = 0; q < VSOCK_DATA_QUEUES; q++) {
		uint16_t v = vp->vq_vector[q];
		if (v == VIRTIO_PCI_NO_VECTOR || v >= vp->nvectors) {
			vmm_log("virtio-vsock: queue %u has no interrupt vector: vsock stays off", q);
			return;
		}
		call[q] = vp->irq[v].fd;
	}
	if ((s->vhost_features & f) != f || vhost_set_features_and_memory(s->vhost_fd, f, &vp->vm->mem) != 0) {
		vmm_log("virtio-vsock: vhost-vsock refused the features or memory table: %s", strerror(errno));
		return;
	}
	for (unsigned q = 0; q < VSOCK_DATA_QUEUES; q++) {
		virtio_pci_kicks_to_vmm(vp, q, false);
		if (vhost_start_queue(s->vhost_fd, &vp->vm->mem, q, &vp->vq[q], vp->kick_fd[q], call[q]) != 0) {
			vmm_log("virtio-vsock: cannot hand queue %u to vhost-vsock: %s", q, strerror(errno));
			virtio_pci_kicks_to_vmm(vp, 0, true);
			virtio_pci_kicks_to_vmm(vp, 1, true);
			return;
		}
	}
	int on = 1;
	if (ioctl(s->vhost_fd, VHOST_VSOCK_SET_RUNNING, &on) != 0) {
		vmm_log("virtio-vsock: cannot start vhost-vsock: %s", strerror(errno));
		virtio_pci_kicks_to_vmm(vp, 0, true);
		virtio_pci_kicks_to_vmm(vp, 1, true);
		return;
	}
	s->running = true;
	/* buffers the guest posted while nobody served the rings (a save, a migration attempt)
	 * came with kicks that are gone: look at the rings once */
	for (unsigned q = 0; q < VSOCK_DATA_QUEUES; q++) {
		uint64_t one = 1;
		if (write(vp->kick_fd[q], &one, sizeof(one)) < 0)
			vmm_log("virtio-vsock: cannot kick queue %u", q);
	}
}

static void vsock_reset(struct virtio_pci *vp)
{
	vsock_stop(vp->dev);
}

static void vsock_quiesce(struct virtio_pci *vp)
{
	vsock_stop(vp->dev);
}

static void vsock_resume(struct virtio_pci *vp)
{
	if ((vp->status & VIRTIO_STATUS_DRIVER_OK) && !(vp->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET))
		vsock_driver_ok(vp);
}

static int vsock_load(struct virtio_pci *vp, struct snap_buf *b, char *err, size_t errlen)
{
	struct virtio_vsock *s = vp->dev;

	(void)b;
	(void)err;
	(void)errlen;
	s->reset_due = true;
	return 0;
}

static const struct virtio_dev_ops vsock_ops = {
	.name = "virtio-vsock",
	.device_id = VIRTIO_ID_VSOCK,
	.pci_class = 0x0880, /* other system peripheral */
	.num_queues = 3,
	.queue_size = VSOCK_QUEUE_SIZE,
	.config_read = vsock_config_read,
	.queue_notify = vsock_queue_notify,
	.reset = vsock_reset,
	.driver_ok = vsock_driver_ok,
	.load = vsock_load,
	.quiesce = vsock_quiesce,
	.resume = vsock_resume,
	/* vsock has no back-end of ours: its traffic waits while migration tracks dirty pages,
	 * and goes on at the destination (after a transport reset) or here if migration fails */
	.track_begin = vsock_quiesce,
	.track_end = vsock_resume,
};

int virtio_vsock_add(struct vm *vm, uint32_t cid, char *err, size_t errlen)
{
	struct virtio_vsock *s = calloc(1, sizeof(*s));
	if (!s) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	s->cid = cid;
	s->vhost_fd = vhost_open("/dev/vhost-vsock", &s->vhost_features, err, errlen);
	if (s->vhost_fd < 0) {
		free(s);
		return -1;
	}
	if (ioctl(s->vhost_fd, VHOST_VSOCK_SET_GUEST_CID, &s->cid) != 0) {
		if (errno == EADDRINUSE)
			snprintf(err, errlen, "--vsock %u: another guest has this CID", cid);
		else
			snprintf(err, errlen, "--vsock %u: %s", cid, strerror(errno));
		close(s->vhost_fd);
		free(s);
		return -1;
	}
	if (virtio_pci_init(&s->vp, vm, &vsock_ops, s, 0) != 0) {
		snprintf(err, errlen, "cannot create the virtio-vsock device");
		close(s->vhost_fd);
		free(s);
		return -1;
	}
	vmm_log("virtio-vsock: guest CID %u", cid);
	return 0;
}
