/* paraventd's HTTP API, without the HTTP: one request in (method, path, who is asking, body),
 * one response out (status, JSON or text body). Routing, authentication, size limits and
 * error replies live here, so unit tests reach every case without sockets; the domain work
 * is behind struct api_backend (domains.c in the daemon, stand-ins in the tests). The routes
 * are documented in docs/api.md. */
#ifndef PARAVENTD_API_H
#define PARAVENTD_API_H

#include <stdbool.h>
#include <stddef.h>

#include "cJSON.h"

#define API_MAX_BODY (64 * 1024) /* a config file's limit, and then some JSON */
#define API_TOKEN_LEN 64         /* hex characters of the bearer token */

struct api_request {
	const char *method;
	const char *path;          /* without the query string */
	const char *authorization; /* the Authorization header, or NULL */
	bool trusted;              /* came over the unix socket: file permissions decided */
	const char *body;
	size_t body_len;
	const char *upgrade;       /* the Upgrade header, or NULL */
};

struct api_response {
	int status;
	char *body;              /* malloc'd; JSON unless content_type says otherwise */
	const char *content_type;
	const char *allow;       /* for 405: the methods the path takes */
	char *upgrade_to;        /* status 101: the VMM control socket to join (malloc'd) */
};

/* The protocol a console connection switches to: after "101 Switching Protocols" the
 * connection carries the guest's console, raw bytes both ways. */
#define API_CONSOLE_PROTOCOL "paravent-console"

/* What the API asks of the daemon. Each returns an HTTP status (200, 201, 202, 404, 409...)
 * and, on success, fills *out with the JSON to send (the API takes ownership); on failure
 * it writes a one-line reason into err. */
struct api_backend {
	int (*host)(void *ctx, cJSON **out);
	int (*list)(void *ctx, cJSON **out);
	int (*create)(void *ctx, const char *config, size_t len, cJSON **out, char *err, size_t errlen);
	int (*show)(void *ctx, const char *name, cJSON **out, char *err, size_t errlen);
	/* action: destroy, shutdown, reboot, pause, unpause, vcpus, memory, sched, pin, maxmem,
	 * stats, save, save-status, migrate, migrate-status; args is the request's JSON object (NULL for the body-less
	 * ones). */
	int (*action)(void *ctx, const char *name, const char *action, const cJSON *args, cJSON **out,
		      char *err, size_t errlen);
	/* The control socket of a running domain's VMM, for its console (200, 404, 409). */
	int (*console)(void *ctx, const char *name, char *path, size_t pathlen, char *err, size_t errlen);
	/* Starts the domain a save file holds, resuming it (201 with the domain, 400, 409). */
	int (*restore)(void *ctx, const char *path, cJSON **out, char *err, size_t errlen);
	/* Prometheus text; NULL out of memory. */
	char *(*metrics)(void *ctx);
};

/* Handles one request. token is the bearer token TCP clients must present. Never fails:
 * every outcome, including out of memory, is a response. Free it with api_response_free. */
void api_handle(const struct api_backend *b, void *ctx, const char *token,
		const struct api_request *rq, struct api_response *rs);
void api_response_free(struct api_response *rs);

#endif
