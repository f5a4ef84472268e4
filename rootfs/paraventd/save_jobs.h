/* Saves in flight and their outcomes. Writing a guest's memory to a file takes seconds (more
 * under emulation), and the API thread must go on answering meanwhile: each save runs in a
 * thread of its own, talking to the domain's VMM. The outcome of the last save of each domain
 * name stays here after the domain is gone (a saved domain stops), for the client that waits
 * on it (GET /domains/NAME/save). */
#ifndef PARAVENTD_SAVE_JOBS_H
#define PARAVENTD_SAVE_JOBS_H

#include <stdbool.h>
#include <stddef.h>

#include "cJSON.h"

#define SAVE_SECONDS 900 /* how long a VMM may take to write a guest (nested emulation is slow) */

/* Called in the save's thread when the VMM has answered. */
typedef void (*save_done_fn)(const char *name, const char *then, bool ok);

/* Starts saving domain name: request (the VMM's "save" request line) goes to the control
 * socket sock. 0, or -1 with err when a save of that name is already running or no thread
 * can be started. */
int save_job_start(const char *name, const char *sock, const char *path, const char *then,
		   const char *request, save_done_fn done, char *err, size_t errlen);

bool save_job_running(const char *name);

/* {"state":"saving"|"saved"|"failed","path":...,"then":...,"bytes":N,"seconds":N,"error":...}
 * for the last save of name, or NULL when there was none. */
cJSON *save_job_json(const char *name);

#endif
