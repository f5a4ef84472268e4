/* See migrate_policy.h. */
#include "migrate_policy.h"

bool migrate_should_pause(uint64_t pages, uint64_t prev_pages, double budget_pages, unsigned round,
			  unsigned max_rounds)
{
	if (round > max_rounds)
		return true;
	if ((double)pages > budget_pages)
		return false;
	return pages <= MIGRATE_FEW_PAGES || pages * 4 > prev_pages * 3;
}
