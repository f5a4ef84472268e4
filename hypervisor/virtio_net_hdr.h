/* The virtio-net header a guest puts in front of each frame it sends: checked before the
 * frame goes anywhere, so that a frame the tap would reject, or that asks for an offload the
 * guest did not negotiate, is dropped and counted here. Pure functions: unit tested. */
#ifndef PARAVENT_VMM_VIRTIO_NET_HDR_H
#define PARAVENT_VMM_VIRTIO_NET_HDR_H

#include <stdint.h>

#define NET_ETH_HLEN 14
/* The largest frame the device passes: 64 KiB of GSO payload plus Ethernet and VLAN headers. */
#define NET_MAX_FRAME (65535 + NET_ETH_HLEN + 4)

enum net_hdr_verdict {
	NET_HDR_OK = 0,
	NET_HDR_SHORT,       /* shorter than the header plus an Ethernet header */
	NET_HDR_OVERSIZED,   /* frame above NET_MAX_FRAME */
	NET_HDR_BAD_FLAGS,   /* unknown flags, or DATA_VALID (meaningful only towards the guest) */
	NET_HDR_BAD_CSUM,    /* NEEDS_CSUM without CSUM negotiated, or a checksum field outside the frame */
	NET_HDR_BAD_GSO,     /* a GSO type not negotiated or unknown, no checksum, a zero size */
};

/* Checks the 12-byte header hdr of a frame of frame_len bytes (after the header) against the
 * features the driver negotiated. */
enum net_hdr_verdict virtio_net_hdr_check(const uint8_t hdr[12], uint64_t frame_len, uint64_t features);

const char *virtio_net_hdr_verdict_name(enum net_hdr_verdict v);

/* A stable locally administered unicast MAC for NIC `index` of the domain `name`: the same
 * name gets the same address on every start, so DHCP leases and ARP caches stay valid. */
void net_mac_from_name(const char *name, unsigned index, uint8_t mac[6]);

/* Parses "52:54:00:12:34:56"; refuses multicast and all-zero addresses. Returns 0 or -1. */
int net_mac_parse(const char *s, uint8_t mac[6]);

#endif
