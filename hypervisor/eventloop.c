/* A small epoll loop. Callbacks run on the thread that calls eventloop_run_once; watches may
 * be added and removed from any thread (a vCPU's MMIO exit starts and stops devices). */
#include "eventloop.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <unistd.h>

#define MAX_WATCHES 128

static int epfd = -1;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t dispatch = PTHREAD_MUTEX_INITIALIZER; /* held while callbacks run */
static bool frozen;
static struct watch {
	int fd;
	event_fn fn;
	void *opaque;
} watches[MAX_WATCHES];

int eventloop_init(void)
{
	epfd = epoll_create1(EPOLL_CLOEXEC);
	for (int i = 0; i < MAX_WATCHES; i++)
		watches[i].fd = -1;
	return epfd < 0 ? -1 : 0;
}

int eventloop_add(int fd, event_fn fn, void *opaque)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < MAX_WATCHES; i++) {
		if (watches[i].fd != -1)
			continue;
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = (uint32_t)i };
		watches[i] = (struct watch){ fd, fn, opaque };
		if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
			watches[i].fd = -1;
			pthread_mutex_unlock(&lock);
			return -1;
		}
		pthread_mutex_unlock(&lock);
		return 0;
	}
	pthread_mutex_unlock(&lock);
	errno = ENOSPC;
	return -1;
}

void eventloop_del(int fd)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < MAX_WATCHES; i++) {
		if (watches[i].fd == fd) {
			epoll_ctl(epfd, EPOLL_CTL_DEL, fd, NULL);
			watches[i].fd = -1;
		}
	}
	pthread_mutex_unlock(&lock);
}

int eventloop_run_once(int timeout_ms)
{
	struct epoll_event ev[16];
	int n = epoll_wait(epfd, ev, 16, timeout_ms);

	if (n < 0)
		return errno == EINTR ? 0 : -1;
	pthread_mutex_lock(&dispatch);
	for (int i = 0; i < n && !frozen; i++) {
		/* a copy: the callback may add or remove watches, and so may other threads; a watch
		 * removed after this copy gets one last call, which its owner must tolerate */
		pthread_mutex_lock(&lock);
		struct watch w = watches[ev[i].data.u32];
		pthread_mutex_unlock(&lock);
		if (w.fd != -1)
			w.fn(w.opaque, w.fd);
	}
	pthread_mutex_unlock(&dispatch);
	return n;
}

void eventloop_hold(void)
{
	pthread_mutex_lock(&dispatch);
}

void eventloop_freeze(void)
{
	frozen = true;
}

void eventloop_release(void)
{
	pthread_mutex_unlock(&dispatch);
}
