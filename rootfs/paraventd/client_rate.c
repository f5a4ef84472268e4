/* See client_rate.h. */
#include "client_rate.h"

#include <pthread.h>

static pthread_mutex_t rate_lock = PTHREAD_MUTEX_INITIALIZER;
static struct client {
	bool used;
	uint32_t ip;
	double tokens, last;
} clients[CLIENT_RATE_SLOTS];

bool client_rate_allow(uint32_t ipv4, double now, double *retry_after)
{
	struct client *c = NULL, *oldest = &clients[0];

	pthread_mutex_lock(&rate_lock);
	for (int i = 0; i < CLIENT_RATE_SLOTS; i++) {
		if (clients[i].used && clients[i].ip == ipv4) {
			c = &clients[i];
			break;
		}
		if (!clients[i].used || (oldest->used && clients[i].last < oldest->last))
			oldest = &clients[i];
	}
	if (!c) {
		c = oldest;
		*c = (struct client){ .used = true, .ip = ipv4, .tokens = CLIENT_RATE_BURST, .last = now };
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
