/* Live migration, pre-copy, between two paravent-vmm processes over a unix socket (the
 * toolstack carries it between hosts). The sender streams the guest's RAM while it runs, then
 * what it dirtied, round after round, until what is left fits the downtime target; then it
 * pauses the guest and sends the rest with the vCPU and device state (the save stream of
 * snapshot.h, with RAM sections repeated). The receiver loads it and answers "ready"; the
 * sender answers "go"; the receiver answers "running" and runs the guest; the sender ends.
 * Any failure before "go" leaves the guest running at the sender and the receiver discards
 * what it got. If "running" does not come back, the sender cannot know whether "go" arrived:
 * it keeps the guest paused (never both running, and not lost either). */
#ifndef PARAVENT_VMM_MIGRATE_H
#define PARAVENT_VMM_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct vm;

#define MIGRATE_DEFAULT_ROUNDS 30
#define MIGRATE_DEFAULT_DOWNTIME_MS 100
#define MIGRATE_HANDSHAKE_SECONDS 60

enum migrate_state { MIGRATE_NONE, MIGRATE_RUNNING, MIGRATE_DONE, MIGRATE_FAILED };

struct migrate_status {
	enum migrate_state state;
	unsigned round;          /* rounds of RAM sent so far (round 0: all of it) */
	uint64_t sent_bytes;
	uint64_t dirty_pages;    /* found dirty by the last round */
	uint64_t round_pages[64]; /* pages sent per round (the first 64 rounds) */
	double rate_mbps;        /* the link's speed as measured by the last round, MB/s */
	double dirty_rate_mbps;  /* how fast the guest dirtied memory during the last round */
	uint64_t expected_downtime_ms; /* the pause the dirty pages left would cost now */
	bool stopped;            /* in stop-and-copy: the guest is paused */
	uint64_t downtime_ms;    /* guest paused until the receiver was ready */
	uint64_t total_ms;
	char error[200];
};

/* Starts sending in a thread of its own, on stream_fd (a connected stream socket handed over
 * by the toolstack; taken, closed on failure) or, when stream_fd is -1, on a connection to the
 * receiver at socket_path. The guest keeps running (live), or pauses at once and goes in one
 * stop-and-copy (!live). 0, or -1 with err (no receiver, a migration already running). On
 * success the VMM later exits with VMM_EXIT_MIGRATED. */
int migrate_start(struct vm *vm, const char *socket_path, int stream_fd, const char *config, unsigned max_rounds,
		  unsigned downtime_ms, bool live, char *err, size_t errlen);

void migrate_get_status(struct migrate_status *s);

/* The receiving side, before the vCPUs start: listens on socket_path, takes one sender, loads
 * the guest and completes the handshake. confine (may be NULL) runs once the sender is
 * connected, before its stream is read: the VMM confines itself there, outside the guest's
 * pause, and a failure to do so comes while the sender still has the guest. 0: start the
 * guest; -1 with err: discard it. */
int migrate_receive(struct vm *vm, const char *socket_path, int (*confine)(char *err, size_t errlen),
		    char *err, size_t errlen);

#endif
