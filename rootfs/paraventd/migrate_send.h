/* The sending half of a migration between hosts: one thread per migrating domain connects to
 * the receiver's paraventd (TCP port 8002, migrate_link.h), offers the domain, and carries
 * the stream its VMM writes (hypervisor/migrate.h) across, sealed, at most at the bandwidth
 * asked for; a second thread follows the VMM's progress (round, MB sent, dirty rate, the
 * expected pause). The outcome of the last migration of each domain name stays here after
 * the domain is gone (a migrated domain leaves), for GET /domains/NAME/migrate. */
#ifndef PARAVENTD_MIGRATE_SEND_H
#define PARAVENTD_MIGRATE_SEND_H

#include <stdbool.h>
#include <stddef.h>

#include "cJSON.h"

struct migrate_send_args {
	char name[65];
	char control[600];  /* the VMM's control socket */
	char vmm_log[600];  /* the VMM's log, read from log_mark for its final report */
	long log_mark;
	const char *config; /* the domain's configuration text (copied) */
	char host[256];
	int port;
	char token[160];    /* the receiver's API token */
	bool live;
	unsigned max_rounds, downtime_ms;
	double bandwidth_mbps; /* 0: as fast as the link goes */
	/* called in the migration's thread at its end */
	void (*on_end)(const char *name, bool ok, const char *error);
};

/* Starts migrating; answers at once. 0, or -1 with err (one of that name running already, no
 * thread). */
int migrate_send_start(const struct migrate_send_args *a, char *err, size_t errlen);

bool migrate_send_running(const char *name);

/* {"state":"connecting"|"sending"|"stopped"|"migrated"|"failed","host":...,"live":B,
 *  "round":N,"sent_mb":X,"rate_mbps":X,"dirty_rate_mbps":X,"expected_downtime_ms":N,
 *  "round_pages":[...],"downtime_ms":N,"total_ms":N,"seconds":X,"error":...} of the last
 * migration of name, or NULL when there was none. */
cJSON *migrate_send_json(const char *name);

#endif
