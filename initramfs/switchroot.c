/* switch_root: the initramfs is a rootfs that cannot be unmounted, so its files are
 * deleted (to give the memory back) and the new root is moved over it. */
#include "switchroot.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

/* Deletes everything under dirfd that lives on device dev, without crossing mounts. */
static void delete_tree(int dirfd, dev_t dev)
{
	DIR *dir = fdopendir(dirfd);
	struct dirent *e;

	if (!dir) {
		close(dirfd);
		return;
	}
	while ((e = readdir(dir)) != NULL) {
		struct stat st;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (fstatat(dirfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || st.st_dev != dev)
			continue;
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			if (sub >= 0)
				delete_tree(sub, dev);
			unlinkat(dirfd, e->d_name, AT_REMOVEDIR);
		} else {
			unlinkat(dirfd, e->d_name, 0);
		}
	}
	closedir(dir);
}

void switch_root(const char *newroot, const char *init, char *why, unsigned long whylen)
{
	struct stat root, nr;
	char initpath[256];

	snprintf(initpath, sizeof(initpath), "%s%s", newroot, init);
	if (access(initpath, X_OK) != 0) {
		snprintf(why, whylen, "the new root has no executable %s: %s", init, strerror(errno));
		return;
	}
	if (stat("/", &root) != 0 || stat(newroot, &nr) != 0 || root.st_dev == nr.st_dev) {
		snprintf(why, whylen, "%s is not a separate mount", newroot);
		return;
	}
	if (chdir(newroot) != 0) {
		snprintf(why, whylen, "chdir %s: %s", newroot, strerror(errno));
		return;
	}
	int rootfd = open("/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd >= 0)
		delete_tree(rootfd, root.st_dev);
	if (mount(".", "/", NULL, MS_MOVE, NULL) != 0) {
		snprintf(why, whylen, "moving %s to /: %s", newroot, strerror(errno));
		return;
	}
	if (chroot(".") != 0 || chdir("/") != 0) {
		snprintf(why, whylen, "chroot: %s", strerror(errno));
		return;
	}
	execl(init, init, (char *)NULL);
	snprintf(why, whylen, "exec %s: %s", init, strerror(errno));
}
