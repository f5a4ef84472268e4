/* See dev_debug_hooks.h. In a release build this file holds only an empty init. */
#include "dev_debug_hooks.h"

#ifdef PARAVENT_DEBUG_HOOKS

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <linux/kvm.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "pio.h"
#include "vmm.h"

static int kvm_fd = -1;

static void forbidden_syscall_io(void *dev, uint16_t port, uint8_t *data, unsigned size, bool write)
{
	(void)dev;
	(void)port;
	(void)size;
	if (!write) {
		data[0] = 0;
		return;
	}
	if (data[0] == 2) {
		/* a system call the list allows, with a request it does not: a second VM */
		vmm_log("debug hook: the guest asks for KVM_CREATE_VM, an ioctl outside the allowlist");
		int fd = ioctl(kvm_fd, KVM_CREATE_VM, 0); /* the filter kills the process here */
		vmm_log("debug hook: KVM_CREATE_VM was allowed (%d): the ioctl allowlist is not in force", fd);
		if (fd >= 0)
			close(fd);
		return;
	}
	vmm_log("debug hook: the guest asks for getppid, a system call outside the allowlist");
	syscall(SYS_getppid); /* the filter kills the process here */
	vmm_log("debug hook: getppid was allowed: the allowlist is not in force");
}

static atomic_uint bad_tx_left;

static void bad_tx_io(void *dev, uint16_t port, uint8_t *data, unsigned size, bool write)
{
	(void)dev;
	(void)port;
	(void)size;
	if (!write) {
		data[0] = (uint8_t)atomic_load(&bad_tx_left);
		return;
	}
	atomic_store(&bad_tx_left, data[0]);
	vmm_log("debug hook: the next %u frames the guest sends on NIC 0 get a bad virtio-net header", data[0]);
}

bool debug_hooks_take_bad_tx(void)
{
	unsigned left = atomic_load(&bad_tx_left);
	while (left && !atomic_compare_exchange_weak(&bad_tx_left, &left, left - 1))
		;
	return left != 0;
}

int debug_hooks_init(struct vm *vm)
{
	kvm_fd = vm->kvm_fd;
	vmm_log("debug build: a write to port 0x%x calls a forbidden system call", VMM_DEBUG_SYSCALL_PORT);
	return pio_register(VMM_DEBUG_SYSCALL_PORT, 1, forbidden_syscall_io, NULL) != 0 ||
			       pio_register(VMM_DEBUG_BAD_TX_PORT, 1, bad_tx_io, NULL) != 0
		       ? -1
		       : 0;
}

#else

int debug_hooks_init(struct vm *vm)
{
	(void)vm;
	return 0;
}

#endif
