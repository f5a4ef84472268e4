/* See sandbox.h. The list is what the running VMM was seen to call (strace over boot, disk,
 * network, vsock, balloon, CPU hotplug, rate limits, console, save, restore and migration,
 * with musl's own use of the kernel underneath), not what might be handy. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <linux/capability.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <linux/vhost.h>
#include <sched.h>
#include <seccomp.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

static const int allowed[] = {
	/* guest and devices (ioctl: only the requests in allowed_ioctls) */
	SCMP_SYS(read), SCMP_SYS(write), SCMP_SYS(readv), SCMP_SYS(writev),
	SCMP_SYS(pread64), SCMP_SYS(pwrite64), SCMP_SYS(preadv), SCMP_SYS(pwritev),
	SCMP_SYS(fdatasync), SCMP_SYS(fsync), SCMP_SYS(fallocate), SCMP_SYS(lseek),
	SCMP_SYS(getrandom), /* virtio-rng */
	SCMP_SYS(madvise), /* the balloon gives pages back */
	/* the event loop and its timers */
	SCMP_SYS(epoll_wait), SCMP_SYS(epoll_pwait), SCMP_SYS(epoll_ctl), SCMP_SYS(poll), SCMP_SYS(ppoll),
	SCMP_SYS(timerfd_settime), SCMP_SYS(timerfd_gettime), SCMP_SYS(clock_gettime), SCMP_SYS(clock_nanosleep),
	SCMP_SYS(nanosleep), SCMP_SYS(eventfd2), SCMP_SYS(timerfd_create), /* MSI-X vectors, queues, rate limits set later */
	/* threads (a save or a migration starts one; clone: below), locks, signals that kick vCPUs */
	SCMP_SYS(futex), SCMP_SYS(mmap), SCMP_SYS(munmap), SCMP_SYS(mprotect),
	SCMP_SYS(brk), SCMP_SYS(mremap), SCMP_SYS(set_tid_address), SCMP_SYS(exit), SCMP_SYS(exit_group),
	SCMP_SYS(rt_sigprocmask), SCMP_SYS(rt_sigaction), SCMP_SYS(rt_sigreturn), SCMP_SYS(rt_sigtimedwait),
	SCMP_SYS(tkill), SCMP_SYS(getpid), SCMP_SYS(gettid), SCMP_SYS(sched_yield),
	SCMP_SYS(restart_syscall), SCMP_SYS(membarrier),
	/* descriptors held: /proc and sysfs files read again for stats, a save file handed over */
	SCMP_SYS(close), SCMP_SYS(fstat), SCMP_SYS(newfstatat), SCMP_SYS(statx), SCMP_SYS(fcntl),
	SCMP_SYS(ftruncate), SCMP_SYS(dup), SCMP_SYS(dup2), SCMP_SYS(dup3),
	/* the control socket (descriptors come with a request), a migration's stream, the RARP
	 * announce (written to the tap) */
	SCMP_SYS(accept4), SCMP_SYS(accept), SCMP_SYS(recvfrom), SCMP_SYS(sendto), SCMP_SYS(recvmsg),
	SCMP_SYS(sendmsg), SCMP_SYS(shutdown), SCMP_SYS(getsockopt), SCMP_SYS(setsockopt),
};

/* The ioctl requests a running VMM makes, on descriptors it already holds. Those that build the
 * machine (KVM_CREATE_VM, KVM_CREATE_VCPU, the irqchip and PIT, TUNSETIFF, attaching the tap to
 * a bridge, VHOST_SET_OWNER, the vsock CID, a block device's size) are done before the filter
 * and left out: a VMM taken over cannot make another VM, another vCPU, or touch a network
 * interface, nor push keystrokes into a terminal (TIOCSTI). */
static const unsigned long allowed_ioctls[] = {
	KVM_RUN,
	/* interrupts, kicks, MSI-X routing, set up as the guest's drivers start */
	KVM_IRQ_LINE, KVM_IRQFD, KVM_IOEVENTFD, KVM_SET_GSI_ROUTING,
	/* dirty logging for a migration, the memory map for vhost */
	KVM_SET_USER_MEMORY_REGION, KVM_GET_DIRTY_LOG,
	/* a save or a migration reads the whole machine; an incoming one writes it */
	KVM_GET_REGS, KVM_SET_REGS, KVM_GET_SREGS, KVM_SET_SREGS, KVM_SET_FPU, KVM_GET_XSAVE, KVM_SET_XSAVE,
	KVM_GET_XCRS, KVM_SET_XCRS, KVM_GET_MSRS, KVM_SET_MSRS, KVM_GET_MSR_INDEX_LIST, KVM_GET_LAPIC,
	KVM_SET_LAPIC, KVM_GET_VCPU_EVENTS, KVM_SET_VCPU_EVENTS, KVM_GET_MP_STATE, KVM_SET_MP_STATE,
	KVM_GET_DEBUGREGS, KVM_SET_DEBUGREGS, KVM_GET_IRQCHIP, KVM_SET_IRQCHIP, KVM_GET_PIT2, KVM_SET_PIT2,
	KVM_GET_CLOCK, KVM_SET_CLOCK, KVM_CHECK_EXTENSION,
	/* vhost-net and vhost-vsock, started when the guest's driver is ready, stopped for a save */
	VHOST_SET_FEATURES, VHOST_SET_MEM_TABLE, VHOST_SET_VRING_NUM, VHOST_SET_VRING_BASE, VHOST_SET_VRING_ADDR,
	VHOST_SET_VRING_KICK, VHOST_SET_VRING_CALL, VHOST_GET_VRING_BASE, VHOST_NET_SET_BACKEND,
	VHOST_VSOCK_SET_RUNNING,
	/* the offloads the guest's driver chose */
	TUNSETOFFLOAD,
	/* the terminal of a VMM run by hand (musl's isatty, tcgetattr, tcsetattr) */
	TCGETS, TCSETS, TCSETSW, TCSETSF, TIOCGWINSZ,
};

/* Only for a VMM that is not confined (run by hand): a save to a path (written beside, synced,
 * renamed) and a migration to a socket path. A confined VMM gets these as descriptors. */
static const int allowed_by_path[] = {
	SCMP_SYS(openat), SCMP_SYS(open), SCMP_SYS(stat), SCMP_SYS(rename), SCMP_SYS(renameat), SCMP_SYS(unlink),
	SCMP_SYS(unlinkat), SCMP_SYS(connect),
};

/* Each thread kind adds a narrower filter of its own on top of the process's list, once the
 * machine runs (a filter can only take calls away, and a thread inherits its creator's). What
 * each kind never does:
 *
 * Writing the machine's state (registers, MSRs, FPU, LAPIC, events, irqchip, PIT, clock): only
 * a restore or an incoming migration does, on the main thread before any vCPU runs. Taken away
 * from every thread kind, so that a thread turned against the VMM cannot feed KVM's state
 * parsers, a part of the host kernel a running guest never needs. */
static const unsigned long state_setters[] = {
	KVM_SET_REGS, KVM_SET_SREGS, KVM_SET_FPU, KVM_SET_XSAVE, KVM_SET_XCRS, KVM_SET_MSRS, KVM_SET_LAPIC,
	KVM_SET_VCPU_EVENTS, KVM_SET_MP_STATE, KVM_SET_DEBUGREGS, KVM_SET_IRQCHIP, KVM_SET_PIT2, KVM_SET_CLOCK,
};

/* A vCPU thread: take connections, read sockets (the control socket, the console's clients and
 * a migration's stream are the event loop's and the migration thread's) or start threads. A
 * vCPU thread that a guest's exit handling turned against the VMM still cannot serve or take
 * over those channels. */
static const int vcpu_denied[] = {
	SCMP_SYS(accept), SCMP_SYS(accept4), SCMP_SYS(recvfrom), SCMP_SYS(recvmsg), SCMP_SYS(clone),
};
/* The event loop (the devices' I/O, the control socket, a save): run a vCPU. A device model
 * that a guest's descriptors turned against the VMM cannot run the guest's code at will. */
static const unsigned long event_loop_denied_ioctls[] = { KVM_RUN };
/* A migration's thread (started by the event loop, so it has that filter too): take
 * connections or start threads; its stream is handed to it. */
static const int migration_denied[] = { SCMP_SYS(accept), SCMP_SYS(accept4), SCMP_SYS(clone) };

/* A filter compiled to BPF by sandbox_prepare, ahead of its loading: libseccomp needs calls
 * the allowlist forbids, and compiling takes milliseconds under emulation, which a migrating
 * guest's receiver would otherwise spend while the guest is paused. */
struct bpf_filter {
	struct sock_filter prog[1024];
	unsigned short len;
};

static struct sandbox_config config = { .seccomp = true };
static bool prepared, entered;
static struct bpf_filter process_filter, vcpu_filter, event_loop_filter, migration_filter;

void sandbox_configure(const struct sandbox_config *c)
{
	config = *c;
}

bool sandbox_confined(void)
{
	return entered && config.confine;
}

/* An empty, read-only root of its own: a private mount namespace whose root is a fresh tmpfs
 * (pivot_root), the old root detached. Nothing is left to open: no /dev, no /proc, no other
 * domain's sockets, no image, no API socket or token. */
static int enter_empty_root(char *err, size_t errlen)
{
	const char *step = "unshare(CLONE_NEWNS)";

	if (unshare(CLONE_NEWNS) != 0)
		goto failed;
	/* nothing of ours goes back to the host's mounts */
	step = "make the mounts private";
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		goto failed;
	step = "mount a tmpfs on /tmp (in the VMM's own namespace)";
	if (mount("paravent-vmm", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=16k,mode=0555") != 0)
		goto failed;
	step = "pivot_root";
	if (chdir("/tmp") != 0 || syscall(SYS_pivot_root, ".", ".") != 0)
		goto failed;
	step = "detach the old root";
	if (umount2(".", MNT_DETACH) != 0 || chdir("/") != 0)
		goto failed;
	step = "make the new root read-only";
	if (mount(NULL, "/", NULL, MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0)
		goto failed;
	return 0;
failed:
	snprintf(err, errlen, "%s: %s", step, strerror(errno));
	return -1;
}

/* The domain's own user and group, no supplementary groups, no capabilities left in any set
 * (the bounding set too, so nothing could give them back), and a thread limit for that user. */
static int become_unprivileged(char *err, size_t errlen)
{
	struct rlimit threads = { config.max_threads, config.max_threads };

	for (int cap = 0; cap <= 63; cap++) {
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0 && errno != EINVAL) {
			snprintf(err, errlen, "drop capability %d from the bounding set: %s", cap, strerror(errno));
			return -1;
		}
	}
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0 && errno != EINVAL) {
		snprintf(err, errlen, "clear the ambient capabilities: %s", strerror(errno));
		return -1;
	}
	/* RLIMIT_NPROC counts the threads of the user: this VMM's alone, as the user is its own */
	if (config.max_threads && setrlimit(RLIMIT_NPROC, &threads) != 0) {
		snprintf(err, errlen, "RLIMIT_NPROC: %s", strerror(errno));
		return -1;
	}
	if (setgroups(0, NULL) != 0 || setresgid(config.gid, config.gid, config.gid) != 0 ||
	    setresuid(config.uid, config.uid, config.uid) != 0) {
		snprintf(err, errlen, "become user %u, group %u: %s", (unsigned)config.uid, (unsigned)config.gid,
			 strerror(errno));
		return -1;
	}
	/* leaving uid 0 for good clears the permitted and effective sets, not the inheritable one:
	 * clear them all, then check, not assume */
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3, .pid = 0 };
	struct __user_cap_data_struct d[2];
	memset(d, 0, sizeof(d));
	if (syscall(SYS_capset, &h, d) != 0) {
		snprintf(err, errlen, "clear the capability sets: %s", strerror(errno));
		return -1;
	}
	if (syscall(SYS_capget, &h, d) != 0 || d[0].effective || d[0].permitted || d[0].inheritable ||
	    d[1].effective || d[1].permitted || d[1].inheritable) {
		snprintf(err, errlen, "capabilities are left after the change of user");
		return -1;
	}
	return 0;
}

/* libseccomp 2.5 writes a program only to a descriptor: through a pipe into f */
static int export_filter(scmp_filter_ctx ctx, struct bpf_filter *f)
{
	int pipefd[2];
	if (pipe2(pipefd, O_CLOEXEC) != 0)
		return -errno;
	int r = seccomp_export_bpf(ctx, pipefd[1]);
	close(pipefd[1]);
	ssize_t n = r == 0 ? read(pipefd[0], f->prog, sizeof(f->prog)) : 0;
	close(pipefd[0]);
	if (r == 0 && (n <= 0 || n % (ssize_t)sizeof(struct sock_filter) != 0 || n == (ssize_t)sizeof(f->prog)))
		r = -EOVERFLOW;
	else if (r == 0)
		f->len = (unsigned short)((size_t)n / sizeof(struct sock_filter));
	return r;
}

/* The process's allowlist, into process_filter. */
static int build_process_filter(char *err, size_t errlen)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_KILL_PROCESS);
	if (!ctx) {
		snprintf(err, errlen, "seccomp_init failed");
		return -1;
	}
	int r = 0;
	for (size_t i = 0; r == 0 && i < sizeof(allowed) / sizeof(allowed[0]); i++) {
		/* a call this architecture lacks (open on arm64) resolves to a negative number */
		if (allowed[i] >= 0)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed[i], 0);
	}
	for (size_t i = 0; r == 0 && !config.confine && i < sizeof(allowed_by_path) / sizeof(allowed_by_path[0]); i++) {
		if (allowed_by_path[i] >= 0)
			r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, allowed_by_path[i], 0);
	}
	/* KVM_RUN, made at every exit, is checked first: ioctl before any other call (libseccomp
	 * otherwise puts the call with the most rules last), and KVM_RUN by itself before the
	 * list (which libseccomp orders by value, KVM_RUN's the smallest). Interpreted, as dom0's
	 * kernel runs filters, a walk down that list at every exit would cost more than the rest
	 * of the filter. KVM_RUN's value has bit 31 clear, so musl passes it as it is. */
	if (r == 0)
		r = seccomp_syscall_priority(ctx, SCMP_SYS(ioctl), 255);
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				     (struct scmp_arg_cmp){ .arg = 1, .op = SCMP_CMP_EQ, .datum_a = KVM_RUN, .datum_b = 0 });
	/* The kernel reads an ioctl's request as 32 bits, and musl passes it as an int, which the
	 * call sign-extends (_IOR requests have bit 31 set): compare the low 32 bits only. */
	for (size_t i = 0; r == 0 && i < sizeof(allowed_ioctls) / sizeof(allowed_ioctls[0]); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
				     (struct scmp_arg_cmp){ .arg = 1, .op = SCMP_CMP_MASKED_EQ, .datum_a = 0xffffffffu,
							    .datum_b = allowed_ioctls[i] & 0xffffffffu });
	/* a unix socket for a migration by path, when not confined; the network is paraventd's
	 * business (the AF_INET socket that sets up a tap is made before the filter) */
	if (r == 0 && !config.confine)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
				     (struct scmp_arg_cmp){ .arg = 0, .op = SCMP_CMP_EQ, .datum_a = AF_UNIX, .datum_b = 0 });
	/* clone: threads only (CLONE_THREAD set), never a new process */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
				     (struct scmp_arg_cmp){ .arg = 0, .op = SCMP_CMP_MASKED_EQ, .datum_a = CLONE_THREAD,
							    .datum_b = CLONE_THREAD });
	/* signals to its own threads only */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(tgkill), 1,
				     (struct scmp_arg_cmp){ .arg = 0, .op = SCMP_CMP_EQ, .datum_a = (scmp_datum_t)getpid(),
							    .datum_b = 0 });
	/* seccomp: each thread kind adds its own, narrower filter (no flags: the calling thread
	 * only; a filter can only take calls away) */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(seccomp), 2,
				     (struct scmp_arg_cmp){ .arg = 0, .op = SCMP_CMP_EQ, .datum_a = SECCOMP_SET_MODE_FILTER,
							    .datum_b = 0 },
				     (struct scmp_arg_cmp){ .arg = 1, .op = SCMP_CMP_EQ, .datum_a = 0, .datum_b = 0 });
	/* prctl: a new thread names itself, nothing else */
	if (r == 0)
		r = seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(prctl), 1,
				     (struct scmp_arg_cmp){ .arg = 0, .op = SCMP_CMP_EQ, .datum_a = PR_SET_NAME, .datum_b = 0 });
	if (r == 0)
		r = export_filter(ctx, &process_filter);
	seccomp_release(ctx);
	if (r != 0) {
		snprintf(err, errlen, "seccomp: %s", strerror(-r));
		return -1;
	}
	return 0;
}

/* The process's filter, on every thread it has (TSYNC; the VMM has one thread here). */
static int load_process_filter(char *err, size_t errlen)
{
	struct sock_fprog prog = { .len = process_filter.len, .filter = process_filter.prog };
	long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &prog);
	if (r != 0) {
		/* TSYNC: a positive value is a thread that could not take it */
		snprintf(err, errlen, "seccomp: %s", r > 0 ? "a thread refused the filter" : strerror(errno));
		return -1;
	}
	return 0;
}

/* Builds f: allow everything but the calls and ioctl requests listed (the process's list still
 * applies). KVM_RUN, at every exit of a vCPU, walks past the ioctl requests only. */
static int build_thread_filter(struct bpf_filter *f, const char *kind, const int *calls, size_t ncalls,
			       const unsigned long *ioctls, size_t nioctls, bool no_state_setters, char *err,
			       size_t errlen)
{
	scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
	int r = ctx ? 0 : -ENOMEM;

	for (size_t i = 0; r == 0 && i < ncalls; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, calls[i], 0);
	/* ioctl first, as in the process's list: a vCPU's KVM_RUN skips the other calls' tests */
	if (r == 0 && (nioctls || no_state_setters))
		r = seccomp_syscall_priority(ctx, SCMP_SYS(ioctl), 255);
	/* the low 32 bits of the request, as in the process's list */
	for (size_t i = 0; r == 0 && i < nioctls; i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(ioctl), 1,
				     (struct scmp_arg_cmp){ .arg = 1, .op = SCMP_CMP_MASKED_EQ, .datum_a = 0xffffffffu,
							    .datum_b = ioctls[i] & 0xffffffffu });
	for (size_t i = 0; r == 0 && no_state_setters && i < sizeof(state_setters) / sizeof(state_setters[0]); i++)
		r = seccomp_rule_add(ctx, SCMP_ACT_KILL_PROCESS, SCMP_SYS(ioctl), 1,
				     (struct scmp_arg_cmp){ .arg = 1, .op = SCMP_CMP_MASKED_EQ, .datum_a = 0xffffffffu,
							    .datum_b = state_setters[i] & 0xffffffffu });
	if (r == 0)
		r = export_filter(ctx, f);
	if (ctx)
		seccomp_release(ctx);
	if (r != 0) {
		snprintf(err, errlen, "the %s filter: %s", kind, strerror(-r));
		return -1;
	}
	return 0;
}

static int build_thread_filters(char *err, size_t errlen)
{
#define N(a) (sizeof(a) / sizeof((a)[0]))
	return build_thread_filter(&vcpu_filter, "vCPU threads'", vcpu_denied, N(vcpu_denied), NULL, 0, true, err,
				   errlen) != 0 ||
			       build_thread_filter(&event_loop_filter, "event loop's", NULL, 0, event_loop_denied_ioctls,
						   N(event_loop_denied_ioctls), true, err, errlen) != 0 ||
			       build_thread_filter(&migration_filter, "migration thread's", migration_denied,
						   N(migration_denied), NULL, 0, false, err, errlen) != 0
		       ? -1
		       : 0;
#undef N
}

static int enter_thread_filter(const struct bpf_filter *f)
{
	if (!entered || !f->len)
		return 0; /* no filter in force (--no-seccomp) */
	struct sock_fprog prog = { .len = f->len, .filter = (struct sock_filter *)f->prog };
	return (int)syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, &prog);
}

int sandbox_enter_vcpu_thread(void)
{
	return enter_thread_filter(&vcpu_filter);
}

int sandbox_enter_event_loop(void)
{
	return enter_thread_filter(&event_loop_filter);
}

int sandbox_enter_migration_thread(void)
{
	return enter_thread_filter(&migration_filter);
}

int sandbox_prepare(char *err, size_t errlen)
{
	if (prepared || !config.seccomp)
		return 0;
	if (build_thread_filters(err, errlen) != 0 || build_process_filter(err, errlen) != 0)
		return -1;
	prepared = true;
	return 0;
}

int sandbox_enter(char *err, size_t errlen)
{
	if (entered)
		return 0;
	if (sandbox_prepare(err, errlen) != 0)
		return -1;
	/* a core file would hold the guest's memory */
	struct rlimit none = { 0, 0 };
	if (setrlimit(RLIMIT_CORE, &none) != 0) {
		snprintf(err, errlen, "RLIMIT_CORE: %s", strerror(errno));
		return -1;
	}
	if (config.confine && (enter_empty_root(err, errlen) != 0 || become_unprivileged(err, errlen) != 0))
		return -1;
	/* no_new_privs before the filter: it is what lets an unprivileged process load one at
	 * all, and nothing exec'd later could regain privileges anyway */
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
		snprintf(err, errlen, "no_new_privs: %s", strerror(errno));
		return -1;
	}
	if (config.seccomp && load_process_filter(err, errlen) != 0)
		return -1;
	entered = true;
	return 0;
}
