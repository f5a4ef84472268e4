#ifndef PARAVENT_VMM_DEV_VIRTIO_RNG_H
#define PARAVENT_VMM_DEV_VIRTIO_RNG_H
#include <stdint.h>
struct vm;
/* virtio-rng: the guest's hardware RNG (/dev/hwrng), fed from getrandom(). */
int virtio_rng_add(struct vm *vm);
/* What the guest took (bytes) and how often it kicked the queue, for the stats; 0 and 0
 * without the device. */
void virtio_rng_stats(uint64_t *bytes, uint64_t *kicks);
#endif
