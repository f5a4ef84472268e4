/* The image directories: what an API client may hand a guest, with symlinks, "..", look-alike
 * prefixes and missing files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "image_paths.h"

int main(void)
{
	char top[] = "/tmp/pv-images.XXXXXX", images[128], other[128], look[128], p[256], q[256], err[512];
	CHECK(mkdtemp(top) != NULL);
	snprintf(images, sizeof(images), "%s/images", top);
	snprintf(other, sizeof(other), "%s/secret", top);
	snprintf(look, sizeof(look), "%s/imagesX", top); /* shares the prefix */
	mkdir(images, 0755);
	mkdir(other, 0755);
	mkdir(look, 0755);
	const char *files[] = { "images/disk.img", "secret/shadow", "imagesX/disk.img" };
	for (int i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/%s", top, files[i]);
		FILE *f = fopen(p, "w");
		if (f)
			fclose(f);
	}
	CHECK(image_dirs_add(images) == 0);
	CHECK(image_dirs_add("/nonexistent-dir") == -1);

	snprintf(p, sizeof(p), "%s/disk.img", images);
	CHECK(image_path_allowed("disk 0", p, err, sizeof(err)) == 0);
	snprintf(p, sizeof(p), "%s/shadow", other);
	CHECK(image_path_allowed("ramdisk", p, err, sizeof(err)) == -1);
	CHECK(strstr(err, "ramdisk") && strstr(err, "is outside the image directories") && strstr(err, images));
	snprintf(p, sizeof(p), "%s/disk.img", look);
	CHECK(image_path_allowed("disk 0", p, err, sizeof(err)) == -1);
	/* ".." out of it */
	snprintf(p, sizeof(p), "%s/../secret/shadow", images);
	CHECK(image_path_allowed("kernel", p, err, sizeof(err)) == -1);
	/* a symlink inside that points outside */
	snprintf(p, sizeof(p), "%s/link.img", images);
	snprintf(q, sizeof(q), "%s/shadow", other);
	CHECK(symlink(q, p) == 0);
	CHECK(image_path_allowed("disk 1", p, err, sizeof(err)) == -1);
	/* a symlink outside that points inside is fine: it is the file that counts */
	snprintf(p, sizeof(p), "%s/in.img", other);
	snprintf(q, sizeof(q), "%s/disk.img", images);
	CHECK(symlink(q, p) == 0);
	CHECK(image_path_allowed("disk 1", p, err, sizeof(err)) == 0);
	/* a file that does not exist: said so */
	snprintf(p, sizeof(p), "%s/none.img", images);
	CHECK(image_path_allowed("disk 2", p, err, sizeof(err)) == -1 && strstr(err, "No such file"));
	/* nor of one outside them: whether it exists is not for the client to learn */
	snprintf(p, sizeof(p), "%s/none", other);
	CHECK(image_path_allowed("disk 2", p, err, sizeof(err)) == -1 && strstr(err, "is outside the image directories"));
	snprintf(p, sizeof(p), "%s/../secret/none", images);
	CHECK(image_path_allowed("disk 2", p, err, sizeof(err)) == -1 && strstr(err, "is outside the image directories"));
	/* the directory itself is not a file inside it */
	CHECK(image_path_allowed("disk 3", images, err, sizeof(err)) == -1);

	/* a new file (a save): its directory must be one, resolved; what is there must be a file */
	char out[512];
	snprintf(p, sizeof(p), "%s/new.sav", images);
	CHECK(image_path_writable("save file", p, out, sizeof(out), err, sizeof(err)) == 0 && strcmp(out, p) == 0);
	snprintf(p, sizeof(p), "%s/disk.img", images); /* an existing file is replaced */
	CHECK(image_path_writable("save file", p, out, sizeof(out), err, sizeof(err)) == 0);
	snprintf(p, sizeof(p), "%s/../secret/new.sav", images);
	CHECK(image_path_writable("save file", p, out, sizeof(out), err, sizeof(err)) == -1 &&
	      strstr(err, "is outside the image directories"));
	snprintf(p, sizeof(p), "%s/new.sav", look);
	CHECK(image_path_writable("save file", p, out, sizeof(out), err, sizeof(err)) == -1);
	snprintf(p, sizeof(p), "%s/link.img", images); /* a symlink: not written through */
	CHECK(image_path_writable("save file", p, out, sizeof(out), err, sizeof(err)) == -1 &&
	      strstr(err, "not a regular file"));
	snprintf(p, sizeof(p), "%s/..", images);
	CHECK(image_path_writable("save file", p, out, sizeof(out), err, sizeof(err)) == -1);
	CHECK(image_path_writable("save file", "relative.sav", out, sizeof(out), err, sizeof(err)) == -1 &&
	      strstr(err, "absolute"));
	snprintf(p, sizeof(p), "%s/", images);
	CHECK(image_path_writable("save file", p, out, sizeof(out), err, sizeof(err)) == -1);
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", top);
	CHECK(system(cmd) == 0);
	return check_summary("image_paths");
}
