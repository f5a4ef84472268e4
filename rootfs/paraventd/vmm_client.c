/* See vmm_client.h. */
#include "vmm_client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "cJSON.h"

/* The request, with fd attached to its first byte when fd >= 0. */
static int send_request(int sock, const char *req, int fd)
{
	union {
		struct cmsghdr h;
		char space[CMSG_SPACE(sizeof(int))];
	} cbuf;
	struct iovec iov = { .iov_base = (void *)req, .iov_len = strlen(req) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		memset(&cbuf, 0, sizeof(cbuf));
		mh.msg_control = &cbuf;
		mh.msg_controllen = sizeof(cbuf);
		struct cmsghdr *cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	}
	if (sendmsg(sock, &mh, MSG_NOSIGNAL) != (ssize_t)iov.iov_len)
		return -1;
	return send(sock, "\n", 1, MSG_NOSIGNAL) == 1 ? 0 : -1;
}

int vmm_call(const char *path, const char *req, char *reply, size_t len, int seconds)
{
	return vmm_call_fd(path, req, -1, reply, len, seconds);
}

int vmm_call_fd(const char *path, const char *req, int pass_fd, char *reply, size_t len, int seconds)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	struct timeval tv = { .tv_sec = seconds };

	if (strlen(path) >= sizeof(addr.sun_path)) {
		snprintf(reply, len, "its control socket path is too long");
		return -1;
	}
	strcpy(addr.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		snprintf(reply, len, "socket: %s", strerror(errno));
		return -1;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	size_t got = 0;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 || send_request(fd, req, pass_fd) != 0) {
		/* a VMM still starting has no socket yet */
		snprintf(reply, len, "its VMM is not reachable (%s): starting, or gone", strerror(errno));
		close(fd);
		return -1;
	}
	while (got + 1 < len) {
		ssize_t r = recv(fd, reply + got, len - 1 - got, 0);
		if (r <= 0)
			break;
		got += (size_t)r;
		if (memchr(reply, '\n', got))
			break;
	}
	close(fd);
	reply[got] = 0;
	if (got == 0) {
		snprintf(reply, len, "its VMM did not answer within %d s", seconds);
		return -1;
	}
	if (strstr(reply, "\"ok\":true"))
		return 0;
	cJSON *j = cJSON_Parse(reply);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
	if (cJSON_IsString(e)) {
		char why[300];
		snprintf(why, sizeof(why), "%s", e->valuestring);
		snprintf(reply, len, "%s", why);
	}
	cJSON_Delete(j);
	return -1;
}
