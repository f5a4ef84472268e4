/* paravent-vmm: one guest domain on KVM. Checks the options and images, builds the
 * machine, runs the vCPU threads, and serves the console on the main thread until the
 * guest powers off, reboots, crashes or is stopped; the exit status says which. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "acpi.h"
#include "boot_linux.h"
#include "console.h"
#include "control.h"
#include "dev_acpi_pm.h"
#include "dev_cpu_hotplug.h"
#include "dev_boot_marker.h"
#include "dev_debug_hooks.h"
#include "dev_i8042.h"
#include "dev_uart8250.h"
#include "dev_virtio_balloon.h"
#include "dev_virtio_blk.h"
#include "dev_virtio_vsock.h"
#include "dev_virtio_net.h"
#include "dev_virtio_console.h"
#include "dev_virtio_rng.h"
#include "eventloop.h"
#include "mptable.h"
#include "options.h"
#include "migrate.h"
#include "sandbox.h"
#include "pci.h"
#include "snapshot.h"
#include "paravent-vmm.h"
#include "vm.h"
#include "x86_boot.h"

#ifndef PARAVENT_VERSION
#define PARAVENT_VERSION "dev"
#endif

static int log_fd = STDERR_FILENO;
static const char *log_name = "guest";

void vmm_log(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n = snprintf(line, sizeof(line), "paravent-vmm[%s]: ", log_name);

	va_start(ap, fmt);
	n += vsnprintf(line + n, sizeof(line) - (size_t)n - 2, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(line) - 3)
		n = (int)sizeof(line) - 3;
	/* \r too: the terminal may be in raw mode while the guest runs */
	line[n++] = '\r';
	line[n++] = '\n';
	if (write(log_fd, line, (size_t)n) < 0) {
		/* nowhere left to report it */
	}
}

static void usage_error(const char *msg)
{
	fprintf(stderr, "paravent-vmm: error: %s\n", msg);
	exit(VMM_EXIT_USAGE);
}

/* Reads a whole file; the images are a few MiB. */
static uint8_t *read_file(const char *path, size_t *len, const char *what)
{
	char msg[512];
	struct stat st;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(msg, sizeof(msg), "cannot read %s %s: %s", what, path,
			 fd < 0 ? strerror(errno) : "not a regular file");
		usage_error(msg);
	}
	uint8_t *buf = malloc((size_t)st.st_size + 1);
	size_t got = 0;
	while (buf && got < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + got, (size_t)st.st_size - got);
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	if (!buf || got != (size_t)st.st_size) {
		snprintf(msg, sizeof(msg), "cannot read %s %s", what, path);
		usage_error(msg);
	}
	*len = got;
	return buf;
}

/* SIGTERM, SIGINT and SIGHUP stop the guest with VMM_EXIT_STOPPED, through the event loop
 * (signalfd), so the terminal is restored and the exit is reported like any other. */
static int stop_signals_fd(void)
{
	sigset_t set;

	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	/* blocked in every thread: the vCPU threads inherit this mask */
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	return signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
}

static void on_terminal(void *opaque, int fd)
{
	(void)opaque;
	if (console_read_terminal() < 0)
		eventloop_del(fd);
}

static void on_signal(void *opaque, int fd)
{
	struct signalfd_siginfo si;

	if (read(fd, &si, sizeof(si)) == sizeof(si))
		vm_request_exit(opaque, VMM_EXIT_STOPPED, strsignal((int)si.ssi_signo));
}

static void on_stop(void *opaque, int fd)
{
	(void)opaque;
	(void)fd;
}

/* The main thread runs the event loop: terminal, signals, device queues. */
static void serve_until_stopped(struct vm *vm, int sig_fd)
{
	eventloop_add(vm->stop_fd, on_stop, vm);
	eventloop_add(sig_fd, on_signal, vm);
	eventloop_add(console_terminal_fd(), on_terminal, vm);
	while (!atomic_load(&vm->stopping))
		eventloop_run_once(-1);
}

/* Loads the kernel and initrd and writes the boot tables (MP, ACPI) into guest RAM. */
static int load_guest(struct vm *vm, const struct vmm_options *opt, const struct linux_image *img,
		      const uint8_t *initrd, size_t ilen)
{
	char err[512];

	if (x86_write_boot_tables(&vm->mem) != 0 ||
	    linux_load(&vm->mem, vm->ram_size, img, initrd, ilen, opt->cmdline, &vm->entry_rip, err, sizeof(err)) != 0) {
		vmm_log("cannot load %s: %s", opt->kernel, err);
		return -1;
	}
	uint8_t *ebda = guest_mem_ptr(&vm->mem, EBDA_ADDR, HIGH_MEM_START - EBDA_ADDR);
	if (!ebda || mptable_write(ebda, 1024, EBDA_ADDR, opt->vcpus, vm->nvcpus) == 0) {
		vmm_log("cannot write the MP tables");
		return -1;
	}
	uint8_t *acpi = guest_mem_ptr(&vm->mem, ACPI_BASE, ACPI_SIZE);
	if (!acpi || acpi_write_tables(acpi, ACPI_SIZE, opt->vcpus, vm->nvcpus) == 0) {
		vmm_log("cannot write the ACPI tables");
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static struct vmm_options opt;
	static struct vm vm;
	struct linux_image img;
	char err[512];
	size_t klen, ilen = 0;
	uint8_t *initrd = NULL;

	if (options_parse(argc, argv, &opt, err, sizeof(err)) != 0)
		usage_error(err);
	if (opt.help) {
		fputs(options_usage, stdout);
		return 0;
	}
	if (opt.version) {
		printf("paravent-vmm %s\n", PARAVENT_VERSION);
		return 0;
	}
	log_name = opt.name;
	if (opt.log) {
		log_fd = open(opt.log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (log_fd < 0) {
			snprintf(err, sizeof(err), "cannot open --log %s: %s", opt.log, strerror(errno));
			usage_error(err);
		}
	}
	/* the images, or the save file, must be readable before anything is built: a bad path
	 * or an image we cannot boot is a usage error */
	int restore_fd = -1;
	uint8_t *kernel = NULL;
	if (opt.restore) {
		restore_fd = open(opt.restore, O_RDONLY | O_CLOEXEC);
		if (restore_fd < 0) {
			snprintf(err, sizeof(err), "cannot open --restore %s: %s", opt.restore, strerror(errno));
			usage_error(err);
		}
	} else if (!opt.incoming) {
		kernel = read_file(opt.kernel, &klen, "--kernel");
		if (linux_image_parse(kernel, klen, &img, err, sizeof(err)) != 0) {
			char msg[700];
			snprintf(msg, sizeof(msg), "cannot boot %s: %s", opt.kernel, err);
			usage_error(msg);
		}
		if (opt.initrd)
			initrd = read_file(opt.initrd, &ilen, "--initrd");
	}
	if (vm_create(&vm, &opt) != 0)
		return VMM_EXIT_ERROR;
	/* a restored guest's memory comes whole from the save file, boot tables included */
	if (!opt.restore && !opt.incoming && load_guest(&vm, &opt, &img, initrd, ilen) != 0)
		return VMM_EXIT_ERROR;
	free(kernel);
	free(initrd);
	if (console_init(&vm, opt.console_log) != 0) {
		vmm_log("cannot open --console-log %s: %s", opt.console_log, strerror(errno));
		return VMM_EXIT_ERROR;
	}
	int sig_fd = stop_signals_fd();
	/* a peer that goes away (a migration's receiver, a console client) is an error to handle
	 * where it happens, not a signal that ends the VMM */
	signal(SIGPIPE, SIG_IGN);
	if (eventloop_init() != 0 || pci_init() != 0) {
		vmm_log("cannot set up the event loop or the PCI bus");
		return VMM_EXIT_ERROR;
	}
	if (opt.control && control_init(&vm, opt.control) != 0) {
		snprintf(err, sizeof(err), "cannot listen on --control %s: %s", opt.control, strerror(errno));
		console_restore();
		usage_error(err);
	}
	for (int i = 0; i < opt.ndisks; i++) {
		if (virtio_blk_add(&vm, &opt.disk[i], err, sizeof(err)) != 0) {
			console_restore();
			usage_error(err);
		}
	}
	for (int i = 0; i < opt.nnics; i++) {
		if (virtio_net_add(&vm, &opt.net[i], (unsigned)i, err, sizeof(err)) != 0) {
			console_restore();
			usage_error(err);
		}
	}
	if (opt.vsock_cid && virtio_vsock_add(&vm, opt.vsock_cid, err, sizeof(err)) != 0) {
		console_restore();
		usage_error(err);
	}
	if (uart8250_init(&vm) != 0 || i8042_init(&vm) != 0 || boot_marker_init(&vm) != 0 ||
	    acpi_pm_init(&vm) != 0 || cpu_hotplug_init(&vm, opt.vcpus) != 0 || debug_hooks_init(&vm) != 0) {
		vmm_log("cannot create the platform devices");
		console_restore();
		return VMM_EXIT_ERROR;
	}
	/* after the UART, so that with --console virtio the console input goes to hvc0 */
	if (virtio_rng_add(&vm) != 0 || (opt.console == CONSOLE_VIRTIO && virtio_console_add(&vm) != 0) ||
	    virtio_balloon_add(&vm, opt.balloon_mib) != 0) {
		vmm_log("cannot create the virtio devices");
		console_restore();
		return VMM_EXIT_ERROR;
	}
	if (vm_create_vcpus(&vm) != 0) {
		console_restore();
		return VMM_EXIT_ERROR;
	}
	if (opt.restore) {
		if (snapshot_restore(&vm, restore_fd, err, sizeof(err)) != 0) {
			vmm_log("cannot restore %s: %s", opt.restore, err);
			console_restore();
			return VMM_EXIT_ERROR;
		}
		close(restore_fd);
	}
	/* the threads a confined VMM may have: its vCPUs, the main loop, a migration's, spare */
	sandbox_configure(&(struct sandbox_config){ .seccomp = !opt.no_seccomp, .confine = opt.confine,
						    .uid = opt.confine_uid, .gid = opt.confine_gid,
						    .max_threads = (unsigned)vm.nvcpus + 8 });
	/* the filters compiled now, so that confining is quick when it counts (a migrating guest's
	 * receiver confines itself while the guest is paused) */
	if (sandbox_prepare(err, sizeof(err)) != 0) {
		vmm_log("cannot prepare the VMM's confinement: %s", err);
		console_restore();
		return VMM_EXIT_ERROR;
	}
	if (opt.incoming && migrate_receive(&vm, opt.incoming, sandbox_enter, err, sizeof(err)) != 0) {
		vmm_log("cannot receive the guest: %s", err);
		console_restore();
		return VMM_EXIT_ERROR;
	}
	if (opt.restore || opt.incoming)
		snapshot_devices_activate();
	/* everything is open and mapped: from here on the VMM only runs the guest */
	if (sandbox_enter(err, sizeof(err)) != 0) {
		vmm_log("cannot confine the VMM: %s", err);
		console_restore();
		return VMM_EXIT_ERROR;
	}
	if (vm_start(&vm) != 0) {
		console_restore();
		return VMM_EXIT_ERROR;
	}
	/* the vCPU threads run (with their own filters): this thread is the event loop now */
	if (sandbox_enter_event_loop() != 0) {
		vmm_log("cannot load the event loop's seccomp filter: %s", strerror(errno));
		vm_request_exit(&vm, VMM_EXIT_ERROR, "the event loop could not confine itself");
	}
	serve_until_stopped(&vm, sig_fd);
	vm_join(&vm);
	console_restore();
	control_cleanup();

	uint64_t exits = 0;
	for (int i = 0; i < vm.nvcpus; i++)
		exits += atomic_load(&vm.vcpu[i].exits_total);
	int status = atomic_load(&vm.exit_status);
	uint64_t tx, rx, irqs;
	uart8250_stats(&tx, &rx, &irqs);
	vmm_log("exit status %d; %llu vCPU exits to the VMM; serial: %llu bytes out, %llu in, %llu interrupts",
		status, (unsigned long long)exits, (unsigned long long)tx, (unsigned long long)rx,
		(unsigned long long)irqs);
	for (int i = 0; i < opt.ndisks; i++) {
		struct blk_stats bs;
		if (virtio_blk_stats(i, &bs) == 0)
			vmm_log("disk %s: %llu reads (%llu bytes), %llu writes (%llu bytes), %llu flushes, "
				"%llu discards, %llu errors", opt.disk[i].path,
				(unsigned long long)bs.reads, (unsigned long long)bs.read_bytes,
				(unsigned long long)bs.writes, (unsigned long long)bs.write_bytes,
				(unsigned long long)bs.flushes, (unsigned long long)bs.discards,
				(unsigned long long)bs.errors);
	}
	for (int i = 0; i < virtio_net_count(); i++) {
		struct net_stats ns;
		if (virtio_net_stats(i, &ns) == 0)
			vmm_log("nic %d (tap %s): sent %llu frames (%llu bytes, %llu dropped, %llu malformed), "
				"received %llu frames (%llu bytes, %llu dropped)", i, ns.tap,
				(unsigned long long)ns.tx_packets, (unsigned long long)ns.tx_bytes,
				(unsigned long long)ns.tx_dropped, (unsigned long long)ns.tx_malformed,
				(unsigned long long)ns.rx_packets, (unsigned long long)ns.rx_bytes,
				(unsigned long long)ns.rx_dropped);
	}
	return status;
}
