#ifndef PARAVENT_VMM_DEV_VIRTIO_CONSOLE_H
#define PARAVENT_VMM_DEV_VIRTIO_CONSOLE_H
struct vm;
/* virtio-console with one port (the guest's hvc0), wired to the console. */
int virtio_console_add(struct vm *vm);
#endif
