/* Fuzz target: the split virtqueue against any descriptor table and rings a guest can write
 * (loops, chains out of RAM, overflowing lengths, too many segments, indirect tables, wrong
 * directions). The device takes every chain it is offered, fills what is writable, and gives
 * it back; no input may crash, hang or read out of bounds. */
#include "fuzz_ring.h"

#include <errno.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct virtq vq;
	static struct virtq_chain chain;
	fz_ring(&vq, data, size);
	for (int i = 0; i < 300; i++) {
		int n = virtq_pop(&vq, &fz_mem, &chain);
		if (n == 0)
			break;
		if (n == -EINVAL) {
			virtq_push(&vq, &fz_mem, chain.head, 0);
			continue;
		}
		if (n < 0)
			break;
		uint32_t written = 0;
		for (unsigned b = 0; b < chain.nbufs; b++) {
			if (chain.bufs[b].writable) {
				memset(chain.bufs[b].addr, 0xa5, chain.bufs[b].len);
				written += chain.bufs[b].len;
			} else {
				volatile uint8_t sum = 0;
				for (uint32_t k = 0; k < chain.bufs[b].len; k += 512)
					sum ^= chain.bufs[b].addr[k]; /* the device reads what it is given */
			}
		}
		if (i % 3 == 0)
			virtq_push_chain(&vq, &fz_mem, &chain, written);
		else if (virtq_fill(&vq, &fz_mem, 0, chain.head, written) == 0)
			virtq_flush(&vq, &fz_mem, 1);
		virtq_needs_interrupt(&vq, &fz_mem);
	}
	virtq_enable_notify(&vq, &fz_mem, true);
	virtq_has_work(&vq, &fz_mem);
	return 0;
}
