/* The guest's init writes VMM_BOOT_MARKER_VALUE to VMM_BOOT_MARKER_PORT when userspace is
 * up; the first such write fixes the boot time (like Firecracker's boot timer, on a port
 * so that any guest can reach it with outb or /dev/port). */
#include "dev_boot_marker.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "paravent-vmm.h"
#include "pio.h"
#include "vmm.h"

static void boot_marker_io(void *dev, uint16_t port, uint8_t *data, unsigned size, bool write)
{
	struct vm *vm = dev;
	struct timespec now;

	(void)port;
	if (!write) {
		for (unsigned i = 0; i < size; i++)
			data[i] = vm->boot_marked ? 1 : 0;
		return;
	}
	if (data[0] != VMM_BOOT_MARKER_VALUE || atomic_exchange(&vm->boot_marked, true))
		return;
	clock_gettime(CLOCK_MONOTONIC, &now);
	vm->boot_ns = (uint64_t)(now.tv_sec - vm->launched.tv_sec) * 1000000000ULL +
		      (uint64_t)now.tv_nsec - (uint64_t)vm->launched.tv_nsec;
	vmm_log("guest init reached %llu.%03llu s after launch",
		(unsigned long long)(vm->boot_ns / 1000000000ULL),
		(unsigned long long)(vm->boot_ns / 1000000ULL % 1000));
}

int boot_marker_init(struct vm *vm)
{
	return pio_register(VMM_BOOT_MARKER_PORT, 1, boot_marker_io, vm);
}
