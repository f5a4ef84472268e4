/* virtio-blk: one request queue over a raw image file. Requests are carried out on the
 * event loop thread when the driver kicks; the request itself is virtio_blk_req.c. */
#include "dev_virtio_blk.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rate_timer.h"

#include "le.h"
#include "virtio_pci.h"
#include "virtio_spec.h"
#include "vmm.h"

#define BLK_QUEUE_SIZE 256
#define MAX_DISKS 8

struct virtio_blk {
	struct virtio_pci vp;
	struct blk_backend be;
	struct blk_stats st;
	struct virtq_chain chain;
	bool pending; /* chain was popped and waits for the rate limit */
	struct rate_limit rl;
	int timer_fd;
};

static struct virtio_blk *disks[MAX_DISKS];
static int ndisks;

static void blk_config_read(struct virtio_pci *vp, uint32_t off, uint8_t *data, unsigned len)
{
	struct virtio_blk *b = vp->dev;
	uint8_t cfg[64];

	memset(cfg, 0, sizeof(cfg));
	le_put(cfg + 0, 8, b->be.size >> VIRTIO_BLK_SECTOR_SHIFT); /* capacity */
	le_put(cfg + 12, 4, VIRTQ_MAX_SEGS - 2);                   /* seg_max: data segments */
	le_put(cfg + 20, 4, VIRTIO_BLK_SECTOR_SIZE);               /* blk_size */
	le_put(cfg + 34, 2, 1);                                     /* num_queues */
	le_put(cfg + 36, 4, 0xffffffffu);                           /* max_discard_sectors */
	le_put(cfg + 40, 4, BLK_MAX_DISCARD_SEGS);                  /* max_discard_seg */
	le_put(cfg + 44, 4, 1);                                     /* discard alignment */
	for (unsigned i = 0; i < len; i++)
		data[i] = off + i < sizeof(cfg) ? cfg[off + i] : 0;
}

static void blk_queue_notify(struct virtio_pci *vp, unsigned q)
{
	struct virtio_blk *b = vp->dev;
	struct virtq *vq = &vp->vq[q];
	struct guest_mem *m = &vp->vm->mem;

	for (;;) {
		virtq_enable_notify(vq, m, false);
		for (;;) {
			if (!b->pending) {
				int r = virtq_pop(vq, m, &b->chain);
				if (r == 0)
					break;
				if (r == -EINVAL) {
					/* a malformed request: completed empty, the queue goes on */
					b->st.errors++;
					virtq_push(vq, m, b->chain.head, 0);
					continue;
				}
				if (r < 0) {
					virtio_pci_set_broken(vp);
					return;
				}
			}
			if (rate_limit_active(&b->rl)) {
				/* the data moved: everything but the 16-byte header and the status byte */
				uint64_t len = b->chain.readable_len + b->chain.writable_len;
				uint64_t wait = rate_limit_take(&b->rl, len > 17 ? len - 17 : 0, rate_now_ns());
				if (wait) {
					/* the request waits, and with it the queue: the guest slows down */
					b->pending = true;
					b->st.throttled++;
					rate_timer_arm(b->timer_fd, wait);
					virtio_pci_queue_done(vp, q);
					return;
				}
			}
			b->pending = false;
			uint32_t written = virtio_blk_handle_request(&b->be, &b->chain, &b->st);
			virtq_push_chain(vq, m, &b->chain, written);
		}
		virtio_pci_queue_done(vp, q);
		virtq_enable_notify(vq, m, true);
		/* a request added just before notifications came back on */
		if (!virtq_has_work(vq, m))
			break;
	}
}

static void blk_reset(struct virtio_pci *vp)
{
	struct virtio_blk *b = vp->dev;

	/* requests complete synchronously: only one held by the rate limit can be in flight */
	b->pending = false;
	rate_timer_disarm(b->timer_fd);
}

static void timer_fired(void *opaque, int fd)
{
	struct virtio_blk *b = opaque;

	if (rate_timer_ack(fd) != 0)
		return;
	pthread_mutex_lock(&b->vp.lock);
	if ((b->vp.status & VIRTIO_STATUS_DRIVER_OK) && !(b->vp.status & VIRTIO_STATUS_DEVICE_NEEDS_RESET) &&
	    b->vp.vq[0].ready)
		blk_queue_notify(&b->vp, 0);
	pthread_mutex_unlock(&b->vp.lock);
}

/* A request held back by the rate limit goes back to the ring before a save: the guest's
 * image has it as not yet taken, so a restored guest has it served, exactly once. */
static void blk_quiesce(struct virtio_pci *vp)
{
	struct virtio_blk *b = vp->dev;

	if (b->pending) {
		virtq_unpop(&vp->vq[0], 1);
		b->pending = false;
	}
	rate_timer_disarm(b->timer_fd);
}

static void blk_resume(struct virtio_pci *vp)
{
	if ((vp->status & VIRTIO_STATUS_DRIVER_OK) && !(vp->status & VIRTIO_STATUS_DEVICE_NEEDS_RESET) &&
	    vp->vq[0].ready)
		blk_queue_notify(vp, 0);
}

static const struct virtio_dev_ops blk_ops = {
	.name = "virtio-blk",
	.device_id = VIRTIO_ID_BLOCK,
	.pci_class = 0x0180, /* mass storage, other */
	.num_queues = 1,
	.queue_size = BLK_QUEUE_SIZE,
	.config_read = blk_config_read,
	.queue_notify = blk_queue_notify,
	.reset = blk_reset,
	.quiesce = blk_quiesce,
	.resume = blk_resume,
};

int virtio_blk_add(struct vm *vm, const struct disk_option *d, char *err, size_t errlen)
{
	const char *path = d->path;
	bool readonly = d->readonly;
	struct stat st;
	uint64_t size;

	if (ndisks == MAX_DISKS) {
		snprintf(err, errlen, "too many disks");
		return -1;
	}
	int fd = open(path, (readonly ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		snprintf(err, errlen, "cannot open disk %s: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	if (S_ISBLK(st.st_mode)) {
		if (ioctl(fd, BLKGETSIZE64, &size) != 0)
			size = 0;
	} else if (S_ISREG(st.st_mode)) {
		size = (uint64_t)st.st_size;
	} else {
		snprintf(err, errlen, "disk %s is neither a file nor a block device", path);
		close(fd);
		return -1;
	}
	if (size == 0 || size % VIRTIO_BLK_SECTOR_SIZE) {
		snprintf(err, errlen, "disk %s: its size (%llu bytes) is not a non-zero multiple of 512",
			 path, (unsigned long long)size);
		close(fd);
		return -1;
	}
	/* Two guests writing one image destroy it: one writer, or any number of readers. */
	if (flock(fd, (readonly ? LOCK_SH : LOCK_EX) | LOCK_NB) != 0) {
		snprintf(err, errlen, "disk %s is in use by another guest%s", path,
			 readonly ? " that writes it" : "");
		close(fd);
		return -1;
	}
	struct virtio_blk *b = calloc(1, sizeof(*b));
	if (!b) {
		close(fd);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	b->be.fd = fd;
	b->rl = d->rate;
	rate_limit_start(&b->rl);
	b->timer_fd = rate_timer_create(timer_fired, b);
	if (b->timer_fd < 0) {
		snprintf(err, errlen, "cannot create the rate limit timer of %s", path);
		close(fd);
		free(b);
		return -1;
	}
	b->be.size = size;
	b->be.readonly = readonly;
	/* The serial the guest sees (/sys/block/vdX/serial): the image's file name. */
	const char *base = strrchr(path, '/');
	snprintf(b->be.serial, sizeof(b->be.serial), "%s", base ? base + 1 : path);
	uint64_t features = (1ULL << VIRTIO_BLK_F_SEG_MAX) | (1ULL << VIRTIO_BLK_F_BLK_SIZE) |
			    (1ULL << VIRTIO_BLK_F_FLUSH) | (1ULL << VIRTIO_BLK_F_DISCARD);
	if (readonly)
		features |= 1ULL << VIRTIO_BLK_F_RO;
	if (virtio_pci_init(&b->vp, vm, &blk_ops, b, features) != 0) {
		snprintf(err, errlen, "cannot create the virtio-blk device for %s", path);
		close(fd);
		free(b);
		return -1;
	}
	disks[ndisks++] = b;
	return 0;
}

int virtio_blk_backing_fd(int i)
{
	return i >= 0 && i < ndisks ? disks[i]->be.fd : -1;
}

int virtio_blk_stats(int i, struct blk_stats *st)
{
	if (i < 0 || i >= ndisks)
		return -1;
	pthread_mutex_lock(&disks[i]->vp.lock);
	*st = disks[i]->st;
	pthread_mutex_unlock(&disks[i]->vp.lock);
	return 0;
}

int virtio_blk_set_rate(int i, const char *key, const char *spec, char *err, size_t errlen)
{
	struct token_bucket tb;

	if (i < 0 || i >= ndisks) {
		snprintf(err, errlen, "no disk %d", i);
		return -1;
	}
	if (strcmp(key, "rate") != 0 && strcmp(key, "ops") != 0) {
		snprintf(err, errlen, "unknown disk limit \"%.32s\" (rate, ops)", key);
		return -1;
	}
	if (token_bucket_parse(spec, &tb, err, errlen) != 0)
		return -1;
	struct virtio_blk *b = disks[i];
	pthread_mutex_lock(&b->vp.lock);
	token_bucket_reset(&tb, rate_now_ns());
	*(key[0] == 'r' ? &b->rl.bytes : &b->rl.ops) = tb;
	/* a request held by the old limit is looked at again under the new one */
	if (b->pending && (b->vp.status & VIRTIO_STATUS_DRIVER_OK) && b->vp.vq[0].ready)
		blk_queue_notify(&b->vp, 0);
	pthread_mutex_unlock(&b->vp.lock);
	return 0;
}

void virtio_blk_rates(int i, char *rate, char *ops, size_t len)
{
	if (i < 0 || i >= ndisks) {
		snprintf(rate, len, "off");
		snprintf(ops, len, "off");
		return;
	}
	pthread_mutex_lock(&disks[i]->vp.lock);
	token_bucket_format(&disks[i]->rl.bytes, rate, len);
	token_bucket_format(&disks[i]->rl.ops, ops, len);
	pthread_mutex_unlock(&disks[i]->vp.lock);
}
