#ifndef PARAVENT_VMM_DEV_VIRTIO_BLK_H
#define PARAVENT_VMM_DEV_VIRTIO_BLK_H
#include <stdbool.h>
#include <stddef.h>
#include "virtio_blk_req.h"
#include "options.h"
struct vm;
/* Opens a raw image (locked against a second writer) and adds it as a virtio-blk PCI
 * device, with its rate limit. On failure returns -1 with the reason in err. */
int virtio_blk_add(struct vm *vm, const struct disk_option *d, char *err, size_t errlen);
/* Changes disk i's limit at run time: key "rate" (bytes) or "ops" (requests). */
int virtio_blk_set_rate(int i, const char *key, const char *spec, char *err, size_t errlen);
/* The limits in force, as specs ("off" for none). */
void virtio_blk_rates(int i, char *rate, char *ops, size_t len);
/* Request and byte counters of disk i, for stats. */
int virtio_blk_stats(int i, struct blk_stats *st);
/* Disk i's image, as opened for the guest (-1 if there is no disk i): a save reads its size
 * and content through it, since a confined VMM cannot open the image's path again. */
int virtio_blk_backing_fd(int i);
#endif
