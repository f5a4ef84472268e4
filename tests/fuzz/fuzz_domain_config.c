/* Fuzz target: domain configuration files (the xl.cfg subset) as anyone may post them to the
 * API: the parser must give a domain or errors, never crash, and its JSON form must build. */
#include <stdint.h>
#include <stdlib.h>

#include "domain_config.h"
#include "domain_config_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct domain_config cfg;
	static char err[8192];
	if (domcfg_parse("fuzz.cfg", (const char *)data, size, &cfg, err, sizeof(err)) == 0) {
		cJSON *j = domcfg_to_json(&cfg);
		char *s = j ? cJSON_PrintUnformatted(j) : NULL;
		free(s);
		cJSON_Delete(j);
		domcfg_free(&cfg);
	}
	return 0;
}
