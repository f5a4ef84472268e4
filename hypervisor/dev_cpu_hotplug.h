#ifndef PARAVENT_VMM_DEV_CPU_HOTPLUG_H
#define PARAVENT_VMM_DEV_CPU_HOTPLUG_H
#include <stddef.h>
struct vm;
/* vCPU hotplug registers (ACPI_CPU_HOTPLUG_PORT, see acpi.h): the first boot_cpus of the
 * VM's vCPUs are present at boot. */
int cpu_hotplug_init(struct vm *vm, int boot_cpus);
/* Asks the guest to have count vCPUs: plugs the missing ones below count and requests the
 * ones at or above it back, then raises the hotplug GPE. Returns 0, or -1 with a reason in
 * err when count is out of range. The guest acts on it asynchronously: a new CPU appears
 * offline until the guest brings it online, a requested one leaves once the guest has
 * taken it offline and ejected it. */
int cpu_hotplug_set_count(int count, char *err, size_t errlen);
/* vCPUs present now (plugged and not yet ejected), and whether vCPU i is one of them. */
int cpu_hotplug_present_count(void);
int cpu_hotplug_is_present(int i);
#endif
