/* Unit tests for the split virtqueue, device side: the test plays the driver, writing
 * descriptor tables and rings into a fake guest memory, including every way of lying about
 * them that the device must survive. */
#include "check.h"
#include "guest_mem.h"
#include "virtio_spec.h"
#include "virtqueue.h"

#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define RAM_GPA 0x100000ULL
#define RAM_SIZE 0x40000ULL
#define RAM2_GPA (RAM_GPA + RAM_SIZE) /* a second region, adjacent but separately mapped */
#define RAM2_SIZE 0x10000ULL
#define BIG_GPA 0x100000000ULL /* 2 GiB reserved, never touched: for length overflows */
#define BIG_SIZE 0x80000000ULL

#define DESC_GPA RAM_GPA             /* up to 1024 descriptors */
#define AVAIL_GPA (RAM_GPA + 0x4000)
#define USED_GPA (RAM_GPA + 0x5000)  /* up to 8198 bytes */
#define IND_GPA (RAM_GPA + 0x8000)   /* indirect tables */
#define DATA_GPA (RAM_GPA + 0x10000) /* buffers */

static uint8_t *ram, *ram2;
static struct guest_mem mem;
static struct virtq vq;
static uint16_t drv_avail_idx; /* the driver's avail->idx */

static void *gp(uint64_t gpa)
{
	return guest_mem_ptr(&mem, gpa, 1);
}

static void put16(uint64_t gpa, uint16_t v)
{
	v = htole16(v);
	memcpy(gp(gpa), &v, sizeof(v));
}

static uint16_t get16(uint64_t gpa)
{
	uint16_t v;
	memcpy(&v, gp(gpa), sizeof(v));
	return le16toh(v);
}

static uint32_t get32(uint64_t gpa)
{
	uint32_t v;
	memcpy(&v, gp(gpa), sizeof(v));
	return le32toh(v);
}

static void set_desc(uint64_t table, unsigned i, uint64_t addr, uint32_t len, uint16_t flags,
		     uint16_t next)
{
	struct virtq_desc d = { htole64(addr), htole32(len), htole16(flags), htole16(next) };
	memcpy(gp(table + 16ULL * i), &d, sizeof(d));
}

/* The driver makes a chain available. */
static void offer(uint16_t head)
{
	put16(AVAIL_GPA + VIRTQ_AVAIL_RING + 2ULL * (drv_avail_idx % vq.size), head);
	drv_avail_idx++;
	put16(AVAIL_GPA + VIRTQ_AVAIL_IDX, drv_avail_idx);
}

static uint32_t used_id(uint16_t idx)
{
	return get32(USED_GPA + VIRTQ_USED_RING + 8ULL * (idx % vq.size));
}

static uint32_t used_len(uint16_t idx)
{
	return get32(USED_GPA + VIRTQ_USED_RING + 8ULL * (idx % vq.size) + 4);
}

static void reset_queue(uint16_t size, bool event_idx)
{
	memset(ram, 0, RAM_SIZE);
	memset(ram2, 0, RAM2_SIZE);
	virtq_reset(&vq);
	vq.size = size;
	vq.desc_gpa = DESC_GPA;
	vq.avail_gpa = AVAIL_GPA;
	vq.used_gpa = USED_GPA;
	vq.event_idx = event_idx;
	vq.ready = true;
	drv_avail_idx = 0;
}

/* The next pop is a malformed chain with this head, the ring is fine, and completing the
 * chain with 0 bytes gives it back to the driver. */
static bool bad_chain(uint16_t head)
{
	struct virtq_chain c;
	uint16_t used = vq.used_idx;

	if (virtq_pop(&vq, &mem, &c) != -EINVAL || c.head != head || vq.broken)
		return false;
	if (virtq_push(&vq, &mem, c.head, 0) != 0)
		return false;
	return get16(USED_GPA + VIRTQ_USED_IDX) == (uint16_t)(used + 1) && used_id(used) == head &&
	       used_len(used) == 0;
}

/* After a bad chain, a good one still comes through. */
static bool still_works(void)
{
	struct virtq_chain c;
	uint16_t head = vq.size - 1;

	set_desc(DESC_GPA, head, DATA_GPA, 64, VIRTQ_DESC_F_WRITE, 0);
	offer(head);
	return virtq_pop(&vq, &mem, &c) == 1 && c.head == head && c.nbufs == 1 &&
	       c.writable_len == 64 && !vq.broken;
}

static bool buf_is(const struct virtq_buf *b, uint64_t gpa, uint32_t len, bool writable)
{
	return b->addr == (uint8_t *)gp(gpa) && b->gpa == gpa && b->len == len &&
	       b->writable == writable;
}

static void test_direct_chain(void)
{
	struct virtq_chain c;

	reset_queue(8, false);
	CHECK(!virtq_has_work(&vq, &mem));
	CHECK(virtq_pop(&vq, &mem, &c) == 0);
	set_desc(DESC_GPA, 0, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 3);
	set_desc(DESC_GPA, 3, DATA_GPA + 0x100, 512, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 5);
	set_desc(DESC_GPA, 5, DATA_GPA + 0x300, 1, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	CHECK(virtq_has_work(&vq, &mem));
	CHECK(virtq_pop(&vq, &mem, &c) == 1);
	CHECK(c.head == 0);
	CHECK(c.nbufs == 3);
	CHECK(buf_is(&c.bufs[0], DATA_GPA, 16, false));
	CHECK(buf_is(&c.bufs[1], DATA_GPA + 0x100, 512, true));
	CHECK(buf_is(&c.bufs[2], DATA_GPA + 0x300, 1, true));
	CHECK(c.readable_len == 16);
	CHECK(c.writable_len == 513);
	CHECK(vq.last_avail_idx == 1);
	CHECK(!virtq_has_work(&vq, &mem));
	CHECK(virtq_pop(&vq, &mem, &c) == 0);

	CHECK(virtq_push(&vq, &mem, 0, 513) == 0);
	CHECK(get16(USED_GPA + VIRTQ_USED_IDX) == 1);
	CHECK(vq.used_idx == 1);
	CHECK(used_id(0) == 0);
	CHECK(used_len(0) == 513);
	/* a head the device never had is refused, nothing written */
	CHECK(virtq_push(&vq, &mem, 8, 1) == -EINVAL);
	CHECK(get16(USED_GPA + VIRTQ_USED_IDX) == 1);

	/* several chains queued come out in order; zero-length descriptors are skipped
	 * (even with a nonsense address) but checked for their place in the chain */
	set_desc(DESC_GPA, 1, DATA_GPA, 8, 0, 0);
	set_desc(DESC_GPA, 2, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 4);
	set_desc(DESC_GPA, 4, 0xdead0000, 0, VIRTQ_DESC_F_NEXT, 6);
	set_desc(DESC_GPA, 6, DATA_GPA + 0x20, 1, VIRTQ_DESC_F_WRITE, 0);
	offer(1);
	offer(2);
	CHECK(virtq_pop(&vq, &mem, &c) == 1 && c.head == 1 && c.nbufs == 1 && c.readable_len == 8);
	CHECK(virtq_pop(&vq, &mem, &c) == 1);
	CHECK(c.head == 2 && c.nbufs == 2);
	CHECK(buf_is(&c.bufs[0], DATA_GPA, 16, false));
	CHECK(buf_is(&c.bufs[1], DATA_GPA + 0x20, 1, true));

	/* a chain through every descriptor of the table is as long as one can be */
	reset_queue(4, false);
	set_desc(DESC_GPA, 0, DATA_GPA, 1, 0, 0);
	set_desc(DESC_GPA, 3, DATA_GPA + 3, 1, VIRTQ_DESC_F_NEXT, 2);
	set_desc(DESC_GPA, 2, DATA_GPA + 2, 1, VIRTQ_DESC_F_NEXT, 1);
	set_desc(DESC_GPA, 1, DATA_GPA + 1, 1, VIRTQ_DESC_F_NEXT, 0);
	offer(3);
	CHECK(virtq_pop(&vq, &mem, &c) == 1);
	CHECK(c.head == 3 && c.nbufs == 4 && c.readable_len == 4);
	CHECK(buf_is(&c.bufs[3], DATA_GPA, 1, false));

	/* a buffer wholly inside the second region is fine */
	reset_queue(8, false);
	set_desc(DESC_GPA, 7, RAM2_GPA + 0x100, 0x200, VIRTQ_DESC_F_WRITE, 0);
	offer(7);
	CHECK(virtq_pop(&vq, &mem, &c) == 1 && c.nbufs == 1);
	CHECK(c.bufs[0].addr == ram2 + 0x100);
}

static void test_indirect_chain(void)
{
	struct virtq_chain c;

	reset_queue(8, false);
	/* WRITE on the descriptor naming the table must be ignored; the table's chain runs
	 * 0 -> 2 -> 1, not in table order */
	set_desc(DESC_GPA, 2, IND_GPA, 48, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_WRITE, 0);
	set_desc(IND_GPA, 0, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 2);
	set_desc(IND_GPA, 2, DATA_GPA + 0x40, 100, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	set_desc(IND_GPA, 1, DATA_GPA + 0x400, 1, VIRTQ_DESC_F_WRITE, 0);
	offer(2);
	CHECK(virtq_pop(&vq, &mem, &c) == 1);
	CHECK(c.head == 2 && c.nbufs == 3);
	CHECK(buf_is(&c.bufs[0], DATA_GPA, 16, false));
	CHECK(buf_is(&c.bufs[1], DATA_GPA + 0x40, 100, true));
	CHECK(buf_is(&c.bufs[2], DATA_GPA + 0x400, 1, true));
	CHECK(c.readable_len == 16 && c.writable_len == 101);

	/* mixed: direct descriptors, then one that points to a table */
	set_desc(DESC_GPA, 4, DATA_GPA + 0x800, 16, VIRTQ_DESC_F_NEXT, 6);
	set_desc(DESC_GPA, 6, IND_GPA + 0x100, 32, VIRTQ_DESC_F_INDIRECT, 0);
	set_desc(IND_GPA + 0x100, 0, DATA_GPA + 0x900, 8, VIRTQ_DESC_F_NEXT, 1);
	set_desc(IND_GPA + 0x100, 1, DATA_GPA + 0xa00, 4, VIRTQ_DESC_F_WRITE, 0);
	offer(4);
	CHECK(virtq_pop(&vq, &mem, &c) == 1);
	CHECK(c.head == 4 && c.nbufs == 3);
	CHECK(buf_is(&c.bufs[0], DATA_GPA + 0x800, 16, false));
	CHECK(buf_is(&c.bufs[1], DATA_GPA + 0x900, 8, false));
	CHECK(buf_is(&c.bufs[2], DATA_GPA + 0xa00, 4, true));
	CHECK(c.readable_len == 24 && c.writable_len == 4);

	/* exactly VIRTQ_MAX_SEGS descriptors in a table: accepted */
	for (unsigned i = 0; i < VIRTQ_MAX_SEGS; i++)
		set_desc(IND_GPA, i, DATA_GPA + i, 1,
			 i + 1 < VIRTQ_MAX_SEGS ? VIRTQ_DESC_F_NEXT : 0, (uint16_t)(i + 1));
	set_desc(DESC_GPA, 0, IND_GPA, 16 * VIRTQ_MAX_SEGS, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	CHECK(virtq_pop(&vq, &mem, &c) == 1);
	CHECK(c.nbufs == VIRTQ_MAX_SEGS && c.readable_len == VIRTQ_MAX_SEGS);
	CHECK(buf_is(&c.bufs[VIRTQ_MAX_SEGS - 1], DATA_GPA + VIRTQ_MAX_SEGS - 1, 1, false));
}

static void test_bad_chains(void)
{
	/* loop: 0 -> 1 -> 0 */
	reset_queue(8, false);
	set_desc(DESC_GPA, 0, DATA_GPA, 1, VIRTQ_DESC_F_NEXT, 1);
	set_desc(DESC_GPA, 1, DATA_GPA, 1, VIRTQ_DESC_F_NEXT, 0);
	offer(0);
	CHECK(bad_chain(0));
	CHECK(still_works());

	/* a descriptor pointing at itself */
	reset_queue(8, false);
	set_desc(DESC_GPA, 3, DATA_GPA, 1, VIRTQ_DESC_F_NEXT, 3);
	offer(3);
	CHECK(bad_chain(3));
	CHECK(still_works());

	/* longer than the queue: all 4 descriptors, then back to the first */
	reset_queue(4, false);
	for (unsigned i = 0; i < 4; i++)
		set_desc(DESC_GPA, i, DATA_GPA, 1, VIRTQ_DESC_F_NEXT, (uint16_t)((i + 1) % 4));
	offer(1);
	CHECK(bad_chain(1));
	CHECK(still_works());

	/* next outside the table */
	reset_queue(8, false);
	set_desc(DESC_GPA, 0, DATA_GPA, 1, VIRTQ_DESC_F_NEXT, 8);
	offer(0);
	CHECK(bad_chain(0));
	CHECK(still_works());

	/* buffers outside RAM: below it, across its end, wrapping around 2^64 */
	reset_queue(8, false);
	set_desc(DESC_GPA, 0, 0x1000, 16, 0, 0);
	set_desc(DESC_GPA, 1, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 2);
	set_desc(DESC_GPA, 2, RAM2_GPA + RAM2_SIZE - 8, 16, VIRTQ_DESC_F_WRITE, 0);
	set_desc(DESC_GPA, 3, UINT64_MAX - 7, 16, 0, 0);
	offer(0);
	offer(1);
	offer(3);
	CHECK(bad_chain(0));
	CHECK(bad_chain(1));
	CHECK(bad_chain(3));
	CHECK(still_works());

	/* straddling the two regions, though they are adjacent in guest space */
	reset_queue(8, false);
	set_desc(DESC_GPA, 0, RAM2_GPA - 8, 16, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	CHECK(bad_chain(0));
	CHECK(still_works());

	/* device-readable after device-writable, directly and into an indirect table */
	reset_queue(8, false);
	set_desc(DESC_GPA, 0, DATA_GPA, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 1);
	set_desc(DESC_GPA, 1, DATA_GPA, 16, 0, 0);
	set_desc(DESC_GPA, 2, DATA_GPA, 16, VIRTQ_DESC_F_WRITE | VIRTQ_DESC_F_NEXT, 3);
	set_desc(DESC_GPA, 3, IND_GPA, 16, VIRTQ_DESC_F_INDIRECT, 0);
	set_desc(IND_GPA, 0, DATA_GPA, 16, 0, 0);
	offer(0);
	offer(2);
	CHECK(bad_chain(0));
	CHECK(bad_chain(2));
	CHECK(still_works());

	/* indirect inside indirect; indirect with NEXT */
	reset_queue(8, false);
	set_desc(DESC_GPA, 0, IND_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
	set_desc(IND_GPA, 0, DATA_GPA, 16, VIRTQ_DESC_F_NEXT, 1);
	set_desc(IND_GPA, 1, IND_GPA + 0x100, 16, VIRTQ_DESC_F_INDIRECT, 0);
	set_desc(IND_GPA + 0x100, 0, DATA_GPA, 16, 0, 0);
	set_desc(DESC_GPA, 1, IND_GPA + 0x100, 16, VIRTQ_DESC_F_INDIRECT | VIRTQ_DESC_F_NEXT, 2);
	set_desc(DESC_GPA, 2, DATA_GPA, 16, 0, 0);
	offer(0);
	offer(1);
	CHECK(bad_chain(0));
	CHECK(bad_chain(1));
	CHECK(still_works());

	/* indirect table lengths: 0, not a multiple of 16, outside RAM */
	reset_queue(8, false);
	set_desc(IND_GPA, 0, DATA_GPA, 16, 0, 0);
	set_desc(IND_GPA, 1, DATA_GPA, 16, 0, 0);
	set_desc(DESC_GPA, 0, IND_GPA, 0, VIRTQ_DESC_F_INDIRECT, 0);
	set_desc(DESC_GPA, 1, IND_GPA, 24, VIRTQ_DESC_F_INDIRECT, 0);
	set_desc(DESC_GPA, 2, RAM2_GPA + RAM2_SIZE - 16, 32, VIRTQ_DESC_F_INDIRECT, 0);
	offer(0);
	offer(1);
	offer(2);
	CHECK(bad_chain(0));
	CHECK(bad_chain(1));
	CHECK(bad_chain(2));
	CHECK(still_works());

	/* loops and bad next inside an indirect table */
	reset_queue(8, false);
	set_desc(DESC_GPA, 0, IND_GPA, 32, VIRTQ_DESC_F_INDIRECT, 0);
	set_desc(IND_GPA, 0, DATA_GPA, 1, VIRTQ_DESC_F_NEXT, 1);
	set_desc(IND_GPA, 1, DATA_GPA, 1, VIRTQ_DESC_F_NEXT, 0);
	set_desc(DESC_GPA, 1, IND_GPA + 0x100, 32, VIRTQ_DESC_F_INDIRECT, 0);
	set_desc(IND_GPA + 0x100, 0, DATA_GPA, 1, VIRTQ_DESC_F_NEXT, 2);
	offer(0);
	offer(1);
	CHECK(bad_chain(0));
	CHECK(bad_chain(1));
	CHECK(still_works());

	/* one descriptor more than VIRTQ_MAX_SEGS, in a table or directly (no loop there) */
	reset_queue(1024, false);
	for (unsigned i = 0; i <= VIRTQ_MAX_SEGS; i++)
		set_desc(IND_GPA, i, DATA_GPA + i, 1, i < VIRTQ_MAX_SEGS ? VIRTQ_DESC_F_NEXT : 0,
			 (uint16_t)(i + 1));
	set_desc(DESC_GPA, 0, IND_GPA, 16 * (VIRTQ_MAX_SEGS + 1), VIRTQ_DESC_F_INDIRECT, 0);
	for (unsigned i = 100; i <= 100 + VIRTQ_MAX_SEGS; i++)
		set_desc(DESC_GPA, i, DATA_GPA, 1, i < 100 + VIRTQ_MAX_SEGS ? VIRTQ_DESC_F_NEXT : 0,
			 (uint16_t)(i + 1));
	offer(0);
	offer(100);
	CHECK(bad_chain(0));
	CHECK(bad_chain(100));
	CHECK(still_works());

	/* total length: 2^32 - 1 is the most, 2^32 is too much */
	reset_queue(8, false);
	set_desc(DESC_GPA, 0, BIG_GPA, 0x80000000, VIRTQ_DESC_F_NEXT, 1);
	set_desc(DESC_GPA, 1, BIG_GPA, 0x7fffffff, VIRTQ_DESC_F_WRITE, 0);
	set_desc(DESC_GPA, 2, BIG_GPA, 0x80000000, VIRTQ_DESC_F_NEXT, 3);
	set_desc(DESC_GPA, 3, BIG_GPA, 0x80000000, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	offer(2);
	struct virtq_chain c;
	CHECK(virtq_pop(&vq, &mem, &c) == 1);
	CHECK(c.readable_len == 0x80000000 && c.writable_len == 0x7fffffff);
	CHECK(bad_chain(2));
	CHECK(still_works());
}

/* The next pop finds the RING broken with err; afterwards the queue stays dead until reset. */
static bool broken_ring(int err)
{
	struct virtq_chain c;

	if (virtq_pop(&vq, &mem, &c) != err || !vq.broken)
		return false;
	return virtq_pop(&vq, &mem, &c) == -EIO && virtq_push(&vq, &mem, 0, 0) == -EIO &&
	       !virtq_has_work(&vq, &mem) && !virtq_needs_interrupt(&vq, &mem);
}

static void test_bad_rings(void)
{
	struct virtq_chain c;

	/* head index outside the table */
	reset_queue(8, false);
	offer(8);
	CHECK(broken_ring(-EPROTO));
	CHECK(vq.last_avail_idx == 0);
	virtq_reset(&vq);
	CHECK(!vq.broken && !vq.ready);
	CHECK(virtq_pop(&vq, &mem, &c) == 0);

	/* avail->idx a whole ring ahead is the most a driver can be... */
	reset_queue(8, false);
	set_desc(DESC_GPA, 5, DATA_GPA, 1, 0, 0);
	for (unsigned i = 0; i < 8; i++)
		offer(5);
	for (unsigned i = 0; i < 8; i++)
		CHECK(virtq_pop(&vq, &mem, &c) == 1 && c.head == 5);
	CHECK(virtq_pop(&vq, &mem, &c) == 0);
	/* ...one more is a lie */
	put16(AVAIL_GPA + VIRTQ_AVAIL_IDX, 8 + 9);
	CHECK(broken_ring(-EPROTO));
	reset_queue(8, false);
	put16(AVAIL_GPA + VIRTQ_AVAIL_IDX, 0xffff);
	CHECK(broken_ring(-EPROTO));

	/* rings outside RAM: past the end, partly past it, wrapping */
	reset_queue(8, false);
	vq.desc_gpa = RAM2_GPA + RAM2_SIZE - 64;
	CHECK(broken_ring(-EFAULT));
	reset_queue(8, false);
	vq.used_gpa = 0x1000;
	CHECK(broken_ring(-EFAULT));
	reset_queue(8, false);
	vq.used_gpa = RAM2_GPA + RAM2_SIZE - 68; /* 70 bytes needed */
	CHECK(broken_ring(-EFAULT));
	reset_queue(8, false);
	vq.avail_gpa = UINT64_MAX - 1;
	CHECK(broken_ring(-EFAULT));

	/* sizes: zero, not a power of 2, above the maximum */
	reset_queue(0, false);
	CHECK(broken_ring(-EPROTO));
	reset_queue(6, false);
	CHECK(broken_ring(-EPROTO));
	reset_queue(2048, false);
	CHECK(broken_ring(-EPROTO));

	/* misaligned rings */
	reset_queue(8, false);
	vq.desc_gpa += 8;
	CHECK(broken_ring(-EPROTO));
	reset_queue(8, false);
	vq.avail_gpa += 1;
	CHECK(broken_ring(-EPROTO));
	reset_queue(8, false);
	vq.used_gpa += 2;
	CHECK(broken_ring(-EPROTO));

	/* not ready: nothing to do, no error, not broken */
	reset_queue(8, false);
	vq.ready = false;
	offer(0);
	CHECK(virtq_pop(&vq, &mem, &c) == 0);
	CHECK(virtq_push(&vq, &mem, 0, 0) == -EINVAL);
	CHECK(!virtq_has_work(&vq, &mem) && !vq.broken);
}

static void test_wraparound(void)
{
	struct virtq_chain c;

	reset_queue(8, false);
	vq.last_avail_idx = vq.used_idx = drv_avail_idx = 65534;
	for (unsigned i = 0; i < 4; i++) {
		set_desc(DESC_GPA, i, DATA_GPA + 0x100 * i, 0x100, VIRTQ_DESC_F_WRITE, 0);
		offer((uint16_t)i);
	}
	CHECK(get16(AVAIL_GPA + VIRTQ_AVAIL_IDX) == 2);
	/* ring slots 6, 7, 0, 1 */
	CHECK(get16(AVAIL_GPA + VIRTQ_AVAIL_RING + 2 * 6) == 0);
	CHECK(get16(AVAIL_GPA + VIRTQ_AVAIL_RING + 2 * 1) == 3);
	for (unsigned i = 0; i < 4; i++) {
		CHECK(virtq_pop(&vq, &mem, &c) == 1);
		CHECK(c.head == i);
		CHECK(c.bufs[0].addr == (uint8_t *)gp(DATA_GPA + 0x100 * i));
		CHECK(virtq_push(&vq, &mem, c.head, 10 + i) == 0);
	}
	CHECK(virtq_pop(&vq, &mem, &c) == 0);
	CHECK(vq.last_avail_idx == 2);
	CHECK(vq.used_idx == 2);
	CHECK(get16(USED_GPA + VIRTQ_USED_IDX) == 2);
	CHECK(get32(USED_GPA + VIRTQ_USED_RING + 8 * 6) == 0);
	CHECK(get32(USED_GPA + VIRTQ_USED_RING + 8 * 6 + 4) == 10);
	CHECK(get32(USED_GPA + VIRTQ_USED_RING + 8 * 7) == 1);
	CHECK(get32(USED_GPA + VIRTQ_USED_RING + 8 * 0) == 2);
	CHECK(get32(USED_GPA + VIRTQ_USED_RING + 8 * 1) == 3);
	CHECK(get32(USED_GPA + VIRTQ_USED_RING + 8 * 1 + 4) == 13);
}

static void test_interrupts(void)
{
	/* without event idx: the NO_INTERRUPT flag decides */
	reset_queue(8, false);
	CHECK(virtq_push(&vq, &mem, 0, 0) == 0);
	CHECK(virtq_needs_interrupt(&vq, &mem));
	put16(AVAIL_GPA + VIRTQ_AVAIL_FLAGS, VIRTQ_AVAIL_F_NO_INTERRUPT);
	CHECK(virtq_push(&vq, &mem, 0, 0) == 0);
	CHECK(!virtq_needs_interrupt(&vq, &mem));
	put16(AVAIL_GPA + VIRTQ_AVAIL_FLAGS, 0);
	CHECK(virtq_push(&vq, &mem, 0, 0) == 0);
	CHECK(virtq_needs_interrupt(&vq, &mem));

	/* with event idx: interrupt when used->idx goes past used_event */
	const uint64_t used_event = AVAIL_GPA + VIRTQ_USED_EVENT_OFF(8);
	reset_queue(8, true);
	put16(used_event, 100);
	CHECK(virtq_push(&vq, &mem, 0, 0) == 0);
	CHECK(virtq_needs_interrupt(&vq, &mem)); /* first check after reset: always */
	put16(used_event, 2);                    /* "interrupt me once entry 2 is used" */
	CHECK(virtq_push(&vq, &mem, 0, 0) == 0); /* entry 1 */
	CHECK(!virtq_needs_interrupt(&vq, &mem));
	CHECK(virtq_push(&vq, &mem, 0, 0) == 0); /* entry 2 */
	CHECK(virtq_needs_interrupt(&vq, &mem));
	CHECK(virtq_push(&vq, &mem, 0, 0) == 0); /* entry 3 */
	CHECK(!virtq_needs_interrupt(&vq, &mem));
	/* nothing new since the last check: no interrupt */
	put16(used_event, 4);
	CHECK(!virtq_needs_interrupt(&vq, &mem));
	/* a batch that passes used_event in its middle */
	CHECK(virtq_push(&vq, &mem, 0, 0) == 0); /* entry 4 */
	CHECK(virtq_push(&vq, &mem, 0, 0) == 0); /* entry 5 */
	CHECK(virtq_needs_interrupt(&vq, &mem));
	/* a used_event already behind us does not ask for more */
	CHECK(virtq_push(&vq, &mem, 0, 0) == 0);
	CHECK(!virtq_needs_interrupt(&vq, &mem));
	/* the flag is ignored with event idx */
	put16(AVAIL_GPA + VIRTQ_AVAIL_FLAGS, VIRTQ_AVAIL_F_NO_INTERRUPT);
	put16(used_event, vq.used_idx);
	CHECK(virtq_push(&vq, &mem, 0, 0) == 0);
	CHECK(virtq_needs_interrupt(&vq, &mem));

	/* across the 16-bit wrap */
	reset_queue(8, true);
	vq.used_idx = 65533;
	CHECK(virtq_push(&vq, &mem, 0, 0) == 0); /* entry 65533, idx 65534 */
	CHECK(virtq_needs_interrupt(&vq, &mem));
	put16(used_event, 65535);
	CHECK(virtq_push(&vq, &mem, 0, 0) == 0); /* entry 65534 */
	CHECK(!virtq_needs_interrupt(&vq, &mem));
	CHECK(virtq_push(&vq, &mem, 0, 0) == 0); /* entry 65535, idx wraps to 0 */
	CHECK(vq.used_idx == 0 && get16(USED_GPA + VIRTQ_USED_IDX) == 0);
	CHECK(virtq_needs_interrupt(&vq, &mem));
	put16(used_event, 1);
	CHECK(virtq_push(&vq, &mem, 0, 0) == 0); /* entry 0 */
	CHECK(!virtq_needs_interrupt(&vq, &mem));
	CHECK(virtq_push(&vq, &mem, 0, 0) == 0); /* entry 1 */
	CHECK(virtq_needs_interrupt(&vq, &mem));
}

static void test_notify(void)
{
	struct virtq_chain c;
	const uint64_t avail_event = USED_GPA + VIRTQ_AVAIL_EVENT_OFF(8);

	reset_queue(8, false);
	virtq_enable_notify(&vq, &mem, false);
	CHECK(get16(USED_GPA + VIRTQ_USED_FLAGS) == VIRTQ_USED_F_NO_NOTIFY);
	virtq_enable_notify(&vq, &mem, true);
	CHECK(get16(USED_GPA + VIRTQ_USED_FLAGS) == 0);
	CHECK(get16(avail_event) == 0);

	reset_queue(8, true);
	set_desc(DESC_GPA, 0, DATA_GPA, 1, 0, 0);
	offer(0);
	offer(0);
	offer(0);
	CHECK(virtq_pop(&vq, &mem, &c) == 1);
	CHECK(virtq_pop(&vq, &mem, &c) == 1);
	virtq_enable_notify(&vq, &mem, true);
	CHECK(get16(avail_event) == 2);
	CHECK(get16(USED_GPA + VIRTQ_USED_FLAGS) == 0);
	/* the re-check after enabling finds the third one */
	CHECK(virtq_has_work(&vq, &mem));
	CHECK(virtq_pop(&vq, &mem, &c) == 1);
	virtq_enable_notify(&vq, &mem, false);
	CHECK(get16(avail_event) == 2); /* left behind: no kicks until enabled again */
	CHECK(get16(USED_GPA + VIRTQ_USED_FLAGS) == 0);
	virtq_enable_notify(&vq, &mem, true);
	CHECK(get16(avail_event) == 3);
	CHECK(!virtq_has_work(&vq, &mem));
}

static void test_dirty(void)
{
	struct virtq_chain c;
	const unsigned used_page = (USED_GPA - RAM_GPA) >> GUEST_PAGE_SHIFT;
	const unsigned data_page = (DATA_GPA - RAM_GPA) >> GUEST_PAGE_SHIFT;

	reset_queue(8, true);
	CHECK(guest_mem_dirty_start(&mem) == 0);
	CHECK(mem.r[0].dirty[0] == 0);

	/* a chain: readable in one page, writable across the next two */
	set_desc(DESC_GPA, 0, DATA_GPA + 0x2000, 16, VIRTQ_DESC_F_NEXT, 1);
	set_desc(DESC_GPA, 1, DATA_GPA + 0xff0, 0x20, VIRTQ_DESC_F_WRITE, 0);
	offer(0);
	CHECK(virtq_pop(&vq, &mem, &c) == 1);
	CHECK(mem.r[0].dirty[0] == 0); /* reading the rings dirties nothing */
	CHECK(virtq_push_chain(&vq, &mem, &c, 0x20) == 0);
	CHECK(mem.r[0].dirty[0] ==
	      ((1ULL << used_page) | (1ULL << data_page) | (1ULL << (data_page + 1))));
	CHECK(used_len(0) == 0x20);

	/* a bare push dirties the used ring only; so does enabling notifications */
	uint64_t out[1] = { 0 };
	CHECK(guest_mem_dirty_collect(&mem, 0, out) == 3);
	CHECK(virtq_push(&vq, &mem, 0, 0) == 0);
	CHECK(mem.r[0].dirty[0] == 1ULL << used_page);
	out[0] = 0;
	CHECK(guest_mem_dirty_collect(&mem, 0, out) == 1);
	virtq_enable_notify(&vq, &mem, true);
	CHECK(mem.r[0].dirty[0] == 1ULL << used_page);

	/* a big queue, where the used element is a page after used->idx: both pages count */
	reset_queue(1024, false);
	vq.used_idx = 600; /* element at USED_GPA + 4 + 4800: the next page */
	out[0] = 0;
	guest_mem_dirty_collect(&mem, 0, out);
	CHECK(virtq_push(&vq, &mem, 7, 9) == 0);
	CHECK(mem.r[0].dirty[0] == ((1ULL << used_page) | (1ULL << (used_page + 1))));
	CHECK(used_id(600) == 7 && used_len(600) == 9);
	guest_mem_dirty_stop(&mem);
}

int main(void)
{
	ram = aligned_alloc(4096, RAM_SIZE);
	ram2 = aligned_alloc(4096, RAM2_SIZE);
	/* Address space only: the overflow tests need a region this big, not its pages. */
	void *big = mmap(NULL, BIG_SIZE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			 -1, 0);
	if (!ram || !ram2 || big == MAP_FAILED)
		return 1;
	if (guest_mem_add(&mem, RAM_GPA, RAM_SIZE, ram) ||
	    guest_mem_add(&mem, RAM2_GPA, RAM2_SIZE, ram2) ||
	    guest_mem_add(&mem, BIG_GPA, BIG_SIZE, big))
		return 1;

	test_direct_chain();
	test_indirect_chain();
	test_bad_chains();
	test_bad_rings();
	test_wraparound();
	test_interrupts();
	test_notify();
	test_dirty();

	munmap(big, BIG_SIZE);
	free(ram);
	free(ram2);
	return check_summary("virtqueue");
}
