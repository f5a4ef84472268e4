/* ACPI power management registers. A guest powers off by writing SLP_TYP(S5) | SLP_EN to
 * PM1a control, and resets by writing the reset value to the FADT's reset register. ACPI
 * mode is permanently on (SCI_EN reads 1). The VMM's events are the fixed power button (PM1
 * status bit 8: a request to shut down) and the GPE0 block (vCPU hotplug): a status bit set
 * while its enable bit is set holds the SCI (IRQ 9, level) up until the guest's handler
 * clears the status by writing 1 to it. */
#include "dev_acpi_pm.h"

#include <linux/kvm.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "acpi.h"
#include "le.h"
#include "paravent-vmm.h"
#include "pio.h"
#include "snapshot.h"
#include "vmm.h"

static struct {
	struct vm *vm;
	pthread_mutex_t lock;
	uint16_t pm1_status, pm1_enable;
	uint16_t gpe_status, gpe_enable;
	bool sci_level;
} pm = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* With pm.lock held: drives the SCI line to what the event registers (PM1, GPE0) say. */
static void sci_update(void)
{
	bool level = (pm.gpe_status & pm.gpe_enable) != 0 || (pm.pm1_status & pm.pm1_enable) != 0;
	if (level == pm.sci_level || !pm.vm)
		return;
	struct kvm_irq_level irq = { .irq = ACPI_SCI_IRQ, .level = level };
	if (ioctl(pm.vm->vm_fd, KVM_IRQ_LINE, &irq) == 0)
		pm.sci_level = level;
}

void acpi_pm_raise_gpe(unsigned gpe)
{
	pthread_mutex_lock(&pm.lock);
	pm.gpe_status |= (uint16_t)(1u << gpe);
	sci_update();
	pthread_mutex_unlock(&pm.lock);
}

void acpi_pm_press_power_button(void)
{
	pthread_mutex_lock(&pm.lock);
	pm.pm1_status |= ACPI_PM1_PWRBTN;
	sci_update();
	pthread_mutex_unlock(&pm.lock);
}

/* An event block as ACPI lays them out: 2 bytes of status (a 1 written clears that bit),
 * then 2 bytes of enable. The PM1a event block and the GPE0 block are both this shape.
 * With pm.lock held; off is the access's offset into the block, len the block's size. */
static void event_block_io(uint16_t *status, uint16_t *enable, unsigned off, unsigned len,
			   uint8_t *data, unsigned size, bool write)
{
	for (unsigned i = 0; i < size && off + i < len; i++) {
		unsigned at = off + i, shift = 8 * (at & 1);
		uint16_t *reg = at < 2 ? status : enable;
		if (!write)
			data[i] = (uint8_t)(*reg >> shift);
		else if (at < 2)
			*reg &= (uint16_t)~((unsigned)data[i] << shift);
		else
			*reg = (uint16_t)((*reg & ~(0xffu << shift)) | (unsigned)data[i] << shift);
	}
	sci_update();
}

static void gpe_io(void *dev, uint16_t port, uint8_t *data, unsigned size, bool write)
{
	(void)dev;
	pthread_mutex_lock(&pm.lock);
	event_block_io(&pm.gpe_status, &pm.gpe_enable, port - ACPI_GPE0_PORT, ACPI_GPE0_LEN, data, size, write);
	pthread_mutex_unlock(&pm.lock);
}

static uint16_t get16(const uint8_t *d, unsigned size)
{
	return (uint16_t)le_get(d, size > 2 ? 2 : size);
}

static void pm1_evt_io(void *dev, uint16_t port, uint8_t *data, unsigned size, bool write)
{
	(void)dev;
	pthread_mutex_lock(&pm.lock);
	event_block_io(&pm.pm1_status, &pm.pm1_enable, port - ACPI_PM1A_EVT_PORT, 4, data, size, write);
	pthread_mutex_unlock(&pm.lock);
}

static void pm1_cnt_io(void *dev, uint16_t port, uint8_t *data, unsigned size, bool write)
{
	(void)dev;
	if (!write) {
		le_put(data, size, port == ACPI_PM1A_CNT_PORT ? ACPI_PM1_SCI_EN : 0);
		return;
	}
	if (port != ACPI_PM1A_CNT_PORT || size < 2)
		return;
	uint16_t v = get16(data, size);
	if ((v & ACPI_PM1_SLP_EN) && ((v >> ACPI_PM1_SLP_TYP_SHIFT) & 7) == ACPI_S5_SLP_TYP)
		vm_request_exit(pm.vm, VMM_EXIT_POWEROFF, "the guest powered off (ACPI S5)");
}

static void reset_io(void *dev, uint16_t port, uint8_t *data, unsigned size, bool write)
{
	(void)dev;
	(void)port;
	if (!write) {
		memset(data, 0, size);
		return;
	}
	if (data[0] == ACPI_RESET_VALUE)
		vm_request_exit(pm.vm, VMM_EXIT_REBOOT, "the guest reset the machine (ACPI)");
}

static void pm_save(void *opaque, struct snap_buf *b)
{
	(void)opaque;
	pthread_mutex_lock(&pm.lock);
	sb_put(b, pm.pm1_status, 2);
	sb_put(b, pm.pm1_enable, 2);
	sb_put(b, pm.gpe_status, 2);
	sb_put(b, pm.gpe_enable, 2);
	pthread_mutex_unlock(&pm.lock);
}

static int pm_load(void *opaque, struct snap_buf *b, char *err, size_t errlen)
{
	(void)opaque;
	(void)err;
	(void)errlen;
	pthread_mutex_lock(&pm.lock);
	pm.pm1_status = (uint16_t)sb_get(b, 2);
	pm.pm1_enable = (uint16_t)sb_get(b, 2);
	pm.gpe_status = (uint16_t)sb_get(b, 2);
	pm.gpe_enable = (uint16_t)sb_get(b, 2);
	pm.sci_level = !((pm.gpe_status & pm.gpe_enable) || (pm.pm1_status & pm.pm1_enable));
	sci_update(); /* drives the line to what the registers say */
	pthread_mutex_unlock(&pm.lock);
	return 0;
}

static const struct snap_ops pm_snap_ops = { .save = pm_save, .load = pm_load };

int acpi_pm_init(struct vm *vm)
{
	pm.vm = vm;
	snapshot_register(SNAP_TAG('A', 'C', 'P', 'I'), 0, &pm_snap_ops, NULL);
	if (pio_register(ACPI_PM1A_EVT_PORT, 4, pm1_evt_io, NULL) != 0 ||
	    pio_register(ACPI_PM1A_CNT_PORT, 2, pm1_cnt_io, NULL) != 0 ||
	    pio_register(ACPI_GPE0_PORT, ACPI_GPE0_LEN, gpe_io, NULL) != 0)
		return -1;
	return pio_register(ACPI_RESET_PORT, 1, reset_io, NULL);
}
