/* autostart = 1, as xl's /etc/xen/auto: when dom0 boots, paraventd starts the domains whose
 * configuration asks for it, from two folders:
 *   /etc/paravent/auto/  configurations built into an appliance's ISO (rootfs/files/)
 *   STATE/auto/          domains created through the API with autostart = 1: paraventd keeps
 *                        their configuration there, and `paravent destroy` removes it
 * Once per boot: RUN/autostarted records that it ran, so that a restarted paraventd does not
 * start again the domains someone has stopped since. */
#ifndef PARAVENTD_AUTOSTART_H
#define PARAVENTD_AUTOSTART_H

#include <stddef.h>

#define AUTOSTART_SYSTEM_DIR "/etc/paravent/auto"

/* Creates a domain from a configuration's text; 0, or -1 with why in err. */
typedef int (*autostart_create_fn)(const char *text, size_t len, char *err, size_t errlen);

void autostart_init(const char *state_dir, const char *run_dir);

/* Starts the autostart domains of both folders (those with autostart = 1; others are skipped
 * with a message), unless it was done already this boot. Returns how many started. */
int autostart_run(autostart_create_fn create, const char *system_dir);

/* Keeps (or, for forget, removes) the configuration of a domain created with autostart = 1,
 * written whole and renamed into place. */
void autostart_remember(const char *name, const char *text, size_t len);
void autostart_forget(const char *name);

#endif
