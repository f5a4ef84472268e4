/* paravent top (xentop's columns, refreshed), uptime and list --long: the domains' use of
 * the host, from paraventd's records and each VMM's counters. */
#ifndef PARAVENT_TOP_H
#define PARAVENT_TOP_H
#include <stddef.h>

#include "cJSON.h"
int cmd_top(int argc, char **argv);
int cmd_uptime(int argc, char **argv);
int cmd_list_long(void);
/* "1:02:03", "2 days, 3:04:05" for a number of seconds, into out. */
void top_format_uptime(double secs, char *out, unsigned len);
/* A domain record's anomaly flags, "cpu-pegged,io-burst", or "-" for none. */
void top_anomalies(const cJSON *d, char *out, size_t len);
#endif
