/* Unit tests for virtio-blk request handling against a temporary raw image: data round trips
 * through scattered buffers, every refusal (range, alignment, read-only, layout), and one
 * request carried all the way through a virtqueue. */
#include "check.h"
#include "guest_mem.h"
#include "virtio_blk_req.h"
#include "virtio_spec.h"
#include "virtqueue.h"

#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECTORS 128
#define IMG_SIZE (SECTORS * 512ULL)

/* Every byte of the image distinct enough that a misplaced sector shows. */
static uint8_t pattern(uint64_t off)
{
	return (uint8_t)(off * 7 + 3 + (off >> 9));
}

static int make_image(uint64_t file_size)
{
	char path[] = "/tmp/paravent-blk-XXXXXX";
	int fd = mkstemp(path);
	if (fd < 0)
		return -1;
	unlink(path);
	uint8_t *buf = malloc(file_size);
	for (uint64_t i = 0; i < file_size; i++)
		buf[i] = pattern(i);
	ssize_t n = pwrite(fd, buf, file_size, 0);
	free(buf);
	return n == (ssize_t)file_size ? fd : -1;
}

static bool image_has_pattern(int fd, uint64_t off, uint64_t len)
{
	uint8_t buf[4096];
	if (len > sizeof(buf) || pread(fd, buf, len, (off_t)off) != (ssize_t)len)
		return false;
	for (uint64_t i = 0; i < len; i++)
		if (buf[i] != pattern(off + i))
			return false;
	return true;
}

static bool image_is(int fd, uint64_t off, const uint8_t *want, uint64_t len)
{
	uint8_t buf[4096];
	return len <= sizeof(buf) && pread(fd, buf, len, (off_t)off) == (ssize_t)len &&
	       memcmp(buf, want, len) == 0;
}

static bool image_is_zero(int fd, uint64_t off, uint64_t len)
{
	static const uint8_t zero[4096];
	return image_is(fd, off, zero, len);
}

/* A chain built by hand over a fake guest buffer. */
static uint8_t guest[64 * 1024];
static size_t guest_used;
static struct virtq_chain ch;

static void chain_init(void)
{
	memset(&ch, 0, sizeof(ch));
	memset(guest, 0xee, sizeof(guest));
	guest_used = 0;
}

static uint8_t *chain_add(uint32_t len, bool writable)
{
	uint8_t *p = guest + guest_used;
	guest_used += len;
	ch.bufs[ch.nbufs++] = (struct virtq_buf){ .addr = p, .len = len, .writable = writable };
	if (writable)
		ch.writable_len += len;
	else
		ch.readable_len += len;
	return p;
}

static void put_hdr(uint8_t *p, uint32_t type, uint64_t sector)
{
	struct virtio_blk_req_hdr h = { htole32(type), 0, htole64(sector) };
	memcpy(p, &h, sizeof(h));
}

static void chain_hdr(uint32_t type, uint64_t sector)
{
	put_hdr(chain_add(16, false), type, sector);
}

/* A request with len bytes of data in one buffer, then the status byte; returns the data. */
static uint8_t *simple_req(uint32_t type, uint64_t sector, uint32_t len, uint8_t **status)
{
	chain_init();
	chain_hdr(type, sector);
	uint8_t *data = len ? chain_add(len, type != VIRTIO_BLK_T_OUT) : NULL;
	*status = chain_add(1, true);
	return data;
}

static struct blk_backend backend(int fd, bool readonly, const char *serial)
{
	struct blk_backend be = { .fd = fd, .size = IMG_SIZE, .readonly = readonly };
	strcpy(be.serial, serial);
	return be;
}

static bool stats_are(const struct blk_stats *s, uint64_t reads, uint64_t writes, uint64_t flushes,
		      uint64_t discards, uint64_t read_bytes, uint64_t write_bytes, uint64_t errors)
{
	return s->reads == reads && s->writes == writes && s->flushes == flushes &&
	       s->discards == discards && s->read_bytes == read_bytes &&
	       s->write_bytes == write_bytes && s->errors == errors;
}

static void test_round_trip(int fd)
{
	struct blk_backend be = backend(fd, false, "disk0");
	struct blk_stats st = { 0 };
	uint8_t data[1536];

	for (unsigned i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(0xa0 + i * 13);

	/* OUT to sectors 10-12: header split in two, data in three odd-sized pieces */
	chain_init();
	uint8_t *h = chain_add(8, false);
	uint8_t *h2 = chain_add(8, false);
	uint8_t hdr[16];
	put_hdr(hdr, VIRTIO_BLK_T_OUT, 10);
	memcpy(h, hdr, 8);
	memcpy(h2, hdr + 8, 8);
	memcpy(chain_add(512, false), data, 512);
	memcpy(chain_add(1000, false), data + 512, 1000);
	memcpy(chain_add(24, false), data + 1512, 24);
	uint8_t *status = chain_add(1, true);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 1);
	CHECK(*status == VIRTIO_BLK_S_OK);
	CHECK(image_is(fd, 10 * 512, data, sizeof(data)));
	CHECK(image_has_pattern(fd, 9 * 512, 512));
	CHECK(image_has_pattern(fd, 13 * 512, 512));

	/* IN of the same sectors; the last buffer holds data and the status byte */
	chain_init();
	chain_hdr(VIRTIO_BLK_T_IN, 10);
	uint8_t *a = chain_add(100, true);
	uint8_t *b = chain_add(924, true);
	uint8_t *c = chain_add(513, true);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 1537);
	CHECK(c[512] == VIRTIO_BLK_S_OK);
	CHECK(memcmp(a, data, 100) == 0);
	CHECK(memcmp(b, data + 100, 924) == 0);
	CHECK(memcmp(c, data + 1024, 512) == 0);

	/* the very last sector can be read */
	uint8_t *d = simple_req(VIRTIO_BLK_T_IN, SECTORS - 1, 512, &status);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 513);
	CHECK(*status == VIRTIO_BLK_S_OK);
	CHECK(d[0] == pattern(IMG_SIZE - 512) && d[511] == pattern(IMG_SIZE - 1));

	CHECK(stats_are(&st, 2, 1, 0, 0, 2048, 1536, 0));
}

static void test_out_of_range(int fd)
{
	struct blk_backend be = backend(fd, false, "disk0");
	struct blk_stats st = { 0 };
	uint8_t *status, *d;
	const uint64_t bad_sectors[] = { SECTORS - 1, SECTORS, UINT64_MAX, (UINT64_MAX >> 9) + 1,
					 1ULL << 55 };

	/* reads that end past the image, or whose byte offset overflows */
	for (unsigned i = 0; i < sizeof(bad_sectors) / sizeof(bad_sectors[0]); i++) {
		d = simple_req(VIRTIO_BLK_T_IN, bad_sectors[i], 1024, &status);
		CHECK(virtio_blk_handle_request(&be, &ch, &st) == 1);
		CHECK(*status == VIRTIO_BLK_S_IOERR);
		CHECK(d[0] == 0xee && d[1023] == 0xee);
	}
	/* the same for writes, which leave the image alone */
	d = simple_req(VIRTIO_BLK_T_OUT, SECTORS - 1, 1024, &status);
	memset(d, 0, 1024);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 1);
	CHECK(*status == VIRTIO_BLK_S_IOERR);
	CHECK(image_has_pattern(fd, IMG_SIZE - 512, 512));
	CHECK(stats_are(&st, 0, 0, 0, 0, 0, 0, 6));
}

static void test_readonly(int fd)
{
	struct blk_backend be = backend(fd, true, "disk0");
	struct blk_stats st = { 0 };
	uint8_t *status;

	uint8_t *d = simple_req(VIRTIO_BLK_T_OUT, 20, 512, &status);
	memset(d, 0, 512);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 1);
	CHECK(*status == VIRTIO_BLK_S_IOERR);
	CHECK(image_has_pattern(fd, 20 * 512, 512));

	/* reading is still fine */
	d = simple_req(VIRTIO_BLK_T_IN, 20, 512, &status);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 513);
	CHECK(*status == VIRTIO_BLK_S_OK);
	CHECK(d[5] == pattern(20 * 512 + 5));

	/* discarding is writing */
	chain_init();
	chain_hdr(VIRTIO_BLK_T_DISCARD, 0);
	struct virtio_blk_discard_write_zeroes seg = { htole64(20), htole32(1), 0 };
	memcpy(chain_add(16, false), &seg, sizeof(seg));
	status = chain_add(1, true);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 1);
	CHECK(*status == VIRTIO_BLK_S_IOERR);
	CHECK(image_has_pattern(fd, 20 * 512, 512));
	CHECK(stats_are(&st, 1, 0, 0, 0, 512, 0, 2));
}

static void test_flush(int fd)
{
	struct blk_backend be = backend(fd, false, "disk0");
	struct blk_stats st = { 0 };
	uint8_t *status;

	simple_req(VIRTIO_BLK_T_FLUSH, 0, 0, &status);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 1);
	CHECK(*status == VIRTIO_BLK_S_OK);
	/* an fd that cannot be synced: the error reaches the guest */
	be.fd = -1;
	simple_req(VIRTIO_BLK_T_FLUSH, 0, 0, &status);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 1);
	CHECK(*status == VIRTIO_BLK_S_IOERR);
	CHECK(stats_are(&st, 0, 0, 1, 0, 0, 0, 1));
}

static void test_get_id(int fd)
{
	struct blk_backend be = backend(fd, false, "paravent-disk-0");
	struct blk_stats st = { 0 };
	uint8_t *status;

	uint8_t *d = simple_req(VIRTIO_BLK_T_GET_ID, 0, 20, &status);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 21);
	CHECK(*status == VIRTIO_BLK_S_OK);
	CHECK(memcmp(d, "paravent-disk-0\0\0\0\0\0", 20) == 0);

	/* 20 characters: no terminator */
	be = backend(fd, false, "ABCDEFGHIJKLMNOPQRST");
	d = simple_req(VIRTIO_BLK_T_GET_ID, 0, 20, &status);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 21);
	CHECK(memcmp(d, "ABCDEFGHIJKLMNOPQRST", 20) == 0);
	CHECK(*status == VIRTIO_BLK_S_OK);

	/* a bigger buffer gets 20 bytes, a smaller one what fits, none an error */
	d = simple_req(VIRTIO_BLK_T_GET_ID, 0, 30, &status);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 21);
	CHECK(memcmp(d, "ABCDEFGHIJKLMNOPQRST", 20) == 0 && d[20] == 0xee && d[29] == 0xee);
	CHECK(*status == VIRTIO_BLK_S_OK);
	d = simple_req(VIRTIO_BLK_T_GET_ID, 0, 8, &status);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 9);
	CHECK(memcmp(d, "ABCDEFGH", 8) == 0);
	CHECK(*status == VIRTIO_BLK_S_OK);
	simple_req(VIRTIO_BLK_T_GET_ID, 0, 0, &status);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 1);
	CHECK(*status == VIRTIO_BLK_S_IOERR);
	CHECK(stats_are(&st, 0, 0, 0, 0, 0, 0, 1));
}

/* A discard request with these segments (sector, sectors, flags). */
static uint8_t *discard_req(const uint64_t (*segs)[3], unsigned n)
{
	chain_init();
	chain_hdr(VIRTIO_BLK_T_DISCARD, 0);
	for (unsigned i = 0; i < n; i++) {
		struct virtio_blk_discard_write_zeroes s = { htole64(segs[i][0]),
							     htole32((uint32_t)segs[i][1]),
							     htole32((uint32_t)segs[i][2]) };
		memcpy(chain_add(16, false), &s, sizeof(s));
	}
	return chain_add(1, true);
}

static void test_discard(int fd)
{
	struct blk_backend be = backend(fd, false, "disk0");
	struct blk_stats st = { 0 };
	struct stat sb;

	const uint64_t two[][3] = { { 40, 2, 0 }, { 50, 1, 0 }, { 60, 0, 0 } };
	uint8_t *status = discard_req(two, 3);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 1);
	CHECK(*status == VIRTIO_BLK_S_OK);
	CHECK(image_is_zero(fd, 40 * 512, 1024));
	CHECK(image_is_zero(fd, 50 * 512, 512));
	CHECK(image_has_pattern(fd, 39 * 512, 512));
	CHECK(image_has_pattern(fd, 42 * 512, 512));
	CHECK(image_has_pattern(fd, 49 * 512, 512));
	CHECK(image_has_pattern(fd, 51 * 512, 512));
	CHECK(image_has_pattern(fd, 60 * 512, 512));
	CHECK(fstat(fd, &sb) == 0 && sb.st_size == (off_t)IMG_SIZE);

	/* unmap, or an unknown flag: unsupported, and nothing discarded */
	const uint64_t unmap[][3] = { { 70, 1, 0 }, { 71, 1, VIRTIO_BLK_WZ_F_UNMAP } };
	status = discard_req(unmap, 2);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 1);
	CHECK(*status == VIRTIO_BLK_S_UNSUPP);
	const uint64_t unknown[][3] = { { 70, 1, 4 } };
	status = discard_req(unknown, 1);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 1);
	CHECK(*status == VIRTIO_BLK_S_UNSUPP);
	CHECK(image_has_pattern(fd, 70 * 512, 1024));

	/* a segment past the end: refused before any segment is applied */
	const uint64_t past[][3] = { { 70, 1, 0 }, { SECTORS - 1, 2, 0 } };
	status = discard_req(past, 2);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 1);
	CHECK(*status == VIRTIO_BLK_S_IOERR);
	const uint64_t huge[][3] = { { UINT64_MAX >> 9, 1, 0 } };
	status = discard_req(huge, 1);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 1);
	CHECK(*status == VIRTIO_BLK_S_IOERR);
	CHECK(image_has_pattern(fd, 70 * 512, 512));

	/* no segment, a partial one, too many */
	status = discard_req(NULL, 0);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 1);
	CHECK(*status == VIRTIO_BLK_S_IOERR);
	chain_init();
	chain_hdr(VIRTIO_BLK_T_DISCARD, 0);
	memset(chain_add(24, false), 0, 24);
	status = chain_add(1, true);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 1);
	CHECK(*status == VIRTIO_BLK_S_IOERR);
	uint64_t many[BLK_MAX_DISCARD_SEGS + 1][3];
	for (unsigned i = 0; i <= BLK_MAX_DISCARD_SEGS; i++) {
		many[i][0] = 80;
		many[i][1] = 1;
		many[i][2] = 0;
	}
	status = discard_req(many, BLK_MAX_DISCARD_SEGS + 1);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 1);
	CHECK(*status == VIRTIO_BLK_S_IOERR);
	CHECK(image_has_pattern(fd, 80 * 512, 512));
	status = discard_req(many, BLK_MAX_DISCARD_SEGS);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 1);
	CHECK(*status == VIRTIO_BLK_S_OK);
	CHECK(image_is_zero(fd, 80 * 512, 512));
	CHECK(stats_are(&st, 0, 0, 0, 2, 0, 0, 7));
}

static void test_malformed(int fd)
{
	struct blk_backend be = backend(fd, false, "disk0");
	struct blk_stats st = { 0 };
	uint8_t *status, *d;

	/* data not a multiple of 512, or none at all */
	d = simple_req(VIRTIO_BLK_T_IN, 0, 500, &status);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 1);
	CHECK(*status == VIRTIO_BLK_S_IOERR);
	CHECK(d[0] == 0xee);
	d = simple_req(VIRTIO_BLK_T_OUT, 0, 513, &status);
	memset(d, 0, 513);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 1);
	CHECK(*status == VIRTIO_BLK_S_IOERR);
	CHECK(image_has_pattern(fd, 0, 1024));
	simple_req(VIRTIO_BLK_T_IN, 0, 0, &status);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 1);
	CHECK(*status == VIRTIO_BLK_S_IOERR);
	simple_req(VIRTIO_BLK_T_OUT, 0, 0, &status);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 1);
	CHECK(*status == VIRTIO_BLK_S_IOERR);

	/* no status byte: only readable buffers, a readable one last, nothing at all */
	chain_init();
	chain_hdr(VIRTIO_BLK_T_IN, 0);
	chain_add(512, false);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 0);
	chain_init();
	chain_hdr(VIRTIO_BLK_T_IN, 0);
	d = chain_add(512, true);
	chain_add(1, false);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 0);
	CHECK(d[0] == 0xee && d[511] == 0xee);
	chain_init();
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 0);

	/* a header shorter than 16 bytes */
	chain_init();
	chain_add(8, false);
	status = chain_add(1, true);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 1);
	CHECK(*status == VIRTIO_BLK_S_IOERR);
	chain_init();
	memset(chain_add(15, false), 0, 15);
	status = chain_add(1, true);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 1);
	CHECK(*status == VIRTIO_BLK_S_IOERR);

	/* types we do not do */
	const uint32_t types[] = { VIRTIO_BLK_T_WRITE_ZEROES, 5, 2, 99, 0x80000000 };
	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		simple_req(types[i], 0, 512, &status);
		CHECK(virtio_blk_handle_request(&be, &ch, &st) == 1);
		CHECK(*status == VIRTIO_BLK_S_UNSUPP);
	}
	CHECK(stats_are(&st, 0, 0, 0, 0, 0, 0, 14));
}

/* An image file shorter than the size we were told: reading past its end is an error, not
 * stale guest memory reported as data. */
static void test_short_file(void)
{
	int fd = make_image(IMG_SIZE / 2);
	struct blk_backend be = backend(fd, false, "disk0");
	struct blk_stats st = { 0 };
	uint8_t *status;

	CHECK(fd >= 0);
	simple_req(VIRTIO_BLK_T_IN, SECTORS / 2 - 1, 1024, &status);
	CHECK(virtio_blk_handle_request(&be, &ch, &st) == 1);
	CHECK(*status == VIRTIO_BLK_S_IOERR);
	CHECK(stats_are(&st, 0, 0, 0, 0, 0, 0, 1));
	close(fd);
}

/* One read all the way: driver rings in guest memory, pop, handle, push, dirty pages. */
static void test_through_virtqueue(int fd)
{
	const uint64_t gpa = 0x200000, size = 0x20000;
	uint8_t *ram = aligned_alloc(4096, size);
	struct guest_mem m = { 0 };
	struct virtq vq = { 0 };
	struct virtq_chain c;
	struct blk_backend be = backend(fd, false, "disk0");
	struct blk_stats st = { 0 };

	memset(ram, 0, size);
	CHECK(guest_mem_add(&m, gpa, size, ram) == 0);
	CHECK(guest_mem_dirty_start(&m) == 0);
	vq.size = 4;
	vq.desc_gpa = gpa;
	vq.avail_gpa = gpa + 0x1000;
	vq.used_gpa = gpa + 0x2000;
	vq.ready = true;

	/* header, 1024 bytes of data over a page boundary (pages 4 and 5), status on page 6 */
	struct virtq_desc d[3] = {
		{ htole64(gpa + 0x3000), htole32(16), htole16(VIRTQ_DESC_F_NEXT), htole16(1) },
		{ htole64(gpa + 0x4e00), htole32(1024),
		  htole16(VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT), htole16(2) },
		{ htole64(gpa + 0x6000), htole32(1), htole16(VIRTQ_DESC_F_WRITE), 0 },
	};
	memcpy(ram, d, sizeof(d));
	put_hdr(ram + 0x3000, VIRTIO_BLK_T_IN, 3);
	uint16_t one = htole16(1);
	memcpy(ram + 0x1000 + VIRTQ_AVAIL_IDX, &one, 2); /* ring[0] = head 0 is already there */
	ram[0x6000] = 0xee;

	CHECK(virtq_pop(&vq, &m, &c) == 1);
	uint32_t n = virtio_blk_handle_request(&be, &c, &st);
	CHECK(n == 1025);
	CHECK(virtq_push_chain(&vq, &m, &c, n) == 0);
	CHECK(ram[0x6000] == VIRTIO_BLK_S_OK);
	CHECK(image_is(fd, 3 * 512, ram + 0x4e00, 1024));
	uint32_t used_len;
	memcpy(&used_len, ram + 0x2000 + VIRTQ_USED_RING + 4, 4);
	CHECK(le32toh(used_len) == 1025);
	CHECK(ram[0x2000 + VIRTQ_USED_IDX] == 1);
	/* used ring page 2, data pages 4 and 5, status page 6; not the header's page 3 */
	CHECK(m.r[0].dirty[0] == ((1 << 2) | (1 << 4) | (1 << 5) | (1 << 6)));
	CHECK(stats_are(&st, 1, 0, 0, 0, 1024, 0, 0));
	guest_mem_dirty_stop(&m);
	free(ram);
}

int main(void)
{
	int fd = make_image(IMG_SIZE);
	if (fd < 0) {
		perror("temporary image");
		return 1;
	}
	test_round_trip(fd);
	test_out_of_range(fd);
	test_readonly(fd);
	test_flush(fd);
	test_get_id(fd);
	test_discard(fd);
	test_malformed(fd);
	test_short_file();
	test_through_virtqueue(fd);
	close(fd);
	return check_summary("virtio_blk");
}
