/* Finds the boot medium by the marker file unique to this build, never by a volume label:
 * a label is shared by every copy of every build and is lost when a stick is rewritten.
 * CDs report "no medium" until spun up and USB disks appear late, so a device whose
 * mount failed is tried again on the next pass; one that mounted but lacks the marker is
 * settled. Only iso9660 and vfat are tried, read-only: mounting a journalled filesystem
 * even read-only may replay its journal, and the user's disks are not ours to touch. */
#include "medium.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const fstypes[] = { "iso9660", "vfat" };

bool medium_candidate_name(const char *name)
{
	static const char *const skip[] = { "ram", "loop", "zram", "dm-", "md", "nbd" };

	if (name[0] == '.' || name[0] == '\0')
		return false;
	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++) {
		if (strncmp(name, skip[i], strlen(skip[i])) == 0)
			return false;
	}
	return true;
}

static struct medium_device *device_slot(struct medium_search *s, const char *name)
{
	for (int i = 0; i < s->ndev; i++) {
		if (strcmp(s->dev[i].name, name) == 0)
			return &s->dev[i];
	}
	size_t len = strlen(name);
	if (s->ndev == MEDIUM_MAX_DEVICES || len >= sizeof(s->dev[0].name))
		return NULL;
	struct medium_device *d = &s->dev[s->ndev++];
	memcpy(d->name, name, len + 1);
	snprintf(d->outcome, sizeof(d->outcome), "not tried");
	return d;
}

/* Tries to mount one device and look for the marker. */
static bool try_device(struct medium_search *s, struct medium_device *d)
{
	char dev[64], marker[512];
	int err = 0;

	snprintf(dev, sizeof(dev), "/dev/%s", d->name);
	for (size_t i = 0; i < sizeof(fstypes) / sizeof(fstypes[0]); i++) {
		if (mount(dev, s->mountpoint, fstypes[i], MS_RDONLY | MS_NOSUID | MS_NODEV, NULL) != 0) {
			if (errno != EINVAL || err == 0)
				err = errno;
			continue;
		}
		snprintf(marker, sizeof(marker), "%s%s", s->mountpoint, s->marker);
		if (access(marker, F_OK) == 0) {
			snprintf(s->found, sizeof(s->found), "%s", d->name);
			snprintf(s->fstype, sizeof(s->fstype), "%s", fstypes[i]);
			snprintf(d->outcome, sizeof(d->outcome), "%s, marker found", fstypes[i]);
			return true;
		}
		umount(s->mountpoint);
		snprintf(d->outcome, sizeof(d->outcome), "%s, no marker (another medium)", fstypes[i]);
		d->settled = true;
		return false;
	}
	switch (err) {
	case ENOMEDIUM:
		snprintf(d->outcome, sizeof(d->outcome), "no medium inserted");
		break;
	case EINVAL:
		snprintf(d->outcome, sizeof(d->outcome), "neither iso9660 nor vfat");
		break;
	default:
		snprintf(d->outcome, sizeof(d->outcome), "cannot mount: %s", strerror(err));
	}
	return false;
}

bool medium_scan_once(struct medium_search *s)
{
	DIR *dir = opendir("/sys/class/block");
	struct dirent *e;
	bool found = false;

	if (!dir)
		return false;
	while (!found && (e = readdir(dir)) != NULL) {
		if (!medium_candidate_name(e->d_name))
			continue;
		struct medium_device *d = device_slot(s, e->d_name);
		if (!d || d->settled)
			continue;
		found = try_device(s, d);
	}
	closedir(dir);
	return found;
}

void medium_report(const struct medium_search *s, char *buf, size_t len)
{
	size_t used = 0;

	buf[0] = '\0';
	if (s->ndev == 0) {
		snprintf(buf, len, "no block devices appeared at all");
		return;
	}
	for (int i = 0; i < s->ndev && used < len; i++) {
		int n = snprintf(buf + used, len - used, "%s%s (%s)", i ? "; " : "",
				 s->dev[i].name, s->dev[i].outcome);
		if (n < 0)
			break;
		used += (size_t)n;
	}
}
