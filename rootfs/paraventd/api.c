/* See api.h. The order of checks is the contract: authentication first (nothing about the
 * host is revealed to a client without the token), then the size of the body, then the
 * route, then the method, then the body's contents. */
#include "api.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static void reply_json(struct api_response *rs, int status, cJSON *j)
{
	rs->status = status;
	rs->content_type = "application/json";
	rs->body = j ? cJSON_PrintUnformatted(j) : NULL;
	cJSON_Delete(j);
	if (!rs->body) {
		rs->status = 500;
		rs->body = strdup("{\"error\":\"out of memory\"}");
	}
}

static void reply_error(struct api_response *rs, int status, const char *msg)
{
	cJSON *j = cJSON_CreateObject();
	if (j && !cJSON_AddStringToObject(j, "error", msg)) {
		cJSON_Delete(j);
		j = NULL;
	}
	reply_json(rs, status, j); /* 500 if that ran out of memory */
}

/* Compares all of both strings whatever they hold, so the time taken says nothing about
 * how much of a guessed token was right. */
static bool token_matches(const char *given, const char *token)
{
	size_t n = strlen(token), m = strlen(given);
	unsigned char diff = (unsigned char)(n != m);
	for (size_t i = 0; i < n; i++)
		diff |= (unsigned char)(token[i] ^ (i < m ? given[i] : 0));
	return diff == 0 && n > 0;
}

static bool authorized(const struct api_request *rq, const char *token)
{
	static const char prefix[] = "Bearer ";
	if (rq->trusted)
		return true;
	if (!rq->authorization || !token || strncmp(rq->authorization, prefix, sizeof(prefix) - 1) != 0)
		return false;
	return token_matches(rq->authorization + sizeof(prefix) - 1, token);
}

static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || n > 64 || s[0] == '.' || s[0] == '-')
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
			return false;
	return true;
}

static void method_not_allowed(struct api_response *rs, const char *allow)
{
	char msg[96];
	snprintf(msg, sizeof(msg), "method not allowed here (allowed: %s)", allow);
	reply_error(rs, 405, msg);
	rs->allow = allow;
}

/* The request body as a JSON object, or NULL after replying 400. */
static cJSON *json_body(const struct api_request *rq, struct api_response *rs)
{
	cJSON *j = rq->body_len ? cJSON_ParseWithLength(rq->body, rq->body_len) : NULL;
	if (!cJSON_IsObject(j)) {
		cJSON_Delete(j);
		reply_error(rs, 400, "the body must be a JSON object");
		return NULL;
	}
	return j;
}

static void backend_reply(struct api_response *rs, int status, cJSON *out, const char *err)
{
	if (status >= 200 && status < 300)
		reply_json(rs, status, out ? out : cJSON_CreateObject());
	else {
		cJSON_Delete(out);
		reply_error(rs, status, err[0] ? err : "failed");
	}
}

static void domain_route(const struct api_backend *b, void *ctx, const struct api_request *rq,
			 struct api_response *rs, const char *name, const char *sub)
{
	static const struct {
		const char *sub, *method;
		bool body;
	} actions[] = {
		{ "shutdown", "POST", false }, { "reboot", "POST", false }, { "pause", "POST", false },
		{ "unpause", "POST", false },  { "vcpus", "PUT", true },    { "memory", "PUT", true },
		{ "sched", "PUT", true },      { "pin", "PUT", true },     { "maxmem", "PUT", true },
		{ "stats", "GET", false },
	};
	char err[512] = "";
	cJSON *out = NULL;

	if (!sub) {
		/* the backend fills out: call it before passing out on (argument order is unspecified) */
		int status;
		if (strcmp(rq->method, "GET") == 0)
			status = b->show(ctx, name, &out, err, sizeof(err));
		else if (strcmp(rq->method, "DELETE") == 0)
			status = b->action(ctx, name, "destroy", NULL, &out, err, sizeof(err));
		else {
			method_not_allowed(rs, "GET, DELETE");
			return;
		}
		backend_reply(rs, status, out, err);
		return;
	}
	if (strcmp(sub, "save") == 0 || strcmp(sub, "migrate") == 0) {
		/* POST starts a save or a migration, GET tells how the last one went */
		char status_action[24];
		cJSON *args = NULL;
		int status;
		snprintf(status_action, sizeof(status_action), "%s-status", sub);
		if (strcmp(rq->method, "GET") == 0) {
			status = b->action(ctx, name, status_action, NULL, &out, err, sizeof(err));
		} else if (strcmp(rq->method, "POST") == 0) {
			if (!(args = json_body(rq, rs)))
				return;
			status = b->action(ctx, name, sub, args, &out, err, sizeof(err));
			cJSON_Delete(args);
		} else {
			method_not_allowed(rs, "GET, POST");
			return;
		}
		backend_reply(rs, status, out, err);
		return;
	}
	if (strcmp(sub, "console") == 0) {
		char path[512];
		if (strcmp(rq->method, "GET") != 0) {
			method_not_allowed(rs, "GET");
			return;
		}
		if (!rq->upgrade || strcasecmp(rq->upgrade, API_CONSOLE_PROTOCOL) != 0) {
			reply_error(rs, 426, "the console needs \"Connection: Upgrade\" and \"Upgrade: "
					     API_CONSOLE_PROTOCOL "\" (paravent console NAME does this)");
			return;
		}
		int status = b->console(ctx, name, path, sizeof(path), err, sizeof(err));
		if (status != 200) {
			backend_reply(rs, status, NULL, err);
			return;
		}
		rs->upgrade_to = strdup(path);
		if (!rs->upgrade_to) {
			reply_error(rs, 500, "out of memory");
			return;
		}
		rs->status = 101;
		return;
	}
	for (size_t i = 0; i < sizeof(actions) / sizeof(actions[0]); i++) {
		if (strcmp(sub, actions[i].sub) != 0)
			continue;
		if (strcmp(rq->method, actions[i].method) != 0) {
			method_not_allowed(rs, actions[i].method);
			return;
		}
		cJSON *args = NULL;
		if (actions[i].body && !(args = json_body(rq, rs)))
			return;
		int status = b->action(ctx, name, sub, args, &out, err, sizeof(err));
		cJSON_Delete(args);
		backend_reply(rs, status, out, err);
		return;
	}
	reply_error(rs, 404, "no such route");
}

void api_handle(const struct api_backend *b, void *ctx, const char *token,
		const struct api_request *rq, struct api_response *rs)
{
	memset(rs, 0, sizeof(*rs));
	if (!authorized(rq, token)) {
		reply_error(rs, 401, "a bearer token is needed (Authorization: Bearer TOKEN; the token "
				     "is in /var/lib/paravent/api-token and on dom0's console)");
		return;
	}
	if (rq->body_len > API_MAX_BODY) {
		reply_error(rs, 413, "the body is larger than 64 KiB");
		return;
	}
	const char *p = rq->path ? rq->path : "";
	if (strcmp(p, "/host") == 0) {
		if (strcmp(rq->method, "GET") != 0) {
			method_not_allowed(rs, "GET");
			return;
		}
		cJSON *out = NULL;
		int status = b->host(ctx, &out);
		backend_reply(rs, status, out, "");
		return;
	}
	if (strcmp(p, "/metrics") == 0) {
		if (strcmp(rq->method, "GET") != 0) {
			method_not_allowed(rs, "GET");
			return;
		}
		rs->body = b->metrics(ctx);
		rs->status = 200;
		rs->content_type = "text/plain; version=0.0.4";
		if (!rs->body)
			reply_error(rs, 500, "out of memory");
		return;
	}
	if (strcmp(p, "/domains") == 0 || strcmp(p, "/domains/") == 0) {
		char err[4096] = "";
		cJSON *out = NULL;
		if (strcmp(rq->method, "GET") == 0) {
			int status = b->list(ctx, &out);
			backend_reply(rs, status, out, "");
		} else if (strcmp(rq->method, "POST") == 0) {
			if (rq->body_len == 0) {
				reply_error(rs, 400, "the body must be a domain configuration (docs/config.md)");
				return;
			}
			int status = b->create(ctx, rq->body, rq->body_len, &out, err, sizeof(err));
			backend_reply(rs, status, out, err);
		} else {
			method_not_allowed(rs, "GET, POST");
		}
		return;
	}
	if (strcmp(p, "/restore") == 0) {
		if (strcmp(rq->method, "POST") != 0) {
			method_not_allowed(rs, "POST");
			return;
		}
		cJSON *args = json_body(rq, rs), *out = NULL;
		if (!args)
			return;
		const cJSON *path = cJSON_GetObjectItemCaseSensitive(args, "path");
		char err[600] = "";
		if (!cJSON_IsString(path) || !path->valuestring[0]) {
			cJSON_Delete(args);
			reply_error(rs, 400, "want {\"path\": FILE}, a file paravent save wrote");
			return;
		}
		int status = b->restore(ctx, path->valuestring, &out, err, sizeof(err));
		cJSON_Delete(args);
		backend_reply(rs, status, out, err);
		return;
	}
	if (strncmp(p, "/domains/", 9) == 0) {
		const char *name = p + 9, *slash = strchr(name, '/');
		size_t n = slash ? (size_t)(slash - name) : strlen(name);
		char buf[65];
		if (!name_ok(name, n) || (slash && (!slash[1] || strchr(slash + 1, '/')))) {
			reply_error(rs, 404, "no such route");
			return;
		}
		memcpy(buf, name, n);
		buf[n] = 0;
		domain_route(b, ctx, rq, rs, buf, slash ? slash + 1 : NULL);
		return;
	}
	reply_error(rs, 404, "no such route");
}

void api_response_free(struct api_response *rs)
{
	free(rs->body);
	free(rs->upgrade_to);
	memset(rs, 0, sizeof(*rs));
}
