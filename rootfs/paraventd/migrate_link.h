/* migrate_link: the connection between two paraventds that carries a migrating guest (TCP
 * port 8002, xend's relocation port).
 *
 * Both sides prove they hold the receiver's API token without sending it (HMAC
 * challenge-response over fresh nonces from each side), then every byte in both directions
 * travels in frames sealed with keys derived from the token and both nonces (libsodium's
 * secretstream: XChaCha20-Poly1305, with ordering and the end of the stream authenticated).
 * A frame that was changed, replayed, reordered, dropped or cut short fails to open, and the
 * link fails with it: guest memory crosses the LAN neither readable nor alterable.
 *
 * Frames carry a type: DATA (bytes of the VMMs' stream or their handshake lines), MSG (a
 * JSON text between the paraventds: the offer, the answer, a refusal's reason) and END (the
 * last frame a side sends).
 *
 * Every call waits at most the link's timeout (link_open's seconds) for the peer; a peer
 * that stops answering fails the call with ETIMEDOUT. Not thread-safe per direction: one
 * thread sends, one receives (they may be different threads). */
#ifndef PARAVENT_MIGRATE_LINK_H
#define PARAVENT_MIGRATE_LINK_H

#include <stddef.h>
#include <stdint.h>

#define MIGRATE_LINK_PORT 8002
#define MIGRATE_LINK_MAX_FRAME 65536 /* plaintext bytes per frame */
#define MIGRATE_LINK_SOCKET_BUFFER (256 * 1024)

enum link_frame { LINK_DATA = 1, LINK_MSG = 2, LINK_END = 3 };

struct migrate_link;

/* Both sides: takes over fd (a connected stream socket; closed by link_close, also on
 * failure), runs the handshake with token (the receiver's API token, as text) and returns
 * the link, or NULL with the reason in err (e.g. "the peer does not hold the token",
 * "not a Paravent migration peer", "timed out"). is_sender: the side that connected. */
struct migrate_link *link_open(int fd, const char *token, int is_sender, int timeout_seconds, char *err,
			       size_t errlen);

/* Sends one frame of type with len bytes (len <= MIGRATE_LINK_MAX_FRAME). 0, or -1 with
 * errno (EPIPE, ETIMEDOUT, ...). */
int link_send(struct migrate_link *l, enum link_frame type, const void *data, size_t len);

/* Receives the next frame into buf (cap >= MIGRATE_LINK_MAX_FRAME + 1; a MSG is
 * NUL-terminated for convenience): its type, or -1 with errno (ECONNRESET or EPIPE when the
 * link closed without END, EBADMSG when a frame does not open, ETIMEDOUT). *len: its
 * size. */
int link_recv(struct migrate_link *l, void *buf, size_t cap, size_t *len);

/* The underlying socket, for poll(). The link reads exactly one frame per link_recv and
 * buffers nothing, so a readable socket is the only sign of a waiting frame. */
int link_fd(const struct migrate_link *l);

/* Bytes sent and received on the wire so far (frames, headers and tags included). */
uint64_t link_bytes_sent(const struct migrate_link *l);

void link_close(struct migrate_link *l);

#endif
