/* vCPU hotplug, the way ACPI machines do it: every possible vCPU exists in KVM from the start
 * (an absent one simply waits for a startup IPI that the guest will only send once it has
 * added the CPU), and one status byte per vCPU tells the guest's ACPI code which are present
 * and which changed. Plugging sets PRESENT and INSERTING and raises the hotplug GPE, whose
 * method notifies the guest; unplugging sets REMOVING, the guest takes the CPU offline and
 * writes EJECT from its _EJ0. A guest writing nonsense only changes its own CPUs' bits. */
#include "dev_cpu_hotplug.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "acpi.h"
#include "dev_acpi_pm.h"
#include "snapshot.h"
#include "pio.h"
#include "vmm.h"

static struct {
	pthread_mutex_t lock;
	int max;
	uint8_t state[MAX_VCPUS];
} hp = { .lock = PTHREAD_MUTEX_INITIALIZER };

static void hotplug_io(void *dev, uint16_t port, uint8_t *data, unsigned size, bool write)
{
	(void)dev;
	pthread_mutex_lock(&hp.lock);
	for (unsigned i = 0; i < size; i++) {
		int n = port + (int)i - ACPI_CPU_HOTPLUG_PORT;
		if (n < 0 || n >= hp.max) {
			if (!write)
				data[i] = 0;
			continue;
		}
		if (!write) {
			data[i] = hp.state[n];
			continue;
		}
		if (data[i] & ACPI_CPU_INSERTING)
			hp.state[n] &= (uint8_t)~ACPI_CPU_INSERTING;
		if ((data[i] & ACPI_CPU_EJECT) && n > 0 && (hp.state[n] & ACPI_CPU_PRESENT)) {
			hp.state[n] = 0;
			vmm_log("vCPU %d ejected by the guest", n);
		}
	}
	pthread_mutex_unlock(&hp.lock);
}

/* Which vCPUs are plugged: a restored guest has the CPUs it had. */
static void hotplug_save(void *opaque, struct snap_buf *b)
{
	(void)opaque;
	pthread_mutex_lock(&hp.lock);
	sb_put(b, (uint64_t)hp.max, 4);
	for (int n = 0; n < hp.max; n++)
		sb_put(b, hp.state[n], 1);
	pthread_mutex_unlock(&hp.lock);
}

static int hotplug_load(void *opaque, struct snap_buf *b, char *err, size_t errlen)
{
	(void)opaque;
	pthread_mutex_lock(&hp.lock);
	int max = (int)sb_get(b, 4);
	if (max != hp.max) {
		pthread_mutex_unlock(&hp.lock);
		snprintf(err, errlen, "CPU hotplug: saved with %d vCPUs, this VM has %d", max, hp.max);
		return -1;
	}
	for (int n = 0; n < hp.max; n++)
		hp.state[n] = (uint8_t)sb_get(b, 1) & (ACPI_CPU_PRESENT | ACPI_CPU_INSERTING | ACPI_CPU_REMOVING);
	hp.state[0] |= ACPI_CPU_PRESENT;
	pthread_mutex_unlock(&hp.lock);
	return 0;
}

static const struct snap_ops hotplug_snap_ops = { .save = hotplug_save, .load = hotplug_load };

int cpu_hotplug_init(struct vm *vm, int boot_cpus)
{
	snapshot_register(SNAP_TAG('C', 'P', 'U', 'H'), 0, &hotplug_snap_ops, NULL);
	hp.max = vm->nvcpus;
	for (int n = 0; n < hp.max; n++)
		hp.state[n] = n < boot_cpus ? ACPI_CPU_PRESENT : 0;
	return pio_register(ACPI_CPU_HOTPLUG_PORT, (uint16_t)hp.max, hotplug_io, NULL);
}

int cpu_hotplug_set_count(int count, char *err, size_t errlen)
{
	if (count < 1 || count > hp.max) {
		snprintf(err, errlen, "vcpus: want 1 to %d (the VM's --max-vcpus)", hp.max);
		return -1;
	}
	bool changed = false;
	pthread_mutex_lock(&hp.lock);
	for (int n = 1; n < hp.max; n++) {
		uint8_t s = hp.state[n];
		if (n < count && !(s & ACPI_CPU_PRESENT))
			s = ACPI_CPU_PRESENT | ACPI_CPU_INSERTING;
		else if (n < count)
			s &= (uint8_t)~ACPI_CPU_REMOVING; /* no longer wanted back */
		else if (s & ACPI_CPU_PRESENT)
			s = (uint8_t)((s & ~ACPI_CPU_INSERTING) | ACPI_CPU_REMOVING);
		changed |= s != hp.state[n];
		hp.state[n] = s;
	}
	pthread_mutex_unlock(&hp.lock);
	if (changed)
		acpi_pm_raise_gpe(ACPI_GPE_CPU_HOTPLUG);
	return 0;
}

int cpu_hotplug_present_count(void)
{
	int c = 0;
	pthread_mutex_lock(&hp.lock);
	for (int n = 0; n < hp.max; n++)
		c += (hp.state[n] & ACPI_CPU_PRESENT) != 0;
	pthread_mutex_unlock(&hp.lock);
	return c;
}

int cpu_hotplug_is_present(int i)
{
	pthread_mutex_lock(&hp.lock);
	int p = i >= 0 && i < hp.max && (hp.state[i] & ACPI_CPU_PRESENT);
	pthread_mutex_unlock(&hp.lock);
	return p;
}
