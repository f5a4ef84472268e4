#ifndef PARAVENT_VMM_DEV_BOOT_MARKER_H
#define PARAVENT_VMM_DEV_BOOT_MARKER_H
struct vm;
/* The boot-marker port (VMM_BOOT_MARKER_PORT): records launch → guest init. */
int boot_marker_init(struct vm *vm);
#endif
