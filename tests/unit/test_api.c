/* Unit tests for paraventd's API handler: authentication, routing, methods, sizes and bodies,
 * against a stand-in backend that records what it was asked. */
#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "api.h"

static const char *TOKEN = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
static char last[256]; /* the backend's last call */

static int be_host(void *ctx, cJSON **out)
{
	(void)ctx;
	snprintf(last, sizeof(last), "host");
	*out = cJSON_CreateObject();
	cJSON_AddStringToObject(*out, "version", "test");
	return 200;
}

static int be_list(void *ctx, cJSON **out)
{
	(void)ctx;
	snprintf(last, sizeof(last), "list");
	*out = cJSON_CreateArray();
	return 200;
}

static int be_create(void *ctx, const char *config, size_t len, cJSON **out, char *err, size_t errlen)
{
	(void)ctx;
	snprintf(last, sizeof(last), "create %.*s", (int)len, config);
	if (strstr(config, "name = \"taken\"")) {
		snprintf(err, errlen, "a domain named taken exists");
		return 409;
	}
	if (!strstr(config, "name")) {
		snprintf(err, errlen, "config:1: name: missing");
		return 400;
	}
	*out = cJSON_CreateObject();
	return 201;
}

static int be_show(void *ctx, const char *name, cJSON **out, char *err, size_t errlen)
{
	(void)ctx;
	snprintf(last, sizeof(last), "show %s", name);
	if (strcmp(name, "web") != 0) {
		snprintf(err, errlen, "no domain %s", name);
		return 404;
	}
	*out = cJSON_CreateObject();
	return 200;
}

static int be_action(void *ctx, const char *name, const char *action, const cJSON *args, cJSON **out,
		     char *err, size_t errlen)
{
	(void)ctx;
	(void)out;
	char *a = args ? cJSON_PrintUnformatted(args) : NULL;
	snprintf(last, sizeof(last), "%s %s %s", action, name, a ? a : "-");
	free(a);
	if (strcmp(name, "web") != 0) {
		snprintf(err, errlen, "no domain %s", name);
		return 404;
	}
	return 202;
}

static char *be_metrics(void *ctx)
{
	(void)ctx;
	snprintf(last, sizeof(last), "metrics");
	return strdup("paravent_domains 0\n");
}

static int be_console(void *ctx, const char *name, char *path, size_t pathlen, char *err, size_t errlen)
{
	(void)ctx;
	snprintf(last, sizeof(last), "console %s", name);
	if (strcmp(name, "web") != 0) {
		snprintf(err, errlen, "no domain %s", name);
		return 404;
	}
	snprintf(path, pathlen, "/run/paravent/domains/web/control.sock");
	return 200;
}

static int be_restore(void *ctx, const char *path, cJSON **out, char *err, size_t errlen)
{
	(void)ctx;
	(void)out;
	snprintf(last, sizeof(last), "restore %s", path);
	if (strncmp(path, "/var/lib/paravent/save/", 23) != 0) {
		snprintf(err, errlen, "outside the image directories");
		return 400;
	}
	return 201;
}

static const struct api_backend backend = {
	.host = be_host, .list = be_list, .create = be_create, .show = be_show, .action = be_action,
	.console = be_console, .metrics = be_metrics, .restore = be_restore,
};

/* The console: an Upgrade to paravent-console, answered 101 with the VMM's socket. */
static void test_console(void)
{
	struct api_response rs;
	struct api_request rq = { .method = "GET", .path = "/domains/web/console", .trusted = true,
				  .body = "", .upgrade = "paravent-console" };

	api_handle(&backend, NULL, TOKEN, &rq, &rs);
	CHECK(rs.status == 101 && rs.upgrade_to && strcmp(rs.upgrade_to, "/run/paravent/domains/web/control.sock") == 0);
	api_response_free(&rs);
	rq.upgrade = "PARAVENT-Console"; /* tokens are case-insensitive */
	api_handle(&backend, NULL, TOKEN, &rq, &rs);
	CHECK(rs.status == 101);
	api_response_free(&rs);
	rq.upgrade = NULL; /* a plain GET: told what is needed */
	last[0] = 0;
	api_handle(&backend, NULL, TOKEN, &rq, &rs);
	CHECK(rs.status == 426 && strstr(rs.body, "Upgrade") && !rs.upgrade_to && last[0] == 0);
	api_response_free(&rs);
	rq.upgrade = "websocket";
	api_handle(&backend, NULL, TOKEN, &rq, &rs);
	CHECK(rs.status == 426);
	api_response_free(&rs);
	rq.upgrade = "paravent-console";
	rq.path = "/domains/nope/console";
	api_handle(&backend, NULL, TOKEN, &rq, &rs);
	CHECK(rs.status == 404 && !rs.upgrade_to && strstr(rs.body, "no domain nope"));
	api_response_free(&rs);
	rq.path = "/domains/web/console";
	rq.method = "POST";
	api_handle(&backend, NULL, TOKEN, &rq, &rs);
	CHECK(rs.status == 405 && strcmp(rs.allow, "GET") == 0);
	api_response_free(&rs);
	rq.method = "GET";
	rq.trusted = false; /* over TCP: the token first */
	api_handle(&backend, NULL, TOKEN, &rq, &rs);
	CHECK(rs.status == 401 && !rs.upgrade_to);
	api_response_free(&rs);
}

/* Sends one request over TCP with the given Authorization; returns the status, keeps the
 * response in rs (freed by the caller). */
static int req(struct api_response *rs, const char *method, const char *path, const char *auth,
	       const char *body)
{
	struct api_request rq = { .method = method, .path = path, .authorization = auth, .body = body,
				  .body_len = body ? strlen(body) : 0 };
	last[0] = 0;
	api_handle(&backend, NULL, TOKEN, &rq, rs);
	return rs->status;
}

static char bearer[128];

static void expect(const char *method, const char *path, const char *body, int status, const char *call)
{
	struct api_response rs;
	int got = req(&rs, method, path, bearer, body);
	CHECK(got == status);
	CHECK_STR(last, call);
	CHECK(rs.body != NULL);
	if (got != status)
		fprintf(stderr, "  %s %s -> %d %s\n", method, path, got, rs.body ? rs.body : "");
	if (status >= 400)
		CHECK(rs.body && strncmp(rs.body, "{\"error\":\"", 10) == 0);
	api_response_free(&rs);
}

static void test_auth(void)
{
	struct api_response rs;
	char wrong[128];

	/* no token, a wrong one, a prefix of the right one, another scheme: 401 and no backend call */
	CHECK(req(&rs, "GET", "/domains", NULL, NULL) == 401 && last[0] == 0);
	CHECK(strstr(rs.body, "bearer token") != NULL);
	api_response_free(&rs);
	snprintf(wrong, sizeof(wrong), "Bearer %.63s0", TOKEN);
	CHECK(req(&rs, "GET", "/domains", wrong, NULL) == 401 && last[0] == 0);
	api_response_free(&rs);
	snprintf(wrong, sizeof(wrong), "Bearer %.32s", TOKEN);
	CHECK(req(&rs, "GET", "/domains", wrong, NULL) == 401);
	api_response_free(&rs);
	snprintf(wrong, sizeof(wrong), "Bearer %s0", TOKEN);
	CHECK(req(&rs, "GET", "/domains", wrong, NULL) == 401);
	api_response_free(&rs);
	snprintf(wrong, sizeof(wrong), "Basic %s", TOKEN);
	CHECK(req(&rs, "GET", "/domains", wrong, NULL) == 401);
	api_response_free(&rs);
	CHECK(req(&rs, "GET", "/nowhere", NULL, NULL) == 401); /* routes are not revealed either */
	api_response_free(&rs);
	/* the right token; the unix socket needs none */
	CHECK(req(&rs, "GET", "/domains", bearer, NULL) == 200 && strcmp(last, "list") == 0);
	api_response_free(&rs);
	struct api_request rq = { .method = "GET", .path = "/host", .trusted = true };
	api_handle(&backend, NULL, TOKEN, &rq, &rs);
	CHECK(rs.status == 200 && strstr(rs.body, "\"version\":\"test\""));
	api_response_free(&rs);
	/* a daemon without a token refuses every TCP request */
	struct api_request rq2 = { .method = "GET", .path = "/host", .authorization = "Bearer " };
	api_handle(&backend, NULL, "", &rq2, &rs);
	CHECK(rs.status == 401);
	api_response_free(&rs);
}

static void test_routes(void)
{
	expect("GET", "/host", NULL, 200, "host");
	expect("GET", "/domains", NULL, 200, "list");
	expect("GET", "/domains/", NULL, 200, "list");
	expect("POST", "/domains", "name = \"web\"\nkernel = \"/k\"\n", 201, "create name = \"web\"\nkernel = \"/k\"\n");
	expect("POST", "/domains", "name = \"taken\"\n", 409, "create name = \"taken\"\n");
	expect("POST", "/domains", "memory = 5\n", 400, "create memory = 5\n");
	expect("POST", "/domains", NULL, 400, "");
	expect("GET", "/domains/web", NULL, 200, "show web");
	expect("GET", "/domains/db", NULL, 404, "show db");
	expect("DELETE", "/domains/web", NULL, 202, "destroy web -");
	expect("POST", "/domains/web/shutdown", NULL, 202, "shutdown web -");
	expect("POST", "/domains/web/reboot", NULL, 202, "reboot web -");
	expect("POST", "/domains/web/pause", NULL, 202, "pause web -");
	expect("POST", "/domains/web/unpause", NULL, 202, "unpause web -");
	expect("PUT", "/domains/web/vcpus", "{\"count\":2}", 202, "vcpus web {\"count\":2}");
	expect("PUT", "/domains/web/memory", "{\"target_mib\":256}", 202, "memory web {\"target_mib\":256}");
	expect("PUT", "/domains/web/sched", "{\"weight\":512,\"cap\":50}", 202, "sched web {\"weight\":512,\"cap\":50}");
	expect("PUT", "/domains/web/pin", "{\"vcpu\":\"all\",\"cpus\":\"1\"}", 202, "pin web {\"vcpu\":\"all\",\"cpus\":\"1\"}");
	expect("GET", "/domains/web/stats", NULL, 202, "stats web -");
	expect("PUT", "/domains/web/maxmem", "{\"max_mib\":512}", 202, "maxmem web {\"max_mib\":512}");
	expect("POST", "/domains/nobody/pause", NULL, 404, "pause nobody -");
	/* save: POST starts one (a JSON body), GET asks how the last went; restore takes a path */
	expect("POST", "/domains/web/save", "{\"path\":\"/var/lib/paravent/save/web\",\"then\":\"continue\"}", 202,
	       "save web {\"path\":\"/var/lib/paravent/save/web\",\"then\":\"continue\"}");
	expect("GET", "/domains/web/save", NULL, 202, "save-status web -");
	expect("POST", "/domains/web/save", NULL, 400, "");
	expect("POST", "/domains/web/save", "[1]", 400, "");
	expect("PUT", "/domains/web/save", "{}", 405, "");
	expect("POST", "/domains/web/migrate", "{\"host\":\"b\",\"token\":\"t\"}", 202,
	       "migrate web {\"host\":\"b\",\"token\":\"t\"}");
	expect("GET", "/domains/web/migrate", NULL, 202, "migrate-status web -");
	expect("POST", "/domains/web/migrate", "nothing", 400, "");
	expect("DELETE", "/domains/web/migrate", NULL, 405, "");
	expect("POST", "/restore", "{\"path\":\"/var/lib/paravent/save/web\"}", 201, "restore /var/lib/paravent/save/web");
	expect("POST", "/restore", "{\"path\":\"/etc/shadow\"}", 400, "restore /etc/shadow");
	expect("POST", "/restore", "{\"path\":\"\"}", 400, "");
	expect("POST", "/restore", "{\"file\":\"/x\"}", 400, "");
	expect("POST", "/restore", "not json", 400, "");
	expect("GET", "/restore", NULL, 405, "");
	struct api_response rs;
	CHECK(req(&rs, "GET", "/metrics", bearer, NULL) == 200 && strcmp(rs.content_type, "text/plain; version=0.0.4") == 0);
	CHECK_STR(rs.body, "paravent_domains 0\n");
	api_response_free(&rs);
}

static void test_bad_requests(void)
{
	struct api_response rs;

	/* unknown routes and names that cannot be domains: 404, the backend never asked */
	expect("GET", "/", NULL, 404, "");
	expect("GET", "/xend", NULL, 404, "");
	expect("GET", "/domains/web/explode", NULL, 404, "");
	expect("GET", "/domains/../etc/passwd", NULL, 404, "");
	expect("GET", "/domains/-x", NULL, 404, "");
	expect("GET", "/domains/web/pause/now", NULL, 404, "");
	expect("GET", "/domains/web/", NULL, 404, "");
	expect("GET", "/domains/a%2fb", NULL, 404, "");
	/* wrong methods: 405 with Allow */
	CHECK(req(&rs, "DELETE", "/domains", bearer, NULL) == 405 && strcmp(rs.allow, "GET, POST") == 0);
	api_response_free(&rs);
	CHECK(req(&rs, "POST", "/host", bearer, NULL) == 405 && strcmp(rs.allow, "GET") == 0);
	api_response_free(&rs);
	CHECK(req(&rs, "GET", "/domains/web/pause", bearer, NULL) == 405 && strcmp(rs.allow, "POST") == 0);
	api_response_free(&rs);
	CHECK(req(&rs, "PUT", "/domains/web", bearer, NULL) == 405 && strcmp(rs.allow, "GET, DELETE") == 0);
	api_response_free(&rs);
	CHECK(req(&rs, "POST", "/domains/web/pin", bearer, NULL) == 405 && strcmp(rs.allow, "PUT") == 0);
	api_response_free(&rs);
	CHECK(req(&rs, "BREW", "/metrics", bearer, NULL) == 405);
	api_response_free(&rs);
	/* bodies: malformed JSON, not an object, too large */
	expect("PUT", "/domains/web/vcpus", "{\"count\":", 400, "");
	expect("PUT", "/domains/web/vcpus", "[2]", 400, "");
	expect("PUT", "/domains/web/vcpus", NULL, 400, "");
	char *big = malloc(API_MAX_BODY + 2);
	if (big) {
		memset(big, '#', API_MAX_BODY + 1);
		big[API_MAX_BODY + 1] = 0;
		expect("POST", "/domains", big, 413, "");
		free(big);
	}
}

int main(void)
{
	test_console();
	snprintf(bearer, sizeof(bearer), "Bearer %s", TOKEN);
	test_auth();
	test_routes();
	test_bad_requests();
	return check_summary("api");
}
