/* See top.h. CPU% in top is measured over each refresh interval (CPU seconds of the domain's
 * VMM, which include its vCPUs, against wall time); in list --long it is the average since
 * the domain started. */
#include "top.h"

#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "api_client.h"

#define TOP_MAX 64

void top_format_uptime(double secs, char *out, unsigned len)
{
	long s = secs < 0 ? 0 : (long)secs;
	long d = s / 86400, h = s % 86400 / 3600, m = s % 3600 / 60;
	if (d)
		snprintf(out, len, "%ld day%s, %ld:%02ld:%02ld", d, d == 1 ? "" : "s", h, m, s % 60);
	else
		snprintf(out, len, "%ld:%02ld:%02ld", h, m, s % 60);
}

static double num(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

static const char *str(const cJSON *o, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, key);
	return cJSON_IsString(v) ? v->valuestring : "-";
}

/* A domain's anomaly flags, "cpu-pegged,io-burst", or "-" for none. */
void top_anomalies(const cJSON *d, char *out, size_t len)
{
	const cJSON *a;
	size_t n = 0;
	out[0] = 0;
	cJSON_ArrayForEach(a, cJSON_GetObjectItemCaseSensitive(d, "anomalies")) {
		if (cJSON_IsString(a) && n < len)
			n += (size_t)snprintf(out + n, len - n, "%s%s", n ? "," : "", a->valuestring);
	}
	if (!out[0])
		snprintf(out, len, "-");
}

static double dom0_uptime(void)
{
	double up = 0;
	FILE *f = fopen("/proc/uptime", "r");
	if (f) {
		if (fscanf(f, "%lf", &up) != 1)
			up = 0;
		fclose(f);
	}
	return up;
}

int cmd_uptime(int argc, char **argv)
{
	(void)argv;
	if (argc != 1) {
		fprintf(stderr, "paravent: uptime takes no arguments\n");
		return 2;
	}
	cJSON *doms = api_call_json("GET", "/domains", NULL, 0, "uptime");
	if (!doms)
		return 1;
	char up[48];
	printf("%-32s %5s %s\n", "Name", "ID", "Uptime");
	top_format_uptime(dom0_uptime(), up, sizeof(up));
	printf("%-32s %5d %s\n", "Domain-0", 0, up);
	const cJSON *d;
	cJSON_ArrayForEach(d, doms) {
		top_format_uptime(num(d, "uptime_seconds"), up, sizeof(up));
		printf("%-32s %5d %s\n", str(d, "name"), (int)num(d, "id"), up);
	}
	cJSON_Delete(doms);
	return 0;
}

int cmd_list_long(void)
{
	cJSON *doms = api_call_json("GET", "/domains", NULL, 0, "list");
	if (!doms)
		return 1;
	printf("%-20s %4s %6s %6s %5s %6s %9s %5s %6s %4s %-6s %8s %-15s %-10s %s\n", "Name", "ID", "Mem", "MaxMem",
	       "VCPUs", "State", "Time(s)", "CPU%", "Weight", "Cap", "CPUs", "Restarts", "Address", "Anomalies",
	       "Last exit");
	const cJSON *d;
	cJSON_ArrayForEach(d, doms) {
		double up = num(d, "uptime_seconds"), cpu = num(d, "cpu_seconds");
		const cJSON *addr = cJSON_GetObjectItemCaseSensitive(d, "address");
		char an[64];
		top_anomalies(d, an, sizeof(an));
		printf("%-20s %4d %6d %6d %5d %6s %9.1f %5.1f %6d %4d %-6s %8d %-15s %-10s %s\n", str(d, "name"),
		       (int)num(d, "id"), (int)num(d, "memory"), (int)num(d, "maxmem"), (int)num(d, "vcpus"),
		       str(d, "state_letter"), cpu, up > 0 ? 100.0 * cpu / up : 0.0, (int)num(d, "cpu_weight"),
		       (int)num(d, "cap"), str(d, "cpus"), (int)num(d, "restarts"),
		       cJSON_IsString(addr) ? addr->valuestring : "-", an, str(d, "last_exit"));
	}
	cJSON_Delete(doms);
	return 0;
}

/* One domain's counters at one moment. */
struct sample {
	char name[65];
	double cpu, net_tx, net_rx, rd, wr, exits;
	int nets, vbds;
	double mem_kib, maxmem_kib;
	int vcpus;
	char state[2];
	char anomalies[64];
};

static int take_samples(struct sample *s, int max)
{
	cJSON *doms = api_call_json("GET", "/domains", NULL, 0, "top");
	if (!doms)
		return -1;
	int n = 0;
	const cJSON *d;
	cJSON_ArrayForEach(d, doms) {
		if (n == max)
			break;
		struct sample *x = &s[n++];
		memset(x, 0, sizeof(*x));
		snprintf(x->name, sizeof(x->name), "%s", str(d, "name"));
		snprintf(x->state, sizeof(x->state), "%s", str(d, "state_letter"));
		x->cpu = num(d, "cpu_seconds");
		x->vcpus = (int)num(d, "vcpus");
		x->mem_kib = num(d, "memory") * 1024;
		x->maxmem_kib = num(d, "maxmem") * 1024;
		top_anomalies(d, x->anomalies, sizeof(x->anomalies));
		if (strcmp(x->state, "r") != 0 && strcmp(x->state, "p") != 0)
			continue;
		char path[128];
		snprintf(path, sizeof(path), "/domains/%s/stats", x->name);
		int status;
		char *resp, err[300];
		/* a domain that went meanwhile simply has no counters this round */
		if (api_call("GET", path, NULL, 0, &status, &resp, err, sizeof(err)) != 0)
			continue;
		cJSON *st = status == 200 ? cJSON_Parse(resp) : NULL;
		free(resp);
		const cJSON *bal = cJSON_GetObjectItemCaseSensitive(st, "balloon");
		if (bal)
			x->mem_kib = num(bal, "guest_mib") * 1024;
		const cJSON *e;
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(st, "nics")) {
			x->nets++;
			x->net_tx += num(e, "tx_bytes");
			x->net_rx += num(e, "rx_bytes");
		}
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(st, "disks")) {
			x->vbds++;
			x->rd += num(e, "reads");
			x->wr += num(e, "writes");
		}
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(st, "vcpus"))
			x->exits += num(e, "exits");
		cJSON_Delete(st);
	}
	cJSON_Delete(doms);
	return n;
}

static const struct sample *find_sample(const struct sample *s, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(s[i].name, name) == 0)
			return &s[i];
	return NULL;
}

static void print_top(const struct sample *now, int n, const struct sample *before, int nb, double secs,
		      double host_kib)
{
	printf("%-20s %5s %9s %6s %9s %6s %9s %5s %4s %9s %9s %4s %8s %8s %9s %s\n", "NAME", "STATE", "CPU(sec)",
	       "CPU(%)", "MEM(k)", "MEM(%)", "MAXMEM(k)", "VCPUS", "NETS", "NETTX(k)", "NETRX(k)", "VBDS", "VBD_RD",
	       "VBD_WR", "EXITS/s", "ANOMALIES");
	for (int i = 0; i < n; i++) {
		const struct sample *x = &now[i], *b = find_sample(before, nb, x->name);
		double cpu_pct = b && secs > 0 ? 100.0 * (x->cpu - b->cpu) / secs : 0;
		double exits = b && secs > 0 ? (x->exits - b->exits) / secs : 0;
		printf("%-20s %5s %9.0f %6.1f %9.0f %6.1f %9.0f %5d %4d %9.0f %9.0f %4d %8.0f %8.0f %9.0f %s\n", x->name,
		       x->state, x->cpu, cpu_pct < 0 ? 0 : cpu_pct, x->mem_kib,
		       host_kib > 0 ? 100.0 * x->mem_kib / host_kib : 0, x->maxmem_kib, x->vcpus, x->nets,
		       x->net_tx / 1024, x->net_rx / 1024, x->vbds, x->rd, x->wr, exits < 0 ? 0 : exits, x->anomalies);
	}
}

static double now_seconds(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* top [-b] [-d SECONDS] [-n ITERATIONS], as xentop: -b prints plain rounds (for scripts),
 * otherwise the screen is redrawn until q or Ctrl-C. */
int cmd_top(int argc, char **argv)
{
	bool batch = !isatty(STDOUT_FILENO);
	double delay = 2;
	long rounds = -1;
	int opt;
	optind = 1;
	while ((opt = getopt(argc, argv, "bd:n:")) != -1) {
		char *end;
		if (opt == 'b') {
			batch = true;
		} else if (opt == 'd' && (delay = strtod(optarg, &end)) >= 0.2 && delay <= 3600 && !*end) {
		} else if (opt == 'n' && (rounds = strtol(optarg, &end, 10)) >= 1 && !*end) {
		} else {
			fprintf(stderr, "paravent: top [-b] [-d SECONDS, 0.2 to 3600] [-n ROUNDS]\n");
			return 2;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "paravent: top [-b] [-d SECONDS] [-n ROUNDS]\n");
		return 2;
	}
	cJSON *host = api_call_json("GET", "/host", NULL, 0, "top");
	if (!host)
		return 1;
	double host_kib = num(host, "memory_mib") * 1024;
	cJSON_Delete(host);

	static struct sample a[TOP_MAX], b[TOP_MAX];
	struct sample *before = a, *now = b;
	int nb = take_samples(before, TOP_MAX), n;
	double t0 = now_seconds();
	if (nb < 0)
		return 1;
	struct termios saved, raw;
	bool tty = !batch && isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &saved) == 0;
	if (tty) {
		raw = saved;
		raw.c_lflag &= (tcflag_t) ~(ICANON | ECHO);
		raw.c_cc[VMIN] = 0;
		raw.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
	}
	int rc = 0;
	for (long r = 0; rounds < 0 || r < rounds; r++) {
		bool quit = false;
		if (tty) {
			struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
			char c;
			if (poll(&p, 1, (int)(delay * 1000)) > 0 && read(STDIN_FILENO, &c, 1) == 1 && (c == 'q' || c == 'Q'))
				quit = true;
		} else {
			usleep((useconds_t)(delay * 1e6));
		}
		if (quit)
			break;
		if ((n = take_samples(now, TOP_MAX)) < 0) {
			rc = 1;
			break;
		}
		double t1 = now_seconds();
		if (!batch)
			printf("\033[H\033[J");
		printf("paravent top: %d domain%s, every %.1f s%s\n", n, n == 1 ? "" : "s", delay, tty ? " (q quits)" : "");
		print_top(now, n, before, nb, t1 - t0, host_kib);
		if (batch)
			printf("\n");
		fflush(stdout);
		struct sample *t = before;
		before = now;
		now = t;
		nb = n;
		t0 = t1;
	}
	if (tty)
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
	return rc;
}
