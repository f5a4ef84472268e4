#ifndef PARAVENT_VMM_DEV_VIRTIO_RNG_H
#define PARAVENT_VMM_DEV_VIRTIO_RNG_H
struct vm;
/* virtio-rng: the guest's hardware RNG (/dev/hwrng), fed from getrandom(). */
int virtio_rng_add(struct vm *vm);
#endif
