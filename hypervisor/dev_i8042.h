#ifndef PARAVENT_VMM_DEV_I8042_H
#define PARAVENT_VMM_DEV_I8042_H
struct vm;
/* Just enough of the PS/2 controller for the guest to reboot the machine through it. */
int i8042_init(struct vm *vm);
#endif
