/* See mem.h. */
#include "mem.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api_client.h"

int64_t mem_parse_mib(const char *s)
{
	char *end;
	if (*s < '0' || *s > '9')
		return -1;
	unsigned long long v = strtoull(s, &end, 10);
	if (v > (1ULL << 30))
		return -1;
	if (*end == 'g' || *end == 'G') {
		v *= 1024;
		end++;
	} else if (*end == 'm' || *end == 'M') {
		end++;
	}
	return *end ? -1 : (int64_t)v;
}

static int mem_request(const char *cmd, const char *route, const char *key, int argc, char **argv)
{
	int64_t mib = argc == 3 ? mem_parse_mib(argv[2]) : -1;
	if (mib < 0) {
		fprintf(stderr, "paravent: %s DOM SIZE   (MiB: 256, 256m, 1g)\n", cmd);
		return 2;
	}
	if (!api_name_ok(argv[1])) {
		fprintf(stderr, "paravent: %s: no domain named %s\n", cmd, argv[1]);
		return 1;
	}
	char path[128], body[64], what[128];
	snprintf(path, sizeof(path), "/domains/%s/%s", argv[1], route);
	snprintf(body, sizeof(body), "{\"%s\":%lld}", key, (long long)mib);
	snprintf(what, sizeof(what), "%s %s", cmd, argv[1]);
	cJSON *j = api_call_json("PUT", path, body, strlen(body), what);
	if (!j)
		return 1;
	cJSON_Delete(j);
	return 0;
}

int cmd_mem_set(int argc, char **argv)
{
	return mem_request("mem-set", "memory", "target_mib", argc, argv);
}

int cmd_mem_max(int argc, char **argv)
{
	return mem_request("mem-max", "maxmem", "max_mib", argc, argv);
}
