/* paraventd's --listen: IPv4 and IPv6 addresses, brackets, ports, and what is refused. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "check.h"
#include "listen_addr.h"

int main(void)
{
	struct listen_addr l;

	CHECK(listen_addr_parse("127.0.0.1", 8000, &l) == 0);
	CHECK(l.sa.ss_family == AF_INET && l.port == 8000 && !l.any);
	CHECK(ntohs(((struct sockaddr_in *)(void *)&l.sa)->sin_port) == 8000);
	CHECK(strcmp(l.url, "http://127.0.0.1:8000/") == 0);

	CHECK(listen_addr_parse("::1", 8001, &l) == 0);
	CHECK(l.sa.ss_family == AF_INET6 && !l.any && strcmp(l.url, "http://[::1]:8001/") == 0);
	CHECK(ntohs(((struct sockaddr_in6 *)(void *)&l.sa)->sin6_port) == 8001);
	CHECK(listen_addr_parse("[::1]", 8001, &l) == 0 && strcmp(l.url, "http://[::1]:8001/") == 0);
	CHECK(listen_addr_parse("::", 8000, &l) == 0 && l.any); /* both families on one socket */
	CHECK(listen_addr_parse("fe80::1", 80, &l) == 0 && !l.any);

	/* refused: not an address, half a bracket, brackets around IPv4, ports out of range */
	CHECK(listen_addr_parse("localhost", 8000, &l) == -1);
	CHECK(listen_addr_parse("[::1", 8000, &l) == -1);
	CHECK(listen_addr_parse("::1]", 8000, &l) == -1);
	CHECK(listen_addr_parse("[]", 8000, &l) == -1);
	CHECK(listen_addr_parse("[127.0.0.1]", 8000, &l) == -1);
	CHECK(listen_addr_parse("127.0.0.1:8000", 8000, &l) == -1);
	CHECK(listen_addr_parse("", 8000, &l) == -1);
	CHECK(listen_addr_parse(NULL, 8000, &l) == -1);
	CHECK(listen_addr_parse("127.0.0.1", 0, &l) == -1);
	CHECK(listen_addr_parse("127.0.0.1", 65536, &l) == -1);
	CHECK(listen_addr_parse("0123456789012345678901234567890123456789012345678901234567890", 1, &l) == -1);
	return check_summary("listen_addr");
}
