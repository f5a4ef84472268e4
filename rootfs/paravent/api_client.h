#ifndef PARAVENT_API_CLIENT_H
#define PARAVENT_API_CLIENT_H
#include <stdbool.h>
#include <stddef.h>

#include "cJSON.h"
/* paraventd's unix socket: $PARAVENT_API_SOCKET or /run/paravent/api.sock. */
const char *api_socket_path(void);
/* One request; on 0, *status is the HTTP status and *response the body (malloc'd, free it).
 * On -1 (no daemon, a broken reply), err says why. */
int api_call(const char *method, const char *path, const char *body, size_t len, int *status,
	     char **response, char *err, size_t errlen);
/* A connection to paraventd's unix socket, for requests api_call does not fit (the console's
 * upgraded connection); -1 with err. */
int api_connect(char *err, size_t errlen);
/* Writes all of p; 0 or -1. */
int api_send_all(int fd, const char *p, size_t n);
/* Calls the API; the parsed JSON body of a 2xx reply, or NULL after printing why to stderr
 * ("paravent: WHAT: the API's error"). */
cJSON *api_call_json(const char *method, const char *path, const char *body, size_t len, const char *what);
/* A reply's string or number under key: "" or 0 when it is missing or of another type. */
const char *api_str(const cJSON *j, const char *key);
double api_num(const cJSON *j, const char *key);
/* Whether s can be a domain name (and so goes into a URL path as it is). */
bool api_name_ok(const char *s);
#endif
