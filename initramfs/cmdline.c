/* Kernel command line parsing. Words are separated by spaces; a value may be quoted
 * ("a b"), as the kernel itself allows. */
#include "cmdline.h"

#include <stdlib.h>
#include <string.h>

/* Returns the next word of *p (quotes removed into buf) or NULL at the end. */
static const char *next_word(const char **p, char *buf, size_t buflen)
{
	const char *s = *p;
	size_t n = 0;
	bool quoted = false;

	while (*s == ' ' || *s == '\t' || *s == '\n')
		s++;
	if (*s == '\0')
		return NULL;
	while (*s && (quoted || (*s != ' ' && *s != '\t' && *s != '\n'))) {
		if (*s == '"')
			quoted = !quoted;
		else if (n + 1 < buflen)
			buf[n++] = *s;
		s++;
	}
	buf[n] = '\0';
	*p = s;
	return buf;
}

bool cmdline_get(const char *cmdline, const char *key, char *out, size_t outlen)
{
	char word[1024];
	const char *p = cmdline;
	size_t klen = strlen(key);
	bool found = false;

	while (next_word(&p, word, sizeof(word))) {
		if (strncmp(word, key, klen) != 0 || word[klen] != '=')
			continue;
		const char *v = word + klen + 1;
		if (strlen(v) >= outlen)
			continue;
		strcpy(out, v);
		found = true;
	}
	return found;
}

bool cmdline_flag(const char *cmdline, const char *key)
{
	char word[1024];
	const char *p = cmdline;
	bool on = false;

	while (next_word(&p, word, sizeof(word))) {
		if (strcmp(word, key) == 0)
			on = true;
	}
	char v[16];
	if (cmdline_get(cmdline, key, v, sizeof(v)))
		on = strcmp(v, "1") == 0 || strcmp(v, "y") == 0 || strcmp(v, "yes") == 0;
	return on;
}

unsigned cmdline_uint(const char *cmdline, const char *key, unsigned def, unsigned max)
{
	char v[32], *end;

	if (!cmdline_get(cmdline, key, v, sizeof(v)) || v[0] < '0' || v[0] > '9')
		return def;
	unsigned long n = strtoul(v, &end, 10);
	if (*end != '\0' || n > max)
		return def;
	return (unsigned)n;
}
