#ifndef PARAVENT_VMM_DEV_VIRTIO_BLK_H
#define PARAVENT_VMM_DEV_VIRTIO_BLK_H
#include <stdbool.h>
#include <stddef.h>
#include "virtio_blk_req.h"
struct vm;
/* Opens a raw image (locked against a second writer) and adds it as a virtio-blk PCI
 * device. On failure returns -1 with the reason in err. */
int virtio_blk_add(struct vm *vm, const char *path, bool readonly, char *err, size_t errlen);
/* Request and byte counters of disk i, for stats. */
int virtio_blk_stats(int i, struct blk_stats *st);
#endif
