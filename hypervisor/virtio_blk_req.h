/* One virtio-blk request (virtio 1.x, "Block Device / Device Operation") carried out against
 * a raw image file. No transport here: the device file hands us chains from virtq_pop and
 * pushes back what we return. */
#ifndef PARAVENT_VMM_VIRTIO_BLK_REQ_H
#define PARAVENT_VMM_VIRTIO_BLK_REQ_H

#include <stdbool.h>
#include <stdint.h>

#include "virtqueue.h"

/* The most segments we take in one discard request: advertise it as max_discard_seg. A
 * request with more is refused, so the segments fit in a local copy read once. */
#define BLK_MAX_DISCARD_SEGS 32

struct blk_backend {
	int fd;
	uint64_t size; /* bytes, multiple of 512 */
	bool readonly;
	char serial[21]; /* NUL-terminated, up to 20 chars */
};

/* Counted per request. reads/writes/flushes/discards and the byte counts only for requests
 * that succeeded; errors for every request that did not end with VIRTIO_BLK_S_OK, including
 * UNSUPP and the ones with no status byte to report in. */
struct blk_stats {
	uint64_t reads, writes, flushes, discards, read_bytes, write_bytes, errors;
	uint64_t throttled; /* times the rate limit made a request wait */
};

/* Handles one request chain: the 16-byte header (type, reserved, sector) at the start of the
 * device-readable part, the data, and the status byte as the LAST byte of the device-writable
 * part. The chain may be split into buffers anyhow.
 *
 * Returns the bytes written into the guest's writable buffers, to pass to virtq_push: the
 * data read plus the status byte on success (data + 1 for IN, up to 20 + 1 for GET_ID), 1
 * when only the status was written (every error, OUT, FLUSH, DISCARD), and 0 when there was
 * no status byte to write (no writable buffer, or one that is followed by a readable one).
 *
 * Types: IN (preadv), OUT (pwritev; IOERR when readonly), FLUSH (fdatasync), GET_ID (the
 * serial, NUL-padded to 20 bytes, not necessarily NUL-terminated; fewer if the buffer is
 * smaller), DISCARD (punches a hole over each segment, keeping the file size; IOERR when
 * readonly, UNSUPP for any flag). Anything else is UNSUPP.
 *
 * IOERR for: a header shorter than 16 bytes; IN/OUT data that is empty, not a multiple of 512
 * or reaches past the end of the image; GET_ID with no room for data; a discard list that is
 * empty, not a multiple of 16 bytes, longer than BLK_MAX_DISCARD_SEGS or reaching past the
 * image; and I/O errors (EINTR and short transfers are retried, end of file is an error). */
uint32_t virtio_blk_handle_request(struct blk_backend *be, struct virtq_chain *chain,
				   struct blk_stats *st);

#endif
