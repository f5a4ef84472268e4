#ifndef PARAVENT_CONSOLE_H
#define PARAVENT_CONSOLE_H
#include <stdbool.h>
/* paravent console NAME (argv[0] is "console"): returns the exit status. */
int cmd_console(int argc, char **argv);
#endif
