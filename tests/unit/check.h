/* A minimal unit test harness: CHECK records a failure with its line and goes on;
 * check_summary prints "N passed, N failed" and gives the exit status. */
#ifndef PARAVENT_TESTS_CHECK_H
#define PARAVENT_TESTS_CHECK_H

#include <stdio.h>

static int check_passed, check_failed;

#define CHECK(cond)                                                              \
	do {                                                                     \
		if (cond) {                                                      \
			check_passed++;                                          \
		} else {                                                         \
			check_failed++;                                          \
			fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond); \
		}                                                                \
	} while (0)

#define CHECK_STR(got, want)                                                     \
	do {                                                                     \
		const char *g_ = (got), *w_ = (want);                            \
		if (strcmp(g_, w_) == 0) {                                       \
			check_passed++;                                          \
		} else {                                                         \
			check_failed++;                                          \
			fprintf(stderr, "%s:%d: FAILED: %s is \"%s\", want \"%s\"\n", \
				__FILE__, __LINE__, #got, g_, w_);               \
		}                                                                \
	} while (0)

static inline int check_summary(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, check_passed, check_failed);
	return check_failed ? 1 : 0;
}

#endif
