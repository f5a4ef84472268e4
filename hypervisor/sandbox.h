/* The VMM's system call allowlist. Once the machine is built (memory mapped, devices open,
 * the guest loaded or restored), the VMM needs only a small, fixed set of system calls to run
 * it: KVM's ioctls, reads and writes on descriptors it holds, its threads' housekeeping, and
 * the few a save or a migration adds (a file, a unix socket). sandbox_enter sets
 * no_new_privs and loads a seccomp filter, built with libseccomp, that kills the whole VMM on
 * any other call (SIGSYS; paraventd reports it as a crash, "a forbidden system call"). A guest
 * that takes over the VMM through a device model bug thus still cannot exec, ptrace, mount,
 * load modules, open network connections or change credentials. */
#ifndef PARAVENT_VMM_SANDBOX_H
#define PARAVENT_VMM_SANDBOX_H

#include <stddef.h>

/* For every thread of the process, now and later; once (a second call does nothing). 0, or
 * -1 with err. */
int sandbox_enter(char *err, size_t errlen);

#endif
