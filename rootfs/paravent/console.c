/* paravent console NAME: attaches the terminal to a domain's console through paraventd (an
 * HTTP Upgrade to paravent-console on its API socket, docs/api.md), like xl console. The
 * guest's recent output first, then live; keystrokes go to the guest; Ctrl-] detaches and
 * leaves the guest running. When standard input is not a terminal, what it holds is typed
 * and the console stays attached until the output has been quiet for 3 s, for scripts. */
#include "console.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "api_client.h"

#define CTRL_RBRACKET 0x1d
#define QUIET_MS 3000

/* Sends the upgrade request and reads the reply head; 0 when the console is ours. What
 * came after the head (console output already) is printed. */
static int upgrade(int fd, const char *name)
{
	char req[256], head[4096];
	size_t got = 0;
	int n = snprintf(req, sizeof(req),
			 "GET /domains/%s/console HTTP/1.1\r\nHost: paraventd\r\nConnection: Upgrade\r\n"
			 "Upgrade: paravent-console\r\n\r\n", name);

	if (n < 0 || (size_t)n >= sizeof(req) || api_send_all(fd, req, (size_t)n) != 0) {
		fprintf(stderr, "paravent: console: cannot send the request: %s\n", strerror(errno));
		return -1;
	}
	char *end = NULL;
	while (!end && got < sizeof(head) - 1) {
		ssize_t r = read(fd, head + got, sizeof(head) - 1 - got);
		if (r <= 0)
			break;
		got += (size_t)r;
		head[got] = 0;
		end = strstr(head, "\r\n\r\n");
	}
	if (!end) {
		fprintf(stderr, "paravent: console: paraventd gave no answer\n");
		return -1;
	}
	if (strncmp(head, "HTTP/1.1 101", 12) != 0) {
		/* an error: its JSON body says why ({"error":"..."}) */
		const char *e = strstr(end, "\"error\":\"");
		char why[300] = "";
		if (e)
			sscanf(e + 9, "%299[^\"]", why);
		fprintf(stderr, "paravent: console %s: %s\n", name, why[0] ? why : head);
		return -1;
	}
	size_t rest = got - (size_t)(end + 4 - head);
	if (rest && write(STDOUT_FILENO, end + 4, rest) < 0)
		return -1;
	return 0;
}

int cmd_console(int argc, char **argv)
{
	char err[300];

	if (argc != 2) {
		fprintf(stderr, "usage: paravent console NAME   (Ctrl-] detaches)\n");
		return 2;
	}
	int fd = api_connect(err, sizeof(err));
	if (fd < 0) {
		fprintf(stderr, "paravent: %s\n", err);
		return 1;
	}
	if (upgrade(fd, argv[1]) != 0) {
		close(fd);
		return 1;
	}
	bool tty = isatty(STDIN_FILENO);
	struct termios saved, raw;
	if (tty && tcgetattr(STDIN_FILENO, &saved) == 0) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(STDIN_FILENO, TCSANOW, &raw);
		fprintf(stderr, "[attached to %s: Ctrl-] detaches]\r\n", argv[1]);
	}
	struct pollfd p[2] = { { .fd = fd, .events = POLLIN }, { .fd = STDIN_FILENO, .events = POLLIN } };
	bool input_done = false;
	char buf[4096];
	int rc = 0;
	for (;;) {
		int r = poll(p, input_done ? 1 : 2, input_done ? QUIET_MS : -1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break; /* quiet after the end of the input */
		if (p[0].revents) {
			ssize_t n = read(fd, buf, sizeof(buf));
			if (n <= 0) {
				fprintf(stderr, "%s[the console of %s closed: the domain stopped]\n", tty ? "\r\n" : "", argv[1]);
				rc = 1;
				break;
			}
			if (write(STDOUT_FILENO, buf, (size_t)n) < 0)
				break;
		}
		if (!input_done && p[1].revents) {
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			if (n <= 0) {
				input_done = true;
				continue;
			}
			char *detach = tty ? memchr(buf, CTRL_RBRACKET, (size_t)n) : NULL;
			size_t len = detach ? (size_t)(detach - buf) : (size_t)n;
			if (len && api_send_all(fd, buf, len) != 0)
				break;
			if (detach)
				break;
		}
	}
	if (tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
		fprintf(stderr, "\n[detached from %s]\n", argv[1]);
	}
	close(fd);
	return rc;
}
