/* Saving and restoring a whole VM: guest RAM, vCPUs, the in-kernel irqchip, PIT and clock,
 * and every device, as one stream (snapshot_stream.h). Devices register themselves with a
 * tag and an instance; the stream holds their sections in registration order and a restore
 * gives each device its own section back, on a VM built from the same options.
 *
 * Stream layout: MACH (the machine's shape, to refuse a mismatched restore), CONF (the
 * toolstack's domain description, opaque here), RAM sections (non-zero pages only), IRQC
 * (PIC master, slave, IOAPIC), PIT., VCPU per vCPU, the devices, CLCK (kvmclock), END. */
#ifndef PARAVENT_VMM_SNAPSHOT_H
#define PARAVENT_VMM_SNAPSHOT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "snapshot_buf.h"
#include "snapshot_stream.h"

struct vm;

struct snap_ops {
	/* Appends the device's state to b (vCPUs paused, quiesce done). */
	void (*save)(void *opaque, struct snap_buf *b);
	/* Takes the state back from b, on a freshly built device, before the vCPUs run. Returns
	 * 0, or -1 with a reason in err (the restore fails; nothing runs). b->bad counts too. */
	int (*load)(void *opaque, struct snap_buf *b, char *err, size_t errlen);
	/* Optional: bring everything in flight home before a save (a vhost back-end's ring
	 * indices, a request popped but waiting for a rate limit goes back to the ring)... */
	void (*quiesce)(void *opaque);
	/* ...and hand it out again when the guest goes on running after the save. */
	void (*resume)(void *opaque);
	/* Optional, for live migration: from begin to end every write the device makes into
	 * guest memory must be marked dirty (guest_mem_mark_dirty), which the in-kernel vhost
	 * back-ends do not do: a device using one runs without it meanwhile. */
	void (*track_begin)(void *opaque);
	void (*track_end)(void *opaque);
	/* Optional: a loaded device starts acting (its back-end, its queues looked at), once the
	 * guest is surely ours: after a restore, after a migration's "go". */
	void (*activate)(void *opaque);
	/* Optional, for live migration: what the receiver can set up with KVM ahead of the
	 * pause (where the BARs decode, the interrupt routes), written while the guest runs and
	 * read back by hint_load at the receiver, which registers it and nothing else. The
	 * state that comes with the pause is loaded as always; what it finds registered with the
	 * same values costs no KVM call then. A hint that proves wrong costs only that. */
	void (*hint_save)(void *opaque, struct snap_buf *b);
	void (*hint_load)(void *opaque, struct snap_buf *b);
};

/* Registers a device's state under (tag, instance), e.g. ('V','P','C','I', PCI slot). */
void snapshot_register(uint32_t tag, uint32_t instance, const struct snap_ops *ops, void *opaque);

/* What snapshot_save does with the guest afterwards. */
enum snap_then { SNAP_THEN_STOP, SNAP_THEN_PAUSE, SNAP_THEN_CONTINUE };

/* Pauses the vCPUs, writes the VM to fd, and then leaves it paused or lets it run (STOP also
 * leaves it paused: the caller ends the VMM). config (may be NULL) goes in the CONF section.
 * Returns 0, or -1 with a reason in err; on failure the guest is left as it was before
 * (running, unless it was paused already). */
int snapshot_save(struct vm *vm, int fd, const char *config, enum snap_then then, char *err, size_t errlen);

/* snapshot_save into a new file at path (mode 0600; an existing file is replaced only once
 * the new one is complete). *bytes: the file's size. On failure nothing is left at path
 * but what was there before. */
int snapshot_save_file(struct vm *vm, const char *path, const char *config, enum snap_then then,
		       uint64_t *bytes, char *err, size_t errlen);

/* The pieces of a save, for live migration (migrate.c), which sends RAM in rounds while the
 * guest runs and the rest at the end. */
int snapshot_write_head(struct vm *vm, struct snap_writer *w, const char *config);
int snapshot_write_ram(struct vm *vm, struct snap_writer *w);
/* The devices' hints (snap_ops.hint_save), sent after round 0. */
int snapshot_write_hints(struct snap_writer *w);
/* Pages whose bit is set in bitmap (region i's layout), zero or not. */
int snapshot_write_pages(struct vm *vm, struct snap_writer *w, unsigned i, const uint64_t *bitmap);
/* vCPUs paused and devices quiesced: the interrupt controllers, vCPUs, devices, clock, END.
 * 0; -1 a write failed (w->error); -2 KVM refused (err). */
int snapshot_write_state(struct vm *vm, struct snap_writer *w, char *err, size_t errlen);
void snapshot_devices_quiesce(void);
void snapshot_devices_resume(void);
void snapshot_devices_track(bool on);
/* After snapshot_restore succeeded and the guest is to run here. */
void snapshot_devices_activate(void);

/* Loads a stream into a VM built with the same options, whose vCPUs exist but have not
 * run. Returns 0, or -1 with a reason in err. */
int snapshot_restore(struct vm *vm, int fd, char *err, size_t errlen);

#endif
