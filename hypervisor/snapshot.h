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

/* Loads a stream into a VM built with the same options, whose vCPUs exist but have not
 * run. Returns 0, or -1 with a reason in err. */
int snapshot_restore(struct vm *vm, int fd, char *err, size_t errlen);

#endif
