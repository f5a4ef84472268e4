/* The migration link over socketpairs: the handshake, frames both ways, and the ways a peer
 * or the network in between can fail it. A relay (two threads between two socketpairs)
 * records the sender's frames and changes them on the way; a sender written here from the
 * protocol's description pins the wire format and sends what link_send never would. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "migrate_link.h"

#define TOKEN "pvt-3f9a0c27d1e84b56a0c2"
#define ABYTES crypto_secretstream_xchacha20poly1305_ABYTES
#define MAX MIGRATE_LINK_MAX_FRAME
#define TAG_MESSAGE crypto_secretstream_xchacha20poly1305_TAG_MESSAGE
#define TAG_FINAL crypto_secretstream_xchacha20poly1305_TAG_FINAL

static unsigned char out[MAX + 1], in[MAX + 1];

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int read_exact(int fd, void *buf, size_t n)
{
	for (size_t have = 0; have < n;) {
		ssize_t r = read(fd, (char *)buf + have, n - have);
		if (r <= 0)
			return -1;
		have += (size_t)r;
	}
	return 0;
}

static int put(int fd, const void *buf, size_t n)
{
	for (size_t done = 0; done < n;) {
		ssize_t w = send(fd, (const char *)buf + done, n - done, MSG_NOSIGNAL);
		if (w <= 0)
			return -1;
		done += (size_t)w;
	}
	return 0;
}

/* --- one side's link_open, to run in a thread ------------------------------------------- */

struct opener {
	int fd, is_sender, timeout, err_no;
	const char *token;
	struct migrate_link *l;
	char err[200];
};

static void *open_thread(void *arg)
{
	struct opener *o = arg;
	o->l = link_open(o->fd, o->token, o->is_sender, o->timeout, o->err, sizeof o->err);
	o->err_no = errno;
	return NULL;
}

static void open_pair(int fd_s, int fd_r, const char *tok_s, const char *tok_r, int timeout, struct opener *s,
		      struct opener *r)
{
	pthread_t t;
	*s = (struct opener){ .fd = fd_s, .token = tok_s, .is_sender = 1, .timeout = timeout };
	*r = (struct opener){ .fd = fd_r, .token = tok_r, .is_sender = 0, .timeout = timeout };
	pthread_create(&t, NULL, open_thread, r);
	open_thread(s);
	pthread_join(t, NULL);
}

/* --- the relay: sender a[0] | a[1] relay b[1] | b[0] receiver ------------------------- */

enum relay_op { PASS, FLIP, DROP, SWAP, DUP, CUT, SETLEN };

struct relay {
	int a[2], b[2], dead;
	enum relay_op op;
	int frame; /* the frame op applies to; -1: the sender's handshake bytes */
	size_t byte;
	uint32_t value;
	pthread_t s2r, r2s;
	size_t nframes, clen[16];
	uint64_t s2r_bytes;
};

static void forward(struct relay *r, const void *p, size_t n)
{
	/* once the receiver has gone, the rest of the sender's bytes are drained */
	if (!r->dead && put(r->b[1], p, n) < 0)
		r->dead = 1;
}

static void *relay_s2r(void *arg)
{
	struct relay *r = arg;
	static unsigned char f[4 + MAX + 64], held[4 + MAX + 64];
	unsigned char hs[7 + 32 + 32 + 24];
	size_t held_n = 0;
	/* the hello first: the sender's header only comes once the receiver has answered it */
	for (size_t at = 0, n = 71; at < sizeof hs; at += n, n = sizeof hs - 71) {
		if (read_exact(r->a[1], hs + at, n) < 0)
			goto out;
		if (r->op == FLIP && r->frame < 0 && r->byte >= at && r->byte < at + n)
			hs[r->byte] ^= 1;
		r->s2r_bytes += n;
		forward(r, hs + at, n);
	}
	for (int k = 0;; k++) {
		if (read_exact(r->a[1], f, 4) < 0)
			break;
		uint32_t clen = (uint32_t)f[0] << 24 | f[1] << 16 | f[2] << 8 | f[3];
		if (clen > sizeof f - 4 || read_exact(r->a[1], f + 4, clen) < 0)
			break;
		size_t n = 4 + clen;
		r->s2r_bytes += n;
		if (k < 16)
			r->clen[k] = clen, r->nframes = (size_t)k + 1;
		if (k == r->frame) {
			switch (r->op) {
			case FLIP: f[4 + r->byte] ^= (unsigned char)(1 << (r->byte % 8)); break;
			case DROP: continue;
			case SWAP: memcpy(held, f, n), held_n = n; continue;
			case DUP: forward(r, f, n); break;
			case CUT:
				forward(r, f, r->byte);
				shutdown(r->b[1], SHUT_WR);
				r->dead = 1;
				continue;
			case SETLEN:
				for (int i = 0; i < 4; i++)
					f[i] = (unsigned char)(r->value >> (24 - 8 * i));
				break;
			case PASS: break;
			}
		}
		forward(r, f, n);
		if (held_n)
			forward(r, held, held_n), held_n = 0;
	}
out:
	shutdown(r->b[1], SHUT_WR);
	return NULL;
}

static void *relay_r2s(void *arg)
{
	struct relay *r = arg;
	char buf[4096];
	ssize_t n;
	while ((n = read(r->b[1], buf, sizeof buf)) > 0)
		if (put(r->a[1], buf, (size_t)n) < 0)
			break;
	shutdown(r->a[1], SHUT_WR);
	return NULL;
}

static void relay_start(struct relay *r)
{
	socketpair(AF_UNIX, SOCK_STREAM, 0, r->a);
	socketpair(AF_UNIX, SOCK_STREAM, 0, r->b);
	pthread_create(&r->s2r, NULL, relay_s2r, r);
	pthread_create(&r->r2s, NULL, relay_r2s, r);
}

/* after both links are closed */
static void relay_finish(struct relay *r)
{
	pthread_join(r->s2r, NULL);
	pthread_join(r->r2s, NULL);
	close(r->a[1]);
	close(r->b[1]);
}

/* DATA "hello", MSG "{}\n", END through a relay doing op; the receiver reads to END or the
 * first failure. Returns that failure's errno (0: END arrived), *at the frame it failed at. */
static int tampered(enum relay_op op, int frame, size_t byte, uint32_t value, int *at, struct relay *rec)
{
	struct relay r = { .op = op, .frame = frame, .byte = byte, .value = value };
	struct opener s, v;
	size_t len;
	int e = 0, sends = 0;
	relay_start(&r);
	open_pair(r.a[0], r.b[0], TOKEN, TOKEN, 5, &s, &v);
	if (!s.l || !v.l) {
		fprintf(stderr, "open failed: %s / %s\n", s.err, v.err);
		link_close(s.l);
		link_close(v.l);
		relay_finish(&r);
		return -1;
	}
	sends += link_send(s.l, LINK_DATA, "hello", 5) == 0;
	sends += link_send(s.l, LINK_MSG, "{}\n", 3) == 0;
	sends += link_send(s.l, LINK_END, NULL, 0) == 0;
	uint64_t sent = link_bytes_sent(s.l);
	link_close(s.l);
	for (*at = 0;; (*at)++) {
		int t = link_recv(v.l, in, sizeof in, &len);
		if (t < 0) {
			e = errno;
			break;
		}
		if (t == LINK_END)
			break;
	}
	link_close(v.l);
	relay_finish(&r);
	if (rec) {
		CHECK(sends == 3);
		CHECK(sent == r.s2r_bytes);
		*rec = r;
	}
	return e;
}

/* --- a sender from the protocol's description ------------------------------------------ */

static void spec_hmac(unsigned char mac[32], const unsigned char k[32], const char *label, const unsigned char *a,
		      const unsigned char *b)
{
	unsigned char m[16 + 64];
	size_t n = strlen(label);
	memcpy(m, label, n);
	memcpy(m + n, a, 32);
	memcpy(m + n + 32, b, 32);
	crypto_auth_hmacsha256(mac, m, n + 64, k);
}

static int spec_handshake(int fd, const char *token, crypto_secretstream_xchacha20poly1305_state *tx,
			  crypto_secretstream_xchacha20poly1305_state *rx)
{
	unsigned char k[32], hello[7 + 32], mine[7 + 32 + 32], verdict[1 + 32 + 24], ns[32], mac[32], key[32], hdr[24];
	crypto_generichash(k, 32, (const unsigned char *)token, strlen(token), NULL, 0);
	if (read_exact(fd, hello, sizeof hello) < 0 || memcmp(hello, "PVMIG1\n", 7) != 0)
		return -1;
	randombytes_buf(ns, 32);
	memcpy(mine, "PVMIG1\n", 7);
	memcpy(mine + 7, ns, 32);
	spec_hmac(mine + 39, k, "sender", hello + 7, ns);
	if (put(fd, mine, sizeof mine) < 0 || read_exact(fd, verdict, sizeof verdict) < 0 || verdict[0] != 'Y')
		return -1;
	spec_hmac(mac, k, "receiver", ns, hello + 7);
	if (memcmp(mac, verdict + 1, 32) != 0)
		return -1;
	spec_hmac(key, k, "r2s", hello + 7, ns);
	if (crypto_secretstream_xchacha20poly1305_init_pull(rx, verdict + 33, key) != 0)
		return -1;
	spec_hmac(key, k, "s2r", hello + 7, ns);
	crypto_secretstream_xchacha20poly1305_init_push(tx, hdr, key);
	return put(fd, hdr, sizeof hdr);
}

static void spec_frame(int fd, crypto_secretstream_xchacha20poly1305_state *tx, int type, const void *data,
		       size_t len, unsigned char tag)
{
	static unsigned char m[2 + MAX], c[4 + 2 + MAX + ABYTES]; /* room for one byte too many */
	unsigned long long clen;
	size_t off = type < 0 ? 0 : 1; /* type -1: no type byte at all */
	m[0] = (unsigned char)type;
	memcpy(m + off, data, len);
	crypto_secretstream_xchacha20poly1305_push(tx, c + 4, &clen, m, off + len, NULL, 0, tag);
	for (int i = 0; i < 4; i++)
		c[i] = (unsigned char)(clen >> (24 - 8 * i));
	CHECK(put(fd, c, 4 + clen) == 0);
}

struct spec {
	int fd;
	struct opener v;
	crypto_secretstream_xchacha20poly1305_state tx, rx;
};

/* a receiving link, with the test's sender at sp->fd */
static int spec_open(struct spec *sp, int timeout)
{
	int p[2];
	pthread_t t;
	socketpair(AF_UNIX, SOCK_STREAM, 0, p);
	sp->fd = p[0];
	sp->v = (struct opener){ .fd = p[1], .token = TOKEN, .is_sender = 0, .timeout = timeout };
	pthread_create(&t, NULL, open_thread, &sp->v);
	int rc = spec_handshake(p[0], TOKEN, &sp->tx, &sp->rx);
	pthread_join(t, NULL);
	if (rc == 0 && sp->v.l)
		return 0;
	link_close(sp->v.l);
	sp->v.l = NULL;
	close(p[0]);
	return -1;
}

static void spec_close(struct spec *sp)
{
	link_close(sp->v.l);
	close(sp->fd);
}

/* one frame from the test's sender: what the receiving link makes of it */
static int spec_one(int type, const void *data, size_t len, unsigned char tag, size_t cap)
{
	struct spec sp;
	size_t got;
	if (spec_open(&sp, 5) < 0)
		return -100;
	spec_frame(sp.fd, &sp.tx, type, data, len, tag);
	int t = link_recv(sp.v.l, in, cap, &got);
	int rc = t < 0 ? -errno : t;
	spec_close(&sp);
	return rc;
}

/* --- the tests ------------------------------------------------------------------------- */

/* both directions, lockstep, through a relay that counts the sender's bytes */
static void test_round_trip(size_t end_len)
{
	struct relay r = { .op = PASS };
	struct opener s, v;
	size_t sizes[] = { 0, 1, MAX }, len;
	relay_start(&r);
	open_pair(r.a[0], r.b[0], TOKEN, TOKEN, 5, &s, &v);
	CHECK(s.l && v.l);
	if (!s.l || !v.l)
		return;
	for (int type = LINK_DATA; type <= LINK_END; type++) {
		for (int i = 0; i < 3; i++) {
			size_t n = type == LINK_END ? end_len : sizes[i];
			if (type == LINK_END && i > 0)
				break;
			randombytes_buf(out, n);
			CHECK(link_send(s.l, type, out, n) == 0);
			memset(in, 0xaa, sizeof in);
			CHECK(link_recv(v.l, in, sizeof in, &len) == type);
			CHECK(len == n && memcmp(in, out, n) == 0);
			if (type == LINK_MSG)
				CHECK(in[n] == 0);
			CHECK(link_send(v.l, type, in, len) == 0);
			CHECK(link_recv(s.l, in, sizeof in, &len) == type);
			CHECK(len == n && memcmp(in, out, n) == 0);
		}
	}
	/* nothing after END, either way */
	errno = 0;
	CHECK(link_recv(v.l, in, sizeof in, &len) == -1 && errno == EPIPE);
	CHECK(link_recv(s.l, in, sizeof in, &len) == -1 && errno == EPIPE);
	CHECK(link_send(s.l, LINK_DATA, "x", 1) == -1 && errno == EPIPE);
	CHECK(link_send(v.l, LINK_END, NULL, 0) == -1 && errno == EPIPE);
	uint64_t sent = link_bytes_sent(s.l);
	CHECK(link_fd(s.l) == r.a[0] && link_fd(v.l) == r.b[0]);
	link_close(s.l);
	link_close(v.l);
	relay_finish(&r);
	CHECK(sent == r.s2r_bytes);
	/* 95 handshake bytes, then 4 + 1 + payload + 17 per frame */
	CHECK(sent == 95 + 3 * (4 + 1 + ABYTES) * 2 + 2 * (1 + MAX) + 4 + 1 + end_len + ABYTES);
}

static void test_bad_args(void)
{
	int p[2];
	struct opener s, v;
	size_t len;
	socketpair(AF_UNIX, SOCK_STREAM, 0, p);
	open_pair(p[0], p[1], TOKEN, TOKEN, 5, &s, &v);
	CHECK(s.l && v.l);
	if (!s.l || !v.l)
		return;
	CHECK(link_send(s.l, LINK_DATA, out, MAX + 1) == -1 && errno == EINVAL);
	CHECK(link_send(s.l, (enum link_frame)0, out, 1) == -1 && errno == EINVAL);
	CHECK(link_send(s.l, (enum link_frame)4, out, 1) == -1 && errno == EINVAL);
	/* refused calls leave the link as it was */
	CHECK(link_send(s.l, LINK_MSG, "0123456789", 10) == 0);
	CHECK(link_send(s.l, LINK_DATA, "0123456789", 10) == 0);
	/* a MSG needs room for its NUL */
	CHECK(link_recv(v.l, in, 10, &len) == -1 && errno == EMSGSIZE);
	CHECK(link_recv(v.l, in, sizeof in, &len) == -1 && errno == EMSGSIZE);
	link_close(s.l);
	link_close(v.l);
	link_close(NULL);
}

static void test_tokens(void)
{
	int p[2];
	struct opener s, v;
	/* the sender holds another token, or the receiver does: the receiver finds out first */
	for (int i = 0; i < 2; i++) {
		socketpair(AF_UNIX, SOCK_STREAM, 0, p);
		open_pair(p[0], p[1], i ? TOKEN : "pvt-another-host", i ? "pvt-another-host" : TOKEN, 5, &s, &v);
		CHECK(!s.l && !v.l);
		CHECK_STR(s.err, "the receiver refused the token (it is not the receiver's API token)");
		CHECK_STR(v.err, "the peer does not hold this host's API token");
		CHECK(s.err_no == EACCES && v.err_no == EACCES);
	}
	/* a token that differs in its last byte only */
	socketpair(AF_UNIX, SOCK_STREAM, 0, p);
	open_pair(p[0], p[1], TOKEN "x", TOKEN "y", 5, &s, &v);
	CHECK(!s.l && !v.l);
}

/* peers that are not what they claim: the test plays them by hand on p[1] */
static void fake_receiver(const void *reply, size_t n, int answer_hello, const char *want)
{
	int p[2];
	pthread_t t;
	unsigned char hello[7 + 32], theirs[71];
	socketpair(AF_UNIX, SOCK_STREAM, 0, p);
	struct opener s = { .fd = p[0], .token = TOKEN, .is_sender = 1, .timeout = 5 };
	pthread_create(&t, NULL, open_thread, &s);
	if (answer_hello) {
		memcpy(hello, "PVMIG1\n", 7);
		randombytes_buf(hello + 7, 32);
		CHECK(put(p[1], hello, sizeof hello) == 0);
		CHECK(read_exact(p[1], theirs, sizeof theirs) == 0);
	}
	put(p[1], reply, n);
	shutdown(p[1], SHUT_WR);
	pthread_join(t, NULL);
	CHECK(!s.l);
	CHECK_STR(s.err, want);
	close(p[1]);
}

static void test_fake_peers(void)
{
	unsigned char yes[1 + 32 + 24];
	yes[0] = 'Y';
	randombytes_buf(yes + 1, sizeof yes - 1);
	fake_receiver("HTTP/1.1 400 Bad Request\r\n\r\n", 28, 0, "not a Paravent migration peer");
	fake_receiver("PV", 2, 0, "the peer closed the connection");
	fake_receiver(yes, sizeof yes, 1, "the receiver does not hold the token: not the host meant");
	fake_receiver("?", 1, 1, "not a Paravent migration peer");
	fake_receiver("", 0, 1, "the peer closed the connection");

	/* a sender that is something else */
	int p[2];
	pthread_t t;
	unsigned char hello[39];
	socketpair(AF_UNIX, SOCK_STREAM, 0, p);
	struct opener v = { .fd = p[1], .token = TOKEN, .is_sender = 0, .timeout = 5 };
	pthread_create(&t, NULL, open_thread, &v);
	CHECK(read_exact(p[0], hello, sizeof hello) == 0 && memcmp(hello, "PVMIG1\n", 7) == 0);
	put(p[0], "SSH-2.0-OpenSSH_9.2\r\n", 21);
	pthread_join(t, NULL);
	CHECK(!v.l);
	CHECK_STR(v.err, "not a Paravent migration peer");
	CHECK(v.err_no == EPROTO);
	close(p[0]);
}

static void test_tampering(void)
{
	struct relay rec;
	int at;
	/* recorded: what the frames look like untouched */
	CHECK(tampered(PASS, 0, 0, 0, &at, &rec) == 0 && at == 2);
	CHECK(rec.nframes == 3 && rec.clen[0] == 1 + 5 + ABYTES && rec.clen[1] == 1 + 3 + ABYTES &&
	      rec.clen[2] == 1 + ABYTES);
	/* one bit changed in any byte of any frame */
	int flips = 0, failed_right = 0;
	for (int f = 0; f < 3; f++) {
		for (size_t j = 0; j < rec.clen[f]; j++) {
			int e = tampered(FLIP, f, j, 0, &at, NULL);
			flips++;
			if (e == EBADMSG && at == f)
				failed_right++;
			else
				fprintf(stderr, "flip frame %d byte %zu: errno %d at %d\n", f, j, e, at);
		}
	}
	CHECK(flips == 62 && failed_right == flips);
	/* the sender's stream header: the keys it derives no longer match */
	CHECK(tampered(FLIP, -1, 71 + 3, 0, &at, NULL) == EBADMSG && at == 0);
	CHECK(tampered(DROP, 0, 0, 0, &at, NULL) == EBADMSG && at == 0);
	CHECK(tampered(DROP, 1, 0, 0, &at, NULL) == EBADMSG && at == 1);
	CHECK(tampered(DROP, 2, 0, 0, &at, NULL) == ECONNRESET && at == 2);
	CHECK(tampered(SWAP, 0, 0, 0, &at, NULL) == EBADMSG && at == 0);
	CHECK(tampered(SWAP, 1, 0, 0, &at, NULL) == EBADMSG && at == 1);
	CHECK(tampered(DUP, 0, 0, 0, &at, NULL) == EBADMSG && at == 1);
	/* cut short: between frames, in a length, in a frame, END half there */
	CHECK(tampered(CUT, 1, 0, 0, &at, NULL) == ECONNRESET && at == 1);
	CHECK(tampered(CUT, 1, 2, 0, &at, NULL) == ECONNRESET && at == 1);
	CHECK(tampered(CUT, 1, 10, 0, &at, NULL) == ECONNRESET && at == 1);
	CHECK(tampered(CUT, 2, 4 + ABYTES, 0, &at, NULL) == ECONNRESET && at == 2);
	/* lengths refused before anything is read for them (with 4 GiB announced, a link that
	 * tried would wait for the sender's close and fail with ECONNRESET instead) */
	CHECK(tampered(SETLEN, 1, 0, 0, &at, NULL) == EBADMSG && at == 1);
	CHECK(tampered(SETLEN, 1, 0, ABYTES, &at, NULL) == EBADMSG && at == 1);
	CHECK(tampered(SETLEN, 1, 0, MAX + 1 + ABYTES + 1, &at, NULL) == EBADMSG && at == 1);
	CHECK(tampered(SETLEN, 1, 0, 0xffffffff, &at, NULL) == EBADMSG && at == 1);
	/* a length a little short: the frame does not open */
	CHECK(tampered(SETLEN, 0, 0, 1 + 4 + ABYTES, &at, NULL) == EBADMSG && at == 0);
}

static void test_spec_sender(void)
{
	struct spec sp;
	size_t len;
	/* the format as described: frames from an independent sender open */
	CHECK(spec_open(&sp, 5) == 0);
	if (!sp.v.l)
		return;
	spec_frame(sp.fd, &sp.tx, LINK_DATA, "abc", 3, TAG_MESSAGE);
	spec_frame(sp.fd, &sp.tx, LINK_MSG, "{\"a\":1}", 7, TAG_MESSAGE);
	spec_frame(sp.fd, &sp.tx, LINK_END, "", 0, TAG_FINAL);
	CHECK(link_recv(sp.v.l, in, sizeof in, &len) == LINK_DATA && len == 3 && memcmp(in, "abc", 3) == 0);
	CHECK(link_recv(sp.v.l, in, sizeof in, &len) == LINK_MSG && len == 7 && strcmp((char *)in, "{\"a\":1}") == 0);
	CHECK(link_recv(sp.v.l, in, sizeof in, &len) == LINK_END && len == 0);
	/* and the other way, with the other direction's key */
	unsigned char c[4 + 1 + 4 + ABYTES], m[1 + 4], tag;
	unsigned long long mlen;
	CHECK(link_send(sp.v.l, LINK_MSG, "pong", 4) == 0);
	CHECK(read_exact(sp.fd, c, sizeof c) == 0 && c[0] == 0 && c[1] == 0 && c[2] == 0 && c[3] == sizeof c - 4);
	CHECK(crypto_secretstream_xchacha20poly1305_pull(&sp.rx, m, &mlen, &tag, c + 4, sizeof c - 4, NULL, 0) == 0);
	CHECK(mlen == 5 && m[0] == LINK_MSG && memcmp(m + 1, "pong", 4) == 0 && tag == TAG_MESSAGE);
	close(sp.fd);
	CHECK(link_recv(sp.v.l, in, sizeof in, &len) == -1 && errno == EPIPE);
	link_close(sp.v.l);

	/* a frame after END: sealed right, but the stream had ended */
	CHECK(spec_open(&sp, 5) == 0);
	if (!sp.v.l)
		return;
	spec_frame(sp.fd, &sp.tx, LINK_END, "bye", 3, TAG_FINAL);
	spec_frame(sp.fd, &sp.tx, LINK_DATA, "late", 4, TAG_MESSAGE);
	CHECK(link_recv(sp.v.l, in, sizeof in, &len) == LINK_END && len == 3);
	CHECK(link_recv(sp.v.l, in, sizeof in, &len) == -1 && errno == EBADMSG);
	CHECK(link_recv(sp.v.l, in, sizeof in, &len) == -1 && errno == EBADMSG);
	spec_close(&sp);

	/* types and tags that do not go together, unknown types, no type */
	CHECK(spec_one(0, "x", 1, TAG_MESSAGE, sizeof in) == -EBADMSG);
	CHECK(spec_one(4, "x", 1, TAG_MESSAGE, sizeof in) == -EBADMSG);
	CHECK(spec_one(255, "x", 1, TAG_MESSAGE, sizeof in) == -EBADMSG);
	CHECK(spec_one(LINK_END, "", 0, TAG_MESSAGE, sizeof in) == -EBADMSG);
	CHECK(spec_one(LINK_DATA, "x", 1, TAG_FINAL, sizeof in) == -EBADMSG);
	CHECK(spec_one(LINK_DATA, "x", 1, crypto_secretstream_xchacha20poly1305_TAG_PUSH, sizeof in) == -EBADMSG);
	CHECK(spec_one(-1, "", 0, TAG_MESSAGE, sizeof in) == -EBADMSG);
	/* the largest frame, and one byte more than a frame holds */
	CHECK(spec_one(LINK_DATA, out, MAX, TAG_MESSAGE, sizeof in) == LINK_DATA);
	CHECK(spec_one(LINK_DATA, out, MAX + 1, TAG_MESSAGE, sizeof in) == -EBADMSG);
	/* cap: DATA fills it, a MSG needs one more */
	CHECK(spec_one(LINK_DATA, "12345", 5, TAG_MESSAGE, 5) == LINK_DATA);
	CHECK(spec_one(LINK_MSG, "12345", 5, TAG_MESSAGE, 5) == -EMSGSIZE);
	CHECK(spec_one(LINK_MSG, "12345", 5, TAG_MESSAGE, 6) == LINK_MSG);
}

static void test_timeouts(void)
{
	int p[2];
	size_t len;
	double t0;
	/* a silent peer, for either side's handshake */
	for (int is_sender = 0; is_sender < 2; is_sender++) {
		socketpair(AF_UNIX, SOCK_STREAM, 0, p);
		struct opener o = { .fd = p[0], .token = TOKEN, .is_sender = is_sender, .timeout = 1 };
		t0 = now();
		open_thread(&o);
		double took = now() - t0;
		CHECK(!o.l && o.err_no == ETIMEDOUT);
		CHECK_STR(o.err, "timed out");
		CHECK(took > 0.9 && took < 2.5);
		close(p[1]);
	}
	/* an open link whose peer stops talking; a timeout between frames does not break it */
	struct spec sp;
	CHECK(spec_open(&sp, 1) == 0);
	if (!sp.v.l)
		return;
	t0 = now();
	CHECK(link_recv(sp.v.l, in, sizeof in, &len) == -1 && errno == ETIMEDOUT);
	CHECK(now() - t0 > 0.9 && now() - t0 < 2.5);
	spec_frame(sp.fd, &sp.tx, LINK_DATA, "late", 4, TAG_MESSAGE);
	CHECK(link_recv(sp.v.l, in, sizeof in, &len) == LINK_DATA && len == 4);
	/* inside a frame it does: the stream has lost its place */
	CHECK(put(sp.fd, "\0\0\0\x20zz", 6) == 0);
	CHECK(link_recv(sp.v.l, in, sizeof in, &len) == -1 && errno == ETIMEDOUT);
	CHECK(link_recv(sp.v.l, in, sizeof in, &len) == -1 && errno == ETIMEDOUT);
	spec_close(&sp);

	/* a peer that stops reading: the send that cannot go out times out, and the link with it */
	struct opener s, v;
	socketpair(AF_UNIX, SOCK_STREAM, 0, p);
	open_pair(p[0], p[1], TOKEN, TOKEN, 1, &s, &v);
	CHECK(s.l && v.l);
	if (!s.l || !v.l)
		return;
	int sent = 0;
	while (sent < 100 && link_send(s.l, LINK_DATA, out, MAX) == 0)
		sent++;
	CHECK(sent < 100 && errno == ETIMEDOUT);
	t0 = now();
	CHECK(link_send(s.l, LINK_DATA, "x", 1) == -1 && errno == ETIMEDOUT && now() - t0 < 0.5);
	link_close(s.l);
	link_close(v.l);
}

int main(void)
{
	signal(SIGPIPE, SIG_IGN);
	CHECK(sodium_init() >= 0);
	randombytes_buf(out, sizeof out);
	test_round_trip(0);
	test_round_trip(1);
	test_round_trip(MAX);
	test_bad_args();
	test_tokens();
	test_fake_peers();
	test_tampering();
	test_spec_sender();
	test_timeouts();
	return check_summary("migrate_link");
}
