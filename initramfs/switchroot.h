#ifndef PARAVENT_INITRAMFS_SWITCHROOT_H
#define PARAVENT_INITRAMFS_SWITCHROOT_H
/* Frees the initramfs, makes newroot the root and executes init there.
 * Returns only on failure, with a reason in why. */
void switch_root(const char *newroot, const char *init, char *why, unsigned long whylen);
#endif
