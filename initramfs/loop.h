#ifndef PARAVENT_INITRAMFS_LOOP_H
#define PARAVENT_INITRAMFS_LOOP_H
#include <stddef.h>
/* Attaches FILE read-only to a free loop device; writes its path into dev.
 * Returns an open descriptor of the loop device, or -errno with a reason in why.
 * The device detaches itself on its last close (autoclear), so the caller keeps the
 * descriptor until the filesystem on it is mounted. */
int loop_attach_ro(const char *file, char *dev, size_t devlen, char *why, size_t whylen);
#endif
