/* paravent-vmm internals shared by its files: the VM, its vCPUs and the guest memory map. */
#ifndef PARAVENT_VMM_INTERNAL_H
#define PARAVENT_VMM_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "guest_mem.h"
#include "options.h"

#define MAX_VCPUS 32

/* Guest physical memory map (see docs/hypervisor.md). Below 1 MiB: the boot structures;
 * RAM from 1 MiB up to the 32-bit PCI hole, and the rest of RAM above 4 GiB. */
#define GDT_ADDR 0x500
#define BOOT_PARAMS_ADDR 0x7000
#define PML4_ADDR 0x9000
#define PDPT_ADDR 0xa000
#define PD_ADDR 0xb000 /* four pages: identity map of the first 4 GiB with 2 MiB pages */
#define CMDLINE_ADDR 0x20000
#define CMDLINE_MAX 4096
#define EBDA_ADDR 0x9fc00 /* MP tables live here, where guests look for them */
#define HIGH_MEM_START 0x100000
#define KERNEL_LOAD_ADDR 0x100000
#define PCI_HOLE_START 0xc0000000ULL
#define HIGH_RAM_START 0x100000000ULL

struct vm;

struct vcpu {
	struct vm *vm;
	int id;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	atomic_uint_fast64_t exits_total;
	atomic_uint_fast64_t exits_io, exits_mmio, exits_other;
};

struct vm {
	const struct vmm_options *opt;
	int kvm_fd;
	int vm_fd;
	int run_size;
	struct guest_mem mem;
	uint64_t ram_size;
	int nvcpus;
	struct vcpu vcpu[MAX_VCPUS];
	uint64_t entry_rip; /* where the vCPU 0 starts, in 64-bit mode */

	struct timespec launched;
	atomic_bool stopping;
	atomic_int exit_status;
	int stop_fd; /* eventfd: written once when the VM must stop */

	atomic_bool boot_marked;
	uint64_t boot_ns; /* launch to the guest's boot marker */

	/* pause: vCPU threads park on pause_cond while paused is set */
	pthread_mutex_t pause_lock;
	pthread_cond_t pause_cond;
	bool paused;
	int parked;
};

/* Asks every vCPU and the event loop to stop; the first status given wins. */
void vm_request_exit(struct vm *vm, int status, const char *why);

/* The VMM's own log (--log, else standard error). */
void vmm_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
