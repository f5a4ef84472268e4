/* vmmctl: talks to one paravent-vmm's control socket, for debugging and tests (the toolstack,
 * paraventd, is the VMMs' real client).
 *   vmmctl SOCKET '{"op":"stats"}'   sends one request, prints the reply line; exit 0 if ok
 *   vmmctl SOCKET console            attaches to the console: the guest's recent and live
 *                                    output on stdout, stdin to the guest; Ctrl-] or the end
 *                                    of stdin detaches */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <termios.h>
#include <unistd.h>

#define CTRL_RBRACKET 0x1d

static int connect_to(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0 || strlen(path) >= sizeof(a.sun_path))
		return -1;
	strcpy(a.sun_path, path);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads one reply line (the first newline) into buf; leaves the rest, if any, in *extra. */
static int read_line(int fd, char *buf, size_t len, size_t *extra_at, size_t *got)
{
	size_t n = 0;
	while (n + 1 < len) {
		ssize_t r = read(fd, buf + n, len - 1 - n);
		if (r <= 0)
			return -1;
		n += (size_t)r;
		char *nl = memchr(buf, '\n', n);
		if (nl) {
			*extra_at = (size_t)(nl - buf) + 1;
			*got = n;
			*nl = '\0';
			return 0;
		}
	}
	return -1;
}

static int relay(int fd, const char *early, size_t early_len)
{
	struct termios saved, raw;
	int tty = isatty(0) && tcgetattr(0, &saved) == 0;
	char buf[4096];

	if (early_len && write(1, early, early_len) < 0)
		return 1;
	if (tty) {
		raw = saved;
		cfmakeraw(&raw);
		tcsetattr(0, TCSANOW, &raw);
	}
	struct pollfd p[2] = { { .fd = 0, .events = POLLIN }, { .fd = fd, .events = POLLIN } };
	for (;;) {
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents) {
			ssize_t n = read(fd, buf, sizeof(buf));
			if (n <= 0 || write(1, buf, (size_t)n) < 0)
				break;
		}
		if (p[0].revents) {
			ssize_t n = read(0, buf, sizeof(buf));
			if (n <= 0)
				break;
			char *esc = memchr(buf, CTRL_RBRACKET, (size_t)n);
			if (esc)
				n = esc - buf;
			if (n > 0 && write(fd, buf, (size_t)n) < 0)
				break;
			if (esc)
				break;
		}
	}
	if (tty)
		tcsetattr(0, TCSANOW, &saved);
	return 0;
}

int main(int argc, char **argv)
{
	char line[65536];
	size_t extra_at = 0, got = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: vmmctl SOCKET JSON-REQUEST | vmmctl SOCKET console\n");
		return 2;
	}
	int console = strcmp(argv[2], "console") == 0;
	int fd = connect_to(argv[1]);
	if (fd < 0) {
		fprintf(stderr, "vmmctl: cannot connect to %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	const char *req = console ? "{\"op\":\"console\"}" : argv[2];
	if (write(fd, req, strlen(req)) < 0 || write(fd, "\n", 1) < 0 ||
	    read_line(fd, line, sizeof(line), &extra_at, &got) != 0) {
		fprintf(stderr, "vmmctl: no reply from %s\n", argv[1]);
		return 1;
	}
	int ok = strstr(line, "\"ok\":true") != NULL;
	if (!console || !ok) {
		puts(line);
		return ok ? 0 : 1;
	}
	return relay(fd, line + extra_at, got - extra_at);
}
