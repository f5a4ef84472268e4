/* paravent mem-set and mem-max, as xl has them: a domain's memory through its balloon. */
#ifndef PARAVENT_MEM_H
#define PARAVENT_MEM_H
#include <stdint.h>
int cmd_mem_set(int argc, char **argv);
int cmd_mem_max(int argc, char **argv);
/* "256", "256m", "256M", "2g", "2G" -> MiB; -1 if it is not a size. */
int64_t mem_parse_mib(const char *s);
#endif
