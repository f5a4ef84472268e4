/* Finding the boot medium: the block device that carries this build's marker file. */
#ifndef PARAVENT_INITRAMFS_MEDIUM_H
#define PARAVENT_INITRAMFS_MEDIUM_H

#include <stdbool.h>
#include <stddef.h>

#define MEDIUM_MAX_DEVICES 64

struct medium_device {
	char name[32];     /* sr0, sda, sda1, nvme0n1p1, vda ... */
	char outcome[96];  /* what happened the last time it was tried */
	bool settled;      /* mounted and inspected: no need to try again */
};

struct medium_search {
	const char *marker;   /* path of the marker file on the medium, e.g. /.paravent/ID */
	const char *mountpoint;
	struct medium_device dev[MEDIUM_MAX_DEVICES];
	int ndev;
	char found[32];       /* the device name once found */
	char fstype[16];
};

/* Whether a block device name is worth trying (not a RAM disk, loop device or zram). */
bool medium_candidate_name(const char *name);

/* One pass over /sys/class/block: tries each candidate not settled yet. Returns true with
 * the medium mounted read-only at s->mountpoint when the marker is found. */
bool medium_scan_once(struct medium_search *s);

/* Writes a one-line summary of every device tried and its outcome into buf. */
void medium_report(const struct medium_search *s, char *buf, size_t len);

#endif
