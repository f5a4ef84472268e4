/* Guest names on pvbr0 (see guest_names.h). */
#include "guest_names.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BASE_CONF "/etc/udhcpd.pvbr0.conf"

int guest_names_assign(struct guest_names *t, const char *name, const uint8_t mac[6])
{
	for (int i = 0; i < t->n; i++) {
		if (strcmp(t->e[i].name, name) == 0) {
			memcpy(t->e[i].mac, mac, 6); /* same name, same address, whatever its MAC now */
			return t->e[i].host;
		}
	}
	if (t->n == GUEST_NAMES_MAX)
		return -1;
	int host = GUEST_NAMES_FIRST_HOST;
	for (bool taken = true; taken; ) {
		taken = false;
		for (int i = 0; i < t->n; i++)
			if (t->e[i].host == host) {
				taken = true;
				host++;
			}
	}
	if (host >= GUEST_NAMES_FIRST_HOST + GUEST_NAMES_MAX)
		return -1;
	struct guest_name *e = &t->e[t->n++];
	snprintf(e->name, sizeof(e->name), "%s", name);
	memcpy(e->mac, mac, 6);
	e->host = host;
	return host;
}

int guest_names_drop(struct guest_names *t, const char *name)
{
	for (int i = 0; i < t->n; i++) {
		if (strcmp(t->e[i].name, name) == 0) {
			t->e[i] = t->e[--t->n];
			return 1;
		}
	}
	return 0;
}

char *guest_names_hosts_text(const struct guest_names *t, const char *old)
{
	size_t cap = strlen(old) + (size_t)t->n * 128 + 2, len = 0;
	char *out = malloc(cap);

	if (!out)
		return NULL;
	for (const char *line = old; *line; ) {
		const char *nl = strchr(line, '\n');
		size_t n = nl ? (size_t)(nl - line) : strlen(line);
		if (!(n >= strlen(GUEST_NAMES_TAG) && memcmp(line + n - strlen(GUEST_NAMES_TAG), GUEST_NAMES_TAG,
							 strlen(GUEST_NAMES_TAG)) == 0)) {
			memcpy(out + len, line, n);
			len += n;
			out[len++] = '\n';
		}
		line += n + (nl ? 1 : 0);
	}
	for (int i = 0; i < t->n; i++)
		len += (size_t)snprintf(out + len, cap - len, "%s%d\t%s\t%s\n", GUEST_NAMES_SUBNET, t->e[i].host,
					t->e[i].name, GUEST_NAMES_TAG);
	out[len] = 0;
	return out;
}

static bool ends_with(const char *s, size_t n, const char *suffix)
{
	size_t k = strlen(suffix);
	return n >= k && memcmp(s + n - k, suffix, k) == 0;
}

bool guest_names_is_pvbr0_udhcpd(const char *cmdline, size_t len)
{
	const char *arg = cmdline, *end = cmdline + len;
	size_t n = strnlen(arg, len);

	/* argv[0]: udhcpd by any path, or busybox followed by the applet's name */
	bool busybox = ends_with(arg, n, "/busybox") || (n == 7 && memcmp(arg, "busybox", 7) == 0);
	if (!busybox && !ends_with(arg, n, "/udhcpd") && !(n == 6 && memcmp(arg, "udhcpd", 6) == 0))
		return false;
	for (int i = 1; (arg += n + 1) < end; i++) {
		n = strnlen(arg, (size_t)(end - arg));
		if (busybox && i == 1 && !(n == 6 && memcmp(arg, "udhcpd", 6) == 0))
			return false;
		if (ends_with(arg, n, "udhcpd.pvbr0.conf"))
			return true;
	}
	return false;
}

/* --- the daemon side ------------------------------------------------------------------------ */

static struct guest_names table;
static char state_path[512], conf_path[512];

static int write_atomically(const char *path, const char *text, mode_t mode)
{
	char tmp[600];
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	if (fd < 0)
		return -1;
	size_t len = strlen(text);
	bool ok = write(fd, text, len) == (ssize_t)len;
	close(fd);
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		return -1;
	}
	return 0;
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return strdup("");
	char *buf = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&buf, &len);
	char chunk[4096];
	size_t n;
	while (m && (n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, m);
	if (m)
		fclose(m);
	fclose(f);
	return buf ? buf : strdup("");
}

/* The pids of every udhcpd serving pvbr0, found by their command lines: the pid file alone
 * is not enough, since a server just started writes it only after it has put itself in the
 * background and read its configuration, and a restart in that window would leave two
 * servers answering on pvbr0, the older one without the newest fixed addresses. */
static int pvbr0_udhcpd_pids(pid_t *pids, int max)
{
	DIR *dir = opendir("/proc");
	struct dirent *de;
	int n = 0;

	while (dir && n < max && (de = readdir(dir))) {
		char path[300], cmdline[1024];
		char *e;
		long pid = strtol(de->d_name, &e, 10);
		if (*e || pid <= 1 || pid == getpid())
			continue;
		snprintf(path, sizeof(path), "/proc/%ld/cmdline", pid);
		int fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		ssize_t len = read(fd, cmdline, sizeof(cmdline));
		close(fd);
		if (len > 0 && guest_names_is_pvbr0_udhcpd(cmdline, (size_t)len))
			pids[n++] = (pid_t)pid;
	}
	if (dir)
		closedir(dir);
	return n;
}

static bool any_alive(const pid_t *pids, int n)
{
	for (int i = 0; i < n; i++)
		if (kill(pids[i], 0) == 0)
			return true;
	return false;
}

static void restart_udhcpd(void)
{
	pid_t pids[16];
	int n = pvbr0_udhcpd_pids(pids, 16);

	for (int i = 0; i < n; i++)
		kill(pids[i], SIGTERM);
	/* each writes its leases as it exits: wait for that (3 s at most, dom0 may be busy); one
	 * still there then is killed, since two servers on pvbr0 would both answer a guest */
	for (int i = 0; i < 300 && any_alive(pids, n); i++)
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	for (int i = 0; i < n; i++)
		if (kill(pids[i], 0) == 0) /* still there: not a pid that ended and went to another */
			kill(pids[i], SIGKILL);
	for (int i = 0; i < 100 && any_alive(pids, n); i++)
		nanosleep(&(struct timespec){ .tv_nsec = 10000000 }, NULL);
	pid_t child = fork();
	if (child == 0) {
		/* paraventd blocks SIGTERM for its sigwait; a mask survives exec, and a udhcpd that
		 * cannot be stopped would keep serving its old leases after the next change */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		execlp("udhcpd", "udhcpd", "-S", conf_path, (char *)NULL);
		_exit(127);
	}
	/* udhcpd puts itself in the background: its first process ends at once (main's SIGCHLD
	 * loop may reap it first, then this returns at once: the scan above covers both) */
	if (child > 0)
		waitpid(child, NULL, 0);
}

static void publish(void)
{
	char line[160];
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	if (!m)
		return;
	/* the state file: NAME MAC HOST per line */
	for (int i = 0; i < table.n; i++) {
		const uint8_t *a = table.e[i].mac;
		fprintf(m, "%s %02x:%02x:%02x:%02x:%02x:%02x %d\n", table.e[i].name, a[0], a[1], a[2], a[3], a[4],
			a[5], table.e[i].host);
	}
	fclose(m);
	if (write_atomically(state_path, text, 0600) != 0)
		fprintf(stderr, "paraventd: cannot write %s: %s\n", state_path, strerror(errno));
	free(text);

	char *hosts_old = read_file("/etc/hosts");
	char *hosts = guest_names_hosts_text(&table, hosts_old);
	if (!hosts || write_atomically("/etc/hosts", hosts, 0644) != 0)
		fprintf(stderr, "paraventd: cannot update /etc/hosts\n");
	free(hosts);
	free(hosts_old);

	/* udhcpd: its base configuration plus a static lease per guest */
	char *conf = read_file(BASE_CONF);
	text = NULL;
	m = open_memstream(&text, &len);
	if (!m) {
		free(conf);
		return;
	}
	fputs(conf, m);
	fputs("\n# paraventd: one fixed address per domain (guest_names.c)\n", m);
	for (int i = 0; i < table.n; i++) {
		const uint8_t *a = table.e[i].mac;
		snprintf(line, sizeof(line), "static_lease %02x:%02x:%02x:%02x:%02x:%02x %s%d\n", a[0], a[1], a[2], a[3],
			 a[4], a[5], GUEST_NAMES_SUBNET, table.e[i].host);
		fputs(line, m);
	}
	fclose(m);
	free(conf);
	if (write_atomically(conf_path, text, 0644) == 0)
		restart_udhcpd();
	free(text);
}

void guest_names_init(const char *run_dir)
{
	char line[256];

	snprintf(state_path, sizeof(state_path), "%s/pvbr0-hosts", run_dir);
	snprintf(conf_path, sizeof(conf_path), "%s/udhcpd.pvbr0.conf", run_dir);
	FILE *f = fopen(state_path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		char name[65];
		unsigned a[6];
		int host;
		if (sscanf(line, "%64s %x:%x:%x:%x:%x:%x %d", name, &a[0], &a[1], &a[2], &a[3], &a[4], &a[5], &host) != 8 ||
		    host < GUEST_NAMES_FIRST_HOST || host >= GUEST_NAMES_FIRST_HOST + GUEST_NAMES_MAX ||
		    table.n == GUEST_NAMES_MAX)
			continue;
		struct guest_name *e = &table.e[table.n++];
		snprintf(e->name, sizeof(e->name), "%s", name);
		for (int i = 0; i < 6; i++)
			e->mac[i] = (uint8_t)a[i];
		e->host = host;
	}
	if (f)
		fclose(f);
}

void guest_names_add(const char *name, const uint8_t mac[6])
{
	struct guest_name before[1];
	int had = -1;
	for (int i = 0; i < table.n; i++)
		if (strcmp(table.e[i].name, name) == 0) {
			had = i;
			before[0] = table.e[i];
		}
	if (guest_names_assign(&table, name, mac) < 0) {
		fprintf(stderr, "paraventd: %s: no address left on pvbr0 for a fixed name\n", name);
		return;
	}
	if (had >= 0 && memcmp(before[0].mac, mac, 6) == 0)
		return; /* nothing changed */
	publish();
}

void guest_names_remove(const char *name)
{
	if (guest_names_drop(&table, name))
		publish();
}

int guest_names_host_of(const char *name)
{
	for (int i = 0; i < table.n; i++)
		if (strcmp(table.e[i].name, name) == 0)
			return table.e[i].host;
	return -1;
}
