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
	VMM_EXIT_SAVED = 6,    /* the guest was saved (control socket "save" with then "stop") */
	VMM_EXIT_MIGRATED = 7, /* the guest now runs at the receiver of a live migration */
};

/* The boot-marker I/O port: the guest's init writes VMM_BOOT_MARKER_VALUE (one byte) to it
 * when userspace starts; the first write records the time since the VMM was launched. */
#define VMM_BOOT_MARKER_PORT 0x0510
#define VMM_BOOT_MARKER_VALUE 0x7b

/* The control socket (--control PATH): a unix stream socket; each request is one line of
 * JSON with an "op", each reply one line of JSON with "ok" (and "error" when false).
 *   {"op":"pause"}   -> {"ok":true}         vCPUs stop running; devices stay as they are
 *   {"op":"resume"}  -> {"ok":true}
 *   {"op":"stop"}    -> {"ok":true}         the VMM exits with VMM_EXIT_STOPPED
 *   {"op":"shutdown"} -> {"ok":true}        presses the ACPI power button: the guest's OS is
 *                        asked to shut down (and then powers off: exit status 0)
 *   {"op":"stats"}   -> {"ok":true,"stats":{"name":..., "state":"running"|"paused",
 *                        "uptime_ms":N, "boot_ms":N|null, "memory_mib":N,
 *                        "rss_kib":N, "rss_guest_kib":N, "rss_vmm_kib":N,
 *                        "vcpus_present":N, "max_vcpus":N,
 *                        "vcpus":[{"present":B,"exits":N,"io":N,"mmio":N,"other":N}, ...],
 *                        "serial":{"tx_bytes":N,"rx_bytes":N,"interrupts":N},
 *                        "disks":[{"path":...,"reads":N,"read_bytes":N,"writes":N,
 *                                  "write_bytes":N,"flushes":N,"discards":N,"errors":N}]}}
 *   {"op":"vcpus","count":N} -> {"ok":true}   vCPUs below N plugged, the others asked back
 *                        (1 <= N <= max_vcpus); the guest acts on it asynchronously
 *   {"op":"save","path":FILE,"then":"stop"|"pause"|"continue","config":TEXT}
 *                    -> {"ok":true,"bytes":N}  pauses the guest and writes its whole state to
 *                        FILE (created or truncated, mode 0600); then the VMM exits with
 *                        VMM_EXIT_SAVED, or the guest stays paused, or runs on. config is
 *                        kept in the file for the toolstack. A failed save (disk full...)
 *                        answers the error, removes FILE and leaves the guest as it was.
 *                        paravent-vmm --restore FILE resumes it.
 *   {"op":"migrate","socket":PATH,"config":TEXT,"max_rounds":N,"downtime_ms":N}
 *                    -> {"ok":true}      live migration to a paravent-vmm started with
 *                        --incoming PATH (same options); runs in the background, "stats"
 *                        shows "migration"; on success the VMM exits with VMM_EXIT_MIGRATED,
 *                        on failure the guest runs on here
 *   {"op":"console"} -> {"ok":true}, then the connection carries the console: first the
 *                        recent output (up to VMM_CONSOLE_HISTORY bytes), then live output;
 *                        bytes sent go to the guest. Closing the connection detaches.
 *                        One client at a time: another gets {"ok":false,"error":...}.
 * Requests longer than VMM_CONTROL_MAX_REQUEST bytes close the connection. */
#define VMM_CONTROL_MAX_REQUEST 16384 /* a save request carries the domain configuration */
#define VMM_CONSOLE_HISTORY 65536

#endif
