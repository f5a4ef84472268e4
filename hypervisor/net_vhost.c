/* vhost-net set-up and tear-down (see net_vhost.h). */
#include "net_vhost.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/vhost.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "le.h"
#include "vhost.h"
#include "virtio_spec.h"
#include "vmm.h"

int vhost_net_open(struct vhost_net *v, char *err, size_t errlen)
{
	v->running = false;
	v->fd = vhost_open("/dev/vhost-net", &v->features, err, errlen);
	return v->fd < 0 ? -1 : 0;
}

uint64_t vhost_net_ring_features(uint64_t f)
{
	return vhost_ring_features(f, 1ULL << VIRTIO_NET_F_MRG_RXBUF);
}

static void set_backend(struct vhost_net *v, unsigned i, int fd)
{
	struct vhost_vring_file b = { .index = i, .fd = fd };
	ioctl(v->fd, VHOST_NET_SET_BACKEND, &b);
}

int vhost_net_start(struct vhost_net *v, struct guest_mem *m, uint64_t driver_features,
		    struct virtq vq[2], const int kick_fd[2], const int call_fd[2], int tap_fd)
{
	uint64_t f = vhost_net_ring_features(driver_features);

	if (v->fd < 0 || v->running)
		return -1;
	if ((v->features & f) != f) {
		vmm_log("vhost-net lacks features %#llx the driver negotiated",
			(unsigned long long)(f & ~v->features));
		return -1;
	}
	if (vhost_set_features_and_memory(v->fd, f, m) != 0) {
		vmm_log("vhost-net: cannot set features or the memory table: %s", strerror(errno));
		return -1;
	}
	for (unsigned i = 0; i < 2; i++) {
		if (vhost_start_queue(v->fd, m, i, &vq[i], kick_fd[i], call_fd[i]) != 0) {
			vmm_log("vhost-net: cannot set up queue %u: %s", i, strerror(errno));
			return -1;
		}
	}
	struct vhost_vring_file b0 = { .index = 0, .fd = tap_fd }, b1 = { .index = 1, .fd = tap_fd };
	if (ioctl(v->fd, VHOST_NET_SET_BACKEND, &b0) != 0 || ioctl(v->fd, VHOST_NET_SET_BACKEND, &b1) != 0) {
		vmm_log("vhost-net: cannot attach the tap: %s", strerror(errno));
		set_backend(v, 0, -1);
		set_backend(v, 1, -1);
		return -1;
	}
	v->running = true;
	return 0;
}

void vhost_net_stop(struct vhost_net *v, struct guest_mem *m, struct virtq vq[2])
{
	if (!v->running)
		return;
	for (unsigned i = 0; i < 2; i++) {
		set_backend(v, i, -1);
		vhost_take_queue(v->fd, m, i, &vq[i]);
	}
	v->running = false;
}
