/* Which files an API client may give a domain: its kernel, ramdisk and disks must be, once
 * symlinks and ".." are resolved, inside one of the image directories. Without this, anyone
 * with the API token could boot dom0's /etc/shadow as a guest's ramdisk, or attach dom0's own
 * disk to a guest and write it. Defaults: /usr/share/paravent (the demos), and
 * /var/lib/paravent/images, /mnt and /media for the user's own; paraventd --image-dir DIR
 * adds one. */
#ifndef PARAVENTD_IMAGE_PATHS_H
#define PARAVENTD_IMAGE_PATHS_H

#include <stddef.h>

#define IMAGE_DIRS_MAX 16

/* Adds an allowed directory (resolved now; it must exist). 0, or -1 with errno. */
int image_dirs_add(const char *dir);

/* The default directories, those that exist. */
void image_dirs_defaults(void);

/* Whether path may be used; -1 with the reason (naming the allowed directories) in err. */
int image_path_allowed(const char *what, const char *path, char *err, size_t errlen);

/* Whether a new file may be written at path (a save file): its directory, resolved, must be
 * in the image directories, and an existing file there must be a regular file. The resolved
 * path goes to out. 0, or -1 with the reason in err. */
int image_path_writable(const char *what, const char *path, char *out, size_t outlen, char *err, size_t errlen);

#endif
