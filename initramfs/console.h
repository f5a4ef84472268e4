/* Messages to every active console, and the rescue shell. */
#ifndef PARAVENT_INITRAMFS_CONSOLE_H
#define PARAVENT_INITRAMFS_CONSOLE_H

/* Writes a formatted line, prefixed "paravent: ", to every console the kernel lists as
 * active (serial and screen alike), so a person on either sees it. */
void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* Starts a root shell on every active console and never returns: PID 1 must not exit
 * (the kernel would panic), so it stays to reap children and restart the shells. */
void rescue_shell(void) __attribute__((noreturn));

#endif
