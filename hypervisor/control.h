/* The control socket (protocol in paravent-vmm.h). */
#ifndef PARAVENT_VMM_CONTROL_H
#define PARAVENT_VMM_CONTROL_H

#include <stddef.h>

struct vm;

/* Listens on path (replacing a stale socket) and serves clients from the event loop. */
int control_init(struct vm *vm, const char *path);
void control_cleanup(void);

/* Answers one request line; writes a NUL-terminated JSON reply (no newline) into reply.
 * Returns 1 when the connection should become the console, 0 otherwise. */
int control_handle_request(struct vm *vm, const char *line, char *reply, size_t replylen);
/* The same, with fd (or -1): a descriptor that came with the request (SCM_RIGHTS), for a save
 * or a migration with "fd": true. Always taken: used, or closed. */
int control_handle_request_fd(struct vm *vm, const char *line, int fd, char *reply, size_t replylen);

#endif
