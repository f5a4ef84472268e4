/* Consoles of the initramfs: the kernel's /dev/console is only the last console= given,
 * so messages and rescue shells go to each active console by name. */
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <unistd.h>

#define MAX_CONSOLES 8

/* Fills names with the active consoles ("ttyS0", "tty1"); tty0 means the foreground VT,
 * which is tty1 while nothing has switched. Falls back to "console". */
static int active_consoles(char names[MAX_CONSOLES][32])
{
	char buf[256] = "";
	int n = 0;
	int fd = open("/sys/class/tty/console/active", O_RDONLY | O_CLOEXEC);

	if (fd >= 0) {
		ssize_t r = read(fd, buf, sizeof(buf) - 1);
		buf[r > 0 ? r : 0] = '\0';
		close(fd);
	}
	for (char *save, *tok = strtok_r(buf, " \n", &save); tok && n < MAX_CONSOLES;
	     tok = strtok_r(NULL, " \n", &save)) {
		snprintf(names[n++], 32, "%s", strcmp(tok, "tty0") == 0 ? "tty1" : tok);
	}
	if (n == 0)
		snprintf(names[n++], 32, "console");
	return n;
}

void say(const char *fmt, ...)
{
	char line[2048], names[MAX_CONSOLES][32], path[300];
	va_list ap;
	int len = snprintf(line, sizeof(line), "paravent: ");

	va_start(ap, fmt);
	len += vsnprintf(line + len, sizeof(line) - (size_t)len - 2, fmt, ap);
	va_end(ap);
	if (len > (int)sizeof(line) - 3)
		len = (int)sizeof(line) - 3;
	line[len++] = '\r';
	line[len++] = '\n';

	int n = active_consoles(names);
	for (int i = 0; i < n; i++) {
		snprintf(path, sizeof(path), "/dev/%s", names[i]);
		int fd = open(path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
		if (fd < 0)
			continue;
		if (write(fd, line, (size_t)len) < 0) {
			/* nothing better to do with a console that refuses output */
		}
		close(fd);
	}
}

static pid_t spawn_shell(const char *tty)
{
	pid_t pid = fork();

	if (pid != 0)
		return pid;
	char path[300];
	snprintf(path, sizeof(path), "/dev/%s", tty);
	setsid();
	int fd = open(path, O_RDWR);
	if (fd < 0)
		_exit(127);
	ioctl(fd, TIOCSCTTY, 1);
	dup2(fd, 0);
	dup2(fd, 1);
	dup2(fd, 2);
	if (fd > 2)
		close(fd);
	static const char banner[] =
		"\r\nParavent rescue shell (initramfs). Type 'reboot -f' to restart.\r\n";
	if (write(1, banner, sizeof(banner) - 1) < 0) {
		/* ignore */
	}
	setenv("PATH", "/bin:/sbin", 1);
	setenv("PS1", "(rescue) # ", 1);
	execl("/bin/sh", "sh", "-i", (char *)NULL);
	_exit(127);
}

void rescue_shell(void)
{
	char names[MAX_CONSOLES][32];
	pid_t pids[MAX_CONSOLES];
	int n = active_consoles(names);

	say("starting a rescue shell on %d console(s)", n);
	for (int i = 0; i < n; i++)
		pids[i] = spawn_shell(names[i]);
	for (;;) {
		int status;
		pid_t dead = wait(&status);
		if (dead < 0) {
			if (errno != EINTR)
				sleep(1);
			continue;
		}
		for (int i = 0; i < n; i++) {
			if (pids[i] == dead) {
				sleep(1); /* a shell that cannot start must not spin */
				pids[i] = spawn_shell(names[i]);
			}
		}
	}
}
