/* The virtio 1.x constants and wire layouts paravent-vmm uses, written out from the
 * specification (OASIS VIRTIO 1.x) instead of taken from <linux/virtio_*.h>: the VMM is built
 * against our own kernel headers, and a device's behaviour should not change with them.
 * Everything on the wire is little-endian. */
#ifndef PARAVENT_VMM_VIRTIO_SPEC_H
#define PARAVENT_VMM_VIRTIO_SPEC_H

#include <stdint.h>

/* Device status field. */
#define VIRTIO_STATUS_ACKNOWLEDGE 1
#define VIRTIO_STATUS_DRIVER 2
#define VIRTIO_STATUS_DRIVER_OK 4
#define VIRTIO_STATUS_FEATURES_OK 8
#define VIRTIO_STATUS_DEVICE_NEEDS_RESET 64
#define VIRTIO_STATUS_FAILED 128

/* Reserved feature bits, as bit numbers. */
#define VIRTIO_RING_F_INDIRECT_DESC 28
#define VIRTIO_F_RING_EVENT_IDX 29
#define VIRTIO_F_VERSION_1 32

/* Device IDs. */
#define VIRTIO_ID_NET 1
#define VIRTIO_ID_BLOCK 2

/* Split virtqueues. */
#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1
#define VIRTQ_USED_F_NO_NOTIFY 1

/* The largest queue size the specification allows. */
#define VIRTQ_SPEC_MAX_SIZE 32768

struct virtq_desc {
	uint64_t addr; /* guest-physical */
	uint32_t len;
	uint16_t flags;
	uint16_t next; /* meaningful only with VIRTQ_DESC_F_NEXT */
};

/* Layout of the rings, in bytes, for a queue of n entries:
 *   descriptor table  16 * n, aligned to 16
 *   available ring    flags(2) idx(2) ring[n](2 each) used_event(2), aligned to 2
 *   used ring         flags(2) idx(2) ring[n](id 4, len 4) avail_event(2), aligned to 4 */
#define VIRTQ_DESC_SIZE 16
#define VIRTQ_DESC_ALIGN 16
#define VIRTQ_AVAIL_ALIGN 2
#define VIRTQ_USED_ALIGN 4
#define VIRTQ_AVAIL_FLAGS 0
#define VIRTQ_AVAIL_IDX 2
#define VIRTQ_AVAIL_RING 4
#define VIRTQ_AVAIL_BYTES(n) (6 + 2 * (uint64_t)(n))
#define VIRTQ_USED_EVENT_OFF(n) (4 + 2 * (uint64_t)(n))
#define VIRTQ_USED_FLAGS 0
#define VIRTQ_USED_IDX 2
#define VIRTQ_USED_RING 4
#define VIRTQ_USED_ELEM_SIZE 8
#define VIRTQ_USED_BYTES(n) (6 + 8 * (uint64_t)(n))
#define VIRTQ_AVAIL_EVENT_OFF(n) (4 + 8 * (uint64_t)(n))

_Static_assert(sizeof(struct virtq_desc) == VIRTQ_DESC_SIZE, "virtq_desc is 16 bytes");

/* Network device: feature bits. */
#define VIRTIO_NET_F_CSUM 0       /* the device takes frames with a partial checksum */
#define VIRTIO_NET_F_GUEST_CSUM 1 /* the driver takes frames with a partial checksum */
#define VIRTIO_NET_F_MAC 5
#define VIRTIO_NET_F_GUEST_TSO4 7
#define VIRTIO_NET_F_GUEST_TSO6 8
#define VIRTIO_NET_F_GUEST_ECN 9
#define VIRTIO_NET_F_HOST_TSO4 11
#define VIRTIO_NET_F_HOST_TSO6 12
#define VIRTIO_NET_F_HOST_ECN 13
#define VIRTIO_NET_F_MRG_RXBUF 15
#define VIRTIO_NET_F_STATUS 16
#define VIRTIO_NET_F_CTRL_VQ 17
#define VIRTIO_NET_F_GUEST_ANNOUNCE 21 /* the driver announces itself when the device asks */
#define VIRTIO_NET_S_LINK_UP 1
#define VIRTIO_NET_S_ANNOUNCE 2

/* The header in front of every frame, both ways (12 bytes with VERSION_1). */
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1
#define VIRTIO_NET_HDR_F_DATA_VALID 2
#define VIRTIO_NET_HDR_GSO_NONE 0
#define VIRTIO_NET_HDR_GSO_TCPV4 1
#define VIRTIO_NET_HDR_GSO_UDP 3
#define VIRTIO_NET_HDR_GSO_TCPV6 4
#define VIRTIO_NET_HDR_GSO_ECN 0x80
#define VIRTIO_NET_HDR_SIZE 12
#define VIRTIO_NET_HDR_OFF_FLAGS 0
#define VIRTIO_NET_HDR_OFF_GSO_TYPE 1
#define VIRTIO_NET_HDR_OFF_HDR_LEN 2
#define VIRTIO_NET_HDR_OFF_GSO_SIZE 4
#define VIRTIO_NET_HDR_OFF_CSUM_START 6
#define VIRTIO_NET_HDR_OFF_CSUM_OFFSET 8
#define VIRTIO_NET_HDR_OFF_NUM_BUFFERS 10

/* Block device: feature bits. */
#define VIRTIO_BLK_F_SIZE_MAX 1
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_GEOMETRY 4
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_BLK_SIZE 6
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_F_TOPOLOGY 10
#define VIRTIO_BLK_F_CONFIG_WCE 11
#define VIRTIO_BLK_F_MQ 12
#define VIRTIO_BLK_F_DISCARD 13
#define VIRTIO_BLK_F_WRITE_ZEROES 14

/* Request types. */
#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_T_DISCARD 11
#define VIRTIO_BLK_T_WRITE_ZEROES 13

/* Request status, the last byte of every request. */
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2

/* The protocol's sector is always 512 bytes, whatever blk_size says. */
#define VIRTIO_BLK_SECTOR_SHIFT 9
#define VIRTIO_BLK_SECTOR_SIZE 512
#define VIRTIO_BLK_ID_BYTES 20

/* The device-readable header that starts every request. */
struct virtio_blk_req_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

/* One segment of a discard or write-zeroes request. */
struct virtio_blk_discard_write_zeroes {
	uint64_t sector;
	uint32_t num_sectors;
	uint32_t flags;
};
#define VIRTIO_BLK_WZ_F_UNMAP 1 /* write zeroes only: MUST be 0 in a discard */

_Static_assert(sizeof(struct virtio_blk_req_hdr) == 16, "virtio_blk_req header is 16 bytes");
_Static_assert(sizeof(struct virtio_blk_discard_write_zeroes) == 16, "discard segment is 16 bytes");

#endif
