/* virtio-net: a NIC on a tap device, with two back-ends.
 *
 *   vhost-net  the dom0 kernel moves frames between the rings and the tap; kicks and
 *              interrupts go straight between KVM and vhost, this process sees none of it.
 *   user       this process does it on its event loop: every frame the guest sends is checked
 *              (header, offloads, size) before it reaches the tap, and rate limits apply.
 *
 * vhost-net is used when /dev/vhost-net works, unless backend=user or a rate limit is set
 * (token buckets need to see each frame). The rings move between the two at DRIVER_OK, on
 * reset and when a limit is set or removed at run time.
 *
 * Queue 0 receives (tap -> guest), queue 1 transmits (guest -> tap), queue 2 is the control
 * queue, always ours (never vhost's), offered only for VIRTIO_NET_F_GUEST_ANNOUNCE: the MAC is
 * fixed and the link status is in the configuration space. */
#include "dev_virtio_net.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dev_debug_hooks.h"
#include "eventloop.h"
#include "le.h"
#include "net_tap.h"
#include "net_vhost.h"
#include "rate_timer.h"
#include "snapshot_buf.h"
#include "virtio_net_ctrl.h"
#include "virtio_net_frame.h"
#include "virtio_net_hdr.h"
#include "virtio_pci.h"
#include "virtio_spec.h"
#include "vmm.h"

#define NET_QUEUE_SIZE 256
#define RXQ 0
#define TXQ 1
#define CTRLQ 2
#define RX_BUF_SIZE (VIRTIO_NET_HDR_SIZE + 65536 + 256)

struct virtio_net {
	struct virtio_pci vp;
	struct vm *vm;
	unsigned index;
	struct net_tap tap;
	struct vhost_net vhost;
	enum net_backend backend;
	uint8_t mac[6];
	bool link_up;

	bool tap_watched;
	bool tracking; /* live migration: our back-end, which marks what it writes dirty */
	bool announce_due; /* restored or migrated: tell the network where the guest is now */
	bool announcing;   /* VIRTIO_NET_S_ANNOUNCE is set: the guest is asked to announce itself */
	/* user back-end state */
	struct virtq_chain tx_chain;
	bool tx_pending; /* tx_chain was popped and waits for the rate limit */
	struct virtq_chain rx_chain;
	struct virtq_chain ctrl_chain;
	uint8_t *rxbuf;
	size_t rx_len;
	bool rx_held;  /* rxbuf holds a frame read from the tap, not yet delivered */
	bool rx_paid;  /* and its tokens are already taken */
	struct rate_limit tx_rl, rx_rl;
	int tx_timer, rx_timer;

	uint64_t tx_malformed, tx_dropped, rx_dropped, tx_throttled, rx_throttled, ctrl_refused;
};

static struct virtio_net *nics[VMM_MAX_NICS];
static int nnics;

static bool driver_ok(const struct virtio_net *n)
{
	return (n->vp.status & VIRTIO_STATUS_DRIVER_OK) && !(n->vp.status & VIRTIO_STATUS_DEVICE_NEEDS_RESET);
}

static void tap_readable(void *opaque, int fd);

static void watch_tap(struct virtio_net *n, bool on)
{
	if (n->tap_watched == on)
		return;
	if (on && eventloop_add(n->tap.fd, tap_readable, n) != 0) {
		vmm_log("virtio-net %u: cannot watch tap %s", n->index, n->tap.name);
		return;
	}
	if (!on)
		eventloop_del(n->tap.fd);
	n->tap_watched = on;
}

/* --- transmit: guest -> tap ------------------------------------------------------------------ */

/* Sends tx_chain to the tap if its header is sound; counts it otherwise. */
static void tx_send(struct virtio_net *n)
{
	enum net_hdr_verdict why;
	enum net_tx_result r = virtio_net_tx_frame(&n->tx_chain, n->vp.driver_features, n->tap.fd, &why);

	if (r == NET_TX_FAILED) {
		n->tx_dropped++;
	} else if (r == NET_TX_MALFORMED && n->tx_malformed++ == 0) {
		vmm_log("virtio-net %u: dropping a frame from the guest: %s (further ones are only counted)",
			n->index, virtio_net_hdr_verdict_name(why));
	}
}

static void net_tx(struct virtio_net *n)
{
	struct virtq *vq = &n->vp.vq[TXQ];
	struct guest_mem *m = &n->vm->mem;

	for (;;) {
		virtq_enable_notify(vq, m, false);
		for (;;) {
			if (!n->tx_pending) {
				int r = virtq_pop(vq, m, &n->tx_chain);
				if (r == 0)
					break;
				if (r == -EINVAL) {
					n->tx_malformed++;
					virtq_push(vq, m, n->tx_chain.head, 0);
					continue;
				}
				if (r < 0) {
					virtio_pci_set_broken(&n->vp);
					return;
				}
				n->tx_pending = true;
				/* debug builds only: the guest asked for a header no driver writes */
				if (n->index == 0 && debug_hooks_take_bad_tx() && n->tx_chain.nbufs &&
				    n->tx_chain.bufs[0].len >= 2 && !n->tx_chain.bufs[0].writable)
					n->tx_chain.bufs[0].addr[1] = 0x7f; /* gso_type */
			}
			if (rate_limit_active(&n->tx_rl)) {
				/* the frame's bytes, as on receive: not the virtio-net header before them */
				uint64_t len = n->tx_chain.readable_len;
				uint64_t wait = rate_limit_take(&n->tx_rl, len > VIRTIO_NET_HDR_SIZE ? len - VIRTIO_NET_HDR_SIZE : 0,
								rate_now_ns());
				if (wait) {
					/* the guest waits: no kicks until the timer, the chain stays ours */
					n->tx_throttled++;
					rate_timer_arm(n->tx_timer, wait);
					virtio_pci_queue_done(&n->vp, TXQ);
					return;
				}
			}
			tx_send(n);
			virtq_push(vq, m, n->tx_chain.head, 0);
			n->tx_pending = false;
		}
		virtio_pci_queue_done(&n->vp, TXQ);
		virtq_enable_notify(vq, m, true);
		if (!virtq_has_work(vq, m))
			break;
	}
}

/* --- receive: tap -> guest ------------------------------------------------------------------- */

static void net_rx(struct virtio_net *n)
{
	struct virtq *vq = &n->vp.vq[RXQ];
	struct guest_mem *m = &n->vm->mem;
	bool delivered = false;

	if (n->vhost.running || !driver_ok(n) || !vq->ready)
		return;
	for (;;) {
		if (!n->rx_held) {
			ssize_t len = read(n->tap.fd, n->rxbuf, RX_BUF_SIZE);
			if (len < 0) {
				watch_tap(n, true); /* empty: wake us when there is more */
				break;
			}
			if ((size_t)len < VIRTIO_NET_HDR_SIZE + NET_ETH_HLEN || len == RX_BUF_SIZE) {
				n->rx_dropped++;
				continue;
			}
			n->rx_len = (size_t)len;
			/* the tap leaves num_buffers to us; a frame with offloads the guest did not
			 * negotiate cannot come: the tap was told which it takes */
			n->rxbuf[VIRTIO_NET_HDR_OFF_NUM_BUFFERS] = 1;
			n->rxbuf[VIRTIO_NET_HDR_OFF_NUM_BUFFERS + 1] = 0;
			n->rx_held = true;
			n->rx_paid = false;
		}
		if (!n->rx_paid && rate_limit_active(&n->rx_rl)) {
			uint64_t wait = rate_limit_take(&n->rx_rl, n->rx_len - VIRTIO_NET_HDR_SIZE, rate_now_ns());
			if (wait) {
				/* stop reading: the tap's queue fills and then drops, TCP backs off */
				n->rx_throttled++;
				watch_tap(n, false);
				rate_timer_arm(n->rx_timer, wait);
				break;
			}
		}
		n->rx_paid = true;
		enum net_rx_result r = virtio_net_rx_frame(vq, m, &n->rx_chain, n->rxbuf, n->rx_len,
							   n->vp.driver_features & (1ULL << VIRTIO_NET_F_MRG_RXBUF));
		if (r == NET_RX_BROKEN) {
			virtio_pci_set_broken(&n->vp);
			return;
		}
		if (r == NET_RX_NO_BUFFERS) {
			/* wait for the driver to post buffers; it kicks if we ask */
			virtq_enable_notify(vq, m, true);
			if (virtq_has_work(vq, m))
				continue;
			watch_tap(n, false);
			break;
		}
		if (r == NET_RX_DROPPED)
			n->rx_dropped++;
		else
			delivered = true;
		n->rx_held = false;
	}
	if (delivered)
		virtio_pci_queue_done(&n->vp, RXQ);
}

static void tap_readable(void *opaque, int fd)
{
	struct virtio_net *n = opaque;

	(void)fd;
	pthread_mutex_lock(&n->vp.lock);
	if (n->tap_watched)
		net_rx(n);
	pthread_mutex_unlock(&n->vp.lock);
}

static void timer_fired(void *opaque, int fd)
{
	struct virtio_net *n = opaque;

	if (rate_timer_ack(fd) != 0)
		return;
	pthread_mutex_lock(&n->vp.lock);
	if (driver_ok(n) && !n->vhost.running) {
		if (fd == n->tx_timer)
			net_tx(n);
		else
			net_rx(n);
	}
	pthread_mutex_unlock(&n->vp.lock);
}

/* --- back-ends --------------------------------------------------------------------------------- */

static bool wants_vhost(const struct virtio_net *n)
{
	return n->vhost.fd >= 0 && n->backend != NET_BACKEND_USER && !n->tracking && !rate_limit_active(&n->tx_rl) &&
	       !rate_limit_active(&n->rx_rl);
}

static bool start_vhost(struct virtio_net *n)
{
	struct virtio_pci *vp = &n->vp;
	int call[2];

	for (unsigned q = 0; q < 2; q++) {
		uint16_t v = vp->vq_vector[q];
		if (v == VIRTIO_PCI_NO_VECTOR || v >= vp->nvectors)
			return false; /* no interrupt to hand to vhost */
		call[q] = vp->irq[v].fd;
	}
	/* the user back-end's leftovers: a chain waiting for tokens goes back to the ring */
	if (n->tx_pending) {
		virtq_unpop(&vp->vq[TXQ], 1);
		n->tx_pending = false;
	}
	if (n->rx_held) {
		n->rx_dropped++;
		n->rx_held = false;
	}
	watch_tap(n, false);
	rate_timer_disarm(n->tx_timer);
	rate_timer_disarm(n->rx_timer);
	virtio_pci_kicks_to_vmm(vp, RXQ, false);
	virtio_pci_kicks_to_vmm(vp, TXQ, false);
	if (vhost_net_start(&n->vhost, &n->vm->mem, vp->driver_features, vp->vq, vp->kick_fd, call,
			    n->tap.fd) != 0) {
		virtio_pci_kicks_to_vmm(vp, RXQ, true);
		virtio_pci_kicks_to_vmm(vp, TXQ, true);
		return false;
	}
	return true;
}

static void stop_vhost(struct virtio_net *n)
{
	if (!n->vhost.running)
		return;
	vhost_net_stop(&n->vhost, &n->vm->mem, n->vp.vq);
	virtio_pci_kicks_to_vmm(&n->vp, RXQ, true);
	virtio_pci_kicks_to_vmm(&n->vp, TXQ, true);
}

/* Runs the rings on the back-end that fits the NIC's settings now. */
static void choose_backend(struct virtio_net *n)
{
	if (!driver_ok(n))
		return;
	if (wants_vhost(n)) {
		if (n->vhost.running || start_vhost(n))
			return;
		if (n->backend == NET_BACKEND_VHOST)
			vmm_log("virtio-net %u: vhost-net failed; running the user-space back-end", n->index);
	}
	stop_vhost(n);
	net_tx(n);
	net_rx(n);
}

/* --- transport callbacks ----------------------------------------------------------------------- */

static void net_config_read(struct virtio_pci *vp, uint32_t off, uint8_t *data, unsigned len)
{
	struct virtio_net *n = vp->dev;
	uint8_t cfg[8];

	memcpy(cfg, n->mac, 6);
	le_put(cfg + 6, 2, (n->link_up ? VIRTIO_NET_S_LINK_UP : 0) | (n->announcing ? VIRTIO_NET_S_ANNOUNCE : 0));
	for (unsigned i = 0; i < len; i++)
		data[i] = off + i < sizeof(cfg) ? cfg[off + i] : 0;
}

/* The control queue: the driver's commands, each answered at once (virtio_pci_serve_queue
 * pops, pushes and interrupts). */
static uint32_t net_ctrl_command(struct virtio_pci *vp, unsigned q, struct virtq_chain *c)
{
	struct virtio_net *n = vp->dev;
	uint32_t written;

	(void)q;
	enum net_ctrl_result res = virtio_net_ctrl_command(c, &n->vm->mem, &written);
	if (res == NET_CTRL_ANNOUNCE_ACK && n->announcing) {
		n->announcing = false;
		vmm_log("virtio-net %u: the guest has announced itself (VIRTIO_NET_F_GUEST_ANNOUNCE)", n->index);
	} else if (res != NET_CTRL_ANNOUNCE_ACK && n->ctrl_refused++ == 0) {
		vmm_log("virtio-net %u: refused a control command the device does not take (further ones are "
			"only counted)", n->index);
	}
	return written;
}

static void net_queue_notify(struct virtio_pci *vp, unsigned q)
{
	struct virtio_net *n = vp->dev;

	if (q == CTRLQ) {
		virtio_pci_serve_queue(vp, q, &n->ctrl_chain, net_ctrl_command);
		return;
	}
	if (n->vhost.running)
		return;
	if (q == TXQ)
		net_tx(n);
	else if (q == RXQ)
		net_rx(n); /* new buffers: a held frame can go, and the tap is read again */
}

/* After a restore or a migration the guest is somewhere new, and the bridges on the way (dom0's,
 * the LAN's switches) still send its frames where it was. Broadcast RARP frames from its MAC,
 * as QEMU's announce does, teach them its new port before the guest itself says anything. */
#define ANNOUNCE_FRAMES 3
static void net_announce(struct virtio_net *n)
{
	uint8_t f[VIRTIO_NET_HDR_SIZE + 60];
	uint8_t *e = f + VIRTIO_NET_HDR_SIZE;
	int sent = 0;

	memset(f, 0, sizeof(f)); /* the virtio-net header: no offloads */
	memset(e, 0xff, 6);
	memcpy(e + 6, n->mac, 6);
	e[12] = 0x80, e[13] = 0x35;             /* RARP */
	e[15] = 1, e[16] = 0x08, e[18] = 6, e[19] = 4; /* Ethernet, IPv4, their sizes */
	e[21] = 3;                              /* reverse request */
	memcpy(e + 22, n->mac, 6);
	memcpy(e + 32, n->mac, 6);
	for (int i = 0; i < ANNOUNCE_FRAMES; i++)
		sent += write(n->tap.fd, f, sizeof(f)) == (ssize_t)sizeof(f);
	vmm_log("virtio-net %u: announced %02x:%02x:%02x:%02x:%02x:%02x on tap %s (%d RARP frames)", n->index,
		n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5], n->tap.name, sent);
}

static void net_driver_ok(struct virtio_pci *vp)
{
	struct virtio_net *n = vp->dev;

	if (n->announce_due) {
		n->announce_due = false;
		net_announce(n);
		/* and the guest itself, which knows its addresses (IPv4 and IPv6, VLANs): its
		 * gratuitous ARP and neighbour advertisements update the neighbours' caches, which
		 * a RARP does not */
		if (vp->driver_features & (1ULL << VIRTIO_NET_F_GUEST_ANNOUNCE)) {
			n->announcing = true;
			virtio_pci_config_changed(vp);
			vmm_log("virtio-net %u: asked the guest to announce itself (VIRTIO_NET_S_ANNOUNCE)", n->index);
		}
	}

	net_tap_set_offloads(&n->tap, vp->driver_features);
	choose_backend(n);
}

static void net_reset(struct virtio_pci *vp)
{
	struct virtio_net *n = vp->dev;

	stop_vhost(n);
	watch_tap(n, false);
	rate_timer_disarm(n->tx_timer);
	rate_timer_disarm(n->rx_timer);
	n->tx_pending = false;
	n->rx_held = false;
	n->announcing = false;
}

/* Before a save: the rings come home from vhost, and a frame held for the rate limit goes
 * back to the ring (the guest sends it again from its restored image). A received frame held
 * here stays for a guest that goes on running; a restored one never had it, as if the
 * network had dropped it. */
static void net_quiesce(struct virtio_pci *vp)
{
	struct virtio_net *n = vp->dev;

	stop_vhost(n);
	if (n->tx_pending) {
		virtq_unpop(&vp->vq[TXQ], 1);
		n->tx_pending = false;
	}
	rate_timer_disarm(n->tx_timer);
	rate_timer_disarm(n->rx_timer);
}

static void net_resume(struct virtio_pci *vp)
{
	choose_backend(vp->dev);
}

/* vhost-net writes received frames into the guest without telling us: while migration tracks
 * dirty pages, the user-space back-end (which marks them) runs the rings. */
static void net_track_begin(struct virtio_pci *vp)
{
	struct virtio_net *n = vp->dev;

	n->tracking = true;
	choose_backend(n);
}

static void net_track_end(struct virtio_pci *vp)
{
	struct virtio_net *n = vp->dev;

	n->tracking = false;
	choose_backend(n);
}

static void net_save(struct virtio_pci *vp, struct snap_buf *b)
{
	struct virtio_net *n = vp->dev;

	sb_put_blob(b, n->mac, sizeof(n->mac));
	sb_put(b, n->link_up, 1);
	sb_put(b, n->announcing, 1);
}

/* The guest knows its MAC address: a restore onto a NIC with another one would leave it
 * answering to the wrong one. */
static int net_load(struct virtio_pci *vp, struct snap_buf *b, char *err, size_t errlen)
{
	struct virtio_net *n = vp->dev;
	uint8_t mac[6];

	sb_get_blob(b, mac, sizeof(mac));
	n->link_up = sb_get(b, 1) != 0;
	n->announcing = sb_get(b, 1) != 0;
	n->announce_due = true;
	if (!b->bad && memcmp(mac, n->mac, sizeof(mac)) != 0) {
		snprintf(err, errlen, "virtio-net %u: saved with MAC %02x:%02x:%02x:%02x:%02x:%02x, this NIC has "
			 "%02x:%02x:%02x:%02x:%02x:%02x", n->index, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5],
			 n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4], n->mac[5]);
		return -1;
	}
	return 0;
}

static const struct virtio_dev_ops net_ops = {
	.name = "virtio-net",
	.device_id = VIRTIO_ID_NET,
	.pci_class = 0x0200, /* network, Ethernet */
	.num_queues = 3,
	.queue_size = NET_QUEUE_SIZE,
	.config_read = net_config_read,
	.queue_notify = net_queue_notify,
	.reset = net_reset,
	.driver_ok = net_driver_ok,
	.save = net_save,
	.load = net_load,
	.quiesce = net_quiesce,
	.resume = net_resume,
	.track_begin = net_track_begin,
	.track_end = net_track_end,
};

int virtio_net_add(struct vm *vm, const struct net_option *o, unsigned index, char *err, size_t errlen)
{
	if (nnics == VMM_MAX_NICS) {
		snprintf(err, errlen, "too many NICs");
		return -1;
	}
	struct virtio_net *n = calloc(1, sizeof(*n));
	if (!n || !(n->rxbuf = malloc(RX_BUF_SIZE))) {
		free(n);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	n->vm = vm;
	n->index = index;
	n->backend = o->backend;
	n->tx_rl = o->tx;
	n->rx_rl = o->rx;
	rate_limit_start(&n->tx_rl);
	rate_limit_start(&n->rx_rl);
	n->link_up = true;
	if (o->mac_given)
		memcpy(n->mac, o->mac, 6);
	else
		net_mac_from_name(vm->opt->name, index, n->mac);
	n->vhost.fd = -1; /* before any goto fail, which closes it */
	if (net_tap_open(o, index, &n->tap, err, errlen) != 0)
		goto fail;
	if (o->backend != NET_BACKEND_USER) {
		char why[160];
		if (vhost_net_open(&n->vhost, why, sizeof(why)) != 0) {
			if (o->backend == NET_BACKEND_VHOST) {
				snprintf(err, errlen, "--net backend=vhost: %s", why);
				goto fail;
			}
			vmm_log("virtio-net %u: %s; using the user-space back-end", index, why);
		}
	}
	n->tx_timer = rate_timer_create(timer_fired, n);
	n->rx_timer = rate_timer_create(timer_fired, n);
	if (n->tx_timer < 0 || n->rx_timer < 0) {
		snprintf(err, errlen, "cannot create the rate limit timers: %s", strerror(errno));
		goto fail;
	}
	/* Offloads only when the tap really does them; the host side (frames from the guest
	 * with partial checksums or TSO) the tap finishes in software if the bridge's ports
	 * cannot. */
	uint64_t features = (1ULL << VIRTIO_NET_F_MAC) | (1ULL << VIRTIO_NET_F_STATUS) |
			    (1ULL << VIRTIO_NET_F_MRG_RXBUF) | (1ULL << VIRTIO_NET_F_CTRL_VQ) |
			    (1ULL << VIRTIO_NET_F_GUEST_ANNOUNCE);
	if (n->tap.offloads)
		features |= (1ULL << VIRTIO_NET_F_CSUM) | (1ULL << VIRTIO_NET_F_GUEST_CSUM) |
			    (1ULL << VIRTIO_NET_F_HOST_TSO4) | (1ULL << VIRTIO_NET_F_HOST_TSO6) |
			    (1ULL << VIRTIO_NET_F_HOST_ECN) | (1ULL << VIRTIO_NET_F_GUEST_TSO4) |
			    (1ULL << VIRTIO_NET_F_GUEST_TSO6) | (1ULL << VIRTIO_NET_F_GUEST_ECN);
	if (virtio_pci_init(&n->vp, vm, &net_ops, n, features) != 0) {
		snprintf(err, errlen, "cannot create the virtio-net device for tap %s", n->tap.name);
		goto fail;
	}
	vmm_log("virtio-net %u: tap %s%s%s, mac %02x:%02x:%02x:%02x:%02x:%02x, %s back-end", index, n->tap.name,
		o->bridge[0] ? " on bridge " : "", o->bridge, n->mac[0], n->mac[1], n->mac[2], n->mac[3], n->mac[4],
		n->mac[5], wants_vhost(n) ? "vhost-net" : "user-space");
	nics[nnics++] = n;
	return 0;
fail:
	net_tap_close_counters(&n->tap);
	if (n->tap.fd >= 0 && n->tap.fd != o->fd)
		close(n->tap.fd);
	if (n->vhost.fd >= 0)
		close(n->vhost.fd);
	free(n->rxbuf);
	free(n);
	return -1;
}

int virtio_net_count(void)
{
	return nnics;
}

int virtio_net_stats(int i, struct net_stats *st)
{
	if (i < 0 || i >= nnics)
		return -1;
	struct virtio_net *n = nics[i];
	memset(st, 0, sizeof(*st));
	pthread_mutex_lock(&n->vp.lock);
	snprintf(st->tap, sizeof(st->tap), "%s", n->tap.name);
	st->backend = n->vhost.running ? "vhost" : "user";
	st->link_up = n->link_up;
	snprintf(st->mac, sizeof(st->mac), "%02x:%02x:%02x:%02x:%02x:%02x", n->mac[0], n->mac[1], n->mac[2],
		 n->mac[3], n->mac[4], n->mac[5]);
	st->tx_malformed = n->tx_malformed;
	st->tx_dropped = n->tx_malformed + n->tx_dropped;
	st->rx_dropped = n->rx_dropped;
	st->tx_throttled = n->tx_throttled;
	st->rx_throttled = n->rx_throttled;
	token_bucket_format(&n->tx_rl.bytes, st->tx_rate, sizeof(st->tx_rate));
	token_bucket_format(&n->rx_rl.bytes, st->rx_rate, sizeof(st->rx_rate));
	token_bucket_format(&n->tx_rl.ops, st->tx_ops, sizeof(st->tx_ops));
	token_bucket_format(&n->rx_rl.ops, st->rx_ops, sizeof(st->rx_ops));
	pthread_mutex_unlock(&n->vp.lock);
	/* the tap's view is the mirror image: what it receives, the guest sent */
	st->tx_packets = net_tap_counter(&n->tap, "rx_packets");
	st->tx_bytes = net_tap_counter(&n->tap, "rx_bytes");
	st->tx_dropped += net_tap_counter(&n->tap, "rx_dropped");
	st->rx_packets = net_tap_counter(&n->tap, "tx_packets");
	st->rx_bytes = net_tap_counter(&n->tap, "tx_bytes");
	st->rx_dropped += net_tap_counter(&n->tap, "tx_dropped");
	return 0;
}

int virtio_net_set_rate(int i, const char *key, const char *spec, char *err, size_t errlen)
{
	struct token_bucket b;
	char why[200];

	if (i < 0 || i >= nnics) {
		snprintf(err, errlen, "no NIC %d", i);
		return -1;
	}
	bool ops = strcmp(key, "ops") == 0 || strcmp(key, "tx-ops") == 0 || strcmp(key, "rx-ops") == 0;
	bool bytes = strcmp(key, "rate") == 0 || strcmp(key, "tx-rate") == 0 || strcmp(key, "rx-rate") == 0;
	if (!ops && !bytes) {
		snprintf(err, errlen, "unknown limit \"%.32s\" (rate, tx-rate, rx-rate, ops, tx-ops, rx-ops)", key);
		return -1;
	}
	if (token_bucket_parse(spec, &b, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%s", why);
		return -1;
	}
	struct virtio_net *n = nics[i];
	pthread_mutex_lock(&n->vp.lock);
	if (n->backend == NET_BACKEND_VHOST && b.size) {
		pthread_mutex_unlock(&n->vp.lock);
		snprintf(err, errlen, "NIC %d was started with backend=vhost: rate limits need the user-space back-end", i);
		return -1;
	}
	token_bucket_reset(&b, rate_now_ns());
	if (key[0] != 'r' || key[1] != 'x')
		*(ops ? &n->tx_rl.ops : &n->tx_rl.bytes) = b;
	if (key[0] != 't')
		*(ops ? &n->rx_rl.ops : &n->rx_rl.bytes) = b;
	/* a frame or chain waiting for the old limit is looked at again under the new one */
	rate_timer_disarm(n->tx_timer);
	rate_timer_disarm(n->rx_timer);
	choose_backend(n);
	pthread_mutex_unlock(&n->vp.lock);
	return 0;
}

int virtio_net_set_link(int i, bool up)
{
	if (i < 0 || i >= nnics)
		return -1;
	struct virtio_net *n = nics[i];
	pthread_mutex_lock(&n->vp.lock);
	if (n->link_up != up) {
		n->link_up = up;
		virtio_pci_config_changed(&n->vp);
	}
	pthread_mutex_unlock(&n->vp.lock);
	return 0;
}
