/* See messages.h. */
#include "messages.h"

#include <stdarg.h>
#include <stdio.h>

void messages_init(struct messages *m, char *buf, size_t cap)
{
	m->buf = buf;
	m->cap = cap;
	m->len = 0;
	m->errors = m->warnings = 0;
	if (cap)
		buf[0] = 0;
}

static void add(struct messages *m, const char *prefix, const char *fmt, va_list ap)
{
	if (m->cap == 0 || m->len + 1 >= m->cap)
		return;
	size_t room = m->cap - m->len;
	int n = snprintf(m->buf + m->len, room, "%s", prefix);
	if (n < 0 || (size_t)n >= room)
		n = (int)room - 1;
	m->len += (size_t)n;
	room = m->cap - m->len;
	n = vsnprintf(m->buf + m->len, room, fmt, ap);
	if (n < 0 || (size_t)n >= room - 1)
		n = room > 1 ? (int)room - 2 : 0;
	m->len += (size_t)n;
	if (m->len + 1 < m->cap) {
		m->buf[m->len++] = '\n';
		m->buf[m->len] = 0;
	}
}

void message_error(struct messages *m, const char *fmt, ...)
{
	va_list ap;

	m->errors++;
	va_start(ap, fmt);
	add(m, "", fmt, ap);
	va_end(ap);
}

void message_warning(struct messages *m, const char *fmt, ...)
{
	va_list ap;

	m->warnings++;
	va_start(ap, fmt);
	add(m, "warning: ", fmt, ap);
	va_end(ap);
}
