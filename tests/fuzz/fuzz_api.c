/* Fuzz target: the HTTP API's request handling (routing, authentication, limits, JSON bodies)
 * behind libmicrohttpd, with a backend that accepts everything. The input is
 * "METHOD\nPATH\nAUTHORIZATION\nBODY"; each part may be anything. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int host(void *c, cJSON **o) { (void)c; *o = cJSON_CreateObject(); return 200; }
static int list(void *c, cJSON **o) { (void)c; *o = cJSON_CreateArray(); return 200; }
static int create(void *c, const char *t, size_t n, cJSON **o, char *e, size_t el)
{
	(void)c; (void)t; (void)n; (void)e; (void)el;
	*o = cJSON_CreateObject();
	return 201;
}
static int show(void *c, const char *name, cJSON **o, char *e, size_t el)
{
	(void)c; (void)name; (void)e; (void)el;
	*o = cJSON_CreateObject();
	return 200;
}
static int action(void *c, const char *name, const char *a, const cJSON *args, cJSON **o, char *e, size_t el)
{
	(void)c; (void)name; (void)a; (void)args; (void)o; (void)e; (void)el;
	return 202;
}
static int console(void *c, const char *name, char *p, size_t pl, char *e, size_t el)
{
	(void)c; (void)name; (void)e; (void)el;
	strncpy(p, "/nonexistent", pl);
	return 200;
}
static char *metrics(void *c) { (void)c; return strdup("x 1\n"); }
static int restore(void *c, const char *path, cJSON **o, char *e, size_t el)
{
	(void)c; (void)o; (void)el;
	if (!path || !path[0])
		abort(); /* the handler checks the body before asking */
	e[0] = 0;
	return 201;
}

static const struct api_backend be = {
	.host = host, .list = list, .create = create, .show = show, .action = action,
	.console = console, .metrics = metrics, .restore = restore,
};

/* the next line of the input, NUL-terminated in a copy */
static char *part(const char **p, const char *end)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));
	const char *stop = nl ? nl : end;
	char *s = strndup(*p, (size_t)(stop - *p));
	*p = nl ? nl + 1 : end;
	return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char token[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	const char *p = (const char *)data, *end = p + size;
	char *method = part(&p, end), *path = part(&p, end), *auth = part(&p, end);
	struct api_request rq = {
		.method = method, .path = path, .authorization = auth[0] ? auth : NULL,
		.trusted = size & 1, .body = p, .body_len = (size_t)(end - p),
		.upgrade = size & 2 ? "paravent-console" : NULL,
	};
	struct api_response rs;
	api_handle(&be, NULL, token, &rq, &rs);
	if (rs.status < 100 || rs.status > 599)
		abort();
	api_response_free(&rs);
	free(method);
	free(path);
	free(auth);
	return 0;
}
