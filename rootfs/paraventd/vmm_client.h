/* A request to one paravent-vmm on its control socket (protocol: hypervisor/paravent-vmm.h). */
#ifndef PARAVENTD_VMM_CLIENT_H
#define PARAVENTD_VMM_CLIENT_H

#include <stddef.h>

/* Sends req (one JSON object, no newline) to the VMM listening on path and waits up to
 * seconds for its reply line. 0 with the reply in reply; -1 with why in reply: the VMM's own
 * error, or that it could not be reached or did not answer. */
int vmm_call(const char *path, const char *req, char *reply, size_t len, int seconds);

#endif
