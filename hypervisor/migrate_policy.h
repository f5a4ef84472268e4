/* When a live migration stops copying rounds and pauses the guest (migrate.c). Pure
 * arithmetic, so that the unit tests can walk it through guests of every kind. */
#ifndef PARAVENT_VMM_MIGRATE_POLICY_H
#define PARAVENT_VMM_MIGRATE_POLICY_H

#include <stdbool.h>
#include <stdint.h>

/* A dirty set this small is not worth another round: the state alone costs more. */
#define MIGRATE_FEW_PAGES 16

/* After round `round` found `pages` dirty (the previous round sent `prev_pages`), with
 * `budget_pages` what the downtime target allows at the link's measured speed: true to pause
 * now. It pauses when the round limit is passed; otherwise only when the set fits the budget
 * and another round would not make it much smaller: it has stopped shrinking (more than
 * three quarters of the previous round's) or is already tiny. A set that fits but still
 * shrinks gets another round, since the pause costs what is left: a guest that writes in
 * bursts is often caught between two. */
bool migrate_should_pause(uint64_t pages, uint64_t prev_pages, double budget_pages, unsigned round,
			  unsigned max_rounds);

#endif
