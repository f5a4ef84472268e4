#ifndef PARAVENT_VMM_DEV_VIRTIO_VSOCK_H
#define PARAVENT_VMM_DEV_VIRTIO_VSOCK_H
#include <stddef.h>
#include <stdint.h>
struct vm;
/* virtio-vsock on vhost-vsock: sockets between dom0 (CID 2) and the guest (cid), served by
 * the dom0 kernel. Fails, with the reason in err, when /dev/vhost-vsock is missing or another
 * guest has the CID. */
int virtio_vsock_add(struct vm *vm, uint32_t cid, char *err, size_t errlen);
#endif
