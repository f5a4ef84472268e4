/* The clock and timers of the rate limits (ratelimit.c is pure arithmetic): a device that must
 * wait for tokens arms a timerfd on the event loop and goes on when it fires. */
#ifndef PARAVENT_VMM_RATE_TIMER_H
#define PARAVENT_VMM_RATE_TIMER_H

#include <stdint.h>

#include "eventloop.h"
#include "ratelimit.h"

/* CLOCK_MONOTONIC in nanoseconds: the time the buckets count in. */
uint64_t rate_now_ns(void);
/* Fills both buckets of rl as of now. */
void rate_limit_start(struct rate_limit *rl);
/* A timerfd watched by the event loop (fn runs when it fires); -1 on failure. */
int rate_timer_create(event_fn fn, void *opaque);
/* Fires once, ns from now / not at all. */
void rate_timer_arm(int fd, uint64_t ns);
void rate_timer_disarm(int fd);
/* In fn: consumes the expiry. Returns 0, or -1 when there was none (a stale wake-up). */
int rate_timer_ack(int fd);

#endif
