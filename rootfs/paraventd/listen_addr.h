/* The API's TCP address from --listen and --port: IPv4 ("127.0.0.1", "0.0.0.0") or IPv6
 * ("::1", "::", also in brackets, "[::1]"), as a socket address for the HTTP server and as
 * the URL paraventd announces. */
#ifndef PARAVENTD_LISTEN_ADDR_H
#define PARAVENTD_LISTEN_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/socket.h>

struct listen_addr {
	struct sockaddr_storage sa; /* sockaddr_in or sockaddr_in6, port set */
	uint16_t port;
	bool any;     /* "::": IPv6 and, on the same socket, IPv4 clients */
	char url[80]; /* http://127.0.0.1:8000/, http://[::1]:8000/ */
};

/* 0, or -1 when text is not an address or port not within 1..65535. */
int listen_addr_parse(const char *text, long port, struct listen_addr *out);

#endif
