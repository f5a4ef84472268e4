/* virtio-pci, modern. BAR0 (32 KiB of MMIO) holds every structure; its layout is below.
 * Kicks are ioeventfds on the notify area, so a driver's notification costs no exit to this
 * process: the event loop wakes and runs the device. Interrupts leave through irqfds. The
 * configuration structures are reached through MMIO exits, rare after setup. */
#include "virtio_pci.h"

#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "eventloop.h"
#include "snapshot.h"
#include "le.h"
#include "virtio_spec.h"
#include "vmm.h"

#define BAR_SIZE 0x8000
#define COMMON_OFF 0x0000
#define COMMON_LEN 0x38
#define ISR_OFF 0x1000
#define DEVICE_OFF 0x2000
#define DEVICE_LEN 0x1000
#define NOTIFY_OFF 0x3000
#define NOTIFY_MULT 4
#define MSIX_TABLE_OFF 0x4000
#define MSIX_PBA_OFF 0x6000

#define CAP_VNDR 0x09
#define CAP_MSIX 0x11
#define CFG_COMMON 1
#define CFG_NOTIFY 2
#define CFG_ISR 3
#define CFG_DEVICE 4
#define MSIX_CAP_OFF 0x84
#define MSIX_ENABLE 0x8000
#define MSIX_FUNC_MASK 0x4000
#define MSIX_ENTRY_MASKED 1

static bool msix_enabled(struct virtio_pci *vp, unsigned v)
{
	uint16_t ctrl = pci_cfg_get16(&vp->pci, MSIX_CAP_OFF + 2);
	return (ctrl & MSIX_ENABLE) && !(ctrl & MSIX_FUNC_MASK) && !(vp->msix[v].ctrl & MSIX_ENTRY_MASKED);
}

static void raise_vector(struct virtio_pci *vp, uint16_t v)
{
	if (v == VIRTIO_PCI_NO_VECTOR || v >= vp->nvectors)
		return; /* no vector: the driver polls, and we do not do INTx */
	if (msix_enabled(vp, v)) {
		vp->interrupts++;
		msi_signal(&vp->irq[v]);
	} else {
		vp->msix_pending[v] = true;
	}
}

void virtio_pci_queue_done(struct virtio_pci *vp, unsigned q)
{
	if (virtq_needs_interrupt(&vp->vq[q], &vp->vm->mem))
		raise_vector(vp, vp->vq_vector[q]);
}

void virtio_pci_serve_queue(struct virtio_pci *vp, unsigned q, struct virtq_chain *chain, virtio_chain_fn handle)
{
	struct virtq *vq = &vp->vq[q];
	struct guest_mem *m = &vp->vm->mem;
	int n;

	for (;;) {
		virtq_enable_notify(vq, m, false);
		while ((n = virtq_pop(vq, m, chain)) != 0) {
			if (n == -EINVAL) {
				virtq_push(vq, m, chain->head, 0);
				continue;
			}
			if (n < 0) {
				virtio_pci_set_broken(vp);
				return;
			}
			virtq_push_chain(vq, m, chain, handle(vp, q, chain));
		}
		virtio_pci_queue_done(vp, q);
		virtq_enable_notify(vq, m, true);
		if (!virtq_has_work(vq, m))
			return;
	}
}

void virtio_pci_set_broken(struct virtio_pci *vp)
{
	if (vp->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET)
		return;
	vp->status |= VIRTIO_STATUS_DEVICE_NEEDS_RESET;
	vmm_log("%s: the driver gave a malformed queue: the device needs a reset", vp->ops->name);
	raise_vector(vp, vp->msix_config);
}

void virtio_pci_config_changed(struct virtio_pci *vp)
{
	vp->config_generation++;
	raise_vector(vp, vp->msix_config);
}

static void kick(void *opaque, int fd);

void virtio_pci_kicks_to_vmm(struct virtio_pci *vp, unsigned q, bool vmm)
{
	if (q >= vp->ops->num_queues || vp->kick_watched[q] == vmm)
		return;
	if (vmm) {
		if (eventloop_add(vp->kick_fd[q], kick, vp) != 0) {
			vmm_log("%s: cannot watch the kicks of queue %u", vp->ops->name, q);
			return;
		}
	} else {
		eventloop_del(vp->kick_fd[q]);
	}
	vp->kick_watched[q] = vmm;
}

static void kick(void *opaque, int fd)
{
	struct virtio_pci *vp = opaque;
	uint64_t n;

	pthread_mutex_lock(&vp->lock);
	for (unsigned q = 0; q < vp->ops->num_queues; q++) {
		/* not ours any more: the kick belongs to vhost, leave it in the eventfd */
		if (vp->kick_fd[q] == fd && !vp->kick_watched[q]) {
			pthread_mutex_unlock(&vp->lock);
			return;
		}
	}
	if (read(fd, &n, sizeof(n)) < 0) {
		pthread_mutex_unlock(&vp->lock);
		return;
	}
	vp->kicks++;
	for (unsigned q = 0; q < vp->ops->num_queues; q++) {
		if (vp->kick_fd[q] == fd && vp->vq[q].ready && (vp->status & VIRTIO_STATUS_DRIVER_OK) &&
		    !(vp->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET))
			vp->ops->queue_notify(vp, q);
	}
	pthread_mutex_unlock(&vp->lock);
}

/* (Re)binds each queue's ioeventfd to its notify address in the BAR as it is now. */
static void bind_kicks(struct virtio_pci *vp)
{
	for (unsigned q = 0; q < vp->ops->num_queues; q++) {
		struct kvm_ioeventfd io = {
			.len = 2, .fd = vp->kick_fd[q],
		};
		if (vp->kick_registered[q]) {
			io.addr = vp->notify_base + NOTIFY_OFF + q * NOTIFY_MULT;
			io.flags = KVM_IOEVENTFD_FLAG_DEASSIGN;
			ioctl(vp->vm->vm_fd, KVM_IOEVENTFD, &io);
			vp->kick_registered[q] = false;
		}
	}
	if (!vp->pci.bar_active[0])
		return;
	vp->notify_base = vp->pci.bar_active[0];
	for (unsigned q = 0; q < vp->ops->num_queues; q++) {
		struct kvm_ioeventfd io = {
			.addr = vp->notify_base + NOTIFY_OFF + q * NOTIFY_MULT, .len = 2, .fd = vp->kick_fd[q],
		};
		if (ioctl(vp->vm->vm_fd, KVM_IOEVENTFD, &io) == 0)
			vp->kick_registered[q] = true;
		else
			vmm_log("%s: cannot bind the kick of queue %u: %s", vp->ops->name, q, strerror(errno));
	}
}

static void device_reset(struct virtio_pci *vp)
{
	vp->ops->reset(vp);
	vp->status = 0;
	vp->driver_features = 0;
	vp->queue_select = 0;
	vp->msix_config = VIRTIO_PCI_NO_VECTOR;
	for (unsigned q = 0; q < VIRTIO_PCI_MAX_QUEUES; q++) {
		virtq_reset(&vp->vq[q]);
		vp->vq[q].size = vp->ops->queue_size;
		vp->vq_vector[q] = VIRTIO_PCI_NO_VECTOR;
	}
}

static void common_read(struct virtio_pci *vp, unsigned off, uint8_t *d, unsigned len)
{
	struct virtq *vq = vp->queue_select < vp->ops->num_queues ? &vp->vq[vp->queue_select] : NULL;
	uint64_t v = 0;

	switch (off) {
	case 0: v = vp->dfselect; break;
	case 4: v = vp->dfselect < 2 ? (uint32_t)(vp->device_features >> (32 * vp->dfselect)) : 0; break;
	case 8: v = vp->gfselect; break;
	case 12: v = vp->gfselect < 2 ? (uint32_t)(vp->driver_features >> (32 * vp->gfselect)) : 0; break;
	case 16: v = vp->msix_config; break;
	case 18: v = vp->ops->num_queues; break;
	case 20: v = vp->status; break;
	case 21: v = vp->config_generation; break;
	case 22: v = vp->queue_select; break;
	case 24: v = vq ? vq->size : 0; break;
	case 26: v = vq ? vp->vq_vector[vp->queue_select] : VIRTIO_PCI_NO_VECTOR; break;
	case 28: v = vq ? vq->ready : 0; break;
	case 30: v = vq ? vp->queue_select : 0; break; /* notify offset = queue index */
	case 32: case 36: v = vq ? vq->desc_gpa >> (off == 36 ? 32 : 0) : 0; break;
	case 40: case 44: v = vq ? vq->avail_gpa >> (off == 44 ? 32 : 0) : 0; break;
	case 48: case 52: v = vq ? vq->used_gpa >> (off == 52 ? 32 : 0) : 0; break;
	default: v = 0;
	}
	le_put(d, len, v);
}

static void set_status(struct virtio_pci *vp, uint8_t s)
{
	if (s == 0) {
		device_reset(vp);
		return;
	}
	/* FEATURES_OK holds only if the driver took nothing we did not offer, and VERSION_1 */
	if ((s & VIRTIO_STATUS_FEATURES_OK) && !(vp->status & VIRTIO_STATUS_FEATURES_OK)) {
		if ((vp->driver_features & ~vp->device_features) ||
		    !(vp->driver_features & (1ULL << VIRTIO_F_VERSION_1)))
			s &= (uint8_t)~VIRTIO_STATUS_FEATURES_OK;
	}
	bool starting = (s & VIRTIO_STATUS_DRIVER_OK) && !(vp->status & VIRTIO_STATUS_DRIVER_OK);
	vp->status = (uint8_t)(s | (vp->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET));
	if (starting) {
		bool event_idx = vp->driver_features & (1ULL << VIRTIO_F_RING_EVENT_IDX);
		for (unsigned q = 0; q < vp->ops->num_queues; q++)
			vp->vq[q].event_idx = event_idx;
		if (vp->ops->driver_ok)
			vp->ops->driver_ok(vp);
	}
}

static void common_write(struct virtio_pci *vp, unsigned off, const uint8_t *d, unsigned len)
{
	struct virtq *vq = vp->queue_select < vp->ops->num_queues ? &vp->vq[vp->queue_select] : NULL;
	uint64_t v = le_get(d, len);
	bool configurable = vq && !vq->ready && !(vp->status & VIRTIO_STATUS_DRIVER_OK);

	switch (off) {
	case 0: vp->dfselect = (uint32_t)v; break;
	case 8: vp->gfselect = (uint32_t)v; break;
	case 12:
		if (vp->gfselect < 2 && !(vp->status & VIRTIO_STATUS_FEATURES_OK)) {
			unsigned shift = 32 * vp->gfselect;
			vp->driver_features = (vp->driver_features & ~(0xffffffffULL << shift)) | (v << shift);
		}
		break;
	case 16: vp->msix_config = v < vp->nvectors ? (uint16_t)v : VIRTIO_PCI_NO_VECTOR; break;
	case 20: set_status(vp, (uint8_t)v); break;
	case 22: vp->queue_select = (uint16_t)v; break;
	case 24:
		/* a power of two no larger than what we offered, or the queue stays unusable */
		if (configurable)
			vq->size = (v && v <= vp->ops->queue_size && !(v & (v - 1))) ? (uint16_t)v : 0;
		break;
	case 26:
		if (vq)
			vp->vq_vector[vp->queue_select] = v < vp->nvectors ? (uint16_t)v : VIRTIO_PCI_NO_VECTOR;
		break;
	case 28:
		if (configurable && v == 1 && vq->size)
			vq->ready = true;
		break;
	case 32: case 36: case 40: case 44: case 48: case 52:
		if (configurable) {
			uint64_t *field = off < 40 ? &vq->desc_gpa : off < 48 ? &vq->avail_gpa : &vq->used_gpa;
			if (len == 8)
				*field = v;
			else if (off % 8 == 0)
				*field = (*field & ~0xffffffffULL) | (v & 0xffffffffULL);
			else
				*field = (*field & 0xffffffffULL) | (v << 32);
		}
		break;
	default:
		break;
	}
}

static void msix_access(struct virtio_pci *vp, unsigned off, uint8_t *d, unsigned len, bool write)
{
	if (off >= MSIX_PBA_OFF) {
		if (!write) {
			uint64_t pba = 0;
			for (unsigned v = 0; v < vp->nvectors; v++)
				pba |= (uint64_t)vp->msix_pending[v] << v;
			le_put(d, len, (off - MSIX_PBA_OFF) < 8 ? pba >> (8 * (off - MSIX_PBA_OFF)) : 0);
		}
		return;
	}
	unsigned v = (off - MSIX_TABLE_OFF) / 16, field = (off - MSIX_TABLE_OFF) % 16;
	if (v >= vp->nvectors || len != 4 || field % 4) {
		if (!write)
			memset(d, 0xff, len);
		return;
	}
	uint32_t *w = field == 0 ? &vp->msix[v].addr_lo : field == 4 ? &vp->msix[v].addr_hi
			: field == 8 ? &vp->msix[v].data : &vp->msix[v].ctrl;
	if (!write) {
		le_put(d, 4, *w);
		return;
	}
	*w = (uint32_t)le_get(d, 4);
	if (field == 12) {
		*w &= MSIX_ENTRY_MASKED;
		if (!(*w & MSIX_ENTRY_MASKED)) {
			msi_route(vp->vm, &vp->irq[v], (uint64_t)vp->msix[v].addr_hi << 32 | vp->msix[v].addr_lo,
				  vp->msix[v].data);
			if (vp->msix_pending[v] && msix_enabled(vp, v)) {
				vp->msix_pending[v] = false;
				msi_signal(&vp->irq[v]);
			}
		}
	}
}

static void pass_kick(struct virtio_pci *vp, unsigned q)
{
	uint64_t one = 1;

	if (write(vp->kick_fd[q], &one, sizeof(one)) < 0)
		vmm_log("%s: cannot pass a kick of queue %u on", vp->ops->name, q);
}

static void bar_access(struct pci_device *d, int bar, uint64_t off, uint8_t *data, unsigned len, bool write)
{
	struct virtio_pci *vp = d->opaque;

	(void)bar;
	pthread_mutex_lock(&vp->lock);
	if (off + len <= COMMON_OFF + COMMON_LEN) {
		if (write)
			common_write(vp, (unsigned)off, data, len);
		else
			common_read(vp, (unsigned)off, data, len);
	} else if (off == ISR_OFF) {
		if (!write)
			data[0] = 0; /* MSI-X only: the ISR is not used */
	} else if (off >= DEVICE_OFF && off + len <= DEVICE_OFF + DEVICE_LEN) {
		if (write && vp->ops->config_write)
			vp->ops->config_write(vp, (uint32_t)(off - DEVICE_OFF), data, len);
		else if (!write)
			vp->ops->config_read(vp, (uint32_t)(off - DEVICE_OFF), data, len);
	} else if (off >= NOTIFY_OFF && off < NOTIFY_OFF + 0x1000) {
		/* a kick that did not go through the ioeventfd (another width): run it here */
		unsigned q = (unsigned)(off - NOTIFY_OFF) / NOTIFY_MULT;
		if (write && q < vp->ops->num_queues && !vp->kick_watched[q]) {
			pass_kick(vp, q); /* vhost's queue */
		} else if (write && q < vp->ops->num_queues && vp->vq[q].ready && (vp->status & VIRTIO_STATUS_DRIVER_OK)) {
			vp->ops->queue_notify(vp, q);
		}
		else if (!write)
			memset(data, 0, len);
	} else if (off >= MSIX_TABLE_OFF && off < BAR_SIZE) {
		msix_access(vp, (unsigned)off, data, len, write);
	} else if (!write) {
		memset(data, 0, len);
	}
	pthread_mutex_unlock(&vp->lock);
}

static void bar_moved(struct pci_device *d, int bar, uint64_t addr)
{
	struct virtio_pci *vp = d->opaque;

	(void)bar;
	(void)addr;
	pthread_mutex_lock(&vp->lock);
	bind_kicks(vp);
	pthread_mutex_unlock(&vp->lock);
}

static void config_written(struct pci_device *d, unsigned off, unsigned len)
{
	struct virtio_pci *vp = d->opaque;

	(void)off;
	(void)len;
	/* MSI-X enable or function mask changed: deliver what waited */
	pthread_mutex_lock(&vp->lock);
	for (unsigned v = 0; v < vp->nvectors; v++) {
		if (vp->msix_pending[v] && msix_enabled(vp, v)) {
			vp->msix_pending[v] = false;
			msi_signal(&vp->irq[v]);
		}
	}
	pthread_mutex_unlock(&vp->lock);
}


/* --- save and restore ------------------------------------------------------------------ */

/* A device's optional hook, under the transport lock as its other callbacks are. */
static void call_locked(struct virtio_pci *vp, void (*hook)(struct virtio_pci *))
{
	if (!hook)
		return;
	pthread_mutex_lock(&vp->lock);
	hook(vp);
	pthread_mutex_unlock(&vp->lock);
}

static void vp_snap_quiesce(void *opaque)
{
	struct virtio_pci *vp = opaque;
	call_locked(vp, vp->ops->quiesce);
}

static void vp_snap_resume(void *opaque)
{
	struct virtio_pci *vp = opaque;
	call_locked(vp, vp->ops->resume);
}

static void vp_snap_track_begin(void *opaque)
{
	struct virtio_pci *vp = opaque;
	call_locked(vp, vp->ops->track_begin);
}

static void vp_snap_track_end(void *opaque)
{
	struct virtio_pci *vp = opaque;
	call_locked(vp, vp->ops->track_end);
}

static void vp_snap_save(void *opaque, struct snap_buf *b)
{
	struct virtio_pci *vp = opaque;

	pci_device_save(&vp->pci, b);
	pthread_mutex_lock(&vp->lock);
	sb_put(b, vp->driver_features, 8);
	sb_put(b, vp->dfselect, 4);
	sb_put(b, vp->gfselect, 4);
	sb_put(b, vp->status, 1);
	sb_put(b, vp->config_generation, 1);
	sb_put(b, vp->queue_select, 2);
	sb_put(b, vp->msix_config, 2);
	for (unsigned q = 0; q < vp->ops->num_queues; q++) {
		const struct virtq *vq = &vp->vq[q];
		sb_put(b, vq->size, 2);
		sb_put(b, vq->ready, 1);
		sb_put(b, vq->desc_gpa, 8);
		sb_put(b, vq->avail_gpa, 8);
		sb_put(b, vq->used_gpa, 8);
		sb_put(b, vq->event_idx, 1);
		sb_put(b, vq->last_avail_idx, 2);
		sb_put(b, vq->used_idx, 2);
		sb_put(b, vq->signalled_used, 2);
		sb_put(b, vq->signalled_used_valid, 1);
		sb_put(b, vq->broken, 1);
		sb_put(b, vp->vq_vector[q], 2);
	}
	for (unsigned v = 0; v < vp->nvectors; v++) {
		sb_put(b, vp->msix[v].addr_lo, 4);
		sb_put(b, vp->msix[v].addr_hi, 4);
		sb_put(b, vp->msix[v].data, 4);
		sb_put(b, vp->msix[v].ctrl, 4);
		sb_put(b, vp->msix_pending[v], 1);
	}
	if (vp->ops->save)
		vp->ops->save(vp, b);
	pthread_mutex_unlock(&vp->lock);
}

static uint16_t vector_or_none(struct virtio_pci *vp, uint64_t v)
{
	return v < vp->nvectors ? (uint16_t)v : VIRTIO_PCI_NO_VECTOR;
}

/* The transport as the driver left it, checked as if the driver had written it again, its
 * interrupts routed. vp_snap_activate then brings it back to life: a live device's back-end
 * started, every ready queue looked at once and every vector raised once (an interrupt in
 * flight when the guest was saved is not lost; a spurious one costs the driver a look at its
 * ring). Not before: a migration's receiver must not send a frame before the sender has let
 * go of the guest. */
static int vp_snap_load(void *opaque, struct snap_buf *b, char *err, size_t errlen)
{
	struct virtio_pci *vp = opaque;
	int r = 0;

	pci_device_load(&vp->pci, b);
	pthread_mutex_lock(&vp->lock);
	vp->driver_features = sb_get(b, 8);
	vp->dfselect = (uint32_t)sb_get(b, 4);
	vp->gfselect = (uint32_t)sb_get(b, 4);
	vp->status = (uint8_t)sb_get(b, 1);
	vp->config_generation = (uint8_t)sb_get(b, 1);
	vp->queue_select = (uint16_t)sb_get(b, 2);
	vp->msix_config = vector_or_none(vp, sb_get(b, 2));
	for (unsigned q = 0; q < vp->ops->num_queues; q++) {
		struct virtq *vq = &vp->vq[q];
		uint16_t size = (uint16_t)sb_get(b, 2);
		vq->size = (size && size <= vp->ops->queue_size && !(size & (size - 1))) ? size : 0;
		vq->ready = sb_get(b, 1) && vq->size;
		vq->desc_gpa = sb_get(b, 8);
		vq->avail_gpa = sb_get(b, 8);
		vq->used_gpa = sb_get(b, 8);
		vq->event_idx = sb_get(b, 1) != 0;
		vq->last_avail_idx = (uint16_t)sb_get(b, 2);
		vq->used_idx = (uint16_t)sb_get(b, 2);
		vq->signalled_used = (uint16_t)sb_get(b, 2);
		vq->signalled_used_valid = sb_get(b, 1) != 0;
		vq->broken = sb_get(b, 1) != 0;
		vp->vq_vector[q] = vector_or_none(vp, sb_get(b, 2));
	}
	for (unsigned v = 0; v < vp->nvectors; v++) {
		vp->msix[v].addr_lo = (uint32_t)sb_get(b, 4);
		vp->msix[v].addr_hi = (uint32_t)sb_get(b, 4);
		vp->msix[v].data = (uint32_t)sb_get(b, 4);
		vp->msix[v].ctrl = (uint32_t)sb_get(b, 4) & MSIX_ENTRY_MASKED;
		vp->msix_pending[v] = sb_get(b, 1) != 0;
	}
	if (b->bad || (vp->driver_features & ~vp->device_features)) {
		snprintf(err, errlen, "%s: the saved transport state is malformed", vp->ops->name);
		r = -1;
		goto out;
	}
	if (vp->ops->load && vp->ops->load(vp, b, err, errlen) != 0) {
		r = -1;
		goto out;
	}
	for (unsigned v = 0; v < vp->nvectors; v++) {
		if (!(vp->msix[v].ctrl & MSIX_ENTRY_MASKED))
			msi_route(vp->vm, &vp->irq[v], (uint64_t)vp->msix[v].addr_hi << 32 | vp->msix[v].addr_lo,
				  vp->msix[v].data);
	}
out:
	pthread_mutex_unlock(&vp->lock);
	return r;
}

/* A loaded device comes back to life, once the guest is surely ours (vp_snap_load). */
static void vp_snap_activate(void *opaque)
{
	struct virtio_pci *vp = opaque;

	pthread_mutex_lock(&vp->lock);
	if ((vp->status & VIRTIO_STATUS_DRIVER_OK) && !(vp->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET)) {
		if (vp->ops->driver_ok)
			vp->ops->driver_ok(vp);
		for (unsigned q = 0; q < vp->ops->num_queues; q++) {
			if (vp->vq[q].ready)
				pass_kick(vp, q);
			vp->vq[q].signalled_used_valid = false;
			raise_vector(vp, vp->vq_vector[q]);
		}
	}
	pthread_mutex_unlock(&vp->lock);
}

/* Ahead of a migration's pause: where the BARs are and the MSI-X messages, so that the
 * receiver binds the kicks' ioeventfds and sets the routes while the guest still runs here
 * (each such KVM call waits for a grace period of KVM's). */
static void vp_snap_hint_save(void *opaque, struct snap_buf *b)
{
	struct virtio_pci *vp = opaque;

	pci_device_save(&vp->pci, b);
	pthread_mutex_lock(&vp->lock);
	sb_put(b, vp->nvectors, 4);
	for (unsigned v = 0; v < vp->nvectors; v++) {
		sb_put(b, vp->msix[v].addr_lo, 4);
		sb_put(b, vp->msix[v].addr_hi, 4);
		sb_put(b, vp->msix[v].data, 4);
		sb_put(b, vp->msix[v].ctrl, 4);
	}
	pthread_mutex_unlock(&vp->lock);
}

/* Registers the hint with KVM and keeps nothing of it as the device's state: vp_snap_load
 * sets that, from the state the pause brings. */
static void vp_snap_hint_load(void *opaque, struct snap_buf *b)
{
	struct virtio_pci *vp = opaque;

	pci_device_preview(&vp->pci, b);
	if (b->bad || sb_get(b, 4) != vp->nvectors)
		return;
	for (unsigned v = 0; v < vp->nvectors; v++) {
		uint32_t lo = (uint32_t)sb_get(b, 4), hi = (uint32_t)sb_get(b, 4), data = (uint32_t)sb_get(b, 4);
		uint32_t ctrl = (uint32_t)sb_get(b, 4);
		if (!b->bad && !(ctrl & MSIX_ENTRY_MASKED))
			msi_route(vp->vm, &vp->irq[v], (uint64_t)hi << 32 | lo, data);
	}
}

static const struct snap_ops vp_snap_ops = {
	.save = vp_snap_save,
	.load = vp_snap_load,
	.quiesce = vp_snap_quiesce,
	.resume = vp_snap_resume,
	.track_begin = vp_snap_track_begin,
	.track_end = vp_snap_track_end,
	.activate = vp_snap_activate,
	.hint_save = vp_snap_hint_save,
	.hint_load = vp_snap_hint_load,
};

static const struct pci_device_ops virtio_pci_ops = {
	.bar_access = bar_access,
	.bar_moved = bar_moved,
	.config_written = config_written,
};

/* A vendor-specific capability pointing into BAR0. */
static void add_cap(struct pci_device *d, unsigned at, unsigned next, uint8_t type, uint32_t off,
		    uint32_t len, unsigned caplen)
{
	d->cfg[at] = CAP_VNDR;
	d->cfg[at + 1] = (uint8_t)next;
	d->cfg[at + 2] = (uint8_t)caplen;
	d->cfg[at + 3] = type;
	d->cfg[at + 4] = 0; /* BAR0 */
	pci_cfg_put32(d, at + 8, off);
	pci_cfg_put32(d, at + 12, len);
}

int virtio_pci_init(struct virtio_pci *vp, struct vm *vm, const struct virtio_dev_ops *ops,
		    void *dev, uint64_t features)
{
	struct pci_device *d = &vp->pci;

	memset(vp, 0, sizeof(*vp));
	pthread_mutex_init(&vp->lock, NULL);
	vp->ops = ops;
	vp->dev = dev;
	vp->vm = vm;
	vp->device_features = features | (1ULL << VIRTIO_F_VERSION_1) |
			      (1ULL << VIRTIO_F_RING_EVENT_IDX) | (1ULL << VIRTIO_RING_F_INDIRECT_DESC);
	vp->nvectors = ops->num_queues + 1;

	pci_cfg_put16(d, 0x00, 0x1af4);                  /* virtio */
	pci_cfg_put16(d, 0x02, (uint16_t)(0x1040 + ops->device_id));
	pci_cfg_put16(d, 0x06, 0x0010);                  /* status: capability list */
	d->cfg[0x08] = 1;                                /* revision 1: modern */
	d->cfg[0x0a] = (uint8_t)ops->pci_class;
	d->cfg[0x0b] = (uint8_t)(ops->pci_class >> 8);
	pci_cfg_put16(d, 0x2c, 0x1af4);
	pci_cfg_put16(d, 0x2e, ops->device_id);
	d->cfg[0x34] = 0x40;                             /* first capability */
	d->bar_size[0] = BAR_SIZE;
	add_cap(d, 0x40, 0x50, CFG_COMMON, COMMON_OFF, COMMON_LEN, 16);
	add_cap(d, 0x50, 0x64, CFG_NOTIFY, NOTIFY_OFF, 0x1000, 20);
	pci_cfg_put32(d, 0x50 + 16, NOTIFY_MULT);
	add_cap(d, 0x64, 0x74, CFG_ISR, ISR_OFF, 1, 16);
	add_cap(d, 0x74, MSIX_CAP_OFF, CFG_DEVICE, DEVICE_OFF, DEVICE_LEN, 16);
	d->cfg[MSIX_CAP_OFF] = CAP_MSIX;
	d->cfg[MSIX_CAP_OFF + 1] = 0;
	pci_cfg_put16(d, MSIX_CAP_OFF + 2, (uint16_t)(vp->nvectors - 1));
	pci_cfg_put32(d, MSIX_CAP_OFF + 4, MSIX_TABLE_OFF); /* BAR0 */
	pci_cfg_put32(d, MSIX_CAP_OFF + 8, MSIX_PBA_OFF);
	d->writable[MSIX_CAP_OFF + 3] = (MSIX_ENABLE | MSIX_FUNC_MASK) >> 8;
	d->ops = &virtio_pci_ops;
	d->opaque = vp;

	for (unsigned v = 0; v < vp->nvectors; v++) {
		vp->msix[v].ctrl = MSIX_ENTRY_MASKED;
		if (msi_vector_init(vm, &vp->irq[v]) != 0)
			return -1;
	}
	for (unsigned q = 0; q < ops->num_queues; q++) {
		vp->kick_fd[q] = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
		if (vp->kick_fd[q] < 0 || eventloop_add(vp->kick_fd[q], kick, vp) != 0)
			return -1;
		vp->kick_watched[q] = true;
	}
	device_reset(vp);
	if (pci_register(d) != 0)
		return -1;
	snapshot_register(SNAP_TAG('V', 'P', 'C', 'I'), (uint32_t)d->slot, &vp_snap_ops, vp);
	return 0;
}
