/* paravent: the command-line client of the toolstack, shaped like Xen's xl. It speaks only
 * paraventd's API (over its unix socket), except `create -n`, which checks a configuration
 * file on its own, as `xl create -n` does (docs/cli.md). Exit status: 0 success, 1 the
 * request failed (e.g. a config with errors, no such domain), 2 bad usage. */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>
#include <unistd.h>

#include "api_client.h"
#include "console.h"
#include "mem.h"
#include "migrate.h"
#include "save.h"
#include "sched.h"
#include "top.h"
#include "cJSON.h"
#include "domain_config.h"
#include "domain_config_json.h"

static const char usage[] =
	"usage: paravent COMMAND [ARGS]\n"
	"  create [-c] CFG start a domain from a configuration file (-c: then attach its console)\n"
	"  create -n CFG   check a domain configuration file and print the domain it describes\n"
	"                  as JSON, with every default filled in; needs no daemon\n"
	"  list [--json]   the domains: Name ID Mem VCPUs State Time(s)\n"
	"  list --long     also maxmem, CPU% since start, weight, cap, CPUs, restarts, address\n"
	"  top [-b] [-d S] [-n N]  the domains' CPU, memory, network, disk and exits, every S\n"
	"                  seconds (xentop's columns); -b plain rounds for scripts, N rounds\n"
	"  uptime          how long dom0 and each domain have run\n"
	"  info [--json]   the host\n"
	"  destroy DOM     stop a domain at once (the power cord)\n"
	"  shutdown [-w] DOM  ask the guest to shut down (its paravent-agent, or the ACPI power\n"
	"                  button), stopped if still running after 120 s; -w waits until it is off\n"
	"  reboot DOM      ask the guest to reboot (needs paravent-agent in the guest)\n"
	"  pause DOM, unpause DOM\n"
	"  vcpu-set DOM N  plug or take back vCPUs, up to the domain's maxvcpus\n"
	"  console DOM     attach to the domain's console (Ctrl-] detaches)\n"
	"  mem-set DOM SIZE  the memory the guest keeps (its balloon gives or takes the rest),\n"
	"                  up to its maxmem; SIZE in MiB: 256, 256m, 1g\n"
	"  mem-max DOM SIZE  the most mem-set may give (at most the configuration's maxmem)\n"
	"  sched-credit [-d DOM [-w WEIGHT] [-c CAP]]  show or set CPU weight (default 256) and\n"
	"                  cap (percent of one CPU, 0 for none)\n"
	"  vcpu-pin DOM VCPU|all CPUS  the host CPUs a vCPU may run on (all, 2, 0-3,6)\n"
	"  vcpu-list [DOM] each vCPU's host CPUs\n"
	"  save [-p|-c] DOM FILE  the guest's whole state into FILE, then the domain stops\n"
	"                  (-p: it stays paused, -c: it runs on); FILE in /var/lib/paravent/save,\n"
	"                  /mnt, /media or another image directory\n"
	"  restore FILE    the saved domain, running again where it stopped\n"
	"  migrate [--live] [--token-file F] [--bandwidth MB/s] DOM HOST  the domain to HOST's\n"
	"                  paraventd (paravent migrate --help: all options)\n"
	"  help            this text\n"
	"  --version       the Paravent version\n"
	"Configuration files: docs/config.md (an xl.cfg subset).\n";

/* Reads at most DOMCFG_MAX_FILE + 1 bytes, so an oversized file is seen as such. */
static char *read_config(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "paravent: cannot open %s: %s\n", path, strerror(errno));
		return NULL;
	}
	char *buf = malloc(DOMCFG_MAX_FILE + 2);
	if (!buf) {
		fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, DOMCFG_MAX_FILE + 1, f);
	int failed = ferror(f);
	fclose(f);
	if (failed) {
		fprintf(stderr, "paravent: cannot read %s\n", path);
		free(buf);
		return NULL;
	}
	buf[*len] = 0;
	return buf;
}

/* console: attach to the new domain's console right away (xl create -c). */
static int create_on_daemon(const char *path, const char *text, size_t len, bool console)
{
	char what[300], dom[80] = "";
	snprintf(what, sizeof(what), "create %s", path);
	cJSON *j = api_call_json("POST", "/domains", text, len, what);
	free((void *)text);
	if (!j)
		return 1;
	const cJSON *name = cJSON_GetObjectItemCaseSensitive(j, "name");
	const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
	const cJSON *warn = cJSON_GetObjectItemCaseSensitive(j, "warning");
	printf("Started domain %s (id=%d)\n", cJSON_IsString(name) ? name->valuestring : "?",
	       cJSON_IsNumber(id) ? id->valueint : -1);
	if (cJSON_IsString(warn))
		fprintf(stderr, "paravent: warning: %s\n", warn->valuestring);
	if (cJSON_IsString(name))
		snprintf(dom, sizeof(dom), "%s", name->valuestring);
	cJSON_Delete(j);
	if (!console || !dom[0])
		return 0;
	fflush(stdout);
	char *cargv[] = { "console", dom, NULL };
	return cmd_console(2, cargv);
}

static int cmd_create(int argc, char **argv)
{
	int dry_run = 0;
	bool console = false;
	const char *path = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 || strcmp(argv[i], "--dry-run") == 0)
			dry_run = 1;
		else if (strcmp(argv[i], "-c") == 0)
			console = true;
		else if (argv[i][0] == '-' || path) {
			fprintf(stderr, "paravent: create: unexpected argument %s\n%s", argv[i], usage);
			return 2;
		} else
			path = argv[i];
	}
	if (!path) {
		fprintf(stderr, "paravent: create: which configuration file?\n%s", usage);
		return 2;
	}
	size_t len;
	char *text = read_config(path, &len);
	if (!text)
		return 1;
	if (!dry_run)
		return create_on_daemon(path, text, len, console);
	struct domain_config cfg;
	char err[8192];
	int errors = domcfg_parse(path, text, len, &cfg, err, sizeof(err));
	free(text);
	fputs(err, stderr);
	if (errors) {
		fprintf(stderr, "paravent: %s: %d error%s\n", path, errors, errors == 1 ? "" : "s");
		return 1;
	}
	cJSON *j = domcfg_to_json(&cfg);
	char *out = j ? cJSON_Print(j) : NULL;
	domcfg_free(&cfg);
	cJSON_Delete(j);
	if (!out) {
		fprintf(stderr, "paravent: out of memory\n");
		return 1;
	}
	puts(out);
	free(out);
	return 0;
}

/* dom0's own CPU time: all of the host's, as xl shows for Domain-0. */
static double host_cpu_seconds(void)
{
	unsigned long long v[8] = { 0 };
	FILE *f = fopen("/proc/stat", "r");
	if (!f)
		return 0;
	int n = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5],
		       &v[6], &v[7]);
	fclose(f);
	if (n < 3)
		return 0;
	return (double)(v[0] + v[1] + v[2]) / (double)sysconf(_SC_CLK_TCK);
}

static const char *xl_state(const char *letter)
{
	if (strcmp(letter, "r") == 0) return "r-----";
	if (strcmp(letter, "p") == 0) return "--p---";
	if (strcmp(letter, "s") == 0) return "---s--";
	if (strcmp(letter, "c") == 0) return "----c-";
	return "------";
}

static int cmd_list(int argc, char **argv)
{
	if (argc == 2 && (strcmp(argv[1], "--long") == 0 || strcmp(argv[1], "-l") == 0))
		return cmd_list_long();
	bool json = argc > 1 && strcmp(argv[1], "--json") == 0;
	if (argc > (json ? 2 : 1)) {
		fprintf(stderr, "paravent: list takes no domain names yet\n%s", usage);
		return 2;
	}
	cJSON *doms = api_call_json("GET", "/domains", NULL, 0, "list");
	if (!doms)
		return 1;
	if (json) {
		char *s = cJSON_Print(doms);
		puts(s ? s : "[]");
		free(s);
		cJSON_Delete(doms);
		return 0;
	}
	cJSON *host = api_call_json("GET", "/host", NULL, 0, "info");
	const cJSON *hm = cJSON_GetObjectItemCaseSensitive(host, "memory_mib");
	const cJSON *hc = cJSON_GetObjectItemCaseSensitive(host, "cpus");
	printf("%-32s %5s %7s %5s %6s %9s\n", "Name", "ID", "Mem", "VCPUs", "State", "Time(s)");
	printf("%-32s %5d %7d %5d %6s %9.1f\n", "Domain-0", 0, cJSON_IsNumber(hm) ? hm->valueint : 0,
	       cJSON_IsNumber(hc) ? hc->valueint : 0, "r-----", host_cpu_seconds());
	cJSON_Delete(host);
	const cJSON *d;
	cJSON_ArrayForEach(d, doms) {
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(d, "name");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(d, "id");
		const cJSON *mem = cJSON_GetObjectItemCaseSensitive(d, "memory");
		const cJSON *vc = cJSON_GetObjectItemCaseSensitive(d, "vcpus");
		const cJSON *st = cJSON_GetObjectItemCaseSensitive(d, "state_letter");
		const cJSON *t = cJSON_GetObjectItemCaseSensitive(d, "cpu_seconds");
		printf("%-32s %5d %7d %5d %6s %9.1f\n", cJSON_IsString(name) ? name->valuestring : "?",
		       cJSON_IsNumber(id) ? id->valueint : -1, cJSON_IsNumber(mem) ? mem->valueint : 0,
		       cJSON_IsNumber(vc) ? vc->valueint : 0, xl_state(cJSON_IsString(st) ? st->valuestring : ""),
		       cJSON_IsNumber(t) ? t->valuedouble : 0);
	}
	/* after xl's table, so that scripts reading its columns are not disturbed */
	cJSON_ArrayForEach(d, doms) {
		char an[64];
		top_anomalies(d, an, sizeof(an));
		const cJSON *name = cJSON_GetObjectItemCaseSensitive(d, "name");
		if (strcmp(an, "-") != 0)
			printf("! %s: %s\n", cJSON_IsString(name) ? name->valuestring : "?", an);
	}
	cJSON_Delete(doms);
	return 0;
}

static int cmd_info(int argc, char **argv)
{
	bool json = argc > 1 && strcmp(argv[1], "--json") == 0;
	if (argc > 2 || (argc == 2 && !json)) {
		fprintf(stderr, "paravent: info [--json]\n");
		return 2;
	}
	cJSON *host = api_call_json("GET", "/host", NULL, 0, "info");
	if (!host)
		return 1;
	if (json) {
		char *s = cJSON_Print(host);
		int rc = s ? 0 : 1;
		puts(s ? s : "{}");
		free(s);
		cJSON_Delete(host);
		return rc;
	}
	const cJSON *item;
	cJSON_ArrayForEach(item, host) {
		if (cJSON_IsString(item)) {
			printf("%-20s: %s\n", item->string, item->valuestring);
		} else if (cJSON_IsNumber(item)) {
			printf("%-20s: %.0f\n", item->string, item->valuedouble);
		} else if (strcmp(item->string, "kvm") == 0) {
			const cJSON *u = cJSON_GetObjectItemCaseSensitive(item, "usable");
			const cJSON *d = cJSON_GetObjectItemCaseSensitive(item, "detail");
			printf("%-20s: %s: %s\n", "kvm", cJSON_IsTrue(u) ? "usable" : "NOT usable",
			       cJSON_IsString(d) ? d->valuestring : "");
		} else if (cJSON_IsArray(item)) {
			const cJSON *n;
			cJSON_ArrayForEach(n, item) {
				const cJSON *name = cJSON_GetObjectItemCaseSensitive(n, "name");
				const cJSON *addr = cJSON_GetObjectItemCaseSensitive(n, "address");
				if (cJSON_IsString(name))
					printf("%-20s: %s\n", name->valuestring,
					       cJSON_IsString(addr) ? addr->valuestring : "(no address)");
			}
		}
	}
	cJSON_Delete(host);
	return 0;
}

/* destroy, shutdown [-w], reboot, pause, unpause: one domain each. */
static int cmd_domain_action(const char *cmd, int argc, char **argv)
{
	bool wait = argc == 3 && strcmp(cmd, "shutdown") == 0 && strcmp(argv[1], "-w") == 0;
	const char *dom = argc == 2 ? argv[1] : wait ? argv[2] : NULL;
	if (!dom) {
		fprintf(stderr, "paravent: %s: which domain?\n%s", cmd, usage);
		return 2;
	}
	if (!api_name_ok(dom)) {
		fprintf(stderr, "paravent: %s: no domain named %s\n", cmd, dom);
		return 1;
	}
	char path[128], what[128];
	snprintf(what, sizeof(what), "%s %s", cmd, dom);
	if (strcmp(cmd, "destroy") == 0)
		snprintf(path, sizeof(path), "/domains/%s", dom);
	else
		snprintf(path, sizeof(path), "/domains/%s/%s", dom, cmd);
	cJSON *j = api_call_json(strcmp(cmd, "destroy") == 0 ? "DELETE" : "POST", path, NULL, 0, what);
	if (!j)
		return 1;
	cJSON_Delete(j);
	if (!wait)
		return 0;
	/* -w: until the domain is gone or no longer running (its on_poweroff decides which) */
	snprintf(path, sizeof(path), "/domains/%s", dom);
	for (int i = 0; i < 300; i++) {
		int status;
		char *resp, err[300];
		if (api_call("GET", path, NULL, 0, &status, &resp, err, sizeof(err)) != 0) {
			fprintf(stderr, "paravent: %s\n", err);
			return 1;
		}
		bool done = status == 404 || !strstr(resp, "\"state\":\"running\"");
		free(resp);
		if (done)
			return 0;
		sleep(1);
	}
	fprintf(stderr, "paravent: shutdown %s: still running after 300 s\n", dom);
	return 1;
}

static int cmd_vcpu_set(int argc, char **argv)
{
	if (argc != 3) {
		fprintf(stderr, "paravent: vcpu-set DOM N\n");
		return 2;
	}
	char *end;
	long n = strtol(argv[2], &end, 10);
	if (*end || n < 1 || n > 1024 || !api_name_ok(argv[1])) {
		fprintf(stderr, "paravent: vcpu-set DOM N: N is a count of vCPUs\n");
		return 2;
	}
	char path[128], body[64], what[128];
	snprintf(path, sizeof(path), "/domains/%s/vcpus", argv[1]);
	snprintf(body, sizeof(body), "{\"count\":%ld}", n);
	snprintf(what, sizeof(what), "vcpu-set %s", argv[1]);
	cJSON *j = api_call_json("PUT", path, body, strlen(body), what);
	if (!j)
		return 1;
	cJSON_Delete(j);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (strcmp(argv[1], "create") == 0)
		return cmd_create(argc - 1, argv + 1);
	if (strcmp(argv[1], "list") == 0)
		return cmd_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "info") == 0)
		return cmd_info(argc - 1, argv + 1);
	if (strcmp(argv[1], "destroy") == 0 || strcmp(argv[1], "shutdown") == 0 ||
	    strcmp(argv[1], "pause") == 0 || strcmp(argv[1], "unpause") == 0 || strcmp(argv[1], "reboot") == 0)
		return cmd_domain_action(argv[1], argc - 1, argv + 1);
	if (strcmp(argv[1], "vcpu-set") == 0)
		return cmd_vcpu_set(argc - 1, argv + 1);
	if (strcmp(argv[1], "console") == 0)
		return cmd_console(argc - 1, argv + 1);
	if (strcmp(argv[1], "top") == 0)
		return cmd_top(argc - 1, argv + 1);
	if (strcmp(argv[1], "uptime") == 0)
		return cmd_uptime(argc - 1, argv + 1);
	if (strcmp(argv[1], "mem-set") == 0)
		return cmd_mem_set(argc - 1, argv + 1);
	if (strcmp(argv[1], "mem-max") == 0)
		return cmd_mem_max(argc - 1, argv + 1);
	if (strcmp(argv[1], "sched-credit") == 0)
		return cmd_sched_credit(argc - 1, argv + 1);
	if (strcmp(argv[1], "vcpu-pin") == 0)
		return cmd_vcpu_pin(argc - 1, argv + 1);
	if (strcmp(argv[1], "vcpu-list") == 0)
		return cmd_vcpu_list(argc - 1, argv + 1);
	if (strcmp(argv[1], "save") == 0)
		return cmd_save(argc - 1, argv + 1);
	if (strcmp(argv[1], "migrate") == 0)
		return cmd_migrate(argc - 1, argv + 1);
	if (strcmp(argv[1], "restore") == 0)
		return cmd_restore(argc - 1, argv + 1);
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("paravent %s\n", PARAVENT_VERSION);
		return 0;
	}
	fprintf(stderr, "paravent: unknown command %s\n%s", argv[1], usage);
	return 2;
}
