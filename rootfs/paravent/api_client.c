/* The CLI's side of the API: one HTTP/1.1 request per connection over paraventd's unix
 * socket, "Connection: close", so the response is everything until the server closes. Only
 * what our own server sends is read: a status line, headers, a body. */
#include "api_client.h"
#include "fd_io.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define MAX_RESPONSE (4 * 1024 * 1024)

const char *api_socket_path(void)
{
	const char *p = getenv("PARAVENT_API_SOCKET");
	return p && *p ? p : "/run/paravent/api.sock";
}

int api_connect(char *err, size_t errlen)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	const char *sock = api_socket_path();

	if (strlen(sock) >= sizeof(addr.sun_path)) {
		snprintf(err, errlen, "socket path too long: %s", sock);
		return -1;
	}
	strcpy(addr.sun_path, sock);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
		snprintf(err, errlen, "cannot reach paraventd at %s: %s", sock, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int api_send_all(int fd, const char *p, size_t n)
{
	return fd_send_all(fd, p, n);
}

int api_call(const char *method, const char *path, const char *body, size_t len, int *status,
	     char **response, char *err, size_t errlen)
{
	char head[512];

	*response = NULL;
	int fd = api_connect(err, errlen);
	if (fd < 0)
		return -1;
	int n = snprintf(head, sizeof(head),
			 "%s %s HTTP/1.1\r\nHost: paraventd\r\nConnection: close\r\nContent-Length: %zu\r\n%s\r\n",
			 method, path, len, len ? "Content-Type: text/plain\r\n" : "");
	if (n < 0 || (size_t)n >= sizeof(head) || fd_send_all(fd, head, (size_t)n) != 0 ||
	    (len && fd_send_all(fd, body, len) != 0)) {
		snprintf(err, errlen, "cannot send the request to paraventd: %s", strerror(errno));
		close(fd);
		return -1;
	}
	size_t cap = 8192, got = 0;
	char *buf = malloc(cap + 1);
	while (buf) {
		if (got == cap) {
			if (cap >= MAX_RESPONSE)
				break;
			char *nb = realloc(buf, cap * 2 + 1);
			if (!nb) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = nb;
			cap *= 2;
		}
		ssize_t r = recv(fd, buf + got, cap - got, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	if (!buf) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	buf[got] = 0;
	char *sep = strstr(buf, "\r\n\r\n");
	if (sscanf(buf, "HTTP/1.%*d %d", status) != 1 || !sep) {
		snprintf(err, errlen, "paraventd sent something that is not an HTTP response");
		free(buf);
		return -1;
	}
	memmove(buf, sep + 4, got - (size_t)(sep + 4 - buf) + 1);
	*response = buf;
	return 0;
}

/* Prints the API's {"error": ...} (one line per problem) after a prefix. */
static void print_error(const char *prefix, const char *body, int status)
{
	cJSON *j = cJSON_Parse(body);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(j, "error");
	fprintf(stderr, "%s%s\n", prefix, cJSON_IsString(e) ? e->valuestring : body);
	if (!cJSON_IsString(e))
		fprintf(stderr, "(HTTP status %d)\n", status);
	cJSON_Delete(j);
}

/* Calls the API; returns the parsed JSON body of a 2xx reply, or NULL after printing why. */
cJSON *api_call_json(const char *method, const char *path, const char *body, size_t len, const char *what)
{
	int status;
	char *resp, err[300];
	if (api_call(method, path, body, len, &status, &resp, err, sizeof(err)) != 0) {
		fprintf(stderr, "paravent: %s\n", err);
		return NULL;
	}
	if (status < 200 || status > 299) {
		char prefix[128];
		snprintf(prefix, sizeof(prefix), "paravent: %s: ", what);
		print_error(prefix, resp, status);
		free(resp);
		return NULL;
	}
	cJSON *j = cJSON_Parse(resp);
	free(resp);
	return j ? j : cJSON_CreateObject();
}

const char *api_str(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
	return cJSON_IsString(v) ? v->valuestring : "";
}

double api_num(const cJSON *j, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(j, key);
	return cJSON_IsNumber(v) ? v->valuedouble : 0;
}

bool api_name_ok(const char *s)
{
	size_t n = strlen(s);
	if (n == 0 || n > 64)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.", s[i]))
			return false;
	return true;
}
