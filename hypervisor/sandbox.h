/* The VMM's confinement. Once the machine is built (memory mapped, devices open, the guest
 * loaded or restored), the VMM needs only a small, fixed set of system calls on descriptors it
 * already holds. sandbox_enter then:
 *  - sets RLIMIT_CORE to 0 (a core file would hold the guest's memory);
 *  - when confined (paraventd always asks it: --confine UID:GID), moves into a private mount
 *    namespace whose root is an empty read-only tmpfs, and becomes the domain's own user and
 *    group with no capabilities, the bounding set emptied, and a thread limit (RLIMIT_NPROC)
 *    for that user;
 *  - sets no_new_privs and loads a seccomp filter, built with libseccomp, that kills the whole
 *    VMM on any call outside the allowlist (SIGSYS; paraventd reports it as "a forbidden
 *    system call"). clone must make a thread, tgkill must target the VMM itself, prctl may
 *    only name a thread; a confined VMM may not open, rename or unlink any file nor make or
 *    connect a socket (its save files and migration streams come as descriptors over the
 *    control socket).
 * A guest that takes over the VMM through a device model bug thus still cannot exec, fork,
 * ptrace, mount, load modules, open files or network connections, signal other processes or
 * change credentials, and sees no file of dom0's. */
#ifndef PARAVENT_VMM_SANDBOX_H
#define PARAVENT_VMM_SANDBOX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct sandbox_config {
	bool seccomp;         /* load the allowlist (off: --no-seccomp, for debugging) */
	bool confine;         /* empty root, own user, no capabilities */
	uid_t uid;
	gid_t gid;
	unsigned max_threads; /* RLIMIT_NPROC for the user when confined; 0: unlimited */
};

/* Before sandbox_enter; without a call: seccomp on, not confined. */
void sandbox_configure(const struct sandbox_config *c);

/* Compiles the filters (the process's and each thread kind's) without loading them, so that
 * sandbox_enter is quick; after sandbox_configure. sandbox_enter calls it if nobody did. 0, or
 * -1 with err. */
int sandbox_prepare(char *err, size_t errlen);
/* For every thread of the process, now and later; once (a second call does nothing). 0, or
 * -1 with err. */
int sandbox_enter(char *err, size_t errlen);
/* Each thread kind's own, narrower filter on top (after sandbox_enter; 0, or -1 with errno),
 * loaded by the thread itself once the machine runs. None of them may write the machine's
 * state (registers, MSRs, LAPIC, irqchip, PIT, clock: a restore's work, done before). Besides:
 *  - a vCPU thread, at its start: no accepting connections, reading sockets or starting threads;
 *  - the event loop (the main thread, once the vCPU threads run): no KVM_RUN;
 *  - a migration's thread, at its start (it inherits the event loop's): no accepting
 *    connections or starting threads. */
int sandbox_enter_vcpu_thread(void);
int sandbox_enter_event_loop(void);
int sandbox_enter_migration_thread(void);
/* Whether sandbox_enter has confined the VMM: it may no longer open, rename or unlink files. */
bool sandbox_confined(void);

#endif
