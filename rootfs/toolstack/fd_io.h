/* Writing to sockets, for paraventd and its clients alike. */
#ifndef PARAVENT_TOOLSTACK_FD_IO_H
#define PARAVENT_TOOLSTACK_FD_IO_H
#include <stddef.h>
/* Sends all n bytes of p on socket fd, going on after signals; never raises SIGPIPE.
 * 0, or -1 when the peer is gone or the send failed. */
int fd_send_all(int fd, const void *p, size_t n);
#endif
