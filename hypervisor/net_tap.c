/* Tap devices for virtio-net (see net_tap.h). */
#include "net_tap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_arp.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "virtio_spec.h"

/* if_nametoindex without <net/if.h>, which clashes with <linux/if.h> */
static int ifindex(int sock, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	return ioctl(sock, SIOCGIFINDEX, &ifr) == 0 ? ifr.ifr_ifindex : 0;
}

static int check_bridge(int sock, const char *br, char *err, size_t errlen)
{
	char path[64];
	struct stat st;

	if (!ifindex(sock, br)) {
		snprintf(err, errlen, "bridge %s does not exist (the dom0 bridges are br0 and pvbr0)", br);
		return -1;
	}
	snprintf(path, sizeof(path), "/sys/class/net/%s/bridge", br);
	if (stat(path, &st) != 0) {
		snprintf(err, errlen, "%s is a network interface but not a bridge", br);
		return -1;
	}
	return 0;
}

static int set_up(int sock, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	if (ioctl(sock, SIOCGIFFLAGS, &ifr) != 0)
		return -1;
	ifr.ifr_flags |= IFF_UP;
	return ioctl(sock, SIOCSIFFLAGS, &ifr);
}

/* A tap's own address never serves a frame (the guest's MAC is its own), but a bridge without
 * an address set by hand takes the lowest of its ports': a tap with a random one could give
 * the bridge, and dom0's address on it, a new MAC as guests come and go, and neighbours that
 * cached the old one lose dom0 for seconds. So every tap gets fe:ff:ff:ff:ff:ff, above any
 * real NIC's, as Xen's vif scripts do. */
static int set_tap_mac(int sock, const char *name)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
	ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
	memset(ifr.ifr_hwaddr.sa_data, 0xff, 6);
	ifr.ifr_hwaddr.sa_data[0] = (char)0xfe;
	return ioctl(sock, SIOCSIFHWADDR, &ifr);
}

static int attach(int sock, const char *br, const char *name)
{
	struct ifreq ifr;
	char path[96];
	struct stat st;

	/* already a port of this bridge (a persistent tap that was attached before) */
	snprintf(path, sizeof(path), "/sys/class/net/%s/brif/%s", br, name);
	if (stat(path, &st) == 0)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, IFNAMSIZ, "%s", br);
	ifr.ifr_ifindex = ifindex(sock, name);
	return ioctl(sock, SIOCBRADDIF, &ifr);
}

static int open_tap(const struct net_option *o, unsigned index, struct net_tap *t, char *err, size_t errlen)
{
	struct ifreq ifr;

	t->fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC | O_NONBLOCK);
	if (t->fd < 0) {
		snprintf(err, errlen, "cannot open /dev/net/tun: %s", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI | IFF_VNET_HDR;
	if (o->tap[0])
		snprintf(ifr.ifr_name, IFNAMSIZ, "%s", o->tap);
	else /* like Xen's vifDOMID.N: the VMM's pid is our domain id */
		snprintf(ifr.ifr_name, IFNAMSIZ, "vif%d.%u", (int)getpid(), index);
	if (ioctl(t->fd, TUNSETIFF, &ifr) != 0) {
		int e = errno;
		if (e == EPERM)
			snprintf(err, errlen, "cannot create tap %s: permission denied (the VMM needs CAP_NET_ADMIN, "
				 "or a tap handed over with fd=)", ifr.ifr_name);
		else if (e == EBUSY)
			snprintf(err, errlen, "tap %s is in use by another process", ifr.ifr_name);
		else if (e == EINVAL)
			snprintf(err, errlen, "%s exists and is not a tap", ifr.ifr_name);
		else
			snprintf(err, errlen, "cannot create tap %s: %s", ifr.ifr_name, strerror(e));
		return -1;
	}
	snprintf(t->name, sizeof(t->name), "%s", ifr.ifr_name);
	return 0;
}

static int adopt_fd(const struct net_option *o, struct net_tap *t, char *err, size_t errlen)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	if (ioctl(o->fd, TUNGETIFF, &ifr) != 0) {
		snprintf(err, errlen, "--net fd=%d is not an open tap: %s", o->fd, strerror(errno));
		return -1;
	}
	if ((ifr.ifr_flags & (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR)) != (IFF_TAP | IFF_NO_PI | IFF_VNET_HDR)) {
		snprintf(err, errlen, "--net fd=%d: the tap must be opened with IFF_TAP, IFF_NO_PI and IFF_VNET_HDR", o->fd);
		return -1;
	}
	t->fd = o->fd;
	fcntl(t->fd, F_SETFD, FD_CLOEXEC);
	fcntl(t->fd, F_SETFL, fcntl(t->fd, F_GETFL) | O_NONBLOCK);
	snprintf(t->name, sizeof(t->name), "%s", ifr.ifr_name);
	return 0;
}

static const char *const counter_names[NET_TAP_COUNTERS] = {
	"rx_packets", "rx_bytes", "rx_dropped", "tx_packets", "tx_bytes", "tx_dropped",
};

/* The tap's counters in sysfs, opened now and read again later: a confined VMM sees no /sys. */
static void open_counters(struct net_tap *t)
{
	char path[128];

	for (int i = 0; i < NET_TAP_COUNTERS; i++) {
		snprintf(path, sizeof(path), "/sys/class/net/%s/statistics/%s", t->name, counter_names[i]);
		t->counter_fd[i] = open(path, O_RDONLY | O_CLOEXEC);
	}
}

int net_tap_open(const struct net_option *o, unsigned index, struct net_tap *t, char *err, size_t errlen)
{
	int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	int ret = -1;

	memset(t, 0, sizeof(*t));
	t->fd = -1;
	for (int i = 0; i < NET_TAP_COUNTERS; i++)
		t->counter_fd[i] = -1;
	if (sock < 0) {
		snprintf(err, errlen, "cannot open a socket to configure the tap: %s", strerror(errno));
		return -1;
	}
	if (o->bridge[0] && check_bridge(sock, o->bridge, err, errlen) != 0)
		goto out;
	if ((o->fd >= 0 ? adopt_fd(o, t, err, errlen) : open_tap(o, index, t, err, errlen)) != 0)
		goto out;
	/* virtio 1.x: the 12-byte header, with num_buffers, on every frame */
	int hdr = VIRTIO_NET_HDR_SIZE;
	if (ioctl(t->fd, TUNSETVNETHDRSZ, &hdr) != 0) {
		snprintf(err, errlen, "tap %s: cannot set the virtio-net header size: %s", t->name, strerror(errno));
		goto out;
	}
	/* offloads are honest only if the tap really takes them; none until the guest says */
	t->offloads = ioctl(t->fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6 | TUN_F_TSO_ECN) == 0;
	ioctl(t->fd, TUNSETOFFLOAD, 0);
	if (o->fd < 0 && set_tap_mac(sock, t->name) != 0) {
		snprintf(err, errlen, "cannot set the address of tap %s: %s", t->name, strerror(errno));
		goto out;
	}
	if (o->bridge[0] && attach(sock, o->bridge, t->name) != 0) {
		snprintf(err, errlen, "cannot attach tap %s to bridge %s: %s", t->name, o->bridge, strerror(errno));
		goto out;
	}
	if (set_up(sock, t->name) != 0 && o->fd < 0) {
		snprintf(err, errlen, "cannot bring tap %s up: %s", t->name, strerror(errno));
		goto out;
	}
	open_counters(t);
	ret = 0;
out:
	if (ret != 0 && t->fd >= 0 && t->fd != o->fd) {
		close(t->fd);
		t->fd = -1;
	}
	close(sock);
	return ret;
}

int net_tap_set_offloads(struct net_tap *t, uint64_t f)
{
	unsigned off = 0;

	if (!t->offloads)
		return 0;
	if (f & (1ULL << VIRTIO_NET_F_GUEST_CSUM)) {
		off |= TUN_F_CSUM;
		if (f & (1ULL << VIRTIO_NET_F_GUEST_TSO4))
			off |= TUN_F_TSO4;
		if (f & (1ULL << VIRTIO_NET_F_GUEST_TSO6))
			off |= TUN_F_TSO6;
		if ((off & (TUN_F_TSO4 | TUN_F_TSO6)) && (f & (1ULL << VIRTIO_NET_F_GUEST_ECN)))
			off |= TUN_F_TSO_ECN;
	}
	return ioctl(t->fd, TUNSETOFFLOAD, off);
}

uint64_t net_tap_counter(const struct net_tap *t, const char *name)
{
	char text[32];
	unsigned long long v = 0;

	for (int i = 0; i < NET_TAP_COUNTERS; i++) {
		if (strcmp(name, counter_names[i]) != 0 || t->counter_fd[i] < 0)
			continue;
		ssize_t n = pread(t->counter_fd[i], text, sizeof(text) - 1, 0);
		if (n > 0) {
			text[n] = 0;
			if (sscanf(text, "%llu", &v) != 1)
				v = 0;
		}
	}
	return v;
}

void net_tap_close_counters(struct net_tap *t)
{
	for (int i = 0; i < NET_TAP_COUNTERS; i++) {
		if (t->counter_fd[i] >= 0)
			close(t->counter_fd[i]);
		t->counter_fd[i] = -1;
	}
}
