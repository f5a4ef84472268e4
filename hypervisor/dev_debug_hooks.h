/* Test hooks a guest can reach, in debug builds only (paravent-vmm-debug, built with
 * PARAVENT_DEBUG_HOOKS for `make test`; never on the ISO). */
#ifndef PARAVENT_VMM_DEV_DEBUG_HOOKS_H
#define PARAVENT_VMM_DEV_DEBUG_HOOKS_H

/* Any byte written to this port makes the VMM call getppid(2), a system call outside its
 * allowlist: the test that the filter kills the VMM (SIGSYS) and that paraventd says so.
 * From a guest's shell: dd if=/dev/zero of=/dev/port bs=1 count=1 seek=$((0x5f0)) */
#define VMM_DEBUG_SYSCALL_PORT 0x05f0

struct vm;

/* Registers the hooks in a debug build; does nothing otherwise. 0, or -1. */
int debug_hooks_init(struct vm *vm);

#endif
