/* A request to one paravent-vmm on its control socket (protocol: hypervisor/paravent-vmm.h). */
#ifndef PARAVENTD_VMM_CLIENT_H
#define PARAVENTD_VMM_CLIENT_H

#include <stddef.h>

/* Sends req (one JSON object, no newline) to the VMM listening on path and waits up to
 * seconds for its reply line. 0 with the reply in reply; -1 with why in reply: the VMM's own
 * error, or that it could not be reached or did not answer. */
int vmm_call(const char *path, const char *req, char *reply, size_t len, int seconds);
/* The same, handing pass_fd over with the request (SCM_RIGHTS; the caller keeps its own copy):
 * a save file or a migration's stream for a confined VMM, which opens nothing itself. */
int vmm_call_fd(const char *path, const char *req, int pass_fd, char *reply, size_t len, int seconds);

#endif
