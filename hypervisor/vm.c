/* The VM: KVM objects, guest RAM, vCPU threads and their exit loop. */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "paravent-vmm.h"
#include "pci.h"
#include "pio.h"
#include "vm.h"
#include "sandbox.h"
#include "x86_boot.h"

#define TSS_ADDR 0xfffbd000
#define IDENTITY_MAP_ADDR 0xfffbc000
#define KICK_SIGNAL SIGUSR1

static int vm_fail(const char *what)
{
	vmm_log("%s: %s", what, strerror(errno));
	return -1;
}

void vm_request_exit(struct vm *vm, int status, const char *why)
{
	int expected = -1;

	if (atomic_compare_exchange_strong(&vm->exit_status, &expected, status))
		vmm_log("stopping: %s", why);
	atomic_store(&vm->stopping, true);
	pthread_mutex_lock(&vm->pause_lock);
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
	/* immediate_exit makes a vCPU about to enter KVM_RUN return at once; the signal
	 * interrupts one already inside it. */
	for (int i = 0; i < vm->nvcpus; i++) {
		if (vm->vcpu[i].run) {
			vm->vcpu[i].run->immediate_exit = 1;
			if (vm->vcpu[i].thread && !pthread_equal(vm->vcpu[i].thread, pthread_self()))
				pthread_kill(vm->vcpu[i].thread, KICK_SIGNAL);
		}
	}
	uint64_t one = 1;
	if (write(vm->stop_fd, &one, sizeof(one)) < 0) {
		/* the eventfd counter cannot overflow from a handful of writes */
	}
}

static int vm_setup_memory(struct vm *vm)
{
	uint64_t low = vm->ram_size < PCI_HOLE_START ? vm->ram_size : PCI_HOLE_START;
	/* One anonymous mapping for all RAM; pages are only allocated when the guest
	 * touches them. */
	uint8_t *base = mmap(NULL, vm->ram_size, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		return vm_fail("cannot map guest RAM");
	madvise(base, vm->ram_size, MADV_HUGEPAGE);
	if (guest_mem_add(&vm->mem, 0, low, base) != 0 ||
	    (vm->ram_size > low && guest_mem_add(&vm->mem, HIGH_RAM_START, vm->ram_size - low, base + low) != 0)) {
		vmm_log("cannot lay out guest RAM");
		return -1;
	}
	for (unsigned i = 0; i < vm->mem.nr; i++) {
		struct kvm_userspace_memory_region r = {
			.slot = i, .guest_phys_addr = vm->mem.r[i].gpa, .memory_size = vm->mem.r[i].size,
			.userspace_addr = (uint64_t)(uintptr_t)vm->mem.r[i].hva,
		};
		if (ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r) != 0)
			return vm_fail("KVM_SET_USER_MEMORY_REGION");
	}
	return 0;
}

static int set_slot_logging(struct vm *vm, unsigned i, bool on)
{
	struct kvm_userspace_memory_region r = {
		.slot = i, .flags = on ? KVM_MEM_LOG_DIRTY_PAGES : 0, .guest_phys_addr = vm->mem.r[i].gpa,
		.memory_size = vm->mem.r[i].size, .userspace_addr = (uint64_t)(uintptr_t)vm->mem.r[i].hva,
	};
	return ioctl(vm->vm_fd, KVM_SET_USER_MEMORY_REGION, &r);
}

int vm_dirty_log_start(struct vm *vm)
{
	for (unsigned i = 0; i < vm->mem.nr; i++) {
		if (set_slot_logging(vm, i, true) != 0) {
			vm_fail("KVM dirty logging");
			while (i-- > 0)
				set_slot_logging(vm, i, false);
			return -1;
		}
	}
	return 0;
}

int vm_dirty_log_get(struct vm *vm, unsigned i, uint64_t *bitmap)
{
	struct kvm_dirty_log log = { .slot = i, .dirty_bitmap = bitmap };
	return ioctl(vm->vm_fd, KVM_GET_DIRTY_LOG, &log);
}

void vm_dirty_log_stop(struct vm *vm)
{
	for (unsigned i = 0; i < vm->mem.nr; i++)
		set_slot_logging(vm, i, false);
}

int vm_create(struct vm *vm, const struct vmm_options *opt)
{
	memset(vm, 0, sizeof(*vm));
	vm->opt = opt;
	atomic_init(&vm->exit_status, -1);
	clock_gettime(CLOCK_MONOTONIC, &vm->launched);
	pthread_mutex_init(&vm->pause_lock, NULL);
	pthread_cond_init(&vm->pause_cond, NULL);
	vm->ram_size = opt->memory_mib << 20;
	vm->nvcpus = opt->max_vcpus;
	vm->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->stop_fd < 0)
		return vm_fail("eventfd");

	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return vm_fail("cannot open /dev/kvm (run paravent-kvm-check to see why)");
	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION) {
		vmm_log("unsupported KVM API version");
		return -1;
	}
	static const struct { int cap; const char *name; } needed[] = {
		{ KVM_CAP_IRQCHIP, "in-kernel irqchip" }, { KVM_CAP_PIT2, "in-kernel PIT" },
		{ KVM_CAP_IMMEDIATE_EXIT, "immediate exit" }, { KVM_CAP_USER_MEMORY, "user memory" },
		{ KVM_CAP_EXT_CPUID, "CPUID2" }, { KVM_CAP_SET_TSS_ADDR, "TSS address" },
	};
	for (size_t i = 0; i < sizeof(needed) / sizeof(needed[0]); i++) {
		if (ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, needed[i].cap) <= 0) {
			vmm_log("KVM lacks the %s capability", needed[i].name);
			return -1;
		}
	}
	vm->vm_fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
	if (vm->vm_fd < 0)
		return vm_fail("KVM_CREATE_VM");
	if (ioctl(vm->vm_fd, KVM_SET_TSS_ADDR, TSS_ADDR) != 0)
		return vm_fail("KVM_SET_TSS_ADDR");
	uint64_t idmap = IDENTITY_MAP_ADDR;
	if (ioctl(vm->vm_fd, KVM_SET_IDENTITY_MAP_ADDR, &idmap) != 0)
		return vm_fail("KVM_SET_IDENTITY_MAP_ADDR");
	if (ioctl(vm->vm_fd, KVM_CREATE_IRQCHIP, 0) != 0)
		return vm_fail("KVM_CREATE_IRQCHIP");
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	if (ioctl(vm->vm_fd, KVM_CREATE_PIT2, &pit) != 0)
		return vm_fail("KVM_CREATE_PIT2");
	vm->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size <= 0)
		return vm_fail("KVM_GET_VCPU_MMAP_SIZE");
	return vm_setup_memory(vm);
}

static struct kvm_cpuid2 *supported_cpuid(int kvm_fd)
{
	for (int n = 64; n <= 1024; n *= 2) {
		struct kvm_cpuid2 *c = calloc(1, sizeof(*c) + (size_t)n * sizeof(c->entries[0]));
		if (!c)
			return NULL;
		c->nent = (uint32_t)n;
		if (ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) == 0)
			return c;
		free(c);
		if (errno != E2BIG)
			return NULL;
	}
	return NULL;
}

int vm_create_vcpus(struct vm *vm)
{
	struct kvm_cpuid2 *base = supported_cpuid(vm->kvm_fd);
	size_t cpuid_size;

	if (!base)
		return vm_fail("KVM_GET_SUPPORTED_CPUID");
	cpuid_size = sizeof(*base) + base->nent * sizeof(base->entries[0]);
	struct kvm_cpuid2 *c = malloc(cpuid_size);
	if (!c) {
		free(base);
		return -1;
	}
	for (int i = 0; i < vm->nvcpus; i++) {
		struct vcpu *v = &vm->vcpu[i];
		v->vm = vm;
		v->id = i;
		v->fd = ioctl(vm->vm_fd, KVM_CREATE_VCPU, i);
		if (v->fd < 0)
			goto fail;
		v->run = mmap(NULL, (size_t)vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
		if (v->run == MAP_FAILED) {
			v->run = NULL;
			goto fail;
		}
		memcpy(c, base, cpuid_size);
		x86_cpuid_fixup(c, i, vm->nvcpus);
		if (ioctl(v->fd, KVM_SET_CPUID2, c) != 0 || x86_setup_lapic(v->fd, i == 0) != 0 ||
		    x86_setup_vcpu(v->fd, i, vm->entry_rip, i == 0) != 0)
			goto fail;
	}
	free(c);
	free(base);
	return 0;
fail:
	free(c);
	free(base);
	return vm_fail("vCPU setup");
}

static void vcpu_handle_io(struct vcpu *v)
{
	struct kvm_run *run = v->run;
	uint8_t *data = (uint8_t *)run + run->io.data_offset;
	bool write = run->io.direction == KVM_EXIT_IO_OUT;

	/* string instructions (rep outsb) arrive as count items of size bytes */
	for (uint32_t i = 0; i < run->io.count; i++, data += run->io.size)
		pio_dispatch(run->io.port, data, run->io.size, write);
}

/* Parks the vCPU while the VM is paused; the pauser waits until all are parked. */
static void vcpu_park_if_paused(struct vcpu *v)
{
	struct vm *vm = v->vm;

	pthread_mutex_lock(&vm->pause_lock);
	if (vm->paused && !atomic_load(&vm->stopping)) {
		vm->parked++;
		pthread_cond_broadcast(&vm->pause_cond);
		while (vm->paused && !atomic_load(&vm->stopping))
			pthread_cond_wait(&vm->pause_cond, &vm->pause_lock);
		vm->parked--;
	}
	pthread_mutex_unlock(&vm->pause_lock);
}

static void kick_vcpus(struct vm *vm)
{
	for (int i = 0; i < vm->nvcpus; i++) {
		vm->vcpu[i].run->immediate_exit = 1;
		pthread_kill(vm->vcpu[i].thread, KICK_SIGNAL);
	}
}

void vm_pause(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause_lock);
	if (!vm->paused) {
		vm->paused = true;
		kick_vcpus(vm);
		while (vm->parked < vm->nvcpus && !atomic_load(&vm->stopping))
			pthread_cond_wait(&vm->pause_cond, &vm->pause_lock);
	}
	pthread_mutex_unlock(&vm->pause_lock);
}

void vm_resume(struct vm *vm)
{
	pthread_mutex_lock(&vm->pause_lock);
	vm->paused = false;
	pthread_cond_broadcast(&vm->pause_cond);
	pthread_mutex_unlock(&vm->pause_lock);
}

static void *vcpu_thread(void *arg)
{
	struct vcpu *v = arg;
	struct vm *vm = v->vm;
	char name[16];

	snprintf(name, sizeof(name), "vcpu%d", v->id);
	pthread_setname_np(pthread_self(), name);
	if (sandbox_enter_vcpu_thread() != 0) {
		vmm_log("vcpu%d: cannot load its own seccomp filter: %s", v->id, strerror(errno));
		vm_request_exit(vm, VMM_EXIT_ERROR, "a vCPU thread could not confine itself");
		return NULL;
	}
	while (!atomic_load(&vm->stopping)) {
		if (ioctl(v->fd, KVM_RUN, 0) != 0) {
			if (errno == EINTR || errno == EAGAIN) {
				v->run->immediate_exit = 0;
				vcpu_park_if_paused(v);
				continue;
			}
			vmm_log("vcpu%d: KVM_RUN: %s", v->id, strerror(errno));
			vm_request_exit(vm, VMM_EXIT_CRASH, "KVM_RUN failed");
			break;
		}
		atomic_fetch_add(&v->exits_total, 1);
		switch (v->run->exit_reason) {
		case KVM_EXIT_IO:
			atomic_fetch_add(&v->exits_io, 1);
			vcpu_handle_io(v);
			break;
		case KVM_EXIT_MMIO:
			atomic_fetch_add(&v->exits_mmio, 1);
			if (v->run->mmio.len <= sizeof(v->run->mmio.data))
				pci_mmio_dispatch(v->run->mmio.phys_addr, v->run->mmio.data, v->run->mmio.len,
						  v->run->mmio.is_write);
			break;
		case KVM_EXIT_SHUTDOWN: {
			/* where it died, for whoever debugs the guest (or us) */
			struct kvm_regs regs;
			struct kvm_sregs sregs;
			if (ioctl(v->fd, KVM_GET_REGS, &regs) == 0 && ioctl(v->fd, KVM_GET_SREGS, &sregs) == 0)
				vmm_log("vcpu%d: triple fault at rip 0x%llx rsp 0x%llx cr0 0x%llx cr3 0x%llx cr4 0x%llx "
					"efer 0x%llx", v->id, (unsigned long long)regs.rip, (unsigned long long)regs.rsp,
					(unsigned long long)sregs.cr0, (unsigned long long)sregs.cr3,
					(unsigned long long)sregs.cr4, (unsigned long long)sregs.efer);
			vm_request_exit(vm, VMM_EXIT_CRASH, "triple fault: the guest crashed");
			break;
		}
		case KVM_EXIT_SYSTEM_EVENT:
			switch (v->run->system_event.type) {
			case KVM_SYSTEM_EVENT_SHUTDOWN:
				vm_request_exit(vm, VMM_EXIT_POWEROFF, "the guest powered off");
				break;
			case KVM_SYSTEM_EVENT_RESET:
				vm_request_exit(vm, VMM_EXIT_REBOOT, "the guest reset the machine");
				break;
			default:
				vm_request_exit(vm, VMM_EXIT_CRASH, "the guest crashed (system event)");
			}
			break;
		case KVM_EXIT_FAIL_ENTRY:
			vmm_log("vcpu%d: KVM could not enter the guest (reason 0x%llx)", v->id,
				(unsigned long long)v->run->fail_entry.hardware_entry_failure_reason);
			vm_request_exit(vm, VMM_EXIT_CRASH, "entry failure");
			break;
		case KVM_EXIT_INTERNAL_ERROR:
			vmm_log("vcpu%d: KVM internal error, suberror %u", v->id, v->run->internal.suberror);
			vm_request_exit(vm, VMM_EXIT_CRASH, "KVM internal error");
			break;
		default:
			atomic_fetch_add(&v->exits_other, 1);
			break;
		}
	}
	return NULL;
}

static void kick_handler(int sig)
{
	(void)sig;
}

int vm_start(struct vm *vm)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigaction(KICK_SIGNAL, &sa, NULL);
	for (int i = 0; i < vm->nvcpus; i++) {
		int err = pthread_create(&vm->vcpu[i].thread, NULL, vcpu_thread, &vm->vcpu[i]);
		if (err) {
			errno = err;
			return vm_fail("cannot start a vCPU thread");
		}
	}
	return 0;
}

void vm_join(struct vm *vm)
{
	for (int i = 0; i < vm->nvcpus; i++) {
		if (vm->vcpu[i].thread)
			pthread_join(vm->vcpu[i].thread, NULL);
	}
}
