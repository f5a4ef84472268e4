/* See image_paths.h. */
#include "image_paths.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static char *dirs[IMAGE_DIRS_MAX];
static int ndirs;

int image_dirs_add(const char *dir)
{
	char *real = realpath(dir, NULL);
	if (!real)
		return -1;
	if (ndirs == IMAGE_DIRS_MAX) {
		free(real);
		errno = ENOSPC;
		return -1;
	}
	dirs[ndirs++] = real;
	return 0;
}

void image_dirs_defaults(void)
{
	static const char *const defaults[] = { "/usr/share/paravent", "/var/lib/paravent/images", "/mnt", "/media" };
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		image_dirs_add(defaults[i]); /* one that does not exist simply allows nothing */
}

static void list_dirs(char *out, size_t len)
{
	size_t n = 0;
	out[0] = 0;
	for (int i = 0; i < ndirs && n < len; i++)
		n += (size_t)snprintf(out + n, len - n, "%s%s", i ? ", " : "", dirs[i]);
}

static int inside(const char *path)
{
	for (int i = 0; i < ndirs; i++) {
		size_t l = strlen(dirs[i]);
		/* the directory followed by '/', so that /mntx is not inside /mnt */
		if (strncmp(path, dirs[i], l) == 0 && (path[l] == '/' || (l == 1 && dirs[i][0] == '/')))
			return 1;
	}
	return 0;
}

int image_path_writable(const char *what, const char *path, char *out, size_t outlen, char *err, size_t errlen)
{
	char dir[PATH_MAX], real[PATH_MAX], allowed[512];
	const char *slash = strrchr(path, '/');
	const char *base = slash ? slash + 1 : path;
	struct stat st;

	if (path[0] != '/' || !base[0] || strcmp(base, ".") == 0 || strcmp(base, "..") == 0 ||
	    (size_t)(slash - path) >= sizeof(dir)) {
		snprintf(err, errlen, "%s %.200s: want an absolute file name", what, path);
		return -1;
	}
	memcpy(dir, path, (size_t)(slash - path));
	dir[slash - path] = 0;
	/* the file will be real/base: inside when real is an image directory or inside one */
	size_t rl = realpath(dir[0] ? dir : "/", real) ? strlen(real) : 0;
	if (rl && rl + 2 < sizeof(real)) {
		real[rl] = '/';
		real[rl + 1] = 0;
	}
	bool in = rl && inside(real);
	if (rl)
		real[rl] = 0;
	if (!in ||
	    strlen(real) + 1 + strlen(base) >= sizeof(real)) {
		list_dirs(allowed, sizeof(allowed));
		snprintf(err, errlen, "%s %.200s is outside the image directories (%s; paraventd --image-dir adds one)",
			 what, path, ndirs ? allowed : "none");
		return -1;
	}
	snprintf(out, outlen, "%s/%s", real, base);
	if (lstat(out, &st) == 0 && !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s %.200s exists and is not a regular file", what, path);
		return -1;
	}
	return 0;
}

int image_path_allowed(const char *what, const char *path, char *err, size_t errlen)
{
	char real[PATH_MAX], allowed[512];
	int resolved = realpath(path, real) != NULL, why = errno;
	if (resolved && inside(real))
		return 0;
	if (!resolved && inside(path) && !strstr(path, "/..")) {
		/* only said of paths in the directories: no probing of dom0's other files */
		snprintf(err, errlen, "%s %.200s: %s", what, path, strerror(why));
		return -1;
	}
	list_dirs(allowed, sizeof(allowed));
	snprintf(err, errlen, "%s %.200s is outside the image directories (%s; paraventd --image-dir adds one)", what,
		 path, ndirs ? allowed : "none");
	return -1;
}
