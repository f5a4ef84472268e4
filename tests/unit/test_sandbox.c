/* The VMM's seccomp allowlist (hypervisor/sandbox.c), loaded for real: each case forks a child
 * that enters the sandbox (not confined: no root needed beyond what the test already has) and
 * makes one call; the parent checks whether the child lived or died by SIGSYS. Built with
 * musl and the same static libseccomp as paravent-vmm, so the calls are the ones the VMM's
 * libc makes (ioctl's request as a sign-extended int among them). No sanitizers here: their
 * runtimes make calls of their own that the filter would rightly kill. */
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <linux/kvm.h>
#include <linux/vhost.h>
#include <pthread.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "check.h"
#include "sandbox.h"

static int devnull = -1;

/* 0: the child lived and its call returned; SIGSYS: the filter killed it; else what it was */
static int in_sandbox(void (*call)(void))
{
	pid_t pid = fork();
	if (pid == 0) {
		char err[200];
		sandbox_configure(&(struct sandbox_config){ .seccomp = true });
		if (sandbox_enter(err, sizeof(err)) != 0) {
			fprintf(stderr, "sandbox_enter: %s\n", err);
			_exit(3);
		}
		call();
		_exit(0);
	}
	int status = 0;
	if (pid < 0 || waitpid(pid, &status, 0) != pid)
		return -1;
	if (WIFSIGNALED(status))
		return WTERMSIG(status);
	return WEXITSTATUS(status) == 0 ? 0 : 1000 + WEXITSTATUS(status);
}

/* Requests on /dev/null: the filter decides before the driver does, and /dev/null answers
 * ENOTTY to every request it lets through. */
static void ioctl_kvm_run(void)
{
	ioctl(devnull, KVM_RUN, 0);
}
static void ioctl_kvm_get_regs(void) /* _IOR: bit 31 set, sign-extended by musl's int */
{
	struct kvm_regs regs;
	ioctl(devnull, KVM_GET_REGS, &regs);
}
static void ioctl_vhost_ring(void)
{
	struct vhost_vring_state s = { 0, 0 };
	ioctl(devnull, VHOST_SET_VRING_NUM, &s);
}
static void ioctl_tcgets(void)
{
	struct termios t;
	tcgetattr(devnull, &t);
}
static void ioctl_create_vm(void)
{
	ioctl(devnull, KVM_CREATE_VM, 0);
}
static void ioctl_create_vcpu(void)
{
	ioctl(devnull, KVM_CREATE_VCPU, 1);
}
static void ioctl_tiocsti(void)
{
	char c = 'x';
	ioctl(devnull, TIOCSTI, &c);
}
static void ioctl_tunsetiff(void)
{
	ioctl(devnull, TUNSETIFF, NULL);
}
/* KVM_RUN's number with other bits above the 32 the kernel reads: still KVM_RUN to it */
static void ioctl_high_bits(void)
{
	syscall(SYS_ioctl, devnull, 0x1234567800000000ul | KVM_RUN, 0);
}
static void call_getppid(void)
{
	syscall(SYS_getppid);
}
static void call_fork(void)
{
	syscall(SYS_fork);
}
static void call_inet_socket(void)
{
	socket(AF_INET, SOCK_STREAM, 0);
}
static void call_read(void)
{
	char b;
	read(devnull, &b, 1);
}

/* A vCPU thread's own, narrower filter on top */
static void *vcpu_thread_accepts(void *arg)
{
	(void)arg;
	if (sandbox_enter_vcpu_thread() != 0)
		_exit(4);
	accept(devnull, NULL, NULL);
	return NULL;
}
static void *vcpu_thread_runs(void *arg)
{
	(void)arg;
	if (sandbox_enter_vcpu_thread() != 0)
		_exit(4);
	ioctl(devnull, KVM_RUN, 0);
	return NULL;
}
static void in_vcpu_thread(void *(*fn)(void *))
{
	pthread_t t;
	if (pthread_create(&t, NULL, fn, NULL) != 0)
		_exit(5);
	pthread_join(t, NULL);
}
static void vcpu_accept(void)
{
	in_vcpu_thread(vcpu_thread_accepts);
}
static void vcpu_kvm_run(void)
{
	in_vcpu_thread(vcpu_thread_runs);
}
static void *vcpu_thread_sets_regs(void *arg)
{
	(void)arg;
	if (sandbox_enter_vcpu_thread() != 0)
		_exit(4);
	struct kvm_regs regs;
	memset(&regs, 0, sizeof(regs));
	ioctl(devnull, KVM_SET_REGS, &regs);
	return NULL;
}
static void *vcpu_thread_reads_regs(void *arg) /* a triple fault's registers go to the log */
{
	(void)arg;
	if (sandbox_enter_vcpu_thread() != 0)
		_exit(4);
	struct kvm_regs regs;
	ioctl(devnull, KVM_GET_REGS, &regs);
	return NULL;
}
static void vcpu_set_regs(void)
{
	in_vcpu_thread(vcpu_thread_sets_regs);
}
static void vcpu_get_regs(void)
{
	in_vcpu_thread(vcpu_thread_reads_regs);
}
/* before any thread kind's filter, the main thread restores a machine (an incoming migration
 * is received confined) */
static void ioctl_set_regs_before_running(void)
{
	struct kvm_regs regs;
	memset(&regs, 0, sizeof(regs));
	ioctl(devnull, KVM_SET_REGS, &regs);
}
static void ioctl_set_irqchip_before_running(void)
{
	struct kvm_irqchip c;
	memset(&c, 0, sizeof(c));
	ioctl(devnull, KVM_SET_IRQCHIP, &c);
}

/* The event loop: the main thread once the vCPU threads run */
static void event_loop(void)
{
	if (sandbox_enter_event_loop() != 0)
		_exit(4);
}
static void event_loop_serves(void) /* the control socket, a device's file, a save's state */
{
	struct kvm_regs regs;
	struct vhost_vring_state st = { 0, 0 };
	char b;
	event_loop();
	accept(devnull, NULL, NULL);
	read(devnull, &b, 1);
	ioctl(devnull, KVM_GET_REGS, &regs);
	ioctl(devnull, VHOST_SET_VRING_NUM, &st);
	ioctl(devnull, KVM_IRQFD, NULL);
}
static void event_loop_kvm_run(void)
{
	event_loop();
	ioctl(devnull, KVM_RUN, 0);
}
static void event_loop_set_sregs(void)
{
	struct kvm_sregs sregs;
	memset(&sregs, 0, sizeof(sregs));
	event_loop();
	ioctl(devnull, KVM_SET_SREGS, &sregs);
}
static void event_loop_set_clock(void)
{
	struct kvm_clock_data c;
	memset(&c, 0, sizeof(c));
	event_loop();
	ioctl(devnull, KVM_SET_CLOCK, &c);
}

/* A migration's thread, started by the event loop */
static int (*migration_call)(void);
static void *migration_thread(void *arg)
{
	(void)arg;
	if (sandbox_enter_migration_thread() != 0)
		_exit(4);
	migration_call();
	return NULL;
}
static void in_migration_thread(int (*call)(void))
{
	pthread_t t;
	event_loop();
	migration_call = call;
	if (pthread_create(&t, NULL, migration_thread, NULL) != 0)
		_exit(5);
	pthread_join(t, NULL);
}
static int migration_sends(void) /* the dirty log, the state, the stream */
{
	char b = 0;
	struct kvm_dirty_log log;
	struct kvm_lapic_state lapic;
	memset(&log, 0, sizeof(log));
	ioctl(devnull, KVM_GET_DIRTY_LOG, &log);
	ioctl(devnull, KVM_GET_LAPIC, &lapic);
	ioctl(devnull, KVM_SET_USER_MEMORY_REGION, NULL);
	return (int)write(devnull, &b, 1);
}
static int migration_accepts(void)
{
	return accept(devnull, NULL, NULL);
}
static int migration_runs(void)
{
	return ioctl(devnull, KVM_RUN, 0);
}
static int migration_sets_msrs(void)
{
	return ioctl(devnull, KVM_SET_MSRS, NULL);
}
static void *nothing(void *arg)
{
	return arg;
}
static int migration_clones(void)
{
	pthread_t t;
	return pthread_create(&t, NULL, nothing, NULL);
}
static void migration_ok(void)
{
	in_migration_thread(migration_sends);
}
static void migration_accept(void)
{
	in_migration_thread(migration_accepts);
}
static void migration_kvm_run(void)
{
	in_migration_thread(migration_runs);
}
static void migration_set_msrs(void)
{
	in_migration_thread(migration_sets_msrs);
}
static void migration_clone(void)
{
	in_migration_thread(migration_clones);
}
/* the event loop starts a migration's thread */
static void event_loop_clones(void)
{
	pthread_t t;
	event_loop();
	if (pthread_create(&t, NULL, nothing, NULL) != 0)
		_exit(6);
	pthread_join(t, NULL);
}

/* the main thread (the event loop) may still accept after a vCPU thread narrowed itself */
static void main_accepts_after_vcpu(void)
{
	in_vcpu_thread(vcpu_thread_runs);
	accept(devnull, NULL, NULL);
}

int main(void)
{
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	CHECK(devnull >= 0);

	/* what a running VMM does */
	CHECK(in_sandbox(call_read) == 0);
	CHECK(in_sandbox(ioctl_kvm_run) == 0);
	CHECK(in_sandbox(ioctl_kvm_get_regs) == 0);
	CHECK(in_sandbox(ioctl_vhost_ring) == 0);
	CHECK(in_sandbox(ioctl_tcgets) == 0);
	CHECK(in_sandbox(ioctl_high_bits) == 0);
	CHECK(in_sandbox(vcpu_kvm_run) == 0);
	CHECK(in_sandbox(main_accepts_after_vcpu) == 0);

	/* what it never does once running */
	CHECK(in_sandbox(ioctl_create_vm) == SIGSYS);
	CHECK(in_sandbox(ioctl_create_vcpu) == SIGSYS);
	CHECK(in_sandbox(ioctl_tiocsti) == SIGSYS);
	CHECK(in_sandbox(ioctl_tunsetiff) == SIGSYS);
	CHECK(in_sandbox(call_getppid) == SIGSYS);
	CHECK(in_sandbox(call_fork) == SIGSYS);
	CHECK(in_sandbox(call_inet_socket) == SIGSYS);
	CHECK(in_sandbox(vcpu_accept) == SIGSYS);

	/* each thread kind's own filter, on top: what it does, and what it never does */
	CHECK(in_sandbox(ioctl_set_regs_before_running) == 0);
	CHECK(in_sandbox(ioctl_set_irqchip_before_running) == 0);
	CHECK(in_sandbox(vcpu_get_regs) == 0);
	CHECK(in_sandbox(vcpu_set_regs) == SIGSYS);
	CHECK(in_sandbox(event_loop_serves) == 0);
	CHECK(in_sandbox(event_loop_clones) == 0);
	CHECK(in_sandbox(event_loop_kvm_run) == SIGSYS);
	CHECK(in_sandbox(event_loop_set_sregs) == SIGSYS);
	CHECK(in_sandbox(event_loop_set_clock) == SIGSYS);
	CHECK(in_sandbox(migration_ok) == 0);
	CHECK(in_sandbox(migration_accept) == SIGSYS);
	CHECK(in_sandbox(migration_kvm_run) == SIGSYS);
	CHECK(in_sandbox(migration_set_msrs) == SIGSYS);
	CHECK(in_sandbox(migration_clone) == SIGSYS);
	return check_summary("sandbox");
}
