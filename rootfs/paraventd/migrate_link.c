/* migrate_link: see migrate_link.h.
 *
 * Wire format. Receiver -> sender: "PVMIG1\n", nonce_r (32). Sender -> receiver: "PVMIG1\n",
 * nonce_s (32), HMAC(K, "sender" nonce_r nonce_s). Receiver -> sender: 'N' (and closes), or
 * 'Y', HMAC(K, "receiver" nonce_s nonce_r), its secretstream header (24). Sender -> receiver:
 * its header (24). K = BLAKE2b-256(token); each direction has its own key,
 * HMAC(K, "s2r"|"r2s" nonce_r nonce_s), so neither side's stream can be reflected back to it.
 * Then frames: a 4-byte big-endian ciphertext length, then secretstream's ciphertext of the
 * type byte and the payload, tagged FINAL for END and MESSAGE otherwise.
 *
 * Errors stick: a frame cut short or a push whose frame did not leave leaves the stream out
 * of step, so a failed link_send fails every later one with the same errno, and so does a
 * failed link_recv once it has consumed part of a frame, or a whole one that did not fit in
 * cap (a timeout before a frame's first byte does not stick: the caller may wait again). After END has been received, link_recv does not
 * wait: -1 with EBADMSG if bytes followed the END (the peer broke the protocol), else EPIPE.
 * After END has been sent, link_send fails with EPIPE. */
#include "migrate_link.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAGIC "PVMIG1\n"
#define MAGIC_LEN 7
#define NONCE_LEN 32
#define MAC_LEN crypto_auth_hmacsha256_BYTES
#define HDR_LEN crypto_secretstream_xchacha20poly1305_HEADERBYTES
#define ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define MAX_CIPHER (MIGRATE_LINK_MAX_FRAME + 1 + ABYTES)

struct migrate_link {
	int fd, timeout_ms;
	int tx_err, rx_err, rx_ended;
	uint64_t sent;
	crypto_secretstream_xchacha20poly1305_state tx, rx;
	unsigned char tx_plain[1 + MIGRATE_LINK_MAX_FRAME], tx_wire[4 + MAX_CIPHER];
	unsigned char rx_plain[1 + MIGRATE_LINK_MAX_FRAME], rx_wire[MAX_CIPHER];
};

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;
static int sodium_ok;

static void init_sodium(void)
{
	sodium_ok = sodium_init() >= 0;
}

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for ev until deadline; the whole call, not each wait, is what the timeout bounds. */
static int wait_fd(int fd, short ev, int64_t deadline)
{
	for (;;) {
		int64_t left = deadline - now_ms();
		if (left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		struct pollfd p = { .fd = fd, .events = ev };
		int n = poll(&p, 1, (int)left);
		if (n > 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -1;
	}
}

static int write_all(struct migrate_link *l, const void *buf, size_t n, int64_t deadline)
{
	const unsigned char *p = buf;
	while (n > 0) {
		/* non-blocking, so that a big frame cannot block past the deadline once poll said
		 * there was room for part of it */
		ssize_t w = send(l->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0) {
			p += w, n -= (size_t)w, l->sent += (uint64_t)w;
		} else if (w < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			return -1;
		} else if (wait_fd(l->fd, POLLOUT, deadline) < 0) {
			return -1;
		}
	}
	return 0;
}

static int read_all(struct migrate_link *l, void *buf, size_t n, int64_t deadline)
{
	unsigned char *p = buf;
	while (n > 0) {
		ssize_t r = recv(l->fd, p, n, MSG_DONTWAIT);
		if (r > 0) {
			p += r, n -= (size_t)r;
		} else if (r == 0) {
			errno = ECONNRESET;
			return -1;
		} else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
			return -1;
		} else if (wait_fd(l->fd, POLLIN, deadline) < 0) {
			return -1;
		}
	}
	return 0;
}

static void hmac(unsigned char out[MAC_LEN], const unsigned char k[32], const char *label,
		 const unsigned char a[NONCE_LEN], const unsigned char b[NONCE_LEN])
{
	crypto_auth_hmacsha256_state st;
	crypto_auth_hmacsha256_init(&st, k, 32);
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)label, strlen(label));
	crypto_auth_hmacsha256_update(&st, a, NONCE_LEN);
	crypto_auth_hmacsha256_update(&st, b, NONCE_LEN);
	crypto_auth_hmacsha256_final(&st, out);
	sodium_memzero(&st, sizeof st);
}

/* Returns NULL or the reason it failed (errno set). */
static const char *handshake(struct migrate_link *l, const unsigned char k[32], int is_sender, int64_t deadline)
{
	unsigned char nr[NONCE_LEN], ns[NONCE_LEN], mac[MAC_LEN], msg[1 + MAC_LEN + HDR_LEN];
	unsigned char hello[MAGIC_LEN + NONCE_LEN + MAC_LEN], ks2r[32], kr2s[32], hdr[HDR_LEN];
	const char *why = NULL;
#define IO(call) do { if ((call) < 0) goto io_failed; } while (0)
#define FAIL(reason, e) do { why = (reason); errno = (e); goto out; } while (0)
#define NOT_PEER "not a Paravent migration peer"

	unsigned char *mine = is_sender ? ns : nr, *theirs = is_sender ? nr : ns;
	randombytes_buf(mine, NONCE_LEN);
	memcpy(hello, MAGIC, MAGIC_LEN);
	memcpy(hello + MAGIC_LEN, mine, NONCE_LEN);
	if (is_sender) {
		IO(read_all(l, msg, MAGIC_LEN, deadline));
		if (memcmp(msg, MAGIC, MAGIC_LEN) != 0)
			FAIL(NOT_PEER, EPROTO);
		IO(read_all(l, theirs, NONCE_LEN, deadline));
		hmac(hello + MAGIC_LEN + NONCE_LEN, k, "sender", nr, ns);
		IO(write_all(l, hello, sizeof hello, deadline));
		IO(read_all(l, msg, 1, deadline));
		if (msg[0] == 'N')
			FAIL("the receiver refused the token (it is not the receiver's API token)", EACCES);
		if (msg[0] != 'Y')
			FAIL(NOT_PEER, EPROTO);
		IO(read_all(l, msg + 1, MAC_LEN + HDR_LEN, deadline));
		hmac(mac, k, "receiver", ns, nr);
		if (sodium_memcmp(mac, msg + 1, MAC_LEN) != 0)
			FAIL("the receiver does not hold the token: not the host meant", EACCES);
	} else {
		IO(write_all(l, hello, MAGIC_LEN + NONCE_LEN, deadline));
		IO(read_all(l, hello, MAGIC_LEN, deadline));
		if (memcmp(hello, MAGIC, MAGIC_LEN) != 0)
			FAIL(NOT_PEER, EPROTO);
		IO(read_all(l, theirs, NONCE_LEN, deadline));
		IO(read_all(l, msg, MAC_LEN, deadline));
		hmac(mac, k, "sender", nr, ns);
		if (sodium_memcmp(mac, msg, MAC_LEN) != 0) {
			(void)write_all(l, "N", 1, deadline);
			FAIL("the peer does not hold this host's API token", EACCES);
		}
	}
	hmac(ks2r, k, "s2r", nr, ns);
	hmac(kr2s, k, "r2s", nr, ns);
	crypto_secretstream_xchacha20poly1305_init_push(&l->tx, hdr, is_sender ? ks2r : kr2s);
	if (is_sender) {
		IO(write_all(l, hdr, HDR_LEN, deadline));
		memcpy(hdr, msg + 1 + MAC_LEN, HDR_LEN);
	} else {
		/* the verdict, the proof and the header in one segment */
		msg[0] = 'Y';
		hmac(msg + 1, k, "receiver", ns, nr);
		memcpy(msg + 1 + MAC_LEN, hdr, HDR_LEN);
		IO(write_all(l, msg, sizeof msg, deadline));
		IO(read_all(l, hdr, HDR_LEN, deadline));
	}
	if (crypto_secretstream_xchacha20poly1305_init_pull(&l->rx, hdr, is_sender ? kr2s : ks2r) != 0)
		FAIL(NOT_PEER, EPROTO);
	goto out;
io_failed:
	why = errno == ETIMEDOUT ? "timed out" : errno == ECONNRESET ? "the peer closed the connection" : strerror(errno);
out:
	sodium_memzero(ks2r, sizeof ks2r);
	sodium_memzero(kr2s, sizeof kr2s);
	sodium_memzero(msg, sizeof msg);
	return why;
#undef IO
#undef FAIL
#undef NOT_PEER
}

struct migrate_link *link_open(int fd, const char *token, int is_sender, int timeout_seconds, char *err,
			       size_t errlen)
{
	pthread_once(&sodium_once, init_sodium);
	struct migrate_link *l = sodium_ok ? calloc(1, sizeof *l) : NULL;
	if (!l) {
		snprintf(err, errlen, "%s", sodium_ok ? "out of memory" : "libsodium failed to initialise");
		close(fd);
		return NULL;
	}
	l->fd = fd;
	l->timeout_ms = (timeout_seconds < 1 ? 1 : timeout_seconds > 86400 ? 86400 : timeout_seconds) * 1000;
	/* the kernel gives up on unacknowledged data as soon as we would, instead of retrying
	 * for 15 minutes; frames leave whole, so Nagle would only delay them (both fail
	 * harmlessly on a unix socket) */
	int one = 1;
	unsigned int user_timeout = (unsigned int)l->timeout_ms;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	(void)setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof user_timeout);
	/* Little in flight: the sending VMM measures the link by what it gets rid of, and
	 * estimates its pause from that. Megabytes parked in socket buffers (loopback and LAN
	 * autotuning allow several) would make it stop the guest with seconds still to go. A
	 * LAN's bandwidth-delay product is far below this. */
	int buffer = MIGRATE_LINK_SOCKET_BUFFER;
	(void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &buffer, sizeof buffer);
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &buffer, sizeof buffer);

	unsigned char k[32];
	crypto_generichash(k, sizeof k, (const unsigned char *)token, strlen(token), NULL, 0);
	const char *why = handshake(l, k, is_sender, now_ms() + l->timeout_ms);
	sodium_memzero(k, sizeof k);
	if (why) {
		int e = errno;
		snprintf(err, errlen, "%s", why);
		link_close(l);
		errno = e;
		return NULL;
	}
	return l;
}

int link_send(struct migrate_link *l, enum link_frame type, const void *data, size_t len)
{
	if (type < LINK_DATA || type > LINK_END || len > MIGRATE_LINK_MAX_FRAME || (len && !data)) {
		errno = EINVAL;
		return -1;
	}
	if (l->tx_err) {
		errno = l->tx_err;
		return -1;
	}
	unsigned long long clen;
	l->tx_plain[0] = (unsigned char)type;
	if (len)
		memcpy(l->tx_plain + 1, data, len);
	crypto_secretstream_xchacha20poly1305_push(&l->tx, l->tx_wire + 4, &clen, l->tx_plain, 1 + len, NULL, 0,
						   type == LINK_END ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
								    : crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
	for (int i = 0; i < 4; i++)
		l->tx_wire[i] = (unsigned char)(clen >> (24 - 8 * i));
	if (write_all(l, l->tx_wire, 4 + (size_t)clen, now_ms() + l->timeout_ms) < 0) {
		l->tx_err = errno;
		return -1;
	}
	if (type == LINK_END)
		l->tx_err = EPIPE;
	return 0;
}

static int recv_failed(struct migrate_link *l, int e)
{
	l->rx_err = e;
	errno = e;
	return -1;
}

int link_recv(struct migrate_link *l, void *buf, size_t cap, size_t *len)
{
	unsigned char lenb[4], tag;
	if (l->rx_err) {
		errno = l->rx_err;
		return -1;
	}
	if (l->rx_ended) {
		ssize_t r = recv(l->fd, lenb, 1, MSG_PEEK | MSG_DONTWAIT);
		return recv_failed(l, r > 0 ? EBADMSG : EPIPE);
	}
	/* waiting for a frame to start may be retried; once one has started, it must end */
	int64_t deadline = now_ms() + l->timeout_ms;
	if (wait_fd(l->fd, POLLIN, deadline) < 0)
		return -1;
	if (read_all(l, lenb, 4, deadline) < 0)
		return recv_failed(l, errno);
	uint32_t clen = (uint32_t)lenb[0] << 24 | (uint32_t)lenb[1] << 16 | (uint32_t)lenb[2] << 8 | lenb[3];
	/* checked before reading: a length is the only thing an attacker gets to say for free */
	if (clen < 1 + ABYTES || clen > MAX_CIPHER)
		return recv_failed(l, EBADMSG);
	if (read_all(l, l->rx_wire, clen, deadline) < 0)
		return recv_failed(l, errno);
	unsigned long long mlen;
	if (crypto_secretstream_xchacha20poly1305_pull(&l->rx, l->rx_plain, &mlen, &tag, l->rx_wire, clen, NULL, 0) != 0)
		return recv_failed(l, EBADMSG);
	int type = l->rx_plain[0];
	/* the authenticated tag and the type must agree: END, and only END, ends the stream */
	int want_tag = type == LINK_END ? crypto_secretstream_xchacha20poly1305_TAG_FINAL
					: crypto_secretstream_xchacha20poly1305_TAG_MESSAGE;
	if (type < LINK_DATA || type > LINK_END || tag != want_tag)
		return recv_failed(l, EBADMSG);
	size_t n = (size_t)mlen - 1;
	if (n + (type == LINK_MSG) > cap)
		return recv_failed(l, EMSGSIZE);
	memcpy(buf, l->rx_plain + 1, n);
	if (type == LINK_MSG)
		((char *)buf)[n] = '\0';
	*len = n;
	l->rx_ended = type == LINK_END;
	return type;
}

int link_fd(const struct migrate_link *l)
{
	return l->fd;
}

uint64_t link_bytes_sent(const struct migrate_link *l)
{
	return l->sent;
}

void link_close(struct migrate_link *l)
{
	if (!l)
		return;
	close(l->fd);
	/* keys, stream states and the last frames' plaintext (guest memory) */
	sodium_memzero(l, sizeof *l);
	free(l);
}
