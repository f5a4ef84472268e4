/* paravent save and paravent restore (xl save / xl restore). */
#ifndef PARAVENT_SAVE_H
#define PARAVENT_SAVE_H

#include <stddef.h>

/* save [-p|-c] DOM FILE: the guest's whole state into FILE; the domain then stops (-p: stays
 * paused, -c: runs on). Waits for the end and says how it went. */
int cmd_save(int argc, char **argv);
/* restore FILE: the domain FILE holds, running again where it was saved. */
int cmd_restore(int argc, char **argv);

/* FILE as an absolute path (paraventd has another working directory), in out. 0, or -1. */
int save_abs_path(const char *file, char *out, size_t len);

#endif
