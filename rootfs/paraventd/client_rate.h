/* A request rate limit per TCP client address: a token bucket each (CLIENT_RATE_PER_SECOND
 * refilled, up to CLIENT_RATE_BURST), so that one client flooding the API (or trying tokens)
 * cannot take the daemon's time from the others. The unix socket is not limited: it is root's.
 * The table keeps the CLIENT_RATE_SLOTS most recent clients; a new one takes the slot of the
 * one seen longest ago, with a full bucket. */
#ifndef PARAVENTD_CLIENT_RATE_H
#define PARAVENTD_CLIENT_RATE_H

#include <stdbool.h>
#include <stdint.h>

#define CLIENT_RATE_PER_SECOND 10.0
#define CLIENT_RATE_BURST 40.0
#define CLIENT_RATE_SLOTS 64

struct sockaddr;

/* Who a client is, for its share: an IPv4 address (also when it arrives IPv4-mapped on an
 * IPv6 socket), or an IPv6 client's /64 (one host can take any address of its /64, so a
 * limit per address would not hold). 0 for other families. */
uint64_t client_rate_key(const struct sockaddr *sa);

/* Whether the client key may make a request at time now (seconds, any monotonic origin);
 * when not, *retry_after is the seconds until it may. Thread-safe. */
bool client_rate_allow(uint64_t key, double now, double *retry_after);

#endif
