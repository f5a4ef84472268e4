/* The virtio 1.x PCI transport (modern interface only): common configuration, notification
 * through ioeventfd, MSI-X through irqfd, device configuration. A device supplies its ops
 * and gets queues it works on from the event loop. */
#ifndef PARAVENT_VMM_VIRTIO_PCI_H
#define PARAVENT_VMM_VIRTIO_PCI_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "msi.h"
#include "pci.h"
#include "virtqueue.h"

#define VIRTIO_PCI_MAX_QUEUES 8
#define VIRTIO_PCI_NO_VECTOR 0xffff

struct virtio_pci;
struct snap_buf;

struct virtio_dev_ops {
	const char *name;
	uint16_t device_id;   /* VIRTIO_ID_* */
	uint32_t pci_class;   /* class code << 8 | subclass, e.g. 0x0180 storage */
	unsigned num_queues;
	uint16_t queue_size;  /* the largest the device accepts */
	/* device-specific configuration space, read and written by the driver */
	void (*config_read)(struct virtio_pci *vp, uint32_t off, uint8_t *data, unsigned len);
	void (*config_write)(struct virtio_pci *vp, uint32_t off, const uint8_t *data, unsigned len);
	/* the driver kicked queue q (event loop thread, transport lock held) */
	void (*queue_notify)(struct virtio_pci *vp, unsigned q);
	/* the driver reset the device: drop everything in flight */
	void (*reset)(struct virtio_pci *vp);
	/* optional: the driver set DRIVER_OK, the queues are live (transport lock held); also
	 * called when a restored device was live when it was saved */
	void (*driver_ok)(struct virtio_pci *vp);
	/* optional, for save and restore (transport lock held; see snapshot.h): the device's
	 * own state after the transport's, taking back what is in flight before a save and
	 * handing it out again when the guest goes on running */
	void (*save)(struct virtio_pci *vp, struct snap_buf *b);
	int (*load)(struct virtio_pci *vp, struct snap_buf *b, char *err, size_t errlen);
	void (*quiesce)(struct virtio_pci *vp);
	void (*resume)(struct virtio_pci *vp);
	/* optional, for live migration (snapshot.h's track_begin and track_end) */
	void (*track_begin)(struct virtio_pci *vp);
	void (*track_end)(struct virtio_pci *vp);
};

struct virtio_pci {
	struct pci_device pci;
	const struct virtio_dev_ops *ops;
	void *dev;
	struct vm *vm;
	pthread_mutex_t lock;
	uint64_t device_features;
	uint64_t driver_features;
	uint32_t dfselect, gfselect;
	uint8_t status;
	uint8_t config_generation;
	uint16_t queue_select;
	uint16_t msix_config;
	struct virtq vq[VIRTIO_PCI_MAX_QUEUES];
	uint16_t vq_vector[VIRTIO_PCI_MAX_QUEUES];
	int kick_fd[VIRTIO_PCI_MAX_QUEUES];
	bool kick_registered[VIRTIO_PCI_MAX_QUEUES];
	bool kick_watched[VIRTIO_PCI_MAX_QUEUES]; /* in our event loop (not handed to vhost) */
	uint64_t notify_base; /* where the notify area decodes, for the ioeventfds */
	/* MSI-X: one vector per queue plus one for configuration changes */
	unsigned nvectors;
	struct { uint32_t addr_lo, addr_hi, data, ctrl; } msix[VIRTIO_PCI_MAX_QUEUES + 1];
	bool msix_pending[VIRTIO_PCI_MAX_QUEUES + 1];
	struct msi_vector irq[VIRTIO_PCI_MAX_QUEUES + 1];
	uint64_t interrupts, kicks;
};

/* Creates the PCI function for a device with the given feature bits (the transport adds
 * VERSION_1, RING_EVENT_IDX and INDIRECT_DESC). */
int virtio_pci_init(struct virtio_pci *vp, struct vm *vm, const struct virtio_dev_ops *ops,
		    void *dev, uint64_t features);

/* After pushing used entries on queue q: interrupts the driver if it wants one. */
void virtio_pci_queue_done(struct virtio_pci *vp, unsigned q);

/* Handles one chain from queue q; returns the bytes it wrote into the chain's buffers. */
typedef uint32_t (*virtio_chain_fn)(struct virtio_pci *vp, unsigned q, struct virtq_chain *chain);

/* Serves queue q until it is empty, the way a device that answers each chain at once does:
 * every chain goes to handle and back on the used ring, a malformed chain goes back empty, a
 * broken ring makes the device need a reset. Kicks are off meanwhile and the queue is looked
 * at again once they are back on, so a chain the driver adds in between does not wait.
 * chain is the device's scratch space. Transport lock held. */
void virtio_pci_serve_queue(struct virtio_pci *vp, unsigned q, struct virtq_chain *chain, virtio_chain_fn handle);

/* The device configuration changed (e.g. link status): tell the driver. */
void virtio_pci_config_changed(struct virtio_pci *vp);

/* Who takes the kicks of queue q: this process's event loop (true, the default) or someone
 * else reading the same eventfd, vhost in the kernel (false). Transport lock held. */
void virtio_pci_kicks_to_vmm(struct virtio_pci *vp, unsigned q, bool vmm);

/* The device found a queue it cannot use: tell the driver (DEVICE_NEEDS_RESET + config
 * interrupt) and stop processing until it resets the device. */
void virtio_pci_set_broken(struct virtio_pci *vp);

#endif
