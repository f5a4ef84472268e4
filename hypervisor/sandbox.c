/* See sandbox.h. The list is what the running VMM was seen to call (strace over boot, disk,
 * network, vsock, balloon, CPU hotplug, rate limits, console, save, restore and migration,
 * with musl's own use of the kernel underneath), not what might be handy. */
#include "sandbox.h"

#include <errno.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>

static const int allowed[] = {
	/* guest and devices */
	SCMP_SYS(ioctl), /* KVM, vhost, tap, the terminal */
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(preadv), SCMP_SYS(pwritev),
	SCMP_SYS(fdatasync), SCMP_SYS(fsync), SCMP_SYS(fallocate), SCMP_SYS(lseek),
	SCMP_SYS(getrandom), /* virtio-rng */
	SCMP_SYS(madvise), /* the balloon gives pages back */
	/* the event loop and its timers */
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl), SCMP_SYS(poll), SCMP_SYS(ppoll),
	SCMP_SYS(timerfd_settime), SCMP_SYS(timerfd_gettime), SCMP_SYS(clock_gettime), SCMP_SYS(clock_nanosleep),
	SCMP_SYS(nanosleep), SCMP_SYS(eventfd2), SCMP_SYS(timerfd_create), /* MSI-X vectors, queues, rate limits set later */
	/* threads (a save or a migration starts one), locks, signals that kick vCPUs */
	SCMP_SYS(futex), SCMP_SYS(clone), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mprotect),
	SCMP_SYS(brk), SCMP_SYS(mremap), SCMP_SYS(set_tid_address), SCMP_SYS(exit), SCMP_SYS(exit_group),
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigtimedwait),
	SCMP_SYS(tkill), SCMP_SYS(tgkill), SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(sched_yield),
	SCMP_SYS(restart_syscall), SCMP_SYS(membarrier),
	SCMP_SYS(prctl), /* a new thread names itself (PR_SET_NAME) */
	/* files: a save file (written beside, synced, renamed), /proc for a thread's name and the
	 * VMM's own memory figures, the log */
	SCMP_SYS(openat), SCMP_SYS(open), SCMP_SYS(close), SCMP_SYS(fstat), SCMP_SYS(stat), SCMP_SYS(newfstatat),
	SCMP_SYS(statx), SCMP_SYS(fcntl), SCMP_SYS(rename), SCMP_SYS(renameat), SCMP_SYS(unlink),
	SCMP_SYS(unlinkat), SCMP_SYS(ftruncate), SCMP_SYS(dup), SCMP_SYS(dup2), SCMP_SYS(dup3),
	/* the control socket, a migration's unix socket, the RARP announce */
	SCMP_SYS(accept4), SCMP_SYS(accept), SCMP_SYS(recvfrom), SCMP_SYS(sendto), SCMP_SYS(recvmsg),
	SCMP_SYS(sendmsg), SCMP_SYS(connect), SCMP_SYS(shutdown), SCMP_SYS(getsockopt), SCMP_SYS(setsockopt),
	/* socket(2): below, unix sockets only */
};

static bool entered;

int sandbox_enter(char *err, size_t errlen)
{
	if (entered)
		return 0;
	/* no_new_privs first: it is what lets an unprivileged process load a filter at all, and
	 * nothing exec'd later could regain privileges anyway */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx) {
		snprintf(err, errlen, "seccomp_init failed");
		return -1;
	}
	int r = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1);
	for (size_t i = 0; r == 0 && i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		/* a call this architecture lacks (open on arm64) resolves to a negative number */
		if (allowed[i] >= 0)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	}
	/* a migration's stream goes over a unix socket; the network is paraventd's business (the
	 * AF_INET socket that sets up a tap is made before the filter) */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				     (struct scmp_arg_cmp){ .arg = 0, .op = SCMP_CMP_EQ, .datum_a = AF_UNIX, .datum_b = 0 });
	if (r == 0)
		r = seccomp_load(ctx);
	seccomp_release(ctx);
	if (r != 0) {
		snprintf(err, errlen, "seccomp: %s", strerror(-r));
		return -1;
	}
	entered = true;
	return 0;
}
