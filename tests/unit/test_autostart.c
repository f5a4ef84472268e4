/* autostart: which configurations start, in which order, only once per boot, and what is kept
 * for the next boot. Temporary folders stand in for /etc/paravent/auto, STATE and RUN. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "autostart.h"
#include "check.h"

static char started[256];
static int fail_next;

static int fake_create(const char *text, size_t len, char *err, size_t errlen)
{
	const char *n = strstr(text, "name = \"");
	(void)len;
	if (fail_next) {
		fail_next = 0;
		snprintf(err, errlen, "a domain named it exists");
		return -1;
	}
	if (n) {
		n += 8;
		size_t l = strcspn(n, "\"");
		strncat(started, n, l);
		strcat(started, " ");
	}
	return 0;
}

static void put(const char *dir, const char *file, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	FILE *f = fopen(path, "w");
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

int main(void)
{
	char top[] = "/tmp/pv-autostart.XXXXXX", sys[128], state[128], run[128], path[256];
	CHECK(mkdtemp(top) != NULL);
	snprintf(sys, sizeof(sys), "%s/etc-auto", top);
	snprintf(state, sizeof(state), "%s/state", top);
	snprintf(run, sizeof(run), "%s/run", top);
	mkdir(sys, 0755);
	mkdir(state, 0755);
	mkdir(run, 0755);
	const char *k = "kernel = \"/k\"\n";
	char text[256];
	snprintf(text, sizeof(text), "name = \"zeta\"\n%sautostart = 1\n", k);
	put(sys, "zeta.cfg", text);
	snprintf(text, sizeof(text), "name = \"alpha\"\n%sautostart = 1\n", k);
	put(sys, "alpha.cfg", text);
	snprintf(text, sizeof(text), "name = \"manual\"\n%s", k);
	put(sys, "manual.cfg", text); /* no autostart = 1: skipped */
	put(sys, "broken.cfg", "name = \"broken\"\nmemory = 1\n"); /* errors: skipped */
	put(sys, "notes.txt", "not a configuration");
	autostart_init(state, run);
	snprintf(text, sizeof(text), "name = \"web\"\n%sautostart = 1\n", k);
	autostart_remember("web", text, strlen(text));
	snprintf(path, sizeof(path), "%s/auto/web.cfg", state);
	CHECK(access(path, R_OK) == 0);

	/* the system folder first, in name order, then what the API kept */
	CHECK(autostart_run(fake_create, sys) == 3);
	CHECK_STR(started, "alpha zeta web ");
	/* once per boot */
	started[0] = 0;
	CHECK(autostart_run(fake_create, sys) == 0);
	CHECK_STR(started, "");
	/* a new boot (the marker gone); one that fails to start is counted out */
	snprintf(path, sizeof(path), "%s/autostarted", run);
	unlink(path);
	fail_next = 1;
	CHECK(autostart_run(fake_create, sys) == 2);
	CHECK_STR(started, "zeta web ");
	/* destroyed on purpose: not at the next boot */
	autostart_forget("web");
	unlink(path);
	started[0] = 0;
	CHECK(autostart_run(fake_create, sys) == 2);
	CHECK_STR(started, "alpha zeta ");
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	CHECK(system(cmd) == 0);
	return check_summary("autostart");
}
