/* Test hooks a guest can reach, in debug builds only (paravent-vmm-debug, built with
 * PARAVENT_DEBUG_HOOKS for `make test`; never on the ISO). */
#ifndef PARAVENT_VMM_DEV_DEBUG_HOOKS_H
#define PARAVENT_VMM_DEV_DEBUG_HOOKS_H

/* A byte written to this port makes the VMM call getppid(2), a system call outside its
 * allowlist, or, for the byte 2, ioctl(KVM_CREATE_VM) on /dev/kvm, a request outside the
 * ioctl allowlist: the test that the filter kills the VMM (SIGSYS) and that paraventd says so.
 * From a guest's shell: dd if=/dev/zero of=/dev/port bs=1 count=1 seek=$((0x5f0))
 * or: printf '\002' | dd of=/dev/port bs=1 count=1 seek=$((0x5f0)) */
#define VMM_DEBUG_SYSCALL_PORT 0x05f0

/* A byte N written to this port: the next N frames the guest sends on its first NIC get, in
 * guest memory, a virtio-net header no driver writes (GSO type 0x7f), as a hostile guest
 * could. The test that such frames are dropped, counted in stats, and that the NIC goes on.
 * printf '\003' | dd of=/dev/port bs=1 count=1 seek=$((0x5f1)) */
#define VMM_DEBUG_BAD_TX_PORT 0x05f1

#include <stdbool.h>

struct vm;

/* Registers the hooks in a debug build; does nothing otherwise. 0, or -1. */
int debug_hooks_init(struct vm *vm);

#ifdef PARAVENT_DEBUG_HOOKS
/* true, and one fewer left, while frames are still to be spoilt (VMM_DEBUG_BAD_TX_PORT) */
bool debug_hooks_take_bad_tx(void);
#else
static inline bool debug_hooks_take_bad_tx(void)
{
	return false;
}
#endif

#endif
