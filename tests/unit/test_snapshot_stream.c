/* The save/migration stream: round trips, and every way a stream can be damaged. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "check.h"
#include "le.h"
#include "snapshot_stream.h"

static int mem_file(void)
{
	return memfd_create("snap", 0);
}

/* Three sections: small, empty, and one from two pieces. 0, or -1. */
static int write_sections(struct snap_writer *w)
{
	uint8_t page[4096];
	uint64_t gpa = 0x100000;

	for (size_t i = 0; i < sizeof(page); i++)
		page[i] = (uint8_t)(i * 7);
	struct iovec iov[2] = { { &gpa, sizeof(gpa) }, { page, sizeof(page) } };
	return snap_write(w, SNAP_TAG('M', 'A', 'C', 'H'), 0, "hello", 5) != 0 ||
			       snap_write(w, SNAP_TAG('E', 'M', 'P', 'T'), 7, NULL, 0) != 0 ||
			       snap_write_iov(w, SNAP_TAG('R', 'A', 'M', ' '), 0, iov, 2) != 0
		       ? -1
		       : 0;
}

/* A stream of those three sections. */
static size_t make_stream(int fd)
{
	struct snap_writer w;

	if (snap_writer_begin(&w, fd) != 0 || write_sections(&w) != 0 || snap_writer_end(&w) != 0)
		return 0;
	return (size_t)w.bytes;
}

/* Reads the whole stream; returns the number of sections, or -1 with the reader's error. */
static int read_stream(int fd, char *err, size_t errlen)
{
	struct snap_reader r;
	struct snap_section s;
	int n = 0, k;

	lseek(fd, 0, SEEK_SET);
	if (snap_reader_begin(&r, fd) != 0) {
		snprintf(err, errlen, "%s", r.err);
		return -1;
	}
	while ((k = snap_read(&r, &s)) == 1)
		n++;
	snap_reader_end(&r);
	if (k < 0) {
		snprintf(err, errlen, "%s", r.err);
		return -1;
	}
	return n;
}

static void test_round_trip(void)
{
	int fd = mem_file();
	size_t len = make_stream(fd);
	struct snap_reader r;
	struct snap_section s;

	CHECK(len == SNAP_HEADER_SIZE + 4 * (SNAP_SECTION_HEADER + 4) + 5 + 8 + 4096);
	lseek(fd, 0, SEEK_SET);
	CHECK(snap_reader_begin(&r, fd) == 0);
	CHECK(snap_read(&r, &s) == 1);
	CHECK(s.tag == SNAP_TAG('M', 'A', 'C', 'H') && s.instance == 0 && s.len == 5 && memcmp(s.data, "hello", 5) == 0);
	CHECK(snap_read(&r, &s) == 1);
	CHECK(s.tag == SNAP_TAG('E', 'M', 'P', 'T') && s.instance == 7 && s.len == 0);
	CHECK(snap_read(&r, &s) == 1);
	CHECK(s.len == 8 + 4096 && le_get(s.data, 8) == 0x100000 && s.data[8 + 100] == (uint8_t)700);
	CHECK(snap_read(&r, &s) == 0);
	CHECK(r.bytes == len);
	snap_reader_end(&r);
	close(fd);
}

/* Cut anywhere: always an error that says the stream is truncated, never a success. */
static void test_truncated(void)
{
	int fd = mem_file();
	size_t len = make_stream(fd);
	char err[200];
	int bad = 0;

	for (size_t cut = 0; cut < len; cut++) {
		if (ftruncate(fd, (off_t)cut) != 0 || read_stream(fd, err, sizeof(err)) != -1 ||
		    !strstr(err, "truncated"))
			bad++;
		/* make it whole again for the next cut */
		if (ftruncate(fd, 0) != 0 || lseek(fd, 0, SEEK_SET) != 0 || make_stream(fd) != len)
			bad++;
	}
	CHECK(bad == 0);
	close(fd);
}

/* Any one byte changed: refused (the checksum, the magic, or a length out of bounds). */
static void test_corrupted(void)
{
	int fd = mem_file();
	size_t len = make_stream(fd);
	uint8_t *orig = malloc(len);
	char err[200];
	int accepted = 0;

	CHECK(pread(fd, orig, len, 0) == (ssize_t)len);
	for (size_t i = 0; i < len; i++) {
		uint8_t b = orig[i] ^ (uint8_t)(1u << (i % 8));
		if (pwrite(fd, &b, 1, (off_t)i) != 1 || read_stream(fd, err, sizeof(err)) >= 0)
			accepted++;
		if (pwrite(fd, &orig[i], 1, (off_t)i) != 1)
			accepted++;
	}
	CHECK(accepted == 0);
	CHECK(read_stream(fd, err, sizeof(err)) == 3);
	free(orig);
	close(fd);
}

static void test_wrong_version_and_magic(void)
{
	int fd = mem_file();
	uint8_t h[SNAP_HEADER_SIZE];
	char err[200];

	make_stream(fd);
	memcpy(h, SNAP_MAGIC, 8);
	le_put(h + 8, 4, SNAP_VERSION + 1);
	le_put(h + 12, 4, snap_crc32c(0, h, 12));
	CHECK(pwrite(fd, h, sizeof(h), 0) == (ssize_t)sizeof(h));
	CHECK(read_stream(fd, err, sizeof(err)) == -1);
	char want_file[40], want_reader[40];
	snprintf(want_file, sizeof(want_file), "format version %d", SNAP_VERSION + 1);
	snprintf(want_reader, sizeof(want_reader), "reads version %d", SNAP_VERSION);
	CHECK(strstr(err, want_file) && strstr(err, want_reader));

	CHECK(pwrite(fd, "ELF\x7f    ", 8, 0) == 8);
	CHECK(read_stream(fd, err, sizeof(err)) == -1);
	CHECK(strstr(err, "not a Paravent save stream") != NULL);
	close(fd);
}

/* A section that claims gigabytes is refused before anything is allocated for it. */
static void test_oversized_section(void)
{
	int fd = mem_file();
	struct snap_writer w;
	uint8_t h[SNAP_SECTION_HEADER];
	char err[200];

	CHECK(snap_writer_begin(&w, fd) == 0);
	le_put(h, 4, SNAP_TAG('R', 'A', 'M', ' '));
	le_put(h + 4, 4, 0);
	le_put(h + 8, 8, 1ULL << 40);
	CHECK(write(fd, h, sizeof(h)) == (ssize_t)sizeof(h));
	CHECK(read_stream(fd, err, sizeof(err)) == -1);
	CHECK(strstr(err, "more than the") != NULL);
	close(fd);
}

static void test_crc_vector(void)
{
	/* the standard check value of CRC-32C */
	CHECK(snap_crc32c(0, "123456789", 9) == 0xe3069283u);
	CHECK(snap_crc32c(snap_crc32c(0, "1234", 4), "56789", 5) == 0xe3069283u);
	CHECK(snap_crc32c_portable(0, "123456789", 9) == 0xe3069283u);
	CHECK(snap_crc32c_cpu(0, "123456789", 9) == 0xe3069283u);
	/* every way agrees with the definition, bit by bit, at every alignment and length, and
	 * in pieces */
	{
		static uint8_t buf[4096 + 16];
		uint32_t x = 12345;
		for (size_t i = 0; i < sizeof(buf); i++) {
			x = x * 1103515245u + 12345u;
			buf[i] = (uint8_t)(x >> 16);
		}
		int same = 1;
		for (size_t off = 0; off < 9; off++) {
			for (size_t len = 0; len < 70; len++) {
				uint32_t bitwise = ~7u;
				for (size_t i = 0; i < len; i++) {
					bitwise ^= buf[off + i];
					for (int k = 0; k < 8; k++)
						bitwise = (bitwise & 1) ? (bitwise >> 1) ^ 0x82f63b78u : bitwise >> 1;
				}
				bitwise = ~bitwise;
				same &= snap_crc32c_portable(7, buf + off, len) == bitwise;
				same &= snap_crc32c_cpu(7, buf + off, len) == bitwise;
				same &= snap_crc32c(7, buf + off, len) == bitwise;
			}
		}
		same &= snap_crc32c_cpu(0, buf + 3, 4096) == snap_crc32c_portable(0, buf + 3, 4096);
		same &= snap_crc32c(snap_crc32c(0, buf, 1000), buf + 1000, 3096) == snap_crc32c_portable(0, buf, 4096);
		CHECK(same);
		printf("snapshot stream: CRC32C by %s\n", snap_crc32c_way());
	}
}

/* Held sections go out as the same bytes, in one write at the flush, and count as written
 * only then; a flush with nothing held writes nothing; the writer then writes straight on. */
static void test_hold_and_flush(void)
{
	int plain = mem_file(), held = mem_file();
	size_t len = make_stream(plain);
	struct snap_writer w;

	CHECK(snap_writer_begin(&w, held) == 0);
	CHECK(snap_writer_flush(&w) == 0 && w.bytes == SNAP_HEADER_SIZE);
	snap_writer_hold(&w);
	CHECK(write_sections(&w) == 0);
	CHECK(w.bytes == SNAP_HEADER_SIZE && lseek(held, 0, SEEK_END) == SNAP_HEADER_SIZE);
	CHECK(snap_writer_flush(&w) == 0 && w.held == NULL);
	CHECK(snap_writer_end(&w) == 0);
	CHECK(w.bytes == len && lseek(held, 0, SEEK_END) == (off_t)len);
	uint8_t *a = malloc(len), *b = malloc(len);
	CHECK(a && b && pread(plain, a, len, 0) == (ssize_t)len && pread(held, b, len, 0) == (ssize_t)len &&
	      memcmp(a, b, len) == 0);
	free(a);
	free(b);
	char err[160];
	CHECK(read_stream(held, err, sizeof(err)) == 3);
	/* more than SNAP_HOLD_MAX held: what was held goes out first, and goes out again whenever
	 * the next piece would not fit; the stream is whole and in order */
	int big = mem_file();
	uint8_t *large = calloc(1, SNAP_HOLD_MAX);
	CHECK(large != NULL && snap_writer_begin(&w, big) == 0);
	snap_writer_hold(&w);
	CHECK(snap_write(&w, SNAP_TAG('F', 'I', 'R', 'S'), 0, large, SNAP_HOLD_MAX / 2) == 0);
	CHECK(w.bytes == SNAP_HEADER_SIZE);
	CHECK(snap_write(&w, SNAP_TAG('B', 'I', 'G', ' '), 0, large, SNAP_HOLD_MAX) == 0);
	CHECK(w.bytes == SNAP_HEADER_SIZE + 2 * SNAP_SECTION_HEADER + 4 + SNAP_HOLD_MAX / 2 + SNAP_HOLD_MAX);
	CHECK(snap_write(&w, SNAP_TAG('L', 'A', 'S', 'T'), 0, "x", 1) == 0);
	CHECK(w.held_len > 0 && w.held_cap <= SNAP_HOLD_MAX);
	CHECK(snap_writer_flush(&w) == 0 && snap_writer_end(&w) == 0);
	CHECK(read_stream(big, err, sizeof(err)) == 3);
	free(large);
	close(big);
	/* a failed write of what was held is reported at the flush */
	int p[2];
	CHECK(pipe(p) == 0);
	CHECK(snap_writer_begin(&w, p[1]) == 0);
	close(p[0]);
	snap_writer_hold(&w);
	CHECK(snap_write(&w, SNAP_TAG('M', 'A', 'C', 'H'), 0, "hello", 5) == 0);
	signal(SIGPIPE, SIG_IGN);
	CHECK(snap_writer_flush(&w) == -1 && w.error == EPIPE);
	close(p[1]);
	close(plain);
	close(held);
}

/* Room reserved before holding is used as it is (the pause neither grows the buffer nor
 * faults new pages in), is capped at SNAP_HOLD_MAX, and the stream stays the same bytes. */
static void test_reserve(void)
{
	int plain = mem_file(), held = mem_file();
	size_t len = make_stream(plain);
	struct snap_writer w;

	CHECK(snap_writer_begin(&w, held) == 0);
	snap_writer_reserve(&w, 3 * SNAP_HOLD_MAX);
	CHECK(w.held != NULL && w.held_cap == SNAP_HOLD_MAX && w.held_len == 0 && w.bytes == SNAP_HEADER_SIZE);
	uint8_t *room = w.held;
	snap_writer_reserve(&w, 4096); /* less than there is: nothing changes */
	CHECK(w.held == room && w.held_cap == SNAP_HOLD_MAX);
	snap_writer_hold(&w);
	CHECK(write_sections(&w) == 0 && w.held == room && w.bytes == SNAP_HEADER_SIZE);
	CHECK(snap_writer_flush(&w) == 0 && w.held == NULL && snap_writer_end(&w) == 0);
	uint8_t *a = malloc(len), *b = malloc(len);
	CHECK(a && b && lseek(held, 0, SEEK_END) == (off_t)len && pread(plain, a, len, 0) == (ssize_t)len &&
	      pread(held, b, len, 0) == (ssize_t)len && memcmp(a, b, len) == 0);
	free(a);
	free(b);
	/* reserved but never held (the migration failed before its pause): the writer frees it */
	CHECK(snap_writer_begin(&w, held) == 0);
	snap_writer_reserve(&w, 65536);
	CHECK(w.held_cap == 65536 && snap_writer_flush(&w) == 0 && w.held == NULL);
	close(plain);
	close(held);
}

/* The reader keeps one buffer for the payloads: a smaller section after a larger one reuses
 * it, and the payloads read are still right. */
static void test_reader_buffer(void)
{
	int fd = mem_file();
	struct snap_writer w;
	struct snap_reader r;
	struct snap_section s;
	static uint8_t big[200000];

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	CHECK(snap_writer_begin(&w, fd) == 0);
	CHECK(snap_write(&w, SNAP_TAG('E', 'M', 'P', 'T'), 0, NULL, 0) == 0);
	CHECK(snap_write(&w, SNAP_TAG('B', 'I', 'G', ' '), 0, big, sizeof(big)) == 0);
	CHECK(snap_write(&w, SNAP_TAG('S', 'M', 'A', 'L'), 1, "small", 5) == 0);
	CHECK(snap_writer_end(&w) == 0);
	lseek(fd, 0, SEEK_SET);
	CHECK(snap_reader_begin(&r, fd) == 0);
	/* an empty section before any buffer exists still has a pointer (memcpy's of 0 bytes) */
	CHECK(snap_read(&r, &s) == 1 && s.len == 0 && s.data != NULL);
	CHECK(snap_read(&r, &s) == 1 && s.len == sizeof(big) && memcmp(s.data, big, sizeof(big)) == 0);
	uint8_t *first = s.data;
	size_t cap = r.cap;
	CHECK(snap_read(&r, &s) == 1 && s.len == 5 && memcmp(s.data, "small", 5) == 0);
	CHECK(s.data == first && r.cap == cap);
	CHECK(snap_read(&r, &s) == 0 && s.data == NULL);
	snap_reader_end(&r);
	CHECK(r.buf == NULL && r.cap == 0);
	close(fd);
}

int main(void)
{
	test_crc_vector();
	test_round_trip();
	test_truncated();
	test_corrupted();
	test_wrong_version_and_magic();
	test_oversized_section();
	test_hold_and_flush();
	test_reserve();
	test_reader_buffer();
	return check_summary("snapshot_stream");
}
