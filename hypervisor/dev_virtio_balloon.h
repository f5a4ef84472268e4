#ifndef PARAVENT_VMM_DEV_VIRTIO_BALLOON_H
#define PARAVENT_VMM_DEV_VIRTIO_BALLOON_H
#include <stddef.h>
#include <stdint.h>
struct vm;
/* virtio-balloon: dom0 takes guest memory back (and gives it again) while the guest runs.
 * target_mib is what the guest should keep of its RAM from the start. */
int virtio_balloon_add(struct vm *vm, uint64_t target_mib);
/* Asks the guest to keep target_mib of its RAM (16 MiB to all of it). 0, or -1 with why. */
int virtio_balloon_set_target(uint64_t target_mib, char *err, size_t errlen);
struct virtio_balloon_stats {
	uint64_t target_mib;   /* what the guest was asked to keep */
	uint64_t guest_mib;    /* what it keeps now: RAM minus the pages in its balloon */
	uint64_t released;     /* pages handed back to dom0 since boot */
	uint64_t bad_pfns;     /* frame numbers outside its RAM, ignored */
};
/* 0 and *s filled, or -1 without a balloon. */
int virtio_balloon_get_stats(struct virtio_balloon_stats *s);
#endif
