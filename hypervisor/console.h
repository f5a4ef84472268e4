/* The guest console seen from the host: output to the terminal (when attached), to the
 * --console-log file and into a ring buffer; input from the terminal, with Ctrl-A X to
 * stop the guest. One console per VMM, fed by whichever console device the guest uses. */
#ifndef PARAVENT_VMM_CONSOLE_H
#define PARAVENT_VMM_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

struct vm;

/* Receives input bytes for the guest; returns how many it took. */
typedef size_t (*console_input_fn)(void *dev, const uint8_t *buf, size_t len);

/* The log's bound: past it, the file becomes log_path.old and a new one starts. */
#define CONSOLE_LOG_MAX (2u << 20)
int console_init(struct vm *vm, const char *log_path);
void console_set_input(console_input_fn fn, void *dev);
void console_output(const uint8_t *buf, size_t len);
/* Called by the event loop when the terminal has input; returns -1 at its end. */
int console_read_terminal(void);
/* Restores the terminal; safe to call twice. */
void console_restore(void);
int console_terminal_fd(void);

/* Attaches a control-socket client as the console: sends it first_line (the reply to its
 * request), replays the recent output, then copies live output to it (without ever blocking
 * the guest: a client that does not read loses output, counted). Returns -1, sending
 * nothing, if a client is already attached. */
int console_attach(int fd, const char *first_line);
/* Detaches it (the caller closes fd). */
void console_detach(int fd);
/* Gives bytes from the attached client to the guest. */
void console_input_from_client(const uint8_t *buf, size_t len);

#endif
