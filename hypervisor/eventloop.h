/* The device event loop: one epoll on the main thread for the terminal, signals, queue
 * kicks (ioeventfds) and, later, control connections. */
#ifndef PARAVENT_VMM_EVENTLOOP_H
#define PARAVENT_VMM_EVENTLOOP_H

typedef void (*event_fn)(void *opaque, int fd);

int eventloop_init(void);
int eventloop_add(int fd, event_fn fn, void *opaque);
void eventloop_del(int fd);
/* Waits for events and runs their callbacks once; returns the number handled or -1. */
int eventloop_run_once(int timeout_ms);
/* Keeps the loop from running callbacks (it waits) until released: for another thread that
 * must see every device standing still, as live migration's last step does. */
void eventloop_hold(void);
void eventloop_release(void);
/* No callback runs any more (call while holding): the guest has left for another host, and
 * no device may act on it here. */
void eventloop_freeze(void);

#endif
