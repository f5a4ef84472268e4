/* vhost-net: the in-kernel back-end of a virtio-net NIC. Given the guest's memory map, the
 * rings, the queue's kick eventfds (KVM ioeventfds) and interrupt eventfds (KVM irqfds), the
 * dom0 kernel moves frames between the rings and the tap with no exit to this process. The
 * VMM hands the rings over at DRIVER_OK and takes them back (where vhost stopped) on reset or
 * when a rate limit needs the user-space back-end. */
#ifndef PARAVENT_VMM_NET_VHOST_H
#define PARAVENT_VMM_NET_VHOST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "guest_mem.h"
#include "virtqueue.h"

struct vhost_net {
	int fd;             /* /dev/vhost-net, -1 if unavailable */
	uint64_t features;  /* what this kernel's vhost-net does */
	bool running;
};

/* Opens /dev/vhost-net. Returns -1 with a reason when it is missing or unusable. */
int vhost_net_open(struct vhost_net *v, char *err, size_t errlen);

/* The virtio feature bits vhost must support for us to use it with a driver that negotiated
 * driver_features: the ring and header features (offloads are the tap's business). */
uint64_t vhost_net_ring_features(uint64_t driver_features);

/* Hands queues 0 (receive) and 1 (transmit) to vhost. Returns 0, or -1 (logged) with vhost
 * left stopped and the queues untouched. */
int vhost_net_start(struct vhost_net *v, struct guest_mem *m, uint64_t driver_features,
		    struct virtq vq[2], const int kick_fd[2], const int call_fd[2], int tap_fd);

/* Takes the queues back: our ring indices continue where vhost stopped. */
void vhost_net_stop(struct vhost_net *v, struct guest_mem *m, struct virtq vq[2]);

#endif
