/* Kernel command line parsing for the initramfs init (pure functions, unit-tested). */
#ifndef PARAVENT_INITRAMFS_CMDLINE_H
#define PARAVENT_INITRAMFS_CMDLINE_H

#include <stdbool.h>
#include <stddef.h>

/* Copies the value of KEY=VALUE (the last occurrence, as the kernel does) into out.
 * Returns false when KEY is absent or has no '=' or the value does not fit. */
bool cmdline_get(const char *cmdline, const char *key, char *out, size_t outlen);

/* True when KEY appears as a bare word or as KEY=y/yes/1. */
bool cmdline_flag(const char *cmdline, const char *key);

/* Parses a non-negative decimal number of at most max; returns def on absence or junk. */
unsigned cmdline_uint(const char *cmdline, const char *key, unsigned def, unsigned max);

#endif
