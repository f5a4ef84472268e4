#ifndef PARAVENT_API_CLIENT_H
#define PARAVENT_API_CLIENT_H
#include <stddef.h>
/* paraventd's unix socket: $PARAVENT_API_SOCKET or /run/paravent/api.sock. */
const char *api_socket_path(void);
/* One request; on 0, *status is the HTTP status and *response the body (malloc'd, free it).
 * On -1 (no daemon, a broken reply), err says why. */
int api_call(const char *method, const char *path, const char *body, size_t len, int *status,
	     char **response, char *err, size_t errlen);
#endif
