/* The vhost protocol shared by our in-kernel back-ends (vhost-net, vhost-vsock): the guest's
 * memory map, and per queue its size, ring addresses, where to start, the kick eventfd (a KVM
 * ioeventfd) and the call eventfd (a KVM irqfd). Once set, the dom0 kernel serves the queue
 * with no exit to this process. */
#ifndef PARAVENT_VMM_VHOST_H
#define PARAVENT_VMM_VHOST_H

#include <stddef.h>
#include <stdint.h>

#include "guest_mem.h"
#include "virtqueue.h"

/* Opens a vhost device (/dev/vhost-net, /dev/vhost-vsock) and becomes its owner; its feature
 * bits into *features. Returns the fd, or -1 with a reason in err. */
int vhost_open(const char *path, uint64_t *features, char *err, size_t errlen);

/* The ring features of driver_features vhost must also have: version 1, event index,
 * indirect descriptors, plus the device's own from extra. */
uint64_t vhost_ring_features(uint64_t driver_features, uint64_t extra);

/* Sets the features and the guest memory table. 0, or -1 with errno. */
int vhost_set_features_and_memory(int fd, uint64_t features, const struct guest_mem *m);

/* Hands queue i (vq) to vhost, starting where our indices are. 0, or -1 with errno. */
int vhost_start_queue(int fd, struct guest_mem *m, unsigned i, struct virtq *vq, int kick, int call);

/* Takes queue i back from a stopped vhost: our indices continue where it stopped. */
void vhost_take_queue(int fd, struct guest_mem *m, unsigned i, struct virtq *vq);

#endif
