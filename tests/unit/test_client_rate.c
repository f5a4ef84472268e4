/* The API's per-client request limit: a burst, then the refill rate; clients apart. */
#include <stdint.h>

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
	return check_summary("client_rate");
}
