/* See virtio_net_ctrl.h. */
#include "virtio_net_ctrl.h"

#include <stdbool.h>

enum net_ctrl_result virtio_net_ctrl_command(const struct virtq_chain *c, struct guest_mem *m, uint32_t *written)
{
	uint8_t hdr[2];
	unsigned got = 0;
	const struct virtq_buf *ack = NULL;

	*written = 0;
	/* the class and command may come split across buffers; the answer is the last writable
	 * byte, whatever the driver put before it */
	for (unsigned i = 0; i < c->nbufs; i++) {
		const struct virtq_buf *b = &c->bufs[i];
		if (b->writable) {
			if (b->len)
				ack = b;
			continue;
		}
		for (uint32_t j = 0; j < b->len && got < sizeof(hdr); j++)
			hdr[got++] = b->addr[j];
	}
	if (!ack || got < sizeof(hdr))
		return NET_CTRL_MALFORMED;
	bool announce_ack = hdr[0] == VIRTIO_NET_CTRL_ANNOUNCE && hdr[1] == VIRTIO_NET_CTRL_ANNOUNCE_ACK;
	ack->addr[ack->len - 1] = announce_ack ? VIRTIO_NET_OK : VIRTIO_NET_ERR;
	guest_mem_mark_dirty(m, ack->gpa + ack->len - 1, 1);
	*written = 1;
	return announce_ack ? NET_CTRL_ANNOUNCE_ACK : NET_CTRL_REFUSED;
}
