/* Split virtqueue, device side. The rings live in guest memory the driver writes while we
 * read, so: resolve them through guest_mem_ptr on every use (64-bit sizes), load the indices
 * with acquire/release atomics, copy each descriptor once into a local before looking at it,
 * and bound every walk by the size of the table being walked. */
#include "virtqueue.h"

#include <endian.h>
#include <errno.h>
#include <string.h>

#include "virtio_spec.h"

struct rings {
	uint8_t *desc, *avail, *used;
};

/* After copying guest data into a local, make the compiler treat guest memory as changed,
 * so it can never replace a use of the checked copy by a fresh load from the guest. */
#define COMPILER_BARRIER() __asm__ __volatile__("" ::: "memory")

static bool aligned(uint64_t gpa, const void *hva, uint64_t align)
{
	return gpa % align == 0 && (uintptr_t)hva % align == 0;
}

/* Host addresses of the three rings, checked; a failure breaks the queue for good. */
static int map_rings(struct virtq *vq, struct guest_mem *m, struct rings *r)
{
	uint64_t n = vq->size;

	if (n == 0 || n > VIRTQ_MAX_SIZE || (n & (n - 1)))
		goto bad_ring;
	r->desc = guest_mem_ptr(m, vq->desc_gpa, VIRTQ_DESC_SIZE * n);
	r->avail = guest_mem_ptr(m, vq->avail_gpa, VIRTQ_AVAIL_BYTES(n));
	r->used = guest_mem_ptr(m, vq->used_gpa, VIRTQ_USED_BYTES(n));
	if (!r->desc || !r->avail || !r->used) {
		vq->broken = true;
		return -EFAULT;
	}
	/* Required by the spec, and by us: the index atomics below need natural alignment. */
	if (!aligned(vq->desc_gpa, r->desc, VIRTQ_DESC_ALIGN) ||
	    !aligned(vq->avail_gpa, r->avail, VIRTQ_AVAIL_ALIGN) ||
	    !aligned(vq->used_gpa, r->used, VIRTQ_USED_ALIGN))
		goto bad_ring;
	return 0;

bad_ring:
	vq->broken = true;
	return -EPROTO;
}

/* Common entry check: 1 when the rings are usable, 0 when not ready, else the error. */
static int queue_usable(struct virtq *vq, struct guest_mem *m, struct rings *r)
{
	if (vq->broken)
		return -EIO;
	if (!vq->ready)
		return 0;
	int err = map_rings(vq, m, r);
	return err ? err : 1;
}

static uint16_t load16(const uint8_t *p, int order)
{
	return le16toh(__atomic_load_n((const uint16_t *)(const void *)p, order));
}

static void store16(uint8_t *p, uint16_t v, int order)
{
	__atomic_store_n((uint16_t *)(void *)p, htole16(v), order);
}

static void read_desc(const uint8_t *table, uint32_t i, struct virtq_desc *d)
{
	struct virtq_desc raw;

	memcpy(&raw, table + (uint64_t)i * VIRTQ_DESC_SIZE, sizeof(raw));
	COMPILER_BARRIER();
	d->addr = le64toh(raw.addr);
	d->len = le32toh(raw.len);
	d->flags = le16toh(raw.flags);
	d->next = le16toh(raw.next);
}

/* Adds one (already copied) data descriptor to the chain. */
static int add_buf(struct guest_mem *m, struct virtq_chain *c, const struct virtq_desc *d,
		   bool *seen_writable)
{
	bool writable = d->flags & VIRTQ_DESC_F_WRITE;

	/* The driver MUST put device-writable buffers after device-readable ones (Message
	 * Framing). */
	if (!writable && *seen_writable)
		return -EINVAL;
	*seen_writable |= writable;
	if (d->len == 0)
		return 0;
	uint8_t *p = guest_mem_ptr(m, d->addr, d->len);
	if (!p)
		return -EINVAL;
	/* A chain longer than 2^32 bytes is forbidden (Descriptor Table), and used.len is
	 * 32 bits. */
	if (c->readable_len + c->writable_len + d->len > UINT32_MAX)
		return -EINVAL;
	c->bufs[c->nbufs++] = (struct virtq_buf){ .addr = p, .len = d->len, .writable = writable,
						  .gpa = d->addr };
	if (writable)
		c->writable_len += d->len;
	else
		c->readable_len += d->len;
	return 0;
}

/* Follows the chain from head: zero or more descriptors of the queue's table, possibly
 * ending in one that points to an indirect table, whose own chain starts at its entry 0. */
static int walk_chain(struct guest_mem *m, const uint8_t *desc, uint32_t size, uint16_t head,
		      struct virtq_chain *c)
{
	const uint8_t *table = desc;
	uint32_t table_len = size;
	bool indirect = false, seen_writable = false;
	uint32_t i = head, hops = 0;
	unsigned ndesc = 0;

	for (;;) {
		struct virtq_desc d;

		/* More steps than the table has entries means we are going round a loop. */
		if (++hops > table_len)
			return -EINVAL;
		read_desc(table, i, &d);

		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			/* One level only, and an indirect descriptor ends the chain; its WRITE
			 * flag is to be ignored (Indirect Descriptors). */
			if (indirect || (d.flags & VIRTQ_DESC_F_NEXT))
				return -EINVAL;
			if (d.len == 0 || d.len % VIRTQ_DESC_SIZE)
				return -EINVAL;
			table = guest_mem_ptr(m, d.addr, d.len);
			if (!table)
				return -EINVAL;
			table_len = d.len / VIRTQ_DESC_SIZE;
			indirect = true;
			i = 0;
			hops = 0;
			continue;
		}

		/* Data descriptors, empty ones too: this also bounds the work a huge indirect
		 * table could ask for. */
		if (++ndesc > VIRTQ_MAX_SEGS)
			return -EINVAL;
		int err = add_buf(m, c, &d, &seen_writable);
		if (err)
			return err;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 1;
		if (d.next >= table_len)
			return -EINVAL;
		i = d.next;
	}
}

int virtq_pop(struct virtq *vq, struct guest_mem *m, struct virtq_chain *chain)
{
	struct rings r;

	chain->head = 0;
	chain->nbufs = 0;
	chain->readable_len = chain->writable_len = 0;

	int ok = queue_usable(vq, m, &r);
	if (ok <= 0)
		return ok;

	/* Acquire: the ring entry and descriptors the driver wrote before idx are visible. */
	uint16_t avail_idx = load16(r.avail + VIRTQ_AVAIL_IDX, __ATOMIC_ACQUIRE);
	uint16_t pending = (uint16_t)(avail_idx - vq->last_avail_idx);
	if (pending == 0)
		return 0;
	/* The driver cannot have more than size chains out at once: the ring holds no more. */
	if (pending > vq->size) {
		vq->broken = true;
		return -EPROTO;
	}

	uint32_t slot = vq->last_avail_idx & (vq->size - 1u);
	uint16_t head = load16(r.avail + VIRTQ_AVAIL_RING + 2 * slot, __ATOMIC_RELAXED);
	if (head >= vq->size) {
		vq->broken = true;
		return -EPROTO;
	}
	vq->last_avail_idx++;
	chain->head = head;
	return walk_chain(m, r.desc, vq->size, head, chain);
}

int virtq_fill(struct virtq *vq, struct guest_mem *m, unsigned offset, uint16_t head, uint32_t written)
{
	struct rings r;

	int ok = queue_usable(vq, m, &r);
	if (ok <= 0)
		return ok ? ok : -EINVAL;
	if (head >= vq->size || offset >= vq->size)
		return -EINVAL;

	uint32_t slot = (uint16_t)(vq->used_idx + offset) & (vq->size - 1u);
	uint64_t elem_off = VIRTQ_USED_RING + (uint64_t)slot * VIRTQ_USED_ELEM_SIZE;
	uint32_t elem[2] = { htole32(head), htole32(written) };
	memcpy(r.used + elem_off, elem, sizeof(elem));
	guest_mem_mark_dirty(m, vq->used_gpa + elem_off, VIRTQ_USED_ELEM_SIZE);
	return 0;
}

int virtq_flush(struct virtq *vq, struct guest_mem *m, unsigned count)
{
	struct rings r;

	int ok = queue_usable(vq, m, &r);
	if (ok <= 0)
		return ok ? ok : -EINVAL;
	/* Release: the elements filled before are visible to the driver before the index that
	 * covers them. */
	vq->used_idx = (uint16_t)(vq->used_idx + count);
	store16(r.used + VIRTQ_USED_IDX, vq->used_idx, __ATOMIC_RELEASE);
	guest_mem_mark_dirty(m, vq->used_gpa + VIRTQ_USED_IDX, 2);
	return 0;
}

int virtq_push(struct virtq *vq, struct guest_mem *m, uint16_t head, uint32_t written)
{
	int r = virtq_fill(vq, m, 0, head, written);
	return r ? r : virtq_flush(vq, m, 1);
}

void virtq_unpop(struct virtq *vq, unsigned n)
{
	vq->last_avail_idx = (uint16_t)(vq->last_avail_idx - n);
}

int virtq_push_chain(struct virtq *vq, struct guest_mem *m, const struct virtq_chain *chain,
		     uint32_t written)
{
	unsigned n = chain->nbufs < VIRTQ_MAX_SEGS ? chain->nbufs : VIRTQ_MAX_SEGS;

	/* Before the push: once the driver sees the entry it may reuse the pages, and a page
	 * must not be reported clean after our last write to it. */
	for (unsigned i = 0; i < n; i++)
		if (chain->bufs[i].writable)
			guest_mem_mark_dirty(m, chain->bufs[i].gpa, chain->bufs[i].len);
	return virtq_push(vq, m, chain->head, written);
}

/* The spec's vring_need_event: has the index gone past event_idx on its way from old to new? */
static bool need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx)
{
	return (uint16_t)(new_idx - event_idx - 1) < (uint16_t)(new_idx - old_idx);
}

bool virtq_needs_interrupt(struct virtq *vq, struct guest_mem *m)
{
	struct rings r;

	if (queue_usable(vq, m, &r) <= 0)
		return false;

	/* Store-load ordering: our used->idx must be globally visible before we read what the
	 * driver wants. Otherwise the driver could re-enable interrupts, look at the old idx,
	 * sleep, and we would read the stale suppression and never wake it. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);

	uint16_t old_idx = vq->signalled_used;
	bool valid = vq->signalled_used_valid;
	vq->signalled_used = vq->used_idx;
	vq->signalled_used_valid = true;

	if (!vq->event_idx)
		return !(load16(r.avail + VIRTQ_AVAIL_FLAGS, __ATOMIC_RELAXED) &
			 VIRTQ_AVAIL_F_NO_INTERRUPT);
	/* Without a previous check we do not know which window was covered: interrupt. */
	if (!valid)
		return true;
	uint16_t used_event = load16(r.avail + VIRTQ_USED_EVENT_OFF(vq->size), __ATOMIC_RELAXED);
	return need_event(used_event, vq->used_idx, old_idx);
}

void virtq_enable_notify(struct virtq *vq, struct guest_mem *m, bool enable)
{
	struct rings r;

	if (queue_usable(vq, m, &r) <= 0)
		return;
	if (vq->event_idx) {
		if (enable) {
			uint64_t off = VIRTQ_AVAIL_EVENT_OFF(vq->size);
			store16(r.used + off, vq->last_avail_idx, __ATOMIC_RELAXED);
			guest_mem_mark_dirty(m, vq->used_gpa + off, 2);
		}
	} else {
		store16(r.used + VIRTQ_USED_FLAGS, enable ? 0 : VIRTQ_USED_F_NO_NOTIFY,
			__ATOMIC_RELAXED);
		guest_mem_mark_dirty(m, vq->used_gpa + VIRTQ_USED_FLAGS, 2);
	}
	/* Our store before the caller's next look at avail->idx (see virtq_has_work). */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

bool virtq_has_work(struct virtq *vq, struct guest_mem *m)
{
	struct rings r;

	if (queue_usable(vq, m, &r) <= 0)
		return false;
	return load16(r.avail + VIRTQ_AVAIL_IDX, __ATOMIC_ACQUIRE) != vq->last_avail_idx;
}

void virtq_reset(struct virtq *vq)
{
	memset(vq, 0, sizeof(*vq));
}
