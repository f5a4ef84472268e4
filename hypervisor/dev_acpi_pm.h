#ifndef PARAVENT_VMM_DEV_ACPI_PM_H
#define PARAVENT_VMM_DEV_ACPI_PM_H
struct vm;
/* The ACPI PM1a event and control registers and the reset register. */
int acpi_pm_init(struct vm *vm);
#endif
