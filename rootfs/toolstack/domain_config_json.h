#ifndef PARAVENT_DOMAIN_CONFIG_JSON_H
#define PARAVENT_DOMAIN_CONFIG_JSON_H
#include "cJSON.h"
#include "domain_config.h"
/* The domain as JSON, the form `paravent create -n` prints and the API returns (see
 * docs/config.md): every setting with its default filled in. NULL when out of memory. */
cJSON *domcfg_to_json(const struct domain_config *cfg);
#endif
