/* Console connections (see console_proxy.h). */
#include "console_proxy.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <sys/un.h>
#include <unistd.h>

#include "api.h"
#include "fd_io.h"

struct console_link {
	char path[512];
	int client;
	struct MHD_UpgradeResponseHandle *urh;
	char *extra; /* bytes the client sent right after its request */
	size_t extra_len;
};

/* Connects to the VMM and asks for its console; returns the socket, or -1 with a message for
 * the client in msg. */
static int join_vmm(const char *path, char *msg, size_t msglen)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	char reply[256];
	size_t got = 0;

	if (strlen(path) >= sizeof(a.sun_path)) {
		snprintf(msg, msglen, "paraventd: the VMM's socket path is too long\r\n");
		if (fd >= 0)
			close(fd);
		return -1;
	}
	memcpy(a.sun_path, path, strlen(path) + 1);
	/* a VMM just started (`paravent create -c`) is still building its machine and has no
	 * socket yet, or one not listening: it gets 10 s */
	int tries = 0, c = -1;
	while (fd >= 0 && (c = connect(fd, (struct sockaddr *)&a, sizeof(a))) != 0 &&
	       (errno == ENOENT || errno == ECONNREFUSED) && ++tries < 100)
		nanosleep(&(struct timespec){ .tv_nsec = 100000000 }, NULL);
	if (fd < 0 || c != 0 || fd_send_all(fd, "{\"op\":\"console\"}\n", 17) != 0) {
		snprintf(msg, msglen, "paraventd: cannot reach the domain's VMM: %s\r\n", strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* its reply line, one byte at a time: what follows it is already console output */
	while (got < sizeof(reply) - 1) {
		ssize_t n = read(fd, reply + got, 1);
		if (n <= 0)
			break;
		if (reply[got++] == '\n')
			break;
	}
	reply[got] = 0;
	if (!strstr(reply, "\"ok\":true")) {
		snprintf(msg, msglen, "paraventd: the VMM refused its console: %.200s\r\n", reply);
		close(fd);
		return -1;
	}
	return fd;
}

static void *run_link(void *arg)
{
	struct console_link *l = arg;
	char buf[4096], msg[300];
	int vmm = join_vmm(l->path, msg, sizeof(msg));

	if (vmm < 0) {
		fd_send_all(l->client, msg, strlen(msg));
	} else if (l->extra_len == 0 || fd_send_all(vmm, l->extra, l->extra_len) == 0) {
		struct pollfd p[2] = { { .fd = l->client, .events = POLLIN }, { .fd = vmm, .events = POLLIN } };
		for (;;) {
			if (poll(p, 2, -1) < 0) {
				if (errno == EINTR)
					continue;
				break;
			}
			int from = (p[0].revents & (POLLIN | POLLHUP | POLLERR)) ? 0 :
				   (p[1].revents & (POLLIN | POLLHUP | POLLERR)) ? 1 : -1;
			if (from < 0)
				continue;
			ssize_t n = read(p[from].fd, buf, sizeof(buf));
			if (n <= 0 || fd_send_all(p[1 - from].fd, buf, (size_t)n) != 0)
				break;
		}
	}
	if (vmm >= 0)
		close(vmm);
	MHD_upgrade_action(l->urh, MHD_UPGRADE_ACTION_CLOSE);
	free(l->extra);
	free(l);
	return NULL;
}

static void on_upgrade(void *cls, struct MHD_Connection *conn, void *req_cls, const char *extra_in,
		       size_t extra_in_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
	struct console_link *l = cls;
	pthread_t t;

	(void)conn;
	(void)req_cls;
	l->client = sock;
	l->urh = urh;
	if (extra_in_size && (l->extra = malloc(extra_in_size))) {
		memcpy(l->extra, extra_in, extra_in_size);
		l->extra_len = extra_in_size;
	}
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, run_link, l) != 0) {
		MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
		free(l->extra);
		free(l);
	}
	pthread_attr_destroy(&attr);
}

struct MHD_Response *console_proxy_response(const char *control_path)
{
	struct console_link *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	snprintf(l->path, sizeof(l->path), "%s", control_path);
	l->client = -1;
	struct MHD_Response *r = MHD_create_response_for_upgrade(on_upgrade, l);
	if (!r) {
		free(l);
		return NULL;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_UPGRADE, API_CONSOLE_PROTOCOL);
	return r;
}
