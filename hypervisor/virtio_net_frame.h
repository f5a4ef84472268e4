/* One frame through virtio-net's user-space back-end, either way, apart from the device's
 * plumbing (dev_virtio_net.c) so that unit tests drive it with guest memory and a socket:
 *   transmit: a chain the guest posted on its transmit queue -> checked -> the tap
 *   receive:  a frame read from the tap -> the guest's receive buffers, merged if need be */
#ifndef PARAVENT_VMM_VIRTIO_NET_FRAME_H
#define PARAVENT_VMM_VIRTIO_NET_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio_net_hdr.h"
#include "virtqueue.h"

#define NET_RX_MAX_CHAINS 64 /* merged receive buffers for one frame */

enum net_tx_result { NET_TX_SENT, NET_TX_MALFORMED, NET_TX_FAILED };

/* Checks chain c (device-readable only: the 12-byte header, then the frame, split anyhow) and
 * writes it to tap_fd in one writev. A malformed chain (a writable buffer, shorter than a header
 * and an Ethernet header, or a header virtio_net_hdr_check refuses, the reason in *why) is not
 * written. features: what the driver negotiated. */
enum net_tx_result virtio_net_tx_frame(const struct virtq_chain *c, uint64_t features, int tap_fd,
				       enum net_hdr_verdict *why);

enum net_rx_result {
	NET_RX_DELIVERED,  /* published to the driver */
	NET_RX_NO_BUFFERS, /* not enough posted yet: nothing taken, try again after a kick */
	NET_RX_DROPPED,    /* does not fit the buffers the driver posts: their chains are kept */
	NET_RX_BROKEN,     /* a malformed receive ring or chain: the device needs a reset */
};

/* Copies frame (len bytes, the 12-byte header first) into the receive queue: one chain, or with
 * merged buffers (mrg) as many as it needs, up to NET_RX_MAX_CHAINS, their count in the header's
 * num_buffers; all published at once. scratch holds a chain while it is filled. */
enum net_rx_result virtio_net_rx_frame(struct virtq *vq, struct guest_mem *m, struct virtq_chain *scratch,
				       const uint8_t *frame, size_t len, bool mrg);

#endif
