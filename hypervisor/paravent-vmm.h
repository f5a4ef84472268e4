/* paravent-vmm's public interface: its exit statuses and its control socket protocol.
 * The toolstack (paraventd) includes this header; the VMM owns it. */
#ifndef PARAVENT_VMM_H
#define PARAVENT_VMM_H

/* Exit statuses of paravent-vmm, so the toolstack can apply on_poweroff, on_reboot and
 * on_crash without parsing messages. */
enum vmm_exit_status {
	VMM_EXIT_POWEROFF = 0, /* the guest powered itself off */
	VMM_EXIT_ERROR = 1,    /* the VMM failed (cannot open /dev/kvm, bad image...) */
	VMM_EXIT_USAGE = 2,    /* bad or conflicting command line options */
	VMM_EXIT_REBOOT = 3,   /* the guest asked to reboot */
	VMM_EXIT_CRASH = 4,    /* the guest crashed: triple fault, or KVM could not run it */
	VMM_EXIT_STOPPED = 5,  /* stopped from outside (control socket "stop", SIGTERM) */
};

/* The boot-marker I/O port: the guest's init writes VMM_BOOT_MARKER_VALUE (one byte) to it
 * when userspace starts; the first write records the time since the VMM was launched. */
#define VMM_BOOT_MARKER_PORT 0x0510
#define VMM_BOOT_MARKER_VALUE 0x7b

#endif
