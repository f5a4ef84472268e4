#ifndef PARAVENT_VMM_DEV_VIRTIO_NET_H
#define PARAVENT_VMM_DEV_VIRTIO_NET_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "options.h"
struct vm;

struct net_stats {
	char tap[16];
	const char *backend; /* "vhost" or "user" */
	bool link_up;
	char mac[18];
	/* "tx" is what the guest sent, "rx" what it received; packets and bytes are the tap's
	 * counters (right whichever back-end ran), drops include the frames this VMM refused */
	uint64_t tx_packets, tx_bytes, tx_dropped, tx_malformed;
	uint64_t rx_packets, rx_bytes, rx_dropped;
	uint64_t tx_throttled, rx_throttled; /* times a rate limit made the NIC wait */
	char tx_rate[48], rx_rate[48], tx_ops[48], rx_ops[48];
};

/* Opens the tap of --net o and adds NIC `index` as a virtio-net PCI device. name is the
 * domain's, for the MAC when o has none. On failure returns -1 with the reason in err. */
int virtio_net_add(struct vm *vm, const struct net_option *o, unsigned index, char *err, size_t errlen);

int virtio_net_count(void);
int virtio_net_stats(int i, struct net_stats *st);

/* Changes a rate limit at run time: key is one of rate, tx-rate, rx-rate, ops, tx-ops,
 * rx-ops, spec as in --net ("off" removes it). A NIC on vhost-net moves to the user-space
 * back-end while it has a limit, and back when the last one goes (unless backend=user). */
int virtio_net_set_rate(int i, const char *key, const char *spec, char *err, size_t errlen);

/* Sets the link status the guest sees (and tells it). */
int virtio_net_set_link(int i, bool up);

#endif
