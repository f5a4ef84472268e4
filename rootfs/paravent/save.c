/* See save.h. Both ask paraventd and then watch: a save is a job that answers at once
 * (GET /domains/DOM/save tells how it goes), a restore a domain that is "restoring" until its
 * VMM runs the guest. */
#include "save.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_client.h"

#define SAVE_WAIT_SECONDS 900

int save_abs_path(const char *file, char *out, size_t len)
{
	char cwd[4096];

	if (file[0] == '/')
		return snprintf(out, len, "%s", file) < (int)len ? 0 : -1;
	if (!getcwd(cwd, sizeof(cwd)))
		return -1;
	return snprintf(out, len, "%s/%s", strcmp(cwd, "/") == 0 ? "" : cwd, file) < (int)len ? 0 : -1;
}

static cJSON *get_json(const char *path, int *status)
{
	char err[256], *resp = NULL;

	if (api_call("GET", path, NULL, 0, status, &resp, err, sizeof(err)) != 0) {
		fprintf(stderr, "paravent: %s\n", err);
		return NULL;
	}
	cJSON *j = cJSON_Parse(resp);
	free(resp);
	return j;
}

int cmd_save(int argc, char **argv)
{
	const char *then = "stop";
	int i = 1;

	for (; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "-p") == 0)
			then = "pause";
		else if (strcmp(argv[i], "-c") == 0)
			then = "continue";
		else
			break;
	}
	if (argc - i != 2) {
		fprintf(stderr, "paravent: save [-p|-c] DOM FILE   (-p: leave it paused, -c: keep it running)\n");
		return 2;
	}
	const char *dom = argv[i], *file = argv[i + 1];
	char abs[4096], route[128], what[128];
	if (!api_name_ok(dom)) {
		fprintf(stderr, "paravent: save: no domain named %s\n", dom);
		return 1;
	}
	if (save_abs_path(file, abs, sizeof(abs)) != 0) {
		fprintf(stderr, "paravent: save: %s: path too long\n", file);
		return 2;
	}
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "path", abs);
	cJSON_AddStringToObject(body, "then", then);
	char *text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	snprintf(route, sizeof(route), "/domains/%s/save", dom);
	snprintf(what, sizeof(what), "save %s", dom);
	cJSON *j = text ? api_call_json("POST", route, text, strlen(text), what) : NULL;
	free(text);
	if (!j)
		return 1;
	cJSON_Delete(j);
	for (int t = 0; t < SAVE_WAIT_SECONDS; t++) {
		int status = 0;
		j = get_json(route, &status);
		if (!j || status != 200) {
			fprintf(stderr, "paravent: save %s: lost track of the save (HTTP %d)\n", dom, status);
			cJSON_Delete(j);
			return 1;
		}
		const char *state = api_str(j, "state");
		if (strcmp(state, "saving") != 0) {
			const cJSON *bytes = cJSON_GetObjectItemCaseSensitive(j, "bytes");
			const cJSON *secs = cJSON_GetObjectItemCaseSensitive(j, "seconds");
			int rc = 0;
			if (strcmp(state, "saved") == 0) {
				printf("saved %s to %s: %.1f MiB in %.1f s%s\n", dom, abs,
				       cJSON_IsNumber(bytes) ? bytes->valuedouble / 1048576 : 0,
				       cJSON_IsNumber(secs) ? secs->valuedouble : 0,
				       strcmp(then, "stop") == 0 ? "; the domain is stopped" :
				       strcmp(then, "pause") == 0 ? "; the domain is paused" : "");
			} else {
				fprintf(stderr, "paravent: save %s: %s\n", dom, api_str(j, "error"));
				rc = 1;
			}
			cJSON_Delete(j);
			return rc;
		}
		cJSON_Delete(j);
		sleep(1);
	}
	fprintf(stderr, "paravent: save %s: still saving after %d s\n", dom, SAVE_WAIT_SECONDS);
	return 1;
}

int cmd_restore(int argc, char **argv)
{
	char abs[4096], route[128], name[80];

	if (argc != 2) {
		fprintf(stderr, "paravent: restore FILE   (a file paravent save wrote)\n");
		return 2;
	}
	if (save_abs_path(argv[1], abs, sizeof(abs)) != 0) {
		fprintf(stderr, "paravent: restore: %s: path too long\n", argv[1]);
		return 2;
	}
	cJSON *body = cJSON_CreateObject();
	cJSON_AddStringToObject(body, "path", abs);
	char *text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	cJSON *j = text ? api_call_json("POST", "/restore", text, strlen(text), "restore") : NULL;
	free(text);
	if (!j)
		return 1;
	snprintf(name, sizeof(name), "%s", api_str(j, "name"));
	cJSON_Delete(j);
	if (!api_name_ok(name)) {
		fprintf(stderr, "paravent: restore: paraventd did not say which domain it started\n");
		return 1;
	}
	snprintf(route, sizeof(route), "/domains/%s", name);
	for (int t = 0; t < SAVE_WAIT_SECONDS; t++) {
		int status = 0;
		j = get_json(route, &status);
		if (!j || status != 200) {
			fprintf(stderr, "paravent: restore: %s is gone (HTTP %d)\n", name, status);
			cJSON_Delete(j);
			return 1;
		}
		const char *state = api_str(j, "state");
		bool restoring = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(j, "restoring"));
		if (strcmp(state, "running") != 0 && strcmp(state, "paused") != 0) {
			fprintf(stderr, "paravent: restore: %s %s: %s\n", name, state, api_str(j, "last_exit"));
			cJSON_Delete(j);
			return 1;
		}
		cJSON_Delete(j);
		if (!restoring) {
			printf("restored %s from %s\n", name, abs);
			return 0;
		}
		sleep(1);
	}
	fprintf(stderr, "paravent: restore: %s still restoring after %d s\n", name, SAVE_WAIT_SECONDS);
	return 1;
}
