/* The tap device behind a virtio-net NIC: created (or opened, or handed over by the parent)
 * with the virtio-net header on every frame, brought up and attached to its bridge. A tap we
 * create is not persistent: the kernel removes it when this process exits, however it exits. */
#ifndef PARAVENT_VMM_NET_TAP_H
#define PARAVENT_VMM_NET_TAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "options.h"

#define NET_TAP_COUNTERS 6

struct net_tap {
	int fd;
	int counter_fd[NET_TAP_COUNTERS]; /* its statistics files in sysfs */
	char name[VMM_IFNAMSIZ];
	bool offloads; /* the tap takes checksum and TSO offloads (TUNSETOFFLOAD works) */
};

/* Opens the tap of --net option o (NIC `index` of this VMM). Checks the bridge first, so a
 * missing bridge or permission is one clear error in err before anything is created. */
int net_tap_open(const struct net_option *o, unsigned index, struct net_tap *t, char *err, size_t errlen);

/* Tells the tap which offloads the guest takes on receive (its negotiated GUEST_CSUM,
 * GUEST_TSO4/6, GUEST_ECN), so that it passes only frames the guest can handle. */
int net_tap_set_offloads(struct net_tap *t, uint64_t guest_features);

/* A counter of the tap interface from /sys/class/net/NAME/statistics (0 if unreadable):
 * rx_packets, rx_bytes, rx_dropped, tx_packets, tx_bytes or tx_dropped. */
uint64_t net_tap_counter(const struct net_tap *t, const char *name);
/* Closes the counters' files (the tap's own descriptor is the caller's). */
void net_tap_close_counters(struct net_tap *t);

#endif
