/* See autostart.h. */
#include "autostart.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "domain_config.h"

static char state_auto[300], marker[300];

void autostart_init(const char *state_dir, const char *run_dir)
{
	snprintf(state_auto, sizeof(state_auto), "%s/auto", state_dir);
	snprintf(marker, sizeof(marker), "%s/autostarted", run_dir);
}

static char *read_small(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return NULL;
	char *buf = malloc(DOMCFG_MAX_FILE + 2);
	*len = buf ? fread(buf, 1, DOMCFG_MAX_FILE + 1, f) : 0;
	fclose(f);
	if (buf)
		buf[*len] = 0;
	return buf;
}

static int names_sorted(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The domains of one folder, in name order (a predictable start order). */
static int run_dir_of(const char *dir, autostart_create_fn create)
{
	DIR *d = opendir(dir);
	if (!d)
		return 0;
	char *names[256];
	int n = 0, started = 0;
	struct dirent *e;
	while (n < 256 && (e = readdir(d))) {
		size_t l = strlen(e->d_name);
		if (e->d_name[0] != '.' && l > 4 && strcmp(e->d_name + l - 4, ".cfg") == 0)
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	qsort(names, (size_t)n, sizeof(names[0]), names_sorted);
	for (int i = 0; i < n; i++) {
		char path[600], err[4096];
		size_t len;
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		char *text = names[i] ? read_small(path, &len) : NULL;
		struct domain_config cfg;
		if (!text) {
			fprintf(stderr, "paraventd: autostart: cannot read %s\n", path);
		} else if (domcfg_parse(path, text, len, &cfg, err, sizeof(err)) != 0) {
			fprintf(stderr, "paraventd: autostart: %s has errors, not started:\n%s", path, err);
		} else {
			int wanted = cfg.autostart;
			domcfg_free(&cfg);
			if (!wanted)
				fprintf(stderr, "paraventd: autostart: %s does not say autostart = 1, skipped\n", path);
			else if (create(text, len, err, sizeof(err)) != 0)
				fprintf(stderr, "paraventd: autostart: %s: %s\n", path, err);
			else {
				fprintf(stderr, "paraventd: autostart: started %s\n", path);
				started++;
			}
		}
		free(text);
		free(names[i]);
	}
	return started;
}

int autostart_run(autostart_create_fn create, const char *system_dir)
{
	int fd = open(marker, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0)
		return 0; /* done already this boot (or /run is not writable: then never twice) */
	close(fd);
	return run_dir_of(system_dir, create) + run_dir_of(state_auto, create);
}

void autostart_remember(const char *name, const char *text, size_t len)
{
	char path[600], tmp[620];
	mkdir(state_auto, 0700);
	snprintf(path, sizeof(path), "%s/%s.cfg", state_auto, name);
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	FILE *f = fopen(tmp, "w");
	if (!f)
		return;
	int ok = fwrite(text, 1, len, f) == len;
	ok &= fflush(f) == 0 && fsync(fileno(f)) == 0;
	ok &= fclose(f) == 0;
	if (!ok || rename(tmp, path) != 0) {
		unlink(tmp);
		fprintf(stderr, "paraventd: cannot keep %s for autostart: %s\n", path, strerror(errno));
	}
}

void autostart_forget(const char *name)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/%s.cfg", state_auto, name);
	unlink(path);
}
