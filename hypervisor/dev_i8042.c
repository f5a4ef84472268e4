/* The keyboard controller's one job here: command 0xFE on port 0x64 pulses the CPU reset
 * line, which is how Linux reboots a PC without ACPI. The status register reads "empty",
 * so the guest's waits for the controller end at once. */
#include "dev_i8042.h"

#include <stdbool.h>
#include <stdint.h>

#include "paravent-vmm.h"
#include "pio.h"
#include "vmm.h"

#define I8042_DATA 0x60
#define I8042_CMD 0x64
#define I8042_CMD_RESET 0xfe

static void i8042_io(void *dev, uint16_t port, uint8_t *data, unsigned size, bool write)
{
	struct vm *vm = dev;

	if (!write) {
		for (unsigned i = 0; i < size; i++)
			data[i] = 0;
		return;
	}
	if (port == I8042_CMD && data[0] == I8042_CMD_RESET)
		vm_request_exit(vm, VMM_EXIT_REBOOT, "the guest reset the machine (i8042)");
}

int i8042_init(struct vm *vm)
{
	if (pio_register(I8042_DATA, 1, i8042_io, vm) != 0)
		return -1;
	return pio_register(I8042_CMD, 1, i8042_io, vm);
}
