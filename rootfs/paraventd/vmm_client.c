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

int vmm_call(const char *path, const char *req, char *reply, size_t len, int seconds)
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
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0 ||
	    send(fd, req, strlen(req), MSG_NOSIGNAL) < 0 || send(fd, "\n", 1, MSG_NOSIGNAL) < 0) {
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
