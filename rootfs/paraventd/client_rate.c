/* See client_rate.h. */
#include "client_rate.h"

#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>

static pthread_mutex_t rate_lock = PTHREAD_MUTEX_INITIALIZER;
static struct client {
	bool used;
	uint64_t key;
	double tokens, last;
} clients[CLIENT_RATE_SLOTS];

#define KEY_IPV4 0xffffffff00000000ULL /* above any /64 a host can have: ffff:ffff::/32 is not routed */

uint64_t client_rate_key(const struct sockaddr *sa)
{
	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
		return KEY_IPV4 | ntohl(in->sin_addr.s_addr);
	}
	if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
		const uint8_t *a = in6->sin6_addr.s6_addr;
		uint64_t key = 0;
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
			return KEY_IPV4 | (uint64_t)a[12] << 24 | (uint64_t)a[13] << 16 | (uint64_t)a[14] << 8 | a[15];
		for (int i = 0; i < 8; i++)
			key = key << 8 | a[i];
		return key;
	}
	return 0;
}

bool client_rate_allow(uint64_t key, double now, double *retry_after)
{
	struct client *c = NULL, *oldest = &clients[0];

	pthread_mutex_lock(&rate_lock);
	for (int i = 0; i < CLIENT_RATE_SLOTS; i++) {
		if (clients[i].used && clients[i].key == key) {
			c = &clients[i];
			break;
		}
		if (!clients[i].used || (oldest->used && clients[i].last < oldest->last))
			oldest = &clients[i];
	}
	if (!c) {
		c = oldest;
		*c = (struct client){ .used = true, .key = key, .tokens = CLIENT_RATE_BURST, .last = now };
	}
	if (now > c->last) {
		c->tokens += (now - c->last) * CLIENT_RATE_PER_SECOND;
		if (c->tokens > CLIENT_RATE_BURST)
			c->tokens = CLIENT_RATE_BURST;
	}
	c->last = now > c->last ? now : c->last;
	bool ok = c->tokens >= 1.0;
	if (ok)
		c->tokens -= 1.0;
	else
		*retry_after = (1.0 - c->tokens) / CLIENT_RATE_PER_SECOND;
	pthread_mutex_unlock(&rate_lock);
	return ok;
}
