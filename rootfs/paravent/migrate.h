/* paravent migrate (xl migrate / xm migrate --live). */
#ifndef PARAVENT_MIGRATE_H
#define PARAVENT_MIGRATE_H

/* migrate [--live] [options] DOM HOST: moves the domain to HOST's paraventd, showing each
 * round as it goes and a report at the end. */
int cmd_migrate(int argc, char **argv);

#endif
