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
#include "virtio_spec.h"
#include "vmm.h"

int vhost_net_open(struct vhost_net *v, char *err, size_t errlen)
{
	v->running = false;
	v->fd = open("/dev/vhost-net", O_RDWR | O_CLOEXEC);
	if (v->fd < 0) {
		snprintf(err, errlen, "cannot open /dev/vhost-net: %s", strerror(errno));
		return -1;
	}
	if (ioctl(v->fd, VHOST_SET_OWNER) != 0 || ioctl(v->fd, VHOST_GET_FEATURES, &v->features) != 0) {
		snprintf(err, errlen, "/dev/vhost-net is unusable: %s", strerror(errno));
		close(v->fd);
		v->fd = -1;
		return -1;
	}
	return 0;
}

uint64_t vhost_net_ring_features(uint64_t f)
{
	return f & ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_RING_EVENT_IDX) |
		    (1ULL << VIRTIO_RING_F_INDIRECT_DESC) | (1ULL << VIRTIO_NET_F_MRG_RXBUF));
}

static int set_mem_table(struct vhost_net *v, const struct guest_mem *m)
{
	struct vhost_memory *mem = calloc(1, sizeof(*mem) + m->nr * sizeof(mem->regions[0]));

	if (!mem)
		return -1;
	mem->nregions = m->nr;
	for (unsigned i = 0; i < m->nr; i++) {
		mem->regions[i].guest_phys_addr = m->r[i].gpa;
		mem->regions[i].memory_size = m->r[i].size;
		mem->regions[i].userspace_addr = (uint64_t)(uintptr_t)m->r[i].hva;
	}
	int r = ioctl(v->fd, VHOST_SET_MEM_TABLE, mem);
	free(mem);
	return r;
}

static int start_queue(struct vhost_net *v, struct guest_mem *m, unsigned i, struct virtq *vq, int kick,
		       int call)
{
	void *desc = guest_mem_ptr(m, vq->desc_gpa, VIRTQ_DESC_SIZE * (uint64_t)vq->size);
	void *avail = guest_mem_ptr(m, vq->avail_gpa, VIRTQ_AVAIL_BYTES(vq->size) + 2);
	void *used = guest_mem_ptr(m, vq->used_gpa, VIRTQ_USED_BYTES(vq->size) + 2);

	if (!desc || !avail || !used) {
		errno = EFAULT;
		return -1;
	}
	struct vhost_vring_state num = { .index = i, .num = vq->size };
	struct vhost_vring_state base = { .index = i, .num = vq->last_avail_idx };
	struct vhost_vring_addr addr = {
		.index = i,
		.desc_user_addr = (uint64_t)(uintptr_t)desc,
		.avail_user_addr = (uint64_t)(uintptr_t)avail,
		.used_user_addr = (uint64_t)(uintptr_t)used,
	};
	struct vhost_vring_file kf = { .index = i, .fd = kick }, cf = { .index = i, .fd = call };
	if (ioctl(v->fd, VHOST_SET_VRING_NUM, &num) != 0 || ioctl(v->fd, VHOST_SET_VRING_BASE, &base) != 0 ||
	    ioctl(v->fd, VHOST_SET_VRING_ADDR, &addr) != 0 || ioctl(v->fd, VHOST_SET_VRING_KICK, &kf) != 0 ||
	    ioctl(v->fd, VHOST_SET_VRING_CALL, &cf) != 0)
		return -1;
	return 0;
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
	if (ioctl(v->fd, VHOST_SET_FEATURES, &f) != 0 || set_mem_table(v, m) != 0) {
		vmm_log("vhost-net: cannot set features or the memory table: %s", strerror(errno));
		return -1;
	}
	for (unsigned i = 0; i < 2; i++) {
		if (start_queue(v, m, i, &vq[i], kick_fd[i], call_fd[i]) != 0) {
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
		struct vhost_vring_state base = { .index = i };
		if (ioctl(v->fd, VHOST_GET_VRING_BASE, &base) == 0)
			vq[i].last_avail_idx = (uint16_t)base.num;
		/* where vhost left the used ring */
		const uint8_t *used = guest_mem_ptr(m, vq[i].used_gpa + VIRTQ_USED_IDX, 2);
		if (used)
			vq[i].used_idx = (uint16_t)__atomic_load_n((const uint16_t *)(const void *)used, __ATOMIC_ACQUIRE);
		vq[i].signalled_used_valid = false;
	}
	v->running = false;
}
