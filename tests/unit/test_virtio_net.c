/* Unit tests for virtio-net's guest-facing checks: the header of every frame a guest sends
 * (offloads it did not negotiate, checksum fields outside the frame, sizes), the MAC derived
 * from a domain name, and the --net and --disk option syntax with rate limits. */
#include "check.h"
#include "options.h"
#include "virtio_net_ctrl.h"
#include "virtio_net_frame.h"
#include "virtio_net_hdr.h"
#include "virtio_spec.h"

#include <endian.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define F(bit) (1ULL << (bit))

static void hdr(uint8_t h[12], uint8_t flags, uint8_t gso, uint16_t gso_size, uint16_t cstart, uint16_t coff)
{
	memset(h, 0, 12);
	h[0] = flags;
	h[1] = gso;
	h[4] = (uint8_t)gso_size;
	h[5] = (uint8_t)(gso_size >> 8);
	h[6] = (uint8_t)cstart;
	h[7] = (uint8_t)(cstart >> 8);
	h[8] = (uint8_t)coff;
	h[9] = (uint8_t)(coff >> 8);
}

static void test_header(void)
{
	uint8_t h[12];
	uint64_t all = F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_HOST_TSO4) | F(VIRTIO_NET_F_HOST_TSO6) |
		       F(VIRTIO_NET_F_HOST_ECN);

	hdr(h, 0, 0, 0, 0, 0);
	CHECK(virtio_net_hdr_check(h, 60, 0) == NET_HDR_OK);
	CHECK(virtio_net_hdr_check(h, 14, 0) == NET_HDR_OK);
	CHECK(virtio_net_hdr_check(h, 13, 0) == NET_HDR_SHORT);
	CHECK(virtio_net_hdr_check(h, 0, 0) == NET_HDR_SHORT);
	CHECK(virtio_net_hdr_check(h, NET_MAX_FRAME, all) == NET_HDR_OK);
	CHECK(virtio_net_hdr_check(h, NET_MAX_FRAME + 1, all) == NET_HDR_OVERSIZED);
	CHECK(virtio_net_hdr_check(h, 1ULL << 40, all) == NET_HDR_OVERSIZED);
	/* flags: DATA_VALID means nothing from the guest, unknown bits are refused */
	hdr(h, VIRTIO_NET_HDR_F_DATA_VALID, 0, 0, 0, 0);
	CHECK(virtio_net_hdr_check(h, 60, all) == NET_HDR_BAD_FLAGS);
	hdr(h, 0x80, 0, 0, 0, 0);
	CHECK(virtio_net_hdr_check(h, 60, all) == NET_HDR_BAD_FLAGS);
	/* partial checksum: negotiated, and the 2-byte field inside the frame */
	hdr(h, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 34, 16);
	CHECK(virtio_net_hdr_check(h, 60, all) == NET_HDR_OK);
	CHECK(virtio_net_hdr_check(h, 60, 0) == NET_HDR_BAD_CSUM);
	CHECK(virtio_net_hdr_check(h, 52, all) == NET_HDR_OK);  /* field ends at byte 52 */
	CHECK(virtio_net_hdr_check(h, 51, all) == NET_HDR_BAD_CSUM);
	hdr(h, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 0xffff, 0xffff);
	CHECK(virtio_net_hdr_check(h, NET_MAX_FRAME, all) == NET_HDR_BAD_CSUM);
	/* segmentation: the type negotiated, a checksum to redo, a size */
	hdr(h, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4, 1448, 34, 16);
	CHECK(virtio_net_hdr_check(h, 30000, all) == NET_HDR_OK);
	CHECK(virtio_net_hdr_check(h, 30000, F(VIRTIO_NET_F_CSUM)) == NET_HDR_BAD_GSO);
	CHECK(virtio_net_hdr_check(h, 30000, F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_HOST_TSO6)) == NET_HDR_BAD_GSO);
	hdr(h, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV6, 1428, 54, 16);
	CHECK(virtio_net_hdr_check(h, 30000, all) == NET_HDR_OK);
	CHECK(virtio_net_hdr_check(h, 30000, all & ~F(VIRTIO_NET_F_HOST_TSO6)) == NET_HDR_BAD_GSO);
	hdr(h, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4 | VIRTIO_NET_HDR_GSO_ECN, 1448, 34, 16);
	CHECK(virtio_net_hdr_check(h, 30000, all) == NET_HDR_OK);
	CHECK(virtio_net_hdr_check(h, 30000, all & ~F(VIRTIO_NET_F_HOST_ECN)) == NET_HDR_BAD_GSO);
	hdr(h, 0, VIRTIO_NET_HDR_GSO_TCPV4, 1448, 0, 0); /* no checksum to redo */
	CHECK(virtio_net_hdr_check(h, 30000, all) == NET_HDR_BAD_GSO);
	hdr(h, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV4, 0, 34, 16); /* no size */
	CHECK(virtio_net_hdr_check(h, 30000, all) == NET_HDR_BAD_GSO);
	hdr(h, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_UDP, 1400, 34, 6); /* not offered */
	CHECK(virtio_net_hdr_check(h, 30000, all) == NET_HDR_BAD_GSO);
	hdr(h, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0x42, 1400, 34, 6);
	CHECK(virtio_net_hdr_check(h, 30000, all) == NET_HDR_BAD_GSO);
	CHECK_STR(virtio_net_hdr_verdict_name(NET_HDR_OVERSIZED), "oversized frame");
}

static void test_mac(void)
{
	uint8_t a[6], b[6], c[6];

	net_mac_from_name("web", 0, a);
	net_mac_from_name("web", 0, b);
	net_mac_from_name("web", 1, c);
	CHECK(memcmp(a, b, 6) == 0);  /* stable */
	CHECK(memcmp(a, c, 6) != 0);  /* one per NIC */
	net_mac_from_name("ticker", 0, c);
	CHECK(memcmp(a, c, 6) != 0);
	CHECK((a[0] & 1) == 0 && (a[0] & 2) == 2); /* unicast, locally administered */

	CHECK(net_mac_parse("52:54:00:12:34:ab", a) == 0 && a[0] == 0x52 && a[5] == 0xab);
	CHECK(net_mac_parse("52:54:00:12:34:AB", a) == 0 && a[5] == 0xab);
	CHECK(net_mac_parse("01:00:5e:00:00:01", a) == -1); /* multicast */
	CHECK(net_mac_parse("ff:ff:ff:ff:ff:ff", a) == -1);
	CHECK(net_mac_parse("00:00:00:00:00:00", a) == -1);
	CHECK(net_mac_parse("52:54:00:12:34", a) == -1);
	CHECK(net_mac_parse("52-54-00-12-34-56", a) == -1);
	CHECK(net_mac_parse("52:54:00:12:34:5g", a) == -1);
	CHECK(net_mac_parse("52:54:00:12:34:567", a) == -1);
}

static int parse(const char *cmd, struct vmm_options *o, char *err, size_t errlen)
{
	static char buf[1024];
	char *argv[32];
	int argc = 0;

	snprintf(buf, sizeof(buf), "paravent-vmm %s", cmd);
	for (char *t = strtok(buf, " "); t && argc < 31; t = strtok(NULL, " "))
		argv[argc++] = t;
	argv[argc] = NULL;
	return options_parse(argc, argv, o, err, errlen);
}

static void test_options(void)
{
	static struct vmm_options o;
	char err[300];

	CHECK(parse("--kernel k --net bridge=pvbr0", &o, err, sizeof(err)) == 0);
	CHECK(o.nnics == 1 && strcmp(o.net[0].bridge, "pvbr0") == 0 && o.net[0].tap[0] == 0);
	CHECK(o.net[0].fd == -1 && !o.net[0].mac_given && o.net[0].backend == NET_BACKEND_AUTO);
	CHECK(!rate_limit_active(&o.net[0].tx) && !rate_limit_active(&o.net[0].rx));
	CHECK(parse("--kernel k --net tap=t0,bridge=br0,mac=52:54:00:00:00:07,backend=user,tx-rate=1M,rx-ops=100@100ms "
		    "--net fd=5,rate=2M+8M", &o, err, sizeof(err)) == 0);
	CHECK(o.nnics == 2 && strcmp(o.net[0].tap, "t0") == 0 && o.net[0].mac_given && o.net[0].mac[5] == 7);
	CHECK(o.net[0].backend == NET_BACKEND_USER);
	CHECK(o.net[0].tx.bytes.size == 1048576 && o.net[0].rx.bytes.size == 0);
	CHECK(o.net[0].rx.ops.size == 100 && o.net[0].rx.ops.refill_ns == 100000000ULL && o.net[0].tx.ops.size == 0);
	CHECK(o.net[1].fd == 5 && o.net[1].tx.bytes.size == 2097152 && o.net[1].rx.bytes.size == 2097152);
	CHECK(o.net[1].rx.bytes.burst == 8388608);

	static const char *const bad[] = {
		"--kernel k --net",
		"--kernel k --net mac=52:54:00:00:00:01",         /* nowhere to attach */
		"--kernel k --net bridge",                         /* not KEY=VALUE */
		"--kernel k --net bridge=",                        /* empty name */
		"--kernel k --net bridge=averyveryverylongname",   /* over 15 characters */
		"--kernel k --net bridge=br/0",
		"--kernel k --net tap=t0,fd=4",                    /* both */
		"--kernel k --net fd=2",
		"--kernel k --net fd=x",
		"--kernel k --net bridge=br0,mac=01:00:00:00:00:01",
		"--kernel k --net bridge=br0,backend=fast",
		"--kernel k --net bridge=br0,rate=fast",
		"--kernel k --net bridge=br0,backend=vhost,rate=1M",
		"--kernel k --net bridge=br0,colour=blue",
		"--kernel k --net b=1 --net b=2 --net b=3",
		"--kernel k --disk d,rate=",
		"--kernel k --disk d,rate=1M@",
		"--kernel k --disk d,speed=1M",
		"--kernel k --disk ,ro",
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		int r = parse(bad[i], &o, err, sizeof(err));
		CHECK(r == -1 && strlen(err) > 10);
		if (r == 0)
			fprintf(stderr, "accepted: %s\n", bad[i]);
	}
	/* nine NICs: one too many */
	char many[600] = "--kernel k";
	for (int i = 0; i < 9; i++)
		strcat(many, " --net bridge=pvbr0");
	CHECK(parse(many, &o, err, sizeof(err)) == -1 && strstr(err, "at most 8"));

	CHECK(parse("--kernel k --disk a.img,ro,rate=10M,ops=1000 --disk b.img", &o, err, sizeof(err)) == 0);
	CHECK(o.ndisks == 2 && o.disk[0].readonly && strcmp(o.disk[0].path, "a.img") == 0);
	CHECK(o.disk[0].rate.bytes.size == 10485760 && o.disk[0].rate.ops.size == 1000);
	CHECK(!o.disk[1].readonly && !rate_limit_active(&o.disk[1].rate));
}

/* --- a frame the guest transmits, through to a "tap" (a datagram socket pair) ---------------- */

static uint8_t txmem[4096];
static struct virtq_chain txc;

static uint8_t *tx_add(uint32_t len, bool writable)
{
	static size_t used;
	if (txc.nbufs == 0)
		used = 0;
	uint8_t *p = txmem + used;
	used += len;
	txc.bufs[txc.nbufs++] = (struct virtq_buf){ .addr = p, .len = len, .writable = writable };
	*(writable ? &txc.writable_len : &txc.readable_len) += len;
	return p;
}

static void test_tx_frames(void)
{
	int sv[2];
	uint8_t got[2048];
	enum net_hdr_verdict why;
	uint64_t all = F(VIRTIO_NET_F_CSUM) | F(VIRTIO_NET_F_HOST_TSO4);

	CHECK(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv) == 0);
	/* a 60-byte frame whose header is split over two buffers, the frame over two more */
	memset(&txc, 0, sizeof(txc));
	uint8_t *h1 = tx_add(5, false), *h2 = tx_add(7, false), *f1 = tx_add(20, false), *f2 = tx_add(40, false);
	uint8_t h[12];
	hdr(h, VIRTIO_NET_HDR_F_NEEDS_CSUM, 0, 0, 34, 16);
	memcpy(h1, h, 5);
	memcpy(h2, h + 5, 7);
	memset(f1, 0xaa, 20);
	memset(f2, 0xbb, 40);
	CHECK(virtio_net_tx_frame(&txc, all, sv[0], &why) == NET_TX_SENT && why == NET_HDR_OK);
	CHECK(recv(sv[1], got, sizeof(got), MSG_DONTWAIT) == 72);
	CHECK(memcmp(got, h, 12) == 0 && got[12] == 0xaa && got[31] == 0xaa && got[32] == 0xbb && got[71] == 0xbb);
	/* the same frame asking for a checksum the driver did not negotiate: dropped, nothing sent */
	CHECK(virtio_net_tx_frame(&txc, 0, sv[0], &why) == NET_TX_MALFORMED && why == NET_HDR_BAD_CSUM);
	/* a bad segmentation request */
	hdr(h, VIRTIO_NET_HDR_F_NEEDS_CSUM, VIRTIO_NET_HDR_GSO_TCPV6, 1400, 34, 16);
	memcpy(h1, h, 5);
	memcpy(h2, h + 5, 7);
	CHECK(virtio_net_tx_frame(&txc, all, sv[0], &why) == NET_TX_MALFORMED && why == NET_HDR_BAD_GSO);
	/* a chain with a device-writable buffer: not a transmit chain */
	hdr(h, 0, 0, 0, 0, 0);
	memcpy(h1, h, 5);
	memcpy(h2, h + 5, 7);
	tx_add(10, true);
	CHECK(virtio_net_tx_frame(&txc, all, sv[0], &why) == NET_TX_MALFORMED);
	/* shorter than a header, or than a header and an Ethernet header */
	memset(&txc, 0, sizeof(txc));
	tx_add(11, false);
	CHECK(virtio_net_tx_frame(&txc, all, sv[0], &why) == NET_TX_MALFORMED);
	memset(&txc, 0, sizeof(txc));
	memset(tx_add(12 + 13, false), 0, 25);
	CHECK(virtio_net_tx_frame(&txc, all, sv[0], &why) == NET_TX_MALFORMED && why == NET_HDR_SHORT);
	CHECK(recv(sv[1], got, sizeof(got), MSG_DONTWAIT) < 0); /* none of them reached the tap */
	/* a tap that is gone: counted as failed, no crash */
	memset(&txc, 0, sizeof(txc));
	memset(tx_add(12 + 60, false), 0, 72);
	close(sv[1]);
	CHECK(virtio_net_tx_frame(&txc, all, sv[0], &why) == NET_TX_FAILED);
	close(sv[0]);
}

/* --- a frame for the guest, into its receive queue ---------------------------------------- */

#define RAM_GPA 0x100000ULL
#define RAM_SIZE 0x40000ULL
static uint8_t *ram;
static struct guest_mem rxm;
static struct virtq rxq;
static uint16_t posted;

static void rx_setup(void)
{
	if (!ram)
		ram = aligned_alloc(4096, RAM_SIZE);
	memset(ram, 0, RAM_SIZE);
	memset(&rxm, 0, sizeof(rxm));
	guest_mem_add(&rxm, RAM_GPA, RAM_SIZE, ram);
	memset(&rxq, 0, sizeof(rxq));
	rxq.size = 16;
	rxq.desc_gpa = RAM_GPA;
	rxq.avail_gpa = RAM_GPA + 0x1000;
	rxq.used_gpa = RAM_GPA + 0x2000;
	rxq.ready = true;
	posted = 0;
}

/* The driver posts a receive buffer of len bytes (at page 8 + i), or a device-readable one. */
static void rx_post(uint32_t len, bool readable)
{
	uint16_t i = posted;
	struct virtq_desc d = { htole64(RAM_GPA + 0x8000 + 0x1000ULL * i), htole32(len),
				htole16(readable ? 0 : VIRTQ_DESC_F_WRITE), 0 };
	memcpy(ram + 16 * i, &d, sizeof(d));
	uint16_t head = htole16(i), idx = htole16((uint16_t)(i + 1));
	memcpy(ram + 0x1000 + VIRTQ_AVAIL_RING + 2 * i, &head, 2);
	memcpy(ram + 0x1000 + VIRTQ_AVAIL_IDX, &idx, 2);
	posted++;
}

static uint16_t used_idx(void)
{
	uint16_t v;
	memcpy(&v, ram + 0x2000 + VIRTQ_USED_IDX, 2);
	return le16toh(v);
}

static uint32_t used_len(unsigned slot)
{
	uint32_t v;
	memcpy(&v, ram + 0x2000 + VIRTQ_USED_RING + 8 * slot + 4, 4);
	return le32toh(v);
}

static void test_rx_frames(void)
{
	static struct virtq_chain scratch;
	static uint8_t frame[3000];
	for (size_t i = 0; i < sizeof(frame); i++)
		frame[i] = (uint8_t)(i * 7);
	memset(frame, 0, 12);

	/* merged buffers: 3000 bytes over two 1536-byte buffers, num_buffers = 2, both at once */
	rx_setup();
	rx_post(1536, false);
	rx_post(1536, false);
	rx_post(1536, false);
	CHECK(virtio_net_rx_frame(&rxq, &rxm, &scratch, frame, 3000, true) == NET_RX_DELIVERED);
	CHECK(used_idx() == 2 && used_len(0) == 1536 && used_len(1) == 3000 - 1536);
	uint8_t *b0 = ram + 0x8000, *b1 = ram + 0x9000;
	CHECK(b0[10] == 2 && b0[11] == 0);
	CHECK(memcmp(b0 + 12, frame + 12, 1536 - 12) == 0 && memcmp(b1, frame + 1536, 3000 - 1536) == 0);
	CHECK(rxq.last_avail_idx == 2);
	/* a frame for which the one remaining buffer is too small: nothing taken, wait for more */
	CHECK(virtio_net_rx_frame(&rxq, &rxm, &scratch, frame, 3000, true) == NET_RX_NO_BUFFERS);
	CHECK(rxq.last_avail_idx == 2 && used_idx() == 2);
	rx_post(1536, false);
	CHECK(virtio_net_rx_frame(&rxq, &rxm, &scratch, frame, 3000, true) == NET_RX_DELIVERED);
	CHECK(used_idx() == 4 && rxq.last_avail_idx == 4);

	/* without merged buffers a frame must fit one chain: dropped, the chain kept for the next */
	rx_setup();
	rx_post(1536, false);
	CHECK(virtio_net_rx_frame(&rxq, &rxm, &scratch, frame, 3000, false) == NET_RX_DROPPED);
	CHECK(rxq.last_avail_idx == 0 && used_idx() == 0);
	CHECK(virtio_net_rx_frame(&rxq, &rxm, &scratch, frame, 100, false) == NET_RX_DELIVERED);
	CHECK(used_idx() == 1 && used_len(0) == 100 && ram[0x8000 + 10] == 1);

	/* no buffer at all */
	rx_setup();
	CHECK(virtio_net_rx_frame(&rxq, &rxm, &scratch, frame, 100, true) == NET_RX_NO_BUFFERS);
	/* a receive buffer the device may not write into: the ring is unusable */
	rx_post(1536, true);
	CHECK(virtio_net_rx_frame(&rxq, &rxm, &scratch, frame, 100, true) == NET_RX_BROKEN);
	CHECK(used_idx() == 0);
	/* a buffer outside guest memory */
	rx_setup();
	struct virtq_desc bad = { htole64(RAM_GPA + RAM_SIZE - 16), htole32(1536), htole16(VIRTQ_DESC_F_WRITE), 0 };
	rx_post(1536, false);
	memcpy(ram, &bad, sizeof(bad));
	CHECK(virtio_net_rx_frame(&rxq, &rxm, &scratch, frame, 100, true) == NET_RX_BROKEN);
	free(ram);
	ram = NULL;
}

/* --- the control queue: the driver's acknowledgement of an announce, and nothing else ------- */

static struct virtq_chain cc;

/* A buffer of the command chain, in guest RAM at page 16 + its index */
static uint8_t *ctrl_add(const void *data, uint32_t len, bool writable)
{
	uint64_t gpa = RAM_GPA + (16 + cc.nbufs) * 4096ull;
	uint8_t *p = ram + (gpa - RAM_GPA);
	if (data)
		memcpy(p, data, len);
	else
		memset(p, 0xee, len);
	cc.bufs[cc.nbufs++] = (struct virtq_buf){ .addr = p, .len = len, .writable = writable, .gpa = gpa };
	*(writable ? &cc.writable_len : &cc.readable_len) += len;
	return p;
}

static void test_ctrl(void)
{
	uint32_t written;
	uint8_t *ack;

	rx_setup();
	/* as Linux sends it: class and command, then the answer's byte */
	memset(&cc, 0, sizeof(cc));
	ctrl_add("\x03\x00", 2, false);
	ack = ctrl_add(NULL, 1, true);
	CHECK(guest_mem_dirty_start(&rxm) == 0);
	CHECK(virtio_net_ctrl_command(&cc, &rxm, &written) == NET_CTRL_ANNOUNCE_ACK);
	CHECK(written == 1 && ack[0] == VIRTIO_NET_OK);
	uint64_t page = (RAM_GPA + 17 * 4096ull - RAM_GPA) / 4096;
	CHECK((rxm.r[0].dirty[page / 64] >> (page % 64)) & 1); /* a migration sends the answer */
	guest_mem_dirty_stop(&rxm);

	/* class and command split across buffers, the answer after some writable room */
	memset(&cc, 0, sizeof(cc));
	ctrl_add("\x03", 1, false);
	ctrl_add("\x00", 1, false);
	ack = ctrl_add(NULL, 4, true);
	CHECK(virtio_net_ctrl_command(&cc, &rxm, &written) == NET_CTRL_ANNOUNCE_ACK && ack[3] == VIRTIO_NET_OK);
	CHECK(ack[0] == 0xee); /* only the last byte is the answer */

	/* commands the device does not take: answered VIRTIO_NET_ERR */
	static const uint8_t others[][2] = { { 0, 0 }, { 1, 1 }, { 3, 1 }, { 4, 0 }, { 0xff, 0xff } };
	for (unsigned i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		memset(&cc, 0, sizeof(cc));
		ctrl_add(others[i], 2, false);
		ctrl_add("\x01\x02\x03\x04\x05\x06", 6, false); /* a command's data */
		ack = ctrl_add(NULL, 1, true);
		CHECK(virtio_net_ctrl_command(&cc, &rxm, &written) == NET_CTRL_REFUSED);
		CHECK(written == 1 && ack[0] == VIRTIO_NET_ERR);
	}

	/* no room for an answer, or no command: nothing written */
	memset(&cc, 0, sizeof(cc));
	ctrl_add("\x03\x00", 2, false);
	CHECK(virtio_net_ctrl_command(&cc, &rxm, &written) == NET_CTRL_MALFORMED && written == 0);
	memset(&cc, 0, sizeof(cc));
	ctrl_add("\x03", 1, false);
	ack = ctrl_add(NULL, 1, true);
	CHECK(virtio_net_ctrl_command(&cc, &rxm, &written) == NET_CTRL_MALFORMED && written == 0 && ack[0] == 0xee);
	memset(&cc, 0, sizeof(cc));
	ack = ctrl_add(NULL, 2, true);
	CHECK(virtio_net_ctrl_command(&cc, &rxm, &written) == NET_CTRL_MALFORMED && ack[0] == 0xee && ack[1] == 0xee);
}

int main(void)
{
	test_ctrl();
	test_tx_frames();
	test_rx_frames();
	test_header();
	test_mac();
	test_options();
	return check_summary("virtio-net");
}
