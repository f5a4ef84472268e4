/* Fuzz target: virtio-net's user-space back-end. Transmit: any chain the guest posts, with any
 * header, offered to the checks and (when they pass) written to a socket standing in for the
 * tap. Receive: a frame of any length from the "tap" into whatever receive buffers the guest
 * posted, with and without merged buffers. Control: any chain as a command on the control
 * queue. */
#include "fuzz_ring.h"

#include <errno.h>
#include <sys/socket.h>
#include <unistd.h>

#include "virtio_net_ctrl.h"
#include "virtio_net_frame.h"
#include "virtio_spec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct virtq vq;
	static struct virtq_chain chain, scratch;
	static int sv[2] = { -1, -1 };
	static uint8_t drain[70000];
	if (sv[0] < 0 && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK, 0, sv) != 0)
		abort();
	uint64_t features = 0;
	if (size > 9)
		features = (uint64_t)fz_le16(data + 8) << 0; /* checksum, GSO and merge bits live low */
	fz_ring(&vq, data, size);
	if (size > 0 && (data[0] & 0x80)) {
		/* receive: the frame is the input's last bytes, up to 64 KiB and a header */
		size_t len = size > 12 + 14 ? size % 65600 : 12 + 14;
		static uint8_t frame[65600];
		memset(frame, 0x5a, len);
		memcpy(frame, data, size < len ? size : len);
		for (int i = 0; i < 4; i++) {
			enum net_rx_result r = virtio_net_rx_frame(&vq, &fz_mem, &scratch, frame, len,
								   features & (1ULL << VIRTIO_NET_F_MRG_RXBUF));
			if (r != NET_RX_DELIVERED)
				break;
		}
		return 0;
	}
	for (int i = 0; i < 32; i++) {
		int n = virtq_pop(&vq, &fz_mem, &chain);
		if (n == 0 || (n < 0 && n != -EINVAL))
			break;
		uint32_t written = 0;
		if (n == 1 && size > 0 && (data[0] & 0x40)) {
			/* the control queue's chains: a command, its answer written in place */
			virtio_net_ctrl_command(&chain, &fz_mem, &written);
		} else if (n == 1) {
			enum net_hdr_verdict why;
			virtio_net_tx_frame(&chain, features, sv[0], &why);
		}
		virtq_push(&vq, &fz_mem, chain.head, written);
		while (recv(sv[1], drain, sizeof(drain), MSG_DONTWAIT) > 0) {
		}
	}
	return 0;
}
