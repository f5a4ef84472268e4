/* See listen_addr.h. */
#include "listen_addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

int listen_addr_parse(const char *text, long port, struct listen_addr *out)
{
	char host[INET6_ADDRSTRLEN + 2];
	size_t n = text ? strlen(text) : 0;

	memset(out, 0, sizeof(*out));
	if (port < 1 || port > 65535 || n == 0 || n >= sizeof(host))
		return -1;
	if (text[0] == '[') { /* [::1], as in URLs */
		if (n < 3 || text[n - 1] != ']')
			return -1;
		memcpy(host, text + 1, n - 2);
		host[n - 2] = 0;
	} else {
		memcpy(host, text, n + 1);
	}
	out->port = (uint16_t)port;
	struct sockaddr_in *in = (struct sockaddr_in *)(void *)&out->sa;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)&out->sa;
	if (text[0] != '[' && inet_pton(AF_INET, host, &in->sin_addr) == 1) {
		in->sin_family = AF_INET;
		in->sin_port = htons(out->port);
		snprintf(out->url, sizeof(out->url), "http://%s:%u/", host, out->port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(out->port);
		out->any = IN6_IS_ADDR_UNSPECIFIED(&in6->sin6_addr);
		snprintf(out->url, sizeof(out->url), "http://[%s]:%u/", host, out->port);
		return 0;
	}
	memset(out, 0, sizeof(*out));
	return -1;
}
