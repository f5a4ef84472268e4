/* vcpu-pin: a domain's vCPUs onto host CPUs. The VMM names each vCPU thread "vcpuN", so
 * paraventd finds them in /proc/PID/task and sets their affinity itself; the VMM needs no
 * privilege for it, and the domain's cpuset (its `cpus`) still bounds the choice. */
#ifndef PARAVENTD_VCPU_PIN_H
#define PARAVENTD_VCPU_PIN_H

#include <sched.h> /* cpu_set_t: the build defines _GNU_SOURCE */
#include <stddef.h>
#include <sys/types.h>

/* Parses a host CPU list, "all" or "0-3,6", into set. Returns 0, or -1 with why in err. */
int cpulist_parse(const char *list, cpu_set_t *set, char *err, size_t errlen);

/* Pins vCPU `vcpu` (-1: every vCPU) of the VMM `pid` to set; the number pinned in *pinned.
 * Returns 0, or -1 with why in err (no such vCPU, CPUs outside the domain's cpuset). */
int vcpu_pin(const char *proc, pid_t pid, int vcpu, const cpu_set_t *set, int *pinned, char *err, size_t errlen);

/* The host CPUs vCPU `vcpu` of the VMM may run on, as a list like "0-1" into out. */
int vcpu_affinity(const char *proc, pid_t pid, int vcpu, char *out, size_t len);

#endif
