/* See migrate.h. paraventd does the work (POST /domains/DOM/migrate starts it, GET tells how
 * it goes); this asks, then follows it twice a second, a line per change of phase or round
 * (overwritten in place on a terminal), and ends with the report: total time, the pause the
 * guest saw, what went over, pages per round. */
#include "migrate.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_client.h"

#define MIGRATE_WAIT_SECONDS 3600
#define TOKEN_ENV "PARAVENT_MIGRATE_TOKEN"

static const char usage[] =
	"usage: paravent migrate [--live] [--token-file FILE] [--port N] [--bandwidth MB/s]\n"
	"                        [--downtime MS] [--max-rounds N] DOM HOST\n"
	"  --live          move it running: copy memory while it runs, pause it only for the\n"
	"                  last pages (without: paused for the whole copy)\n"
	"  --token-file FILE  the receiving host's API token (its /var/lib/paravent/api-token, shown\n"
	"                  on its console); or the environment's " TOKEN_ENV "\n"
	"  --port N        the receiver's relocation port (default 8002)\n"
	"  --bandwidth MB/s  at most this much of the link (default: all of it)\n"
	"  --downtime MS   the longest pause to accept (default 100)\n"
	"  --max-rounds N  copy rounds before stopping anyway (default 30)\n";

/* The token from a file (its first line) or the environment, into out. 0, or -1 said. */
static int read_token(const char *file, char *out, size_t len)
{
	if (!file) {
		const char *env = getenv(TOKEN_ENV);
		if (!env || !env[0]) {
			fprintf(stderr, "paravent: migrate: the receiver's API token is needed: --token-file FILE or %s\n"
					"  (on the receiving host it is /var/lib/paravent/api-token, and its console shows it)\n",
				TOKEN_ENV);
			return -1;
		}
		snprintf(out, len, "%s", env);
		return 0;
	}
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd >= 0 ? read(fd, out, len - 1) : -1;
	int e = errno;
	if (fd >= 0)
		close(fd);
	if (n <= 0) {
		fprintf(stderr, "paravent: migrate: cannot read %s: %s\n", file, n == 0 ? "empty" : strerror(e));
		return -1;
	}
	out[n] = 0;
	out[strcspn(out, "\r\n")] = 0;
	return 0;
}

/* On a terminal, one line rewritten in place; otherwise a line per phase or round, so that
 * logs stay short. last: the phase and round printed last. */
static void progress_line(const cJSON *j, bool tty, char *last, size_t lastlen)
{
	char line[200], key[64];
	const char *state = api_str(j, "state");

	if (strcmp(state, "connecting") == 0)
		snprintf(line, sizeof(line), "connecting to %s", api_str(j, "host"));
	else if (strcmp(state, "stopped") == 0)
		snprintf(line, sizeof(line), "stop-and-copy: guest paused, %.1f MB sent", api_num(j, "sent_mb"));
	else
		snprintf(line, sizeof(line), "round %d: %.1f MB sent at %.1f MB/s, dirtying %.1f MB/s, expected downtime %d ms",
			 (int)api_num(j, "round"), api_num(j, "sent_mb"), api_num(j, "rate_mbps"),
			 api_num(j, "dirty_rate_mbps"), (int)api_num(j, "expected_downtime_ms"));
	snprintf(key, sizeof(key), "%s %d", state, (int)api_num(j, "round"));
	if (tty)
		printf("\r\033[K%s", line);
	else if (strcmp(key, last) != 0)
		printf("%s\n", line);
	fflush(stdout);
	snprintf(last, lastlen, "%s", key);
}

static void report(const char *dom, const cJSON *j)
{
	const cJSON *rp = cJSON_GetObjectItemCaseSensitive(j, "round_pages"), *p;
	printf("migrated %s to %s: total %.1f s, downtime %d ms, %.1f MB sent in %d round%s\n", dom,
	       api_str(j, "host"), api_num(j, "total_ms") / 1000, (int)api_num(j, "downtime_ms"), api_num(j, "sent_mb"),
	       (int)api_num(j, "round") + 1, api_num(j, "round") > 0 ? "s" : "");
	printf("pages per round:");
	int i = 0;
	cJSON_ArrayForEach(p, rp)
	{
		printf(" %s%.0f", i++ ? "/ " : "", p->valuedouble);
	}
	printf("\n");
}

int cmd_migrate(int argc, char **argv)
{
	const char *token_file = NULL;
	bool live = false;
	long port = 8002, rounds = -1, downtime = -1;
	double bandwidth = 0;
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		char *end = NULL;
		if (strcmp(argv[i], "--live") == 0 || strcmp(argv[i], "-l") == 0) {
			live = true;
			continue;
		}
		if (!v)
			break;
		if (strcmp(argv[i], "--token-file") == 0)
			token_file = v;
		else if (strcmp(argv[i], "--port") == 0)
			port = strtol(v, &end, 10);
		else if (strcmp(argv[i], "--bandwidth") == 0)
			bandwidth = strtod(v, &end);
		else if (strcmp(argv[i], "--downtime") == 0)
			downtime = strtol(v, &end, 10);
		else if (strcmp(argv[i], "--max-rounds") == 0)
			rounds = strtol(v, &end, 10);
		else
			break;
		if (end && (*end || end == v)) {
			fprintf(stderr, "paravent: migrate: %s wants a number, not \"%s\"\n", argv[i], v);
			return 2;
		}
		i++;
	}
	if (argc - i != 2 || port < 1 || port > 65535 || bandwidth < 0) {
		fputs(usage, stderr);
		return 2;
	}
	const char *dom = argv[i], *host = argv[i + 1];
	char token[160], route[128], what[128];
	if (!api_name_ok(dom)) {
		fprintf(stderr, "paravent: migrate: no domain named %s\n", dom);
		return 1;
	}
	if (read_token(token_file, token, sizeof(token)) != 0)
		return 2;
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "host", host);
	cJSON_AddStringToObject(body, "token", token);
	cJSON_AddNumberToObject(body, "port", (double)port);
	cJSON_AddBoolToObject(body, "live", live);
	if (bandwidth > 0)
		cJSON_AddNumberToObject(body, "bandwidth_mbps", bandwidth);
	if (downtime >= 0)
		cJSON_AddNumberToObject(body, "downtime_ms", (double)downtime);
	if (rounds >= 0)
		cJSON_AddNumberToObject(body, "max_rounds", (double)rounds);
	char *text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	snprintf(route, sizeof(route), "/domains/%s/migrate", dom);
	snprintf(what, sizeof(what), "migrate %s", dom);
	cJSON *j = text ? api_call_json("POST", route, text, strlen(text), what) : NULL;
	free(text);
	if (!j)
		return 1;
	cJSON_Delete(j);
	bool tty = isatty(1);
	char last[200] = "";
	for (int t = 0; t < MIGRATE_WAIT_SECONDS * 2; t++) {
		char err[256], *resp = NULL;
		int status = 0;
		if (api_call("GET", route, NULL, 0, &status, &resp, err, sizeof(err)) != 0 || status != 200) {
			fprintf(stderr, "%sparavent: migrate %s: lost track of the migration (%s)\n", tty ? "\n" : "", dom,
				resp ? resp : err);
			free(resp);
			return 1;
		}
		j = cJSON_Parse(resp);
		free(resp);
		const char *state = api_str(j, "state");
		if (strcmp(state, "migrated") == 0 || strcmp(state, "failed") == 0) {
			int rc = 0;
			if (tty)
				printf("\n");
			if (strcmp(state, "migrated") == 0) {
				report(dom, j);
			} else {
				fprintf(stderr, "paravent: migrate %s: %s\n", dom, api_str(j, "error"));
				rc = 1;
			}
			cJSON_Delete(j);
			return rc;
		}
		progress_line(j, tty, last, sizeof(last));
		cJSON_Delete(j);
		usleep(500 * 1000);
	}
	fprintf(stderr, "paravent: migrate %s: still migrating after %d s\n", dom, MIGRATE_WAIT_SECONDS);
	return 1;
}
