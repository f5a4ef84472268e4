/* See sched.h. Every command is one API request; the values live in the domain's cgroup. */
#include "sched.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api_client.h"

static int whole_number(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < lo || v > hi)
		return -1;
	*out = v;
	return 0;
}

static void sched_row(const cJSON *d)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(d, "name");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(d, "id");
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(d, "cpu_weight");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(d, "cap");
	printf("%-32s %5d %6d %4d\n", cJSON_IsString(name) ? name->valuestring : "?",
	       cJSON_IsNumber(id) ? id->valueint : -1, cJSON_IsNumber(w) ? w->valueint : 0,
	       cJSON_IsNumber(c) ? c->valueint : 0);
}

/* sched-credit [-d DOM [-w WEIGHT] [-c CAP]] */
int cmd_sched_credit(int argc, char **argv)
{
	const char *dom = NULL;
	long weight = -1, cap = -1;
	int opt;
	optind = 1;
	while ((opt = getopt(argc, argv, "d:w:c:")) != -1) {
		if (opt == 'd') {
			dom = optarg;
		} else if (opt == 'w' && whole_number(optarg, 1, 65535, &weight) == 0) {
		} else if (opt == 'c' && whole_number(optarg, 0, 3200, &cap) == 0) {
		} else {
			fprintf(stderr, "paravent: sched-credit [-d DOM [-w WEIGHT 1-65535] [-c CAP 0-3200, percent "
					"of one CPU, 0 for none]]\n");
			return 2;
		}
	}
	if (optind != argc || (!dom && (weight >= 0 || cap >= 0))) {
		fprintf(stderr, "paravent: sched-credit: -w and -c need -d DOM\n");
		return 2;
	}
	if (dom && !api_name_ok(dom)) {
		fprintf(stderr, "paravent: sched-credit: no domain named %s\n", dom);
		return 1;
	}
	char path[128], what[128];
	if (weight >= 0 || cap >= 0) {
		char body[96];
		if (weight >= 0 && cap >= 0)
			snprintf(body, sizeof(body), "{\"weight\":%ld,\"cap\":%ld}", weight, cap);
		else if (weight >= 0)
			snprintf(body, sizeof(body), "{\"weight\":%ld}", weight);
		else
			snprintf(body, sizeof(body), "{\"cap\":%ld}", cap);
		snprintf(path, sizeof(path), "/domains/%s/sched", dom);
		snprintf(what, sizeof(what), "sched-credit %s", dom);
		cJSON *j = api_call_json("PUT", path, body, strlen(body), what);
		if (!j)
			return 1;
		cJSON_Delete(j);
		return 0;
	}
	if (dom)
		snprintf(path, sizeof(path), "/domains/%s", dom);
	cJSON *j = api_call_json("GET", dom ? path : "/domains", NULL, 0, "sched-credit");
	if (!j)
		return 1;
	printf("%-32s %5s %6s %4s\n", "Name", "ID", "Weight", "Cap");
	if (dom) {
		sched_row(j);
	} else {
		const cJSON *d;
		cJSON_ArrayForEach(d, j)
			sched_row(d);
	}
	cJSON_Delete(j);
	return 0;
}

/* vcpu-pin DOM VCPU|all CPUS */
int cmd_vcpu_pin(int argc, char **argv)
{
	long vcpu = -1;
	if (argc != 4 || (strcmp(argv[2], "all") != 0 && whole_number(argv[2], 0, 1023, &vcpu) != 0)) {
		fprintf(stderr, "paravent: vcpu-pin DOM VCPU|all CPUS   (CPUS: all, 2, 0-3,6)\n");
		return 2;
	}
	if (!api_name_ok(argv[1])) {
		fprintf(stderr, "paravent: vcpu-pin: no domain named %s\n", argv[1]);
		return 1;
	}
	cJSON *body = cJSON_CreateObject();
	if (vcpu < 0)
		cJSON_AddStringToObject(body, "vcpu", "all");
	else
		cJSON_AddNumberToObject(body, "vcpu", (double)vcpu);
	cJSON_AddStringToObject(body, "cpus", argv[3]);
	char *text = cJSON_PrintUnformatted(body);
	cJSON_Delete(body);
	if (!text)
		return 1;
	char path[128], what[128];
	snprintf(path, sizeof(path), "/domains/%s/pin", argv[1]);
	snprintf(what, sizeof(what), "vcpu-pin %s", argv[1]);
	cJSON *j = api_call_json("PUT", path, text, strlen(text), what);
	free(text);
	if (!j)
		return 1;
	cJSON_Delete(j);
	return 0;
}

static void vcpu_rows(const cJSON *d)
{
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(d, "name");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(d, "id");
	const cJSON *aff = cJSON_GetObjectItemCaseSensitive(d, "vcpu_affinity");
	const cJSON *a;
	int v = 0;
	cJSON_ArrayForEach(a, aff) {
		printf("%-32s %5d %4d  %s\n", cJSON_IsString(name) ? name->valuestring : "?",
		       cJSON_IsNumber(id) ? id->valueint : -1, v++, cJSON_IsString(a) ? a->valuestring : "?");
	}
}

/* vcpu-list [DOM] */
int cmd_vcpu_list(int argc, char **argv)
{
	if (argc > 2) {
		fprintf(stderr, "paravent: vcpu-list [DOM]\n");
		return 2;
	}
	char path[128];
	if (argc == 2) {
		if (!api_name_ok(argv[1])) {
			fprintf(stderr, "paravent: vcpu-list: no domain named %s\n", argv[1]);
			return 1;
		}
		snprintf(path, sizeof(path), "/domains/%s", argv[1]);
	}
	cJSON *j = api_call_json("GET", argc == 2 ? path : "/domains", NULL, 0, "vcpu-list");
	if (!j)
		return 1;
	printf("%-32s %5s %4s  %s\n", "Name", "ID", "VCPU", "CPU Affinity");
	if (argc == 2) {
		vcpu_rows(j);
	} else {
		const cJSON *d;
		cJSON_ArrayForEach(d, j)
			vcpu_rows(d);
	}
	cJSON_Delete(j);
	return 0;
}
