/* The menu's data: GET /domains and GET /host from paraventd, the demos from their files. */
#include "menu_data.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "api_client.h"
#include "cJSON.h"

#define MEMORY_MARGIN_MIB 64 /* as /etc/init.d/demos: for the VMM and dom0 itself */

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *str(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsString(v) ? v->valuestring : "";
}

static double num(const cJSON *o, const char *k)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static cJSON *get(const char *path)
{
	int status;
	char *body = NULL, err[200];
	if (api_call("GET", path, NULL, 0, &status, &body, err, sizeof(err)) != 0 || status != 200) {
		free(body);
		return NULL;
	}
	cJSON *j = cJSON_Parse(body);
	free(body);
	return j;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct menu_domain *)a)->name, ((const struct menu_domain *)b)->name);
}

/* The demos: one per file in MENU_DEMOS_DIR, named by the file, in name order except that
 * the default set comes first in its own order. */
static void load_demos(struct menu_data *md)
{
	DIR *dir = opendir(MENU_DEMOS_DIR);
	struct dirent *e;

	md->n = md->ndemos = 0;
	while (dir && (e = readdir(dir)) && md->n < MENU_MAX_DOMAINS) {
		size_t l = strlen(e->d_name);
		if (l < 5 || l > 64 || strcmp(e->d_name + l - 4, ".cfg") != 0)
			continue;
		struct menu_domain *d = &md->d[md->n++];
		memset(d, 0, sizeof(*d));
		d->demo = true;
		memcpy(d->name, e->d_name, l - 4);
		d->name[l - 4] = 0;
		snprintf(d->cfg, sizeof(d->cfg), "%s/%s", MENU_DEMOS_DIR, e->d_name);
		FILE *f = fopen(d->cfg, "r");
		char line[256];
		while (f && fgets(line, sizeof(line), f)) {
			line[strcspn(line, "\n")] = 0;
			if (!d->about[0] && line[0] == '#') {
				const char *t = line + 1 + (line[1] == ' ');
				const char *colon = strstr(t, ": ");
				snprintf(d->about, sizeof(d->about), "%s", colon ? colon + 2 : t);
			}
			sscanf(line, "memory = %d", &d->need_mib);
		}
		if (f)
			fclose(f);
		d->memory_mib = d->need_mib;
	}
	if (dir)
		closedir(dir);
	qsort(md->d, (size_t)md->n, sizeof(md->d[0]), by_name);
	md->ndemos = md->n;
}

void menu_data_refresh(struct menu_data *md)
{
	static struct menu_data before;
	double t = now_s();

	before = *md;
	load_demos(md);
	cJSON *list = get("/domains");
	md->reachable = list != NULL;
	const cJSON *o;
	cJSON_ArrayForEach(o, list) {
		struct menu_domain *d = NULL;
		for (int i = 0; i < md->ndemos; i++)
			if (strcmp(md->d[i].name, str(o, "name")) == 0)
				d = &md->d[i];
		if (!d) {
			if (md->n == MENU_MAX_DOMAINS)
				continue;
			d = &md->d[md->n++];
			memset(d, 0, sizeof(*d));
			snprintf(d->name, sizeof(d->name), "%s", str(o, "name"));
		}
		snprintf(d->state, sizeof(d->state), "%s", str(o, "state"));
		d->memory_mib = (int)num(o, "memory");
		d->vcpus = (int)num(o, "vcpus");
		d->cpu_seconds = num(o, "cpu_seconds");
		d->uptime = num(o, "uptime_seconds");
		snprintf(d->address, sizeof(d->address), "%s", str(o, "address"));
		d->cpu_percent = -1;
		for (int i = 0; i < before.n; i++) {
			const struct menu_domain *p = &before.d[i];
			if (strcmp(p->name, d->name) == 0 && p->state[0] && t > before.taken_at &&
			    d->cpu_seconds >= p->cpu_seconds)
				d->cpu_percent = 100 * (d->cpu_seconds - p->cpu_seconds) / (t - before.taken_at);
		}
	}
	cJSON_Delete(list);
	cJSON *h = get("/host");
	if (h) {
		snprintf(md->host.version, sizeof(md->host.version), "%s", str(h, "version"));
		md->host.cpus = (int)num(h, "cpus");
		md->host.memory_mib = (int)num(h, "memory_mib");
		md->host.available_mib = (int)num(h, "available_memory_mib");
		const cJSON *k = cJSON_GetObjectItemCaseSensitive(h, "kvm");
		md->host.kvm_usable = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(k, "usable"));
		snprintf(md->host.kvm_detail, sizeof(md->host.kvm_detail), "%s", str(k, "detail"));
		const cJSON *n;
		md->host.br0[0] = md->host.pvbr0[0] = 0;
		cJSON_ArrayForEach(n, cJSON_GetObjectItemCaseSensitive(h, "networks")) {
			char *dst = strcmp(str(n, "name"), "br0") == 0 ? md->host.br0 : md->host.pvbr0;
			snprintf(dst, sizeof(md->host.br0), "%s", str(n, "address"));
		}
		cJSON_Delete(h);
	}
	md->taken_at = t;
}

static bool live(const struct menu_domain *d)
{
	return strcmp(d->state, "running") == 0 || strcmp(d->state, "paused") == 0;
}

int menu_start(const struct menu_data *md, const struct menu_domain *d, char *msg, size_t len)
{
	int status;
	char *body = NULL, err[300], path[100];

	if (!d->demo) {
		snprintf(msg, len, "%s is not a demo: start it with paravent create", d->name);
		return -1;
	}
	if (live(d)) {
		snprintf(msg, len, "%s is already %s", d->name, d->state);
		return -1;
	}
	if (!md->host.kvm_usable) {
		snprintf(msg, len, "no guest can start: %s", md->host.kvm_detail);
		return -1;
	}
	if (md->host.available_mib < d->need_mib + MEMORY_MARGIN_MIB) {
		snprintf(msg, len, "not enough memory: %s needs %d MiB, dom0 has %d MiB available", d->name, d->need_mib,
			 md->host.available_mib);
		return -1;
	}
	if (d->state[0]) {
		/* kept after it stopped (on_poweroff = "preserve", a crash): clear it first */
		snprintf(path, sizeof(path), "/domains/%s", d->name);
		api_call("DELETE", path, NULL, 0, &status, &body, err, sizeof(err));
		free(body);
		body = NULL;
	}
	FILE *f = fopen(d->cfg, "r");
	char cfg[16384];
	size_t n = f ? fread(cfg, 1, sizeof(cfg), f) : 0;
	if (f)
		fclose(f);
	if (!n) {
		snprintf(msg, len, "cannot read %s", d->cfg);
		return -1;
	}
	if (api_call("POST", "/domains", cfg, n, &status, &body, err, sizeof(err)) != 0) {
		snprintf(msg, len, "%s", err);
		return -1;
	}
	cJSON *j = cJSON_Parse(body);
	free(body);
	if (status != 201) {
		snprintf(msg, len, "%s did not start: %s", d->name, str(j, "error"));
		cJSON_Delete(j);
		return -1;
	}
	cJSON_Delete(j);
	snprintf(msg, len, "started %s", d->name);
	return 0;
}

int menu_stop(const struct menu_domain *d, char *msg, size_t len)
{
	int status;
	char *body = NULL, err[300], path[100];

	if (!live(d)) {
		snprintf(msg, len, "%s is not running", d->name);
		return -1;
	}
	snprintf(path, sizeof(path), "/domains/%s/shutdown", d->name);
	if (api_call("POST", path, NULL, 0, &status, &body, err, sizeof(err)) != 0 || status != 202) {
		snprintf(msg, len, "cannot stop %s: %s", d->name, body ? body : err);
		free(body);
		return -1;
	}
	free(body);
	snprintf(msg, len, "asked %s to shut down", d->name);
	return 0;
}
