/* Anomaly flags from synthetic samples: what sets each one, how long it takes, what clears
 * it, and that a domain's own normal (a busy one) is not flagged. */
#include <string.h>

#include "anomaly.h"
#include "check.h"

static struct anomaly_sample s;

/* advances by dt seconds at these rates and returns the flags */
static unsigned step(struct anomaly *a, double dt, double cpu, double exits, double io, double limit)
{
	s.t += dt;
	s.cpu_seconds += cpu * dt;
	s.exits += exits * dt;
	s.io_bytes += io * dt;
	return anomaly_update(a, &s, limit);
}

int main(void)
{
	struct anomaly a;
	char names[64];

	/* CPU at its limit: flagged after a whole window (60 s), not before; cleared after a calm window */
	anomaly_init(&a, 60);
	memset(&s, 0, sizeof(s));
	unsigned f = step(&a, 5, 0.1, 100, 1000, 1);
	for (int i = 0; i < 11; i++)
		f = step(&a, 5, 1.0, 100, 1000, 1);
	CHECK(!(f & ANOMALY_CPU_PEGGED)); /* 55 s */
	f = step(&a, 5, 1.0, 100, 1000, 1);
	CHECK(f & ANOMALY_CPU_PEGGED); /* 60 s */
	anomaly_names(f, names, sizeof(names));
	CHECK_STR(names, "cpu-pegged");
	f = step(&a, 5, 0.2, 100, 1000, 1);
	CHECK(f & ANOMALY_CPU_PEGGED); /* calm for 5 s only */
	for (int i = 0; i < 12; i++)
		f = step(&a, 5, 0.2, 100, 1000, 1);
	CHECK(!(f & ANOMALY_CPU_PEGGED));

	/* under a cap of 20% (0.2 CPUs), 0.19 CPUs is pegged; a dip breaks the run */
	anomaly_init(&a, 30);
	memset(&s, 0, sizeof(s));
	step(&a, 5, 0.19, 0, 0, 0.2);
	for (int i = 0; i < 5; i++)
		f = step(&a, 5, 0.19, 0, 0, 0.2);
	f = step(&a, 5, 0.05, 0, 0, 0.2);
	for (int i = 0; i < 5; i++)
		f = step(&a, 5, 0.19, 0, 0, 0.2);
	CHECK(!(f & ANOMALY_CPU_PEGGED)); /* 25 s since the dip */
	f = step(&a, 5, 0.19, 0, 0, 0.2);
	CHECK(f & ANOMALY_CPU_PEGGED);

	/* exits: a jump far above its average and above the floor is a storm at once */
	anomaly_init(&a, 30);
	memset(&s, 0, sizeof(s));
	step(&a, 5, 0.1, 3000, 0, 1);
	for (int i = 0; i < 20; i++)
		f = step(&a, 5, 0.1, 3000, 0, 1);
	CHECK(f == 0);
	f = step(&a, 5, 0.1, 50000, 0, 1);
	CHECK(f == ANOMALY_EXIT_STORM);
	for (int i = 0; i < 6; i++)
		f = step(&a, 5, 0.1, 3000, 0, 1);
	CHECK(f == 0); /* calm for a window: cleared */
	/* a domain that always exits a lot: its normal, never a storm */
	anomaly_init(&a, 30);
	memset(&s, 0, sizeof(s));
	step(&a, 5, 0.1, 100000, 0, 1);
	for (int i = 0; i < 50; i++)
		f |= step(&a, 5, 0.1, 100000, 0, 1);
	CHECK(f == 0);
	/* ten times a tiny average is still not a storm: below the floor */
	anomaly_init(&a, 30);
	memset(&s, 0, sizeof(s));
	step(&a, 5, 0.1, 10, 0, 1);
	step(&a, 5, 0.1, 10, 0, 1);
	f = step(&a, 5, 0.1, 5000, 0, 1);
	CHECK(f == 0);

	/* I/O: a burst far above its own average */
	anomaly_init(&a, 30);
	memset(&s, 0, sizeof(s));
	step(&a, 5, 0.1, 0, 1e5, 1);
	for (int i = 0; i < 20; i++)
		step(&a, 5, 0.1, 0, 1e5, 1);
	f = step(&a, 5, 0.1, 0, 50e6, 1);
	CHECK(f == ANOMALY_IO_BURST);
	anomaly_names(f | ANOMALY_CPU_PEGGED, names, sizeof(names));
	CHECK_STR(names, "cpu-pegged,io-burst");

	/* counters that go back (a restarted VMM): no rate from them, no flag */
	anomaly_init(&a, 30);
	memset(&s, 0, sizeof(s));
	step(&a, 5, 0.1, 100, 100, 1);
	step(&a, 5, 0.1, 100, 100, 1);
	s.exits = 0;
	s.io_bytes = 0;
	s.cpu_seconds = 0;
	f = step(&a, 5, 0.1, 100, 100, 1);
	CHECK(f == 0);
	f = step(&a, 5, 0.1, 100, 100, 1);
	CHECK(f == 0);
	return check_summary("anomaly");
}
