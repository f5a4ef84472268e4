/* Fuzz target: the migration link (paraventd's TCP port 8002) as a peer or the network in
 * between can feed it. The first byte chooses what the bytes after it are:
 *   bit 0 clear  the handshake: what a stranger sends to a receiver (bit 2 clear) or what a
 *                fake receiver answers a sender (bit 2 set). Without the token it must fail,
 *                with a reason, and never get a link.
 *   bit 0 set    the frames after a real handshake (bit 1 set: after one genuine frame):
 *                raw bytes on the wire where sealed frames belong. Every frame that opens must
 *                be the genuine one; the rest must fail the link with a reason, never crash,
 *                overrun a buffer or hang.
 * The peer's bytes are all written before the link reads them and the connection is then
 * closed, so every read ends with the data or an end of stream, never a wait. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "migrate_link.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TOKEN "fuzz-token-0123456789abcdef"
#define GENUINE "a genuine frame"

static uint8_t buf[MIGRATE_LINK_MAX_FRAME + 1];

struct opener {
	int fd;
	struct migrate_link *link;
};

static void *open_sender(void *arg)
{
	struct opener *o = arg;
	char err[200];
	o->link = link_open(o->fd, TOKEN, 1, 5, err, sizeof(err));
	return NULL;
}

static void put(int fd, const uint8_t *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);
		if (w <= 0)
			abort(); /* the socket buffer holds any input libFuzzer makes */
		p += w;
		n -= (size_t)w;
	}
}

static void fuzz_handshake(const uint8_t *data, size_t size, int as_sender)
{
	int sp[2];
	char err[200] = "";
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) != 0)
		abort();
	put(sp[0], data, size);
	shutdown(sp[0], SHUT_WR);
	struct migrate_link *l = link_open(sp[1], TOKEN, as_sender, 1, err, sizeof(err));
	if (l || !err[0])
		abort(); /* a stranger without the token never gets a link, and a refusal says why */
	close(sp[0]);
}

static void fuzz_frames(const uint8_t *data, size_t size, int genuine_first)
{
	int sp[2];
	char err[200];
	pthread_t t;
	if (socketpair(AF_UNIX, SOCK_STREAM, 0, sp) != 0)
		abort();
	struct opener s = { .fd = sp[0] };
	if (pthread_create(&t, NULL, open_sender, &s) != 0)
		abort();
	struct migrate_link *r = link_open(sp[1], TOKEN, 0, 5, err, sizeof(err));
	pthread_join(t, NULL);
	if (!r || !s.link)
		abort(); /* two sides with one token always agree */
	if (genuine_first && link_send(s.link, LINK_DATA, GENUINE, strlen(GENUINE)) != 0)
		abort();
	put(sp[0], data, size);
	shutdown(sp[0], SHUT_WR);
	size_t len;
	int k, frames = 0;
	while ((k = link_recv(r, buf, sizeof(buf), &len)) > 0) {
		/* only the genuine frame can open: nothing else was sealed with the key */
		if (!genuine_first || frames++ || k != LINK_DATA || len != strlen(GENUINE) || memcmp(buf, GENUINE, len))
			abort();
	}
	if (errno != EBADMSG && errno != EPIPE && errno != ECONNRESET && errno != EMSGSIZE)
		abort();
	if (link_recv(r, buf, sizeof(buf), &len) != -1)
		abort(); /* a failed link stays failed */
	link_close(r);
	link_close(s.link);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1 || size > 65536)
		return 0;
	if (data[0] & 1)
		fuzz_frames(data + 1, size - 1, data[0] & 2);
	else
		fuzz_handshake(data + 1, size - 1, data[0] & 4);
	return 0;
}
