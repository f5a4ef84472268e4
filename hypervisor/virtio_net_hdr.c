/* virtio-net header checks and MAC addresses (see virtio_net_hdr.h). */
#include "virtio_net_hdr.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "le.h"
#include "virtio_spec.h"

static bool has(uint64_t features, unsigned bit)
{
	return features & (1ULL << bit);
}

enum net_hdr_verdict virtio_net_hdr_check(const uint8_t hdr[12], uint64_t frame_len, uint64_t features)
{
	uint8_t flags = hdr[VIRTIO_NET_HDR_OFF_FLAGS];
	uint8_t gso = hdr[VIRTIO_NET_HDR_OFF_GSO_TYPE];
	uint64_t gso_size = le_get(hdr + VIRTIO_NET_HDR_OFF_GSO_SIZE, 2);
	uint64_t csum_start = le_get(hdr + VIRTIO_NET_HDR_OFF_CSUM_START, 2);
	uint64_t csum_offset = le_get(hdr + VIRTIO_NET_HDR_OFF_CSUM_OFFSET, 2);

	if (frame_len < NET_ETH_HLEN)
		return NET_HDR_SHORT;
	if (frame_len > NET_MAX_FRAME)
		return NET_HDR_OVERSIZED;
	if (flags & ~VIRTIO_NET_HDR_F_NEEDS_CSUM)
		return NET_HDR_BAD_FLAGS;
	if (flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) {
		/* the 16-bit checksum goes at csum_start + csum_offset: it must lie in the frame */
		if (!has(features, VIRTIO_NET_F_CSUM) || csum_start + csum_offset + 2 > frame_len)
			return NET_HDR_BAD_CSUM;
	}
	if (gso == VIRTIO_NET_HDR_GSO_NONE)
		return NET_HDR_OK;
	bool ecn = gso & VIRTIO_NET_HDR_GSO_ECN;
	gso &= (uint8_t)~VIRTIO_NET_HDR_GSO_ECN;
	if (gso == VIRTIO_NET_HDR_GSO_TCPV4 && !has(features, VIRTIO_NET_F_HOST_TSO4))
		return NET_HDR_BAD_GSO;
	if (gso == VIRTIO_NET_HDR_GSO_TCPV6 && !has(features, VIRTIO_NET_F_HOST_TSO6))
		return NET_HDR_BAD_GSO;
	if (gso != VIRTIO_NET_HDR_GSO_TCPV4 && gso != VIRTIO_NET_HDR_GSO_TCPV6)
		return NET_HDR_BAD_GSO; /* UDP fragmentation offload is not offered */
	if (ecn && !has(features, VIRTIO_NET_F_HOST_ECN))
		return NET_HDR_BAD_GSO;
	/* segmenting needs the checksum to redo and a segment size */
	if (!(flags & VIRTIO_NET_HDR_F_NEEDS_CSUM) || gso_size == 0)
		return NET_HDR_BAD_GSO;
	return NET_HDR_OK;
}

const char *virtio_net_hdr_verdict_name(enum net_hdr_verdict v)
{
	switch (v) {
	case NET_HDR_OK: return "ok";
	case NET_HDR_SHORT: return "short frame";
	case NET_HDR_OVERSIZED: return "oversized frame";
	case NET_HDR_BAD_FLAGS: return "bad header flags";
	case NET_HDR_BAD_CSUM: return "bad checksum offload";
	case NET_HDR_BAD_GSO: return "bad segmentation offload";
	}
	return "?";
}

void net_mac_from_name(const char *name, unsigned index, uint8_t mac[6])
{
	/* FNV-1a over "name/index" */
	uint32_t h = 2166136261u;
	char key[96];
	int n = snprintf(key, sizeof(key), "%s/%u", name, index);

	for (int i = 0; i < n && i < (int)sizeof(key) - 1; i++) {
		h ^= (uint8_t)key[i];
		h *= 16777619u;
	}
	/* 52:56 - locally administered (bit 1 of the first byte), unicast (bit 0 clear) */
	mac[0] = 0x52;
	mac[1] = 0x56;
	mac[2] = (uint8_t)(h >> 24);
	mac[3] = (uint8_t)(h >> 16);
	mac[4] = (uint8_t)(h >> 8);
	mac[5] = (uint8_t)h;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int net_mac_parse(const char *s, uint8_t mac[6])
{
	if (strlen(s) != 17)
		return -1;
	for (int i = 0; i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);
		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			return -1;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	if (mac[0] & 1)
		return -1; /* multicast or broadcast */
	static const uint8_t zero[6];
	return memcmp(mac, zero, 6) == 0 ? -1 : 0;
}
