/* virtio-net frames in the user-space back-end (see virtio_net_frame.h). */
#include "virtio_net_frame.h"

#include <errno.h>
#include <string.h>
#include <sys/uio.h>

#include "virtio_spec.h"

enum net_tx_result virtio_net_tx_frame(const struct virtq_chain *c, uint64_t features, int tap_fd,
				       enum net_hdr_verdict *why)
{
	uint8_t hdr[VIRTIO_NET_HDR_SIZE];
	struct iovec iov[VIRTQ_MAX_SEGS];
	unsigned niov = 0;
	uint64_t got = 0;

	*why = NET_HDR_OK;
	if (c->writable_len || c->readable_len < VIRTIO_NET_HDR_SIZE) {
		*why = NET_HDR_SHORT;
		return NET_TX_MALFORMED;
	}
	for (unsigned i = 0; i < c->nbufs && i < VIRTQ_MAX_SEGS; i++) {
		const struct virtq_buf *b = &c->bufs[i];
		for (uint32_t k = 0; k < b->len && got < sizeof(hdr); k++)
			hdr[got++] = b->addr[k];
		iov[niov++] = (struct iovec){ b->addr, b->len };
	}
	*why = virtio_net_hdr_check(hdr, c->readable_len - VIRTIO_NET_HDR_SIZE, features);
	if (*why != NET_HDR_OK)
		return NET_TX_MALFORMED;
	return writev(tap_fd, iov, (int)niov) < 0 ? NET_TX_FAILED : NET_TX_SENT;
}

enum net_rx_result virtio_net_rx_frame(struct virtq *vq, struct guest_mem *m, struct virtq_chain *scratch,
				       const uint8_t *frame, size_t len, bool mrg)
{
	uint16_t heads[NET_RX_MAX_CHAINS];
	uint32_t lens[NET_RX_MAX_CHAINS];
	uint8_t *num_buffers[2] = { NULL, NULL }; /* where bytes 10 and 11 of the header landed */
	size_t done = 0;
	unsigned k = 0;

	while (done < len) {
		if (k == NET_RX_MAX_CHAINS || (k == 1 && !mrg)) {
			virtq_unpop(vq, k);
			return NET_RX_DROPPED;
		}
		int r = virtq_pop(vq, m, scratch);
		if (r == 0) {
			virtq_unpop(vq, k);
			return NET_RX_NO_BUFFERS;
		}
		if (r < 0 || scratch->readable_len)
			return NET_RX_BROKEN; /* a receive buffer the device could not write into */
		uint32_t written = 0;
		for (unsigned i = 0; i < scratch->nbufs && done < len; i++) {
			struct virtq_buf *b = &scratch->bufs[i];
			size_t c = len - done < b->len ? len - done : b->len;
			for (size_t j = 0; j < 2; j++) {
				size_t at = VIRTIO_NET_HDR_OFF_NUM_BUFFERS + j;
				if (at >= done && at < done + c)
					num_buffers[j] = b->addr + (at - done);
			}
			memcpy(b->addr, frame + done, c);
			guest_mem_mark_dirty(m, b->gpa, c);
			done += c;
			written += (uint32_t)c;
		}
		heads[k] = scratch->head;
		lens[k] = written;
		k++;
	}
	if (num_buffers[0])
		*num_buffers[0] = (uint8_t)k;
	if (num_buffers[1])
		*num_buffers[1] = (uint8_t)(k >> 8);
	for (unsigned i = 0; i < k; i++)
		virtq_fill(vq, m, i, heads[i], lens[i]);
	virtq_flush(vq, m, k);
	return NET_RX_DELIVERED;
}
