/* The syntax of xl.cfg files, without meaning: a list of settings KEY = VALUE (or KEY +=
 * VALUE), one per line or separated by ';', where VALUE is a quoted string, an integer or
 * a [list, of, them] that may span lines; '#' starts a comment. domain_config.c gives the
 * keys their meaning. */
#ifndef PARAVENT_CONFIG_SYNTAX_H
#define PARAVENT_CONFIG_SYNTAX_H

#include <stdbool.h>
#include <stddef.h>

#include "messages.h"

#define CFG_MAX_KEY 63
#define CFG_MAX_STRING 4096
#define CFG_MAX_ITEMS 64
#define CFG_MAX_SETTINGS 256

enum cfg_type { CFG_STRING, CFG_NUMBER, CFG_LIST };

struct cfg_value {
	enum cfg_type type;
	char *text;              /* the string, or the number as written */
	long long number;        /* CFG_NUMBER */
	struct cfg_value *items; /* CFG_LIST: strings and numbers */
	int nitems;
	int line;
};

struct cfg_setting {
	char key[CFG_MAX_KEY + 1];
	int line;
	bool append; /* += */
	struct cfg_value value;
};

struct cfg_file {
	struct cfg_setting *settings;
	int n;
};

/* Parses text; syntax errors are reported as "FILE:LINE: what" and the setting they are in
 * is dropped (parsing goes on at the next line). Returns the number of errors. */
int cfg_syntax_parse(const char *file, const char *text, size_t len, struct cfg_file *out,
		     struct messages *msg);
void cfg_file_free(struct cfg_file *f);
void cfg_value_free(struct cfg_value *v);

#endif
