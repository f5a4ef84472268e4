/* See anomaly.h. */
#include "anomaly.h"

#include <stdio.h>
#include <string.h>

static const char *const names[] = { "cpu-pegged", "exit-storm", "io-burst" };

void anomaly_init(struct anomaly *a, double window_seconds)
{
	memset(a, 0, sizeof(*a));
	a->window = window_seconds;
	a->pegged_since = -1;
	for (int i = 0; i < 3; i++)
		a->calm_since[i] = -1;
}

/* Keeps flag bit (index i) set while `now` holds, and clears it once it has not held for a
 * window, counted from `from` (the start of the first calm interval); `start` sets it. */
static void track(struct anomaly *a, int i, bool start, bool now, double from, double t)
{
	unsigned bit = 1u << i;
	if (start)
		a->flags |= bit;
	if (now) {
		a->calm_since[i] = -1;
	} else if (a->flags & bit) {
		if (a->calm_since[i] < 0)
			a->calm_since[i] = from;
		if (t - a->calm_since[i] >= a->window) {
			a->flags &= ~bit;
			a->calm_since[i] = -1;
		}
	}
}

unsigned anomaly_update(struct anomaly *a, const struct anomaly_sample *s, double limit_cpus)
{
	if (!a->have_last || s->t <= a->last.t || s->cpu_seconds < a->last.cpu_seconds ||
	    s->exits < a->last.exits || s->io_bytes < a->last.io_bytes) {
		/* the first sample, or counters that went back (a new VMM): start over from here */
		a->last = *s;
		a->have_last = true;
		return a->flags;
	}
	double dt = s->t - a->last.t;
	double cpu = (s->cpu_seconds - a->last.cpu_seconds) / dt;
	double exits = (s->exits - a->last.exits) / dt;
	double io = (s->io_bytes - a->last.io_bytes) / dt;
	double start_of_interval = a->last.t;
	a->last = *s;

	bool pegged = limit_cpus > 0 && cpu >= ANOMALY_PEGGED_SHARE * limit_cpus;
	if (!pegged)
		a->pegged_since = -1;
	else if (a->pegged_since < 0)
		a->pegged_since = start_of_interval;
	track(a, 0, pegged && s->t - a->pegged_since >= a->window, pegged, start_of_interval, s->t);

	if (!a->have_avg) {
		a->avg_exits = exits;
		a->avg_io = io;
		a->have_avg = true;
		return a->flags;
	}
	bool storm = exits > ANOMALY_STORM_FACTOR * a->avg_exits && exits > ANOMALY_STORM_MIN;
	bool burst = io > ANOMALY_STORM_FACTOR * a->avg_io && io > ANOMALY_BURST_MIN;
	track(a, 1, storm, storm, start_of_interval, s->t);
	track(a, 2, burst, burst, start_of_interval, s->t);
	/* the domain's normal moves with it, over about ten windows */
	double alpha = dt / (10 * a->window);
	if (alpha > 1)
		alpha = 1;
	a->avg_exits += alpha * (exits - a->avg_exits);
	a->avg_io += alpha * (io - a->avg_io);
	return a->flags;
}

void anomaly_names(unsigned flags, char *out, unsigned len)
{
	size_t n = 0;
	out[0] = 0;
	for (unsigned i = 0; i < 3; i++) {
		if (flags & (1u << i))
			n += (size_t)snprintf(out + n, n < len ? len - n : 0, "%s%s", n ? "," : "", names[i]);
	}
}
