/* Rate-limit clock and timers (see rate_timer.h). */
#include "rate_timer.h"

#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

uint64_t rate_now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

void rate_limit_start(struct rate_limit *rl)
{
	uint64_t now = rate_now_ns();
	token_bucket_reset(&rl->bytes, now);
	token_bucket_reset(&rl->ops, now);
}

int rate_timer_create(event_fn fn, void *opaque)
{
	int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (fd >= 0 && eventloop_add(fd, fn, opaque) != 0) {
		close(fd);
		fd = -1;
	}
	return fd;
}

void rate_timer_arm(int fd, uint64_t ns)
{
	struct itimerspec its = { .it_value = { .tv_sec = (time_t)(ns / 1000000000ULL),
						.tv_nsec = (long)(ns % 1000000000ULL) } };
	timerfd_settime(fd, 0, &its, NULL);
}

void rate_timer_disarm(int fd)
{
	struct itimerspec off = { 0 };
	timerfd_settime(fd, 0, &off, NULL);
}

int rate_timer_ack(int fd)
{
	uint64_t ticks;
	return read(fd, &ticks, sizeof(ticks)) == (ssize_t)sizeof(ticks) ? 0 : -1;
}
