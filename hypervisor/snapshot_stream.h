/* The save/migration stream: a versioned header, then sections, each with a type tag, an
 * instance number, a length and a CRC32C over all of it, then an END section. Written and
 * read strictly in order on a file descriptor, so the same code serves a save file and a
 * migration socket. A reader trusts nothing: a wrong magic, another format version, a bad
 * checksum, a section longer than the reader allows or a stream that stops early is an error
 * with a sentence saying which. */
#ifndef PARAVENT_VMM_SNAPSHOT_STREAM_H
#define PARAVENT_VMM_SNAPSHOT_STREAM_H

#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#define SNAP_MAGIC "PVSNAP\r\n"
#define SNAP_VERSION 2 /* 2: virtio-net has a control queue and its announce state */
#define SNAP_HEADER_SIZE 16  /* magic, version, CRC of both */
#define SNAP_SECTION_HEADER 16 /* tag, instance, length */
#define SNAP_MAX_SECTION (4u << 20) /* what a reader accepts for one section's payload */

/* Four characters, e.g. SNAP_TAG('V','C','P','U'). */
#define SNAP_TAG(a, b, c, d) ((uint32_t)(a) | (uint32_t)(b) << 8 | (uint32_t)(c) << 16 | (uint32_t)(d) << 24)
#define SNAP_TAG_END SNAP_TAG('E', 'N', 'D', '.')
#define SNAP_TAG_MACH SNAP_TAG('M', 'A', 'C', 'H')
#define SNAP_TAG_CONF SNAP_TAG('C', 'O', 'N', 'F')

/* CRC32C of data, going on from crc (0 to start). snap_crc32c takes whichever way is faster
 * on this CPU (timed at its first call; snap_crc32c_way names it); snap_crc32c_portable is
 * the tables, snap_crc32c_cpu the CPU's instruction where it has one (snap_crc32c_has_cpu),
 * for the tests: all give the same values. */
uint32_t snap_crc32c(uint32_t crc, const void *data, size_t len);
uint32_t snap_crc32c_portable(uint32_t crc, const void *data, size_t len);
uint32_t snap_crc32c_cpu(uint32_t crc, const void *data, size_t len);
bool snap_crc32c_has_cpu(void);
const char *snap_crc32c_way(void);

struct snap_writer {
	int fd;
	uint64_t bytes; /* written so far */
	int error;      /* errno of the first failed write; later writes do nothing */
	/* between snap_writer_hold and snap_writer_flush: what is written gathers here */
	bool holding;
	uint8_t *held;
	size_t held_len, held_cap;
};

/* Writes the header. 0, or -1 with w->error set. */
int snap_writer_begin(struct snap_writer *w, int fd);
/* One section from n pieces of payload (e.g. a RAM section's address and its pages). */
int snap_write_iov(struct snap_writer *w, uint32_t tag, uint32_t instance, const struct iovec *iov, int n);
int snap_write(struct snap_writer *w, uint32_t tag, uint32_t instance, const void *data, size_t len);
/* The END section. */
int snap_writer_end(struct snap_writer *w);
/* From now on sections gather in memory, until snap_writer_flush writes them out in one go: a
 * migration's stop-and-copy sends its last pages and the state so, rather than in three
 * writes per section, each waking the receiver while the guest is paused. At most
 * SNAP_HOLD_MAX bytes are held (a VMM's memory is capped by its cgroup, and a last round can
 * be large): beyond, what is held goes out, and holding goes on after it. */
#define SNAP_HOLD_MAX (4u << 20)
void snap_writer_hold(struct snap_writer *w);
/* Makes room for bytes (at most SNAP_HOLD_MAX) to be held, its memory touched: done before
 * a migration's pause, so that the pause neither grows the buffer nor faults its pages in. */
void snap_writer_reserve(struct snap_writer *w, size_t bytes);
/* Writes what was held and stops holding. 0, or -1 with w->error set. */
int snap_writer_flush(struct snap_writer *w);

struct snap_reader {
	int fd;
	uint64_t bytes;
	char err[160];
	uint8_t *buf; /* the current section's payload: one buffer, reused by each read */
	size_t cap;
};

struct snap_section {
	uint32_t tag, instance;
	uint8_t *data; /* payload, the reader's: valid until the next snap_read or snap_reader_end */
	size_t len;
};

/* Reads and checks the header. 0, or -1 with r->err. */
int snap_reader_begin(struct snap_reader *r, int fd);
/* The next section: 1 with *s filled, 0 at END, -1 with r->err. */
int snap_read(struct snap_reader *r, struct snap_section *s);
/* Frees the reader's buffer (after snap_reader_begin, whatever happened since). */
void snap_reader_end(struct snap_reader *r);

/* The CONF section of a stream that begins MACH, CONF: malloc'd and NUL-terminated, or NULL
 * with a reason in err. What the toolstack needs to rebuild a domain before restoring it. */
char *snapshot_read_config(int fd, char *err, size_t errlen);

/* "VCPU" for a tag, in buf (at least 5 bytes), for messages. */
const char *snap_tag_name(uint32_t tag, char buf[5]);

#endif
