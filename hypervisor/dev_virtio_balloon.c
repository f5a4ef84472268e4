/* virtio-balloon (virtio 1.x device 5): the device says how many 4 KiB pages it wants
 * (num_pages in its configuration); the guest's driver allocates that many, lists their
 * frame numbers on the inflate queue, and reports its total in `actual`. We release the
 * listed pages to dom0 (balloon_pages.c). Deflating hands pages back to the guest: nothing to
 * do here, a released page simply reads as zero when the guest touches it again. No feature
 * beyond VERSION_1 is offered; in particular not DEFLATE_ON_OOM, so the guest's MemTotal
 * shrinks with the balloon, the way `mem-set` users expect to see it. */
#include "dev_virtio_balloon.h"

#include <stdio.h>
#include <stdlib.h>

#include "balloon_pages.h"
#include "le.h"
#include "snapshot_buf.h"
#include "virtio_pci.h"
#include "virtio_spec.h"
#include "vm.h"
#include "vmm.h"

#define BALLOON_QUEUE_SIZE 128
#define BALLOON_INFLATE_Q 0
#define BALLOON_DEFLATE_Q 1
#define BALLOON_CONFIG_SIZE 8 /* le32 num_pages, le32 actual */
#define MIB_PAGES ((1u << 20) / BALLOON_PAGE_SIZE)

struct virtio_balloon {
	struct virtio_pci vp;
	struct virtq_chain chain;
	uint64_t ram_pages;
	uint32_t num_pages; /* asked of the guest */
	uint8_t actual[4];  /* the guest's count, as it wrote it */
	struct balloon_counts counts;
	uint64_t deflated;
};

static struct virtio_balloon *the_balloon;

static void balloon_config_read(struct virtio_pci *vp, uint32_t off, uint8_t *data, unsigned len)
{
	struct virtio_balloon *b = vp->dev;
	uint8_t cfg[BALLOON_CONFIG_SIZE];
	put32(cfg, b->num_pages);
	for (int i = 0; i < 4; i++)
		cfg[4 + i] = b->actual[i];
	for (unsigned i = 0; i < len; i++)
		data[i] = off + i < sizeof(cfg) ? cfg[off + i] : 0;
}

static void balloon_config_write(struct virtio_pci *vp, uint32_t off, const uint8_t *data, unsigned len)
{
	struct virtio_balloon *b = vp->dev;
	/* only `actual` is the driver's to write */
	for (unsigned i = 0; i < len; i++)
		if (off + i >= 4 && off + i < BALLOON_CONFIG_SIZE)
			b->actual[off + i - 4] = data[i];
}

/* Inflate: releases the listed pages; deflate: counts them (nothing to do, see above). */
static uint32_t balloon_chain(struct virtio_pci *vp, unsigned q, struct virtq_chain *chain)
{
	struct virtio_balloon *b = vp->dev;
	for (unsigned i = 0; i < chain->nbufs; i++) {
		struct virtq_buf *buf = &chain->bufs[i];
		if (buf->writable)
			continue;
		if (q == BALLOON_INFLATE_Q)
			balloon_release_pfns(&vp->vm->mem, buf->addr, buf->len, &b->counts);
		else
			b->deflated += buf->len / 4;
	}
	return 0;
}

static void balloon_queue_notify(struct virtio_pci *vp, unsigned q)
{
	struct virtio_balloon *b = vp->dev;
	virtio_pci_serve_queue(vp, q, &b->chain, balloon_chain);
}

static void balloon_reset(struct virtio_pci *vp)
{
	struct virtio_balloon *b = vp->dev;
	/* a driver starting over has an empty balloon; the target stands */
	for (int i = 0; i < 4; i++)
		b->actual[i] = 0;
}

/* The target and the guest's count: a restored guest's balloon holds what it held. */
static void balloon_save(struct virtio_pci *vp, struct snap_buf *b)
{
	struct virtio_balloon *bl = vp->dev;

	sb_put(b, bl->num_pages, 4);
	sb_put_blob(b, bl->actual, sizeof(bl->actual));
}

static int balloon_load(struct virtio_pci *vp, struct snap_buf *b, char *err, size_t errlen)
{
	struct virtio_balloon *bl = vp->dev;
	uint32_t num = (uint32_t)sb_get(b, 4);

	sb_get_blob(b, bl->actual, sizeof(bl->actual));
	if (num > bl->ram_pages) {
		snprintf(err, errlen, "virtio-balloon: a target of %u pages, more than the VM's RAM", num);
		return -1;
	}
	bl->num_pages = num;
	return 0;
}

static const struct virtio_dev_ops balloon_ops = {
	.name = "virtio-balloon",
	.device_id = 5,
	.pci_class = 0x00ff,
	.num_queues = 2,
	.queue_size = BALLOON_QUEUE_SIZE,
	.config_read = balloon_config_read,
	.config_write = balloon_config_write,
	.queue_notify = balloon_queue_notify,
	.reset = balloon_reset,
	.save = balloon_save,
	.load = balloon_load,
};

static uint32_t pages_to_take(const struct virtio_balloon *b, uint64_t target_mib)
{
	uint64_t keep = target_mib * MIB_PAGES;
	return keep >= b->ram_pages ? 0 : (uint32_t)(b->ram_pages - keep);
}

int virtio_balloon_add(struct vm *vm, uint64_t target_mib)
{
	struct virtio_balloon *b = calloc(1, sizeof(*b));

	if (!b)
		return -1;
	b->ram_pages = vm->ram_size / BALLOON_PAGE_SIZE;
	b->num_pages = pages_to_take(b, target_mib);
	the_balloon = b;
	return virtio_pci_init(&b->vp, vm, &balloon_ops, b, 0);
}

int virtio_balloon_set_target(uint64_t target_mib, char *err, size_t errlen)
{
	struct virtio_balloon *b = the_balloon;
	uint64_t ram_mib = b ? b->ram_pages / MIB_PAGES : 0;
	if (!b) {
		snprintf(err, errlen, "balloon: this VM has no balloon");
		return -1;
	}
	if (target_mib < 16 || target_mib > ram_mib) {
		snprintf(err, errlen, "balloon: \"target_mib\" must be from 16 to %llu (the VM's RAM)",
			 (unsigned long long)ram_mib);
		return -1;
	}
	pthread_mutex_lock(&b->vp.lock);
	uint32_t want = pages_to_take(b, target_mib);
	if (want != b->num_pages) {
		b->num_pages = want;
		virtio_pci_config_changed(&b->vp);
	}
	pthread_mutex_unlock(&b->vp.lock);
	return 0;
}

int virtio_balloon_get_stats(struct virtio_balloon_stats *s)
{
	struct virtio_balloon *b = the_balloon;
	if (!b)
		return -1;
	pthread_mutex_lock(&b->vp.lock);
	uint64_t actual = le_get(b->actual, 4);
	if (actual > b->ram_pages)
		actual = b->ram_pages; /* the guest's word, not to be believed beyond its RAM */
	s->target_mib = (b->ram_pages - b->num_pages) / MIB_PAGES;
	s->guest_mib = (b->ram_pages - actual) / MIB_PAGES;
	s->released = b->counts.released;
	s->bad_pfns = b->counts.bad;
	pthread_mutex_unlock(&b->vp.lock);
	return 0;
}
