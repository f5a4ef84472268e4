/* See vhost.h. */
#include "vhost.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/vhost.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "virtio_spec.h"

int vhost_open(const char *path, uint64_t *features, char *err, size_t errlen)
{
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	if (ioctl(fd, VHOST_SET_OWNER) != 0 || ioctl(fd, VHOST_GET_FEATURES, features) != 0) {
		snprintf(err, errlen, "%s is unusable: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

uint64_t vhost_ring_features(uint64_t f, uint64_t extra)
{
	return f & ((1ULL << VIRTIO_F_VERSION_1) | (1ULL << VIRTIO_F_RING_EVENT_IDX) |
		    (1ULL << VIRTIO_RING_F_INDIRECT_DESC) | extra);
}

int vhost_set_features_and_memory(int fd, uint64_t features, const struct guest_mem *m)
{
	if (ioctl(fd, VHOST_SET_FEATURES, &features) != 0)
		return -1;
	struct vhost_memory *mem = calloc(1, sizeof(*mem) + m->nr * sizeof(mem->regions[0]));
	if (!mem) {
		errno = ENOMEM;
		return -1;
	}
	mem->nregions = m->nr;
	for (unsigned i = 0; i < m->nr; i++) {
		mem->regions[i].guest_phys_addr = m->r[i].gpa;
		mem->regions[i].memory_size = m->r[i].size;
		mem->regions[i].userspace_addr = (uint64_t)(uintptr_t)m->r[i].hva;
	}
	int r = ioctl(fd, VHOST_SET_MEM_TABLE, mem);
	free(mem);
	return r;
}

int vhost_start_queue(int fd, struct guest_mem *m, unsigned i, struct virtq *vq, int kick, int call)
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
	if (ioctl(fd, VHOST_SET_VRING_NUM, &num) != 0 || ioctl(fd, VHOST_SET_VRING_BASE, &base) != 0 ||
	    ioctl(fd, VHOST_SET_VRING_ADDR, &addr) != 0 || ioctl(fd, VHOST_SET_VRING_KICK, &kf) != 0 ||
	    ioctl(fd, VHOST_SET_VRING_CALL, &cf) != 0)
		return -1;
	return 0;
}

void vhost_take_queue(int fd, struct guest_mem *m, unsigned i, struct virtq *vq)
{
	struct vhost_vring_state base = { .index = i };
	if (ioctl(fd, VHOST_GET_VRING_BASE, &base) == 0)
		vq->last_avail_idx = (uint16_t)base.num;
	/* where vhost left the used ring */
	const uint8_t *used = guest_mem_ptr(m, vq->used_gpa + VIRTQ_USED_IDX, 2);
	if (used)
		vq->used_idx = (uint16_t)__atomic_load_n((const uint16_t *)(const void *)used, __ATOMIC_ACQUIRE);
	vq->signalled_used_valid = false;
}
