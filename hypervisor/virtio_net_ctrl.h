/* virtio-net's control queue: one command in one chain, apart from the device's plumbing
 * (dev_virtio_net.c) so that unit tests and the fuzzer drive it with guest memory alone.
 *
 * A command is a class and a command byte, its data, then one device-writable byte for the
 * answer (VIRTIO_NET_OK or VIRTIO_NET_ERR). The device offers VIRTIO_NET_F_CTRL_VQ only for
 * VIRTIO_NET_F_GUEST_ANNOUNCE, so the one command it carries out is the driver's
 * acknowledgement of an announce (class VIRTIO_NET_CTRL_ANNOUNCE, command ACK); any other is
 * answered VIRTIO_NET_ERR, as the specification asks of a command the device does not know. */
#ifndef PARAVENT_VMM_VIRTIO_NET_CTRL_H
#define PARAVENT_VMM_VIRTIO_NET_CTRL_H

#include <stdint.h>

#include "guest_mem.h"
#include "virtqueue.h"

#define VIRTIO_NET_OK 0
#define VIRTIO_NET_ERR 1
#define VIRTIO_NET_CTRL_ANNOUNCE 3
#define VIRTIO_NET_CTRL_ANNOUNCE_ACK 0

enum net_ctrl_result {
	NET_CTRL_ANNOUNCE_ACK, /* answered OK: the driver has announced itself */
	NET_CTRL_REFUSED,      /* a command we do not carry out: answered VIRTIO_NET_ERR */
	NET_CTRL_MALFORMED,    /* no room for the answer, or less than a class and a command:
				* nothing written */
};

/* Reads the command in c and writes the answer into its last device-writable byte (marked
 * dirty in m while a migration tracks pages). *written: the bytes written (1, or 0). */
enum net_ctrl_result virtio_net_ctrl_command(const struct virtq_chain *c, struct guest_mem *m, uint32_t *written);

#endif
