/* Collected messages for the user: errors and warnings, one line each, into a caller's
 * buffer that never overflows (a line that does not fit is cut, later ones are counted). */
#ifndef PARAVENT_MESSAGES_H
#define PARAVENT_MESSAGES_H

#include <stddef.h>

struct messages {
	char *buf;
	size_t cap, len;
	int errors, warnings;
};

void messages_init(struct messages *m, char *buf, size_t cap);
void message_error(struct messages *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void message_warning(struct messages *m, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
