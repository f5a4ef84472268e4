/* paravent: the command-line client of the toolstack, shaped like Xen's xl. Today it checks
 * domain configuration files on its own (`create -n`, as `xl create -n` does); the commands
 * that act on domains come with paraventd (docs/cli.md). Exit status: 0 success, 1 the
 * request failed (e.g. a config with errors), 2 bad usage. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "domain_config.h"
#include "domain_config_json.h"

static const char usage[] =
	"usage: paravent COMMAND [ARGS]\n"
	"  create -n CFG   check a domain configuration file and print the domain it describes\n"
	"                  as JSON, with every default filled in; needs no daemon\n"
	"  help            this text\n"
	"  --version       the Paravent version\n"
	"Configuration files: docs/config.md (an xl.cfg subset).\n";

/* Reads at most DOMCFG_MAX_FILE + 1 bytes, so an oversized file is seen as such. */
static char *read_config(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "paravent: cannot open %s: %s\n", path, strerror(errno));
		return NULL;
	}
	char *buf = malloc(DOMCFG_MAX_FILE + 2);
	if (!buf) {
		fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, DOMCFG_MAX_FILE + 1, f);
	int failed = ferror(f);
	fclose(f);
	if (failed) {
		fprintf(stderr, "paravent: cannot read %s\n", path);
		free(buf);
		return NULL;
	}
	buf[*len] = 0;
	return buf;
}

static int cmd_create(int argc, char **argv)
{
	int dry_run = 0;
	const char *path = NULL;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 || strcmp(argv[i], "--dry-run") == 0)
			dry_run = 1;
		else if (argv[i][0] == '-' || path) {
			fprintf(stderr, "paravent: create: unexpected argument %s\n%s", argv[i], usage);
			return 2;
		} else
			path = argv[i];
	}
	if (!path) {
		fprintf(stderr, "paravent: create: which configuration file?\n%s", usage);
		return 2;
	}
	if (!dry_run) {
		fprintf(stderr, "paravent: create: starting domains needs paraventd, which this build does "
				"not have yet; `paravent create -n %s` checks the file\n", path);
		return 1;
	}
	size_t len;
	char *text = read_config(path, &len);
	if (!text)
		return 1;
	struct domain_config cfg;
	char err[8192];
	int errors = domcfg_parse(path, text, len, &cfg, err, sizeof(err));
	free(text);
	fputs(err, stderr);
	if (errors) {
		fprintf(stderr, "paravent: %s: %d error%s\n", path, errors, errors == 1 ? "" : "s");
		return 1;
	}
	cJSON *j = domcfg_to_json(&cfg);
	char *out = j ? cJSON_Print(j) : NULL;
	domcfg_free(&cfg);
	cJSON_Delete(j);
	if (!out) {
		fprintf(stderr, "paravent: out of memory\n");
		return 1;
	}
	puts(out);
	free(out);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fputs(usage, stderr);
		return 2;
	}
	if (strcmp(argv[1], "create") == 0)
		return cmd_create(argc - 1, argv + 1);
	if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0) {
		fputs(usage, stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0) {
		printf("paravent %s\n", PARAVENT_VERSION);
		return 0;
	}
	fprintf(stderr, "paravent: unknown command %s\n%s", argv[1], usage);
	return 2;
}
