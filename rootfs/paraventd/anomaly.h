/* Anomaly flags: a domain doing something unusual for it, noticed from samples paraventd
 * takes every few seconds (its VMM's CPU time, vCPU exits, disk and network bytes):
 *   cpu-pegged  its CPU use stayed at its limit (vCPUs, or its cap) for a whole window
 *   exit-storm  its exits per second far above its own average, and high in absolute terms
 *   io-burst    its disk and network bytes per second far above its own average, and high
 * Each flag clears once the behaviour has stopped for a window. Averages are exponential,
 * over about ten windows, so a domain's normal is its own and not a global threshold. The
 * logic is pure (no clock, no I/O) so tests feed it samples. */
#ifndef PARAVENTD_ANOMALY_H
#define PARAVENTD_ANOMALY_H

#include <stdbool.h>
#include <stdint.h>

enum {
	ANOMALY_CPU_PEGGED = 1 << 0,
	ANOMALY_EXIT_STORM = 1 << 1,
	ANOMALY_IO_BURST = 1 << 2,
};

#define ANOMALY_STORM_FACTOR 10.0   /* times its own average */
#define ANOMALY_STORM_MIN 20000.0   /* exits per second, at least */
#define ANOMALY_BURST_MIN 20e6      /* bytes per second, at least */
#define ANOMALY_PEGGED_SHARE 0.9    /* of what it may use */

struct anomaly_sample {
	double t;           /* seconds, any monotonic origin */
	double cpu_seconds; /* of the VMM, all threads */
	double exits;       /* vCPU exits since the VMM started */
	double io_bytes;    /* disk and network bytes since the VMM started */
};

struct anomaly {
	double window;       /* seconds a behaviour must last to be flagged, or be gone to clear */
	bool have_last;
	struct anomaly_sample last;
	bool have_avg;
	double avg_exits, avg_io; /* per second, exponential */
	double pegged_since, calm_since[3];
	unsigned flags;
};

void anomaly_init(struct anomaly *a, double window_seconds);

/* Takes a new sample; limit_cpus is what the domain may use, in CPUs (its vCPUs, or its cap
 * if lower: 0.2 for cap=20). Returns the flags now. */
unsigned anomaly_update(struct anomaly *a, const struct anomaly_sample *s, double limit_cpus);

/* "cpu-pegged,io-burst", or "" for none, into out. */
void anomaly_names(unsigned flags, char *out, unsigned len);

#endif
