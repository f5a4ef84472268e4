/* Fuzz target: virtio-blk requests as a guest sends them (header, data, status split over
 * any buffers) against a 64 KiB image: reads, writes, flushes, serial, discards with any
 * sectors and lengths. Must answer every request with a status or nothing, and never touch
 * the image outside its bounds (the image file never grows). */
#include "fuzz_ring.h"

#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virtio_blk_req.h"

#define IMAGE_SIZE 65536

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct virtq vq;
	static struct virtq_chain chain;
	static struct blk_backend be = { .fd = -1 };
	struct blk_stats st = { 0 };
	if (be.fd < 0) {
		FILE *f = tmpfile();
		if (!f || ftruncate(fileno(f), IMAGE_SIZE) != 0)
			abort();
		be.fd = fileno(f);
		be.size = IMAGE_SIZE;
		snprintf(be.serial, sizeof(be.serial), "fuzz-serial-0123456");
	}
	be.readonly = size > 0 && (data[0] & 0x80);
	fz_ring(&vq, data, size);
	for (int i = 0; i < 64; i++) {
		int n = virtq_pop(&vq, &fz_mem, &chain);
		if (n == 0 || (n < 0 && n != -EINVAL))
			break;
		uint32_t written = n == -EINVAL ? 0 : virtio_blk_handle_request(&be, &chain, &st);
		virtq_push(&vq, &fz_mem, chain.head, written);
	}
	struct stat s;
	if (fstat(be.fd, &s) != 0 || s.st_size != IMAGE_SIZE)
		abort(); /* a request wrote past the end of the image */
	return 0;
}
