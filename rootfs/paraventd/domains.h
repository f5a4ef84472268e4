/* The domains paraventd runs: one paravent-vmm each, started from a domain configuration,
 * watched until it exits, then handled as its on_poweroff / on_reboot / on_crash says. The
 * table is shared by the API thread and the supervisor (main) thread, under one lock. */
#ifndef PARAVENTD_DOMAINS_H
#define PARAVENTD_DOMAINS_H

#include <sys/types.h>

#include "api.h"

/* Where each domain's files live: RUN_DIR/domains/NAME/{control.sock,console.log,vmm.log}. */
void domains_init(const char *run_dir, const char *vmm_path);
/* The backend the API calls. */
extern const struct api_backend domains_backend;
/* A child exited (from waitpid): applies the domain's on_* action. */
void domains_child_exited(pid_t pid, int wait_status);
/* Finds the VMMs an earlier paraventd started that still run (RUN_DIR/domains/NAME/
 * domain.json, checked against /proc) and takes them over without disturbing them. */
void domains_adopt(void);
/* Creates and starts a domain from a configuration's text (autostart's way in); 0, or -1
 * with why in err. */
int domains_create_text(const char *text, size_t len, char *err, size_t errlen);
/* Called every second: checks whether adopted VMMs (not our children) still run, stops the
 * guests that were asked to shut down and did not within the grace time, and every few
 * seconds samples each domain for its anomaly flags. */
void domains_poll(void);

/* Seconds a guest asked to shut down has before its VMM is stopped (default 120). */
void domains_set_shutdown_grace(int seconds);

/* Seconds a behaviour must last to be an anomaly (default 180; anomaly.h). */
void domains_set_anomaly_window(int seconds);

#endif
