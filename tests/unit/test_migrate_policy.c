/* When a live migration pauses the guest: hypervisor/migrate_policy.c, walked through the
 * guests it meets. */
#include "check.h"
#include "migrate_policy.h"

int main(void)
{
	/* an idle guest: a few dozen pages of background writes each round, far under a budget
	 * of 500 pages; the first dirty round still shrinks hugely from the whole RAM, so it is
	 * sent; then the set stops shrinking and the guest pauses */
	CHECK(!migrate_should_pause(49, 6800, 500, 1, 30));
	CHECK(migrate_should_pause(45, 49, 500, 2, 30));
	CHECK(migrate_should_pause(49, 45, 500, 2, 30)); /* grew back: no better round to wait for */
	/* a guest writing in bursts: 360 pages fit the budget, but the round after, caught
	 * between two bursts, is smaller still; then it is tiny: pause */
	CHECK(!migrate_should_pause(360, 6800, 500, 1, 30));
	CHECK(!migrate_should_pause(100, 360, 500, 2, 30));
	CHECK(migrate_should_pause(12, 100, 500, 3, 30));
	CHECK(migrate_should_pause(MIGRATE_FEW_PAGES, 10000, 500, 1, 30));
	CHECK(!migrate_should_pause(MIGRATE_FEW_PAGES + 1, 10000, 500, 1, 30));
	/* exactly three quarters still counts as shrinking; more does not */
	CHECK(!migrate_should_pause(300, 400, 500, 2, 30));
	CHECK(migrate_should_pause(301, 400, 500, 2, 30));
	/* over the budget: another round, however little it shrinks, until the round limit */
	CHECK(!migrate_should_pause(600, 600, 500, 5, 30));
	CHECK(!migrate_should_pause(600, 600, 500, 30, 30));
	CHECK(migrate_should_pause(600, 600, 500, 31, 30));
	CHECK(migrate_should_pause(100000, 100, 500, 31, 30));
	/* a link measured at zero (no budget): only the round limit or nothing left ends it */
	CHECK(!migrate_should_pause(1, 1, 0, 3, 30));
	CHECK(migrate_should_pause(0, 0, 0, 3, 30));
	return check_summary("migrate-policy");
}
