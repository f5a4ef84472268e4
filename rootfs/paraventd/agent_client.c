/* See agent_client.h. Connect and read are bounded, so a guest whose agent is stuck costs the
 * caller a few seconds, never a hang. */
#include "agent_client.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/vm_sockets.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

int agent_parse_answer(const char *line, char *reply, size_t len)
{
	size_t n = strcspn(line, "\r\n");
	if (n >= 2 && strncmp(line, "ok", 2) == 0 && (n == 2 || line[2] == ' ')) {
		snprintf(reply, len, "%.*s", n > 3 ? (int)(n - 3) : 0, line + (n > 3 ? 3 : n));
		return 0;
	}
	snprintf(reply, len, "the agent answered \"%.*s\"", n ? (int)(n > 100 ? 100 : n) : 7, n ? line : "nothing");
	return -1;
}

static int wait_for(int fd, short events, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = events };
	int r = poll(&p, 1, timeout_ms);
	if (r == 0)
		errno = ETIMEDOUT;
	return r > 0 ? 0 : -1;
}

int agent_request(uint32_t cid, const char *req, char *reply, size_t len)
{
	return agent_request_within(cid, req, AGENT_TIMEOUT_MS, reply, len);
}

int agent_request_within(uint32_t cid, const char *req, int timeout_ms, char *reply, size_t len)
{
	struct sockaddr_vm a = { .svm_family = AF_VSOCK, .svm_port = AGENT_PORT, .svm_cid = cid };
	int fd = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0) {
		snprintf(reply, len, "dom0 has no vsock: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		int soerr = errno;
		socklen_t sl = sizeof(soerr);
		if (errno == EINPROGRESS && wait_for(fd, POLLOUT, AGENT_TIMEOUT_MS) == 0)
			getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl);
		else if (errno == EINPROGRESS)
			soerr = ETIMEDOUT;
		if (soerr) {
			snprintf(reply, len, "no agent answers on vsock %u:%d (%s)", cid, AGENT_PORT, strerror(soerr));
			close(fd);
			return -1;
		}
	}
	char line[80];
	snprintf(line, sizeof(line), "%s\n", req);
	size_t n = strlen(line);
	if (send(fd, line, n, MSG_NOSIGNAL) != (ssize_t)n) {
		snprintf(reply, len, "cannot talk to the agent: %s", strerror(errno));
		close(fd);
		return -1;
	}
	size_t got = 0;
	char buf[256];
	while (got + 1 < sizeof(buf)) {
		if (wait_for(fd, POLLIN, timeout_ms) != 0) {
			snprintf(reply, len, "the agent did not answer within %d s", timeout_ms / 1000);
			close(fd);
			return -1;
		}
		ssize_t r = recv(fd, buf + got, sizeof(buf) - 1 - got, 0);
		if (r < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
		if (memchr(buf, '\n', got))
			break;
	}
	close(fd);
	buf[got] = 0;
	return agent_parse_answer(buf, reply, len);
}
