/* The API's per-client request limit: a burst, then the refill rate; clients apart. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>

#include "check.h"
#include "client_rate.h"

int main(void)
{
	double wait = 0;
	int allowed = 0;

	/* a burst of CLIENT_RATE_BURST at one instant, then refused, saying how long to wait */
	for (int i = 0; i < 100; i++)
		allowed += client_rate_allow(0x0a000001, 100.0, &wait);
	CHECK(allowed == (int)CLIENT_RATE_BURST);
	CHECK(wait > 0 && wait <= 1.0 / CLIENT_RATE_PER_SECOND + 1e-9);
	/* another client is not held up by the first */
	CHECK(client_rate_allow(0x0a000002, 100.0, &wait));
	/* one second later: the refill, and no more */
	allowed = 0;
	for (int i = 0; i < 100; i++)
		allowed += client_rate_allow(0x0a000001, 101.0, &wait);
	CHECK(allowed == (int)CLIENT_RATE_PER_SECOND);
	/* a long pause refills up to the burst, not beyond */
	allowed = 0;
	for (int i = 0; i < 100; i++)
		allowed += client_rate_allow(0x0a000001, 10000.0, &wait);
	CHECK(allowed == (int)CLIENT_RATE_BURST);
	/* a clock that goes back (never, but) takes nothing away nor gives */
	CHECK(!client_rate_allow(0x0a000001, 50.0, &wait));
	/* more clients than slots: the table recycles the oldest, each new one starts full */
	for (uint32_t ip = 1; ip <= 3 * CLIENT_RATE_SLOTS; ip++)
		CHECK(client_rate_allow(0xc0a80000 + ip, 20000.0 + ip, &wait));
	/* keys: an IPv4 client is the same whether it comes as IPv4 or IPv4-mapped on an IPv6
	 * socket; IPv6 clients count by their /64 */
	struct sockaddr_in v4 = { .sin_family = AF_INET };
	struct sockaddr_in6 a = { .sin6_family = AF_INET6 }, b = a, c = a, mapped = a;
	inet_pton(AF_INET, "10.0.2.15", &v4.sin_addr);
	inet_pton(AF_INET6, "::ffff:10.0.2.15", &mapped.sin6_addr);
	inet_pton(AF_INET6, "2001:db8:1:2::1", &a.sin6_addr);
	inet_pton(AF_INET6, "2001:db8:1:2:aaaa:bbbb:cccc:dddd", &b.sin6_addr);
	inet_pton(AF_INET6, "2001:db8:1:3::1", &c.sin6_addr);
	uint64_t k4 = client_rate_key((struct sockaddr *)&v4);
	CHECK(k4 != 0 && k4 == client_rate_key((struct sockaddr *)&mapped));
	CHECK(client_rate_key((struct sockaddr *)&a) == client_rate_key((struct sockaddr *)&b));
	CHECK(client_rate_key((struct sockaddr *)&a) != client_rate_key((struct sockaddr *)&c));
	CHECK(client_rate_key((struct sockaddr *)&a) != k4);
	CHECK(client_rate_key(NULL) == 0);
	/* a host rotating addresses within its /64 shares one bucket */
	allowed = 0;
	for (int i = 0; i < 100; i++) {
		a.sin6_addr.s6_addr[15] = (uint8_t)i;
		allowed += client_rate_allow(client_rate_key((struct sockaddr *)&a), 30000.0, &wait);
	}
	CHECK(allowed == (int)CLIENT_RATE_BURST);
	return check_summary("client_rate");
}
