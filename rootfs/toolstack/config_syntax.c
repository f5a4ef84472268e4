/* xl.cfg syntax: see config_syntax.h. A small hand-written scanner: the grammar is a few
 * lines, and errors must name the line, which a scanner that keeps count does simply. */
#include "config_syntax.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct scanner {
	const char *file;
	const char *p, *end;
	int line;
	struct messages *msg;
	int errors;
};

static void syntax_error(struct scanner *s, const char *what)
{
	message_error(s->msg, "%s:%d: %s", s->file, s->line, what);
	s->errors++;
}

/* Skips blanks and comments; newlines too when in_list. */
static void skip_space(struct scanner *s, bool newlines)
{
	while (s->p < s->end) {
		char c = *s->p;
		if (c == '#') {
			while (s->p < s->end && *s->p != '\n')
				s->p++;
		} else if (c == '\n' && newlines) {
			s->line++;
			s->p++;
		} else if (c == ' ' || c == '\t' || c == '\r') {
			s->p++;
		} else {
			break;
		}
	}
}

/* Drops the rest of the line (after an error), so the next setting can still be read. */
static void skip_line(struct scanner *s)
{
	while (s->p < s->end && *s->p != '\n')
		s->p++;
}

static int scan_string(struct scanner *s, struct cfg_value *v)
{
	char quote = *s->p++;
	char *buf = malloc(CFG_MAX_STRING + 1);
	size_t n = 0;

	if (!buf)
		return -1;
	for (;;) {
		if (s->p >= s->end || *s->p == '\n') {
			free(buf);
			syntax_error(s, "a string is not closed on its line");
			return -1;
		}
		char c = *s->p++;
		if (c == quote)
			break;
		if (c == '\\') {
			if (s->p >= s->end || *s->p == '\n') {
				free(buf);
				syntax_error(s, "a string ends in a backslash");
				return -1;
			}
			c = *s->p++;
			switch (c) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case '\\': case '\'': case '"': break;
			default:
				free(buf);
				syntax_error(s, "unknown escape in a string (known: \\n \\t \\r \\\\ \\' \\\")");
				return -1;
			}
		}
		if (c == 0) {
			free(buf);
			syntax_error(s, "a NUL byte in a string");
			return -1;
		}
		if (n == CFG_MAX_STRING) {
			free(buf);
			syntax_error(s, "a string longer than 4096 bytes");
			return -1;
		}
		buf[n++] = c;
	}
	buf[n] = 0;
	v->type = CFG_STRING;
	v->text = buf;
	return 0;
}

static int scan_number(struct scanner *s, struct cfg_value *v)
{
	const char *start = s->p;
	while (s->p < s->end && (isalnum((unsigned char)*s->p) || *s->p == '-' || *s->p == '+' || *s->p == '.'))
		s->p++;
	size_t n = (size_t)(s->p - start);
	char text[32];
	if (n >= sizeof(text)) {
		syntax_error(s, "a number that is too long");
		return -1;
	}
	memcpy(text, start, n);
	text[n] = 0;
	char *endp;
	errno = 0;
	long long num = strtoll(text, &endp, 0);
	if (n == 0 || *endp || errno) {
		syntax_error(s, errno ? "a number out of range" : "a value that is neither a quoted string, "
			     "an integer nor a [list] (strings need quotes)");
		return -1;
	}
	v->type = CFG_NUMBER;
	v->number = num;
	v->text = strdup(text);
	return v->text ? 0 : -1;
}

static int scan_scalar(struct scanner *s, struct cfg_value *v)
{
	memset(v, 0, sizeof(*v));
	v->line = s->line;
	if (s->p < s->end && (*s->p == '"' || *s->p == '\''))
		return scan_string(s, v);
	return scan_number(s, v);
}

static int scan_list(struct scanner *s, struct cfg_value *v)
{
	memset(v, 0, sizeof(*v));
	v->type = CFG_LIST;
	v->line = s->line;
	s->p++; /* [ */
	v->items = calloc(CFG_MAX_ITEMS, sizeof(*v->items));
	if (!v->items)
		return -1;
	for (;;) {
		skip_space(s, true);
		if (s->p >= s->end) {
			syntax_error(s, "a [list] is not closed");
			return -1;
		}
		if (*s->p == ']') {
			s->p++;
			return 0;
		}
		if (*s->p == '[') {
			syntax_error(s, "lists cannot contain lists");
			return -1;
		}
		if (v->nitems == CFG_MAX_ITEMS) {
			syntax_error(s, "a list of more than 64 items");
			return -1;
		}
		if (scan_scalar(s, &v->items[v->nitems]) != 0)
			return -1;
		v->nitems++;
		skip_space(s, true);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
		} else if (s->p < s->end && *s->p != ']') {
			syntax_error(s, "items of a list are separated by commas");
			return -1;
		}
	}
}

/* One setting, from its key to the end of its value. */
static int scan_setting(struct scanner *s, struct cfg_setting *st)
{
	const char *k = s->p;

	memset(st, 0, sizeof(*st));
	st->line = s->line;
	if (!isalpha((unsigned char)*s->p) && *s->p != '_') {
		syntax_error(s, "expected a setting, KEY = VALUE");
		return -1;
	}
	while (s->p < s->end && (isalnum((unsigned char)*s->p) || *s->p == '_'))
		s->p++;
	if ((size_t)(s->p - k) > CFG_MAX_KEY) {
		syntax_error(s, "a key longer than 63 characters");
		return -1;
	}
	memcpy(st->key, k, (size_t)(s->p - k));
	skip_space(s, false);
	if (s->p + 1 < s->end && s->p[0] == '+' && s->p[1] == '=') {
		st->append = true;
		s->p += 2;
	} else if (s->p < s->end && *s->p == '=') {
		s->p++;
	} else {
		char what[128];
		snprintf(what, sizeof(what), "%s: expected '=' after the key", st->key);
		syntax_error(s, what);
		return -1;
	}
	skip_space(s, false);
	if (s->p >= s->end || *s->p == '\n' || *s->p == ';') {
		char what[128];
		snprintf(what, sizeof(what), "%s: no value after '='", st->key);
		syntax_error(s, what);
		return -1;
	}
	int r = *s->p == '[' ? scan_list(s, &st->value) : scan_scalar(s, &st->value);
	if (r != 0) {
		cfg_value_free(&st->value);
		return -1;
	}
	skip_space(s, false);
	if (s->p < s->end && *s->p != '\n' && *s->p != ';') {
		char what[128];
		snprintf(what, sizeof(what), "%s: unexpected text after the value", st->key);
		syntax_error(s, what);
		cfg_value_free(&st->value);
		return -1;
	}
	return 0;
}

int cfg_syntax_parse(const char *file, const char *text, size_t len, struct cfg_file *out,
		     struct messages *msg)
{
	struct scanner s = { .file = file, .p = text, .end = text + len, .line = 1, .msg = msg };

	memset(out, 0, sizeof(*out));
	out->settings = calloc(CFG_MAX_SETTINGS, sizeof(*out->settings));
	if (!out->settings) {
		syntax_error(&s, "out of memory");
		return s.errors;
	}
	if (memchr(text, 0, len)) {
		syntax_error(&s, "the file contains a NUL byte: not a text file");
		return s.errors;
	}
	for (;;) {
		skip_space(&s, true);
		while (s.p < s.end && *s.p == ';') {
			s.p++;
			skip_space(&s, true);
		}
		if (s.p >= s.end)
			break;
		if (out->n == CFG_MAX_SETTINGS) {
			syntax_error(&s, "more than 256 settings");
			break;
		}
		if (scan_setting(&s, &out->settings[out->n]) == 0)
			out->n++;
		else
			skip_line(&s);
	}
	return s.errors;
}

void cfg_value_free(struct cfg_value *v)
{
	free(v->text);
	for (int i = 0; i < v->nitems; i++)
		cfg_value_free(&v->items[i]);
	free(v->items);
	memset(v, 0, sizeof(*v));
}

void cfg_file_free(struct cfg_file *f)
{
	for (int i = 0; i < f->n; i++)
		cfg_value_free(&f->settings[i].value);
	free(f->settings);
	memset(f, 0, sizeof(*f));
}
