/* virtio-blk requests against a raw image: the guest decides the sectors and the buffer
 * layout, so every range is checked against the image size and every byte we move stays
 * within the chain's buffers. */
#include "virtio_blk_req.h"

#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

#include "virtio_spec.h"

/* The chain seen as two byte streams: device-readable then device-writable. */
struct layout {
	unsigned nbufs;
	uint64_t rd_len, wr_len;
	uint8_t *status; /* last byte of the writable stream */
};

/* Works out the layout from the buffers themselves rather than trusting the totals in the
 * chain. False when there is no place for a status byte: no writable buffer at the end, or
 * a readable buffer after a writable one (then the order of the streams is meaningless). */
static bool chain_layout(const struct virtq_chain *c, struct layout *l)
{
	bool seen_writable = false;

	l->nbufs = c->nbufs < VIRTQ_MAX_SEGS ? c->nbufs : VIRTQ_MAX_SEGS;
	l->rd_len = l->wr_len = 0;
	l->status = NULL;
	for (unsigned i = 0; i < l->nbufs; i++) {
		const struct virtq_buf *b = &c->bufs[i];
		if (b->len == 0)
			continue;
		if (!b->writable && seen_writable)
			return false;
		seen_writable |= b->writable;
		if (b->writable) {
			l->wr_len += b->len;
			l->status = b->addr + b->len - 1;
		} else {
			l->rd_len += b->len;
		}
	}
	return l->status != NULL;
}

/* The iovecs covering bytes [off, off+len) of one stream; the caller has checked the range
 * lies inside it. Returns how many were filled (at most nbufs). */
static int stream_iov(const struct virtq_chain *c, const struct layout *l, bool writable,
		      uint64_t off, uint64_t len, struct iovec *iov)
{
	int n = 0;

	for (unsigned i = 0; i < l->nbufs && len; i++) {
		const struct virtq_buf *b = &c->bufs[i];
		if (b->writable != writable || b->len == 0)
			continue;
		if (off >= b->len) {
			off -= b->len;
			continue;
		}
		uint64_t take = b->len - off < len ? b->len - off : len;
		iov[n++] = (struct iovec){ .iov_base = b->addr + off, .iov_len = (size_t)take };
		off = 0;
		len -= take;
	}
	return n;
}

static void copy_from_stream(const struct virtq_chain *c, const struct layout *l, uint64_t off,
			     void *dst, uint64_t len)
{
	struct iovec iov[VIRTQ_MAX_SEGS];
	int n = stream_iov(c, l, false, off, len, iov);
	uint8_t *p = dst;

	for (int i = 0; i < n; i++) {
		memcpy(p, iov[i].iov_base, iov[i].iov_len);
		p += iov[i].iov_len;
	}
}

static void copy_to_stream(const struct virtq_chain *c, const struct layout *l, uint64_t off,
			   const void *src, uint64_t len)
{
	struct iovec iov[VIRTQ_MAX_SEGS];
	int n = stream_iov(c, l, true, off, len, iov);
	const uint8_t *p = src;

	for (int i = 0; i < n; i++) {
		memcpy(iov[i].iov_base, p, iov[i].iov_len);
		p += iov[i].iov_len;
	}
}

/* Whether [sector * 512, + len) lies inside the image, without overflowing. */
static bool in_image(const struct blk_backend *be, uint64_t sector, uint64_t len)
{
	return sector <= be->size >> VIRTIO_BLK_SECTOR_SHIFT &&
	       len <= be->size - (sector << VIRTIO_BLK_SECTOR_SHIFT);
}

/* The whole of iov at pos, going on after short transfers and EINTR. End of file (a read
 * of 0, or a write of 0) is an error: the image is smaller than it was said to be. */
static int transfer(int fd, struct iovec *iov, int cnt, uint64_t pos, bool write)
{
	while (cnt > 0) {
		ssize_t n = write ? pwritev(fd, iov, cnt, (off_t)pos)
				  : preadv(fd, iov, cnt, (off_t)pos);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (n == 0)
			return -EIO;
		pos += (uint64_t)n;
		size_t done = (size_t)n;
		while (cnt > 0 && done >= iov->iov_len) {
			done -= iov->iov_len;
			iov++;
			cnt--;
		}
		if (cnt > 0) {
			iov->iov_base = (uint8_t *)iov->iov_base + done;
			iov->iov_len -= done;
		}
	}
	return 0;
}

/* IN and OUT: the data is the writable stream before the status byte, or the readable
 * stream after the header. */
static uint8_t do_rw(struct blk_backend *be, const struct virtq_chain *c, const struct layout *l,
		     bool write, uint64_t sector, struct blk_stats *st, uint64_t *data_written)
{
	struct iovec iov[VIRTQ_MAX_SEGS];
	uint64_t len = write ? l->rd_len - sizeof(struct virtio_blk_req_hdr) : l->wr_len - 1;

	if (write && be->readonly)
		return VIRTIO_BLK_S_IOERR;
	if (len == 0 || len % VIRTIO_BLK_SECTOR_SIZE || !in_image(be, sector, len))
		return VIRTIO_BLK_S_IOERR;
	int n = write ? stream_iov(c, l, false, sizeof(struct virtio_blk_req_hdr), len, iov)
		      : stream_iov(c, l, true, 0, len, iov);
	if (transfer(be->fd, iov, n, sector << VIRTIO_BLK_SECTOR_SHIFT, write) < 0)
		return VIRTIO_BLK_S_IOERR;
	if (write) {
		st->writes++;
		st->write_bytes += len;
	} else {
		st->reads++;
		st->read_bytes += len;
		*data_written = len;
	}
	return VIRTIO_BLK_S_OK;
}

static uint8_t do_flush(struct blk_backend *be, struct blk_stats *st)
{
	int r;

	do
		r = fdatasync(be->fd);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return VIRTIO_BLK_S_IOERR;
	st->flushes++;
	return VIRTIO_BLK_S_OK;
}

static uint8_t do_get_id(const struct blk_backend *be, const struct virtq_chain *c,
			 const struct layout *l, uint64_t *data_written)
{
	char id[VIRTIO_BLK_ID_BYTES] = { 0 };
	uint64_t room = l->wr_len - 1;

	if (room == 0)
		return VIRTIO_BLK_S_IOERR;
	memcpy(id, be->serial, strnlen(be->serial, VIRTIO_BLK_ID_BYTES));
	uint64_t n = room < sizeof(id) ? room : sizeof(id);
	copy_to_stream(c, l, 0, id, n);
	*data_written = n;
	return VIRTIO_BLK_S_OK;
}

static int punch_hole(int fd, uint64_t off, uint64_t len)
{
	int r;

	do
		r = fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off,
			      (off_t)len);
	while (r < 0 && errno == EINTR);
	/* Discard is a hint the device MAY act on: a file system without holes is no error. */
	if (r < 0 && errno != EOPNOTSUPP)
		return -errno;
	return 0;
}

static uint8_t do_discard(struct blk_backend *be, const struct virtq_chain *c,
			  const struct layout *l, struct blk_stats *st)
{
	struct virtio_blk_discard_write_zeroes seg[BLK_MAX_DISCARD_SEGS];
	uint64_t len = l->rd_len - sizeof(struct virtio_blk_req_hdr);

	if (be->readonly)
		return VIRTIO_BLK_S_IOERR;
	if (len == 0 || len % sizeof(seg[0]) || len / sizeof(seg[0]) > BLK_MAX_DISCARD_SEGS)
		return VIRTIO_BLK_S_IOERR;
	unsigned nseg = (unsigned)(len / sizeof(seg[0]));

	/* Read once, then check everything before touching the image, so a refused request
	 * changed nothing. */
	copy_from_stream(c, l, sizeof(struct virtio_blk_req_hdr), seg, len);
	for (unsigned i = 0; i < nseg; i++) {
		seg[i].sector = le64toh(seg[i].sector);
		seg[i].num_sectors = le32toh(seg[i].num_sectors);
		seg[i].flags = le32toh(seg[i].flags);
		/* Unknown flags, and unmap in a discard, MUST be refused as unsupported. */
		if (seg[i].flags)
			return VIRTIO_BLK_S_UNSUPP;
	}
	for (unsigned i = 0; i < nseg; i++) {
		uint64_t bytes = (uint64_t)seg[i].num_sectors << VIRTIO_BLK_SECTOR_SHIFT;
		if (!in_image(be, seg[i].sector, bytes))
			return VIRTIO_BLK_S_IOERR;
	}
	for (unsigned i = 0; i < nseg; i++) {
		uint64_t bytes = (uint64_t)seg[i].num_sectors << VIRTIO_BLK_SECTOR_SHIFT;
		uint64_t off = seg[i].sector << VIRTIO_BLK_SECTOR_SHIFT;
		if (bytes && punch_hole(be->fd, off, bytes) < 0)
			return VIRTIO_BLK_S_IOERR;
	}
	st->discards++;
	return VIRTIO_BLK_S_OK;
}

uint32_t virtio_blk_handle_request(struct blk_backend *be, struct virtq_chain *chain,
				   struct blk_stats *st)
{
	struct layout l;
	struct virtio_blk_req_hdr hdr;
	uint64_t data_written = 0;
	uint8_t status;

	if (!chain_layout(chain, &l)) {
		st->errors++;
		return 0;
	}
	if (l.rd_len + l.wr_len > UINT32_MAX || l.rd_len < sizeof(hdr)) {
		status = VIRTIO_BLK_S_IOERR;
	} else {
		copy_from_stream(chain, &l, 0, &hdr, sizeof(hdr));
		uint64_t sector = le64toh(hdr.sector);
		switch (le32toh(hdr.type)) {
		case VIRTIO_BLK_T_IN:
			status = do_rw(be, chain, &l, false, sector, st, &data_written);
			break;
		case VIRTIO_BLK_T_OUT:
			status = do_rw(be, chain, &l, true, sector, st, &data_written);
			break;
		case VIRTIO_BLK_T_FLUSH:
			status = do_flush(be, st);
			break;
		case VIRTIO_BLK_T_GET_ID:
			status = do_get_id(be, chain, &l, &data_written);
			break;
		case VIRTIO_BLK_T_DISCARD:
			status = do_discard(be, chain, &l, st);
			break;
		default:
			status = VIRTIO_BLK_S_UNSUPP;
			break;
		}
	}
	if (status != VIRTIO_BLK_S_OK) {
		st->errors++;
		data_written = 0;
	}
	*l.status = status;
	return (uint32_t)(data_written + 1);
}
