#ifndef PARAVENT_VMM_DEV_ACPI_PM_H
#define PARAVENT_VMM_DEV_ACPI_PM_H
struct vm;
/* The ACPI PM1a event and control registers, the GPE0 block and the reset register. */
int acpi_pm_init(struct vm *vm);
/* Sets a GPE's status bit; the SCI rises if the guest has enabled that GPE. Any thread. */
void acpi_pm_raise_gpe(unsigned gpe);
/* Presses the power button: the guest's OS is asked to shut down (it decides how). */
void acpi_pm_press_power_button(void);
#endif
