/* Resource control: one cgroup v2 per domain, ROOT/paravent/NAME, holding the domain's VMM
 * (all its threads). The xl.cfg keys map onto the controllers:
 *   cpu_weight -> cpu.weight   Xen's credit weight, its default 256 landing on the cgroup default 100
 *   cap        -> cpu.max      percent of one host CPU, as a quota per 100 ms period
 *   cpus       -> cpuset.cpus  the host CPUs the VMM's threads may run on
 *   maxmem     -> memory.max   the guest's RAM plus room for the VMM itself
 *   (always)   -> pids.max     the VMM's threads: its vCPUs and a few of its own
 * A guest can then take no more than its share of dom0, whatever it runs. */
#ifndef PARAVENTD_DOMAIN_CGROUP_H
#define PARAVENTD_DOMAIN_CGROUP_H

#include <stddef.h>
#include <stdint.h>

#define DOM_CGROUP_ROOT "/sys/fs/cgroup"
#define DOM_CGROUP_PERIOD_USEC 100000
#define DOM_CGROUP_XEN_DEFAULT_WEIGHT 256
#define DOM_CGROUP_PIDS_MAX 128

struct dom_cgroup_limits {
	int cpu_weight;         /* Xen's scale, 1 to 65535 */
	int cap;                /* percent of one CPU, 0 for none */
	const char *cpus;       /* "0-3,6", or NULL for every CPU dom0 has */
	uint64_t ram_mib;       /* the most guest RAM the domain may have (maxmem) */
};

/* cgroup cpu.weight (1 to 10000) for a Xen credit weight: proportional, 256 -> 100. */
int dom_cgroup_weight(int xen_weight);

/* cgroup cpu.max text for a cap in percent of one CPU: "max 100000", or "20000 100000". */
void dom_cgroup_cpu_max(int cap, char *out, size_t len);

/* memory.max in bytes for a domain with this much guest RAM: the RAM, plus the VMM's own
 * memory (its code, queues, KVM's page tables) and what the kernel charges it for its logs. */
uint64_t dom_cgroup_memory_max(uint64_t ram_mib);

/* Whether root holds a cgroup v2 hierarchy. */
int dom_cgroup_available(const char *root);

/* Creates (or reuses) root/paravent/name with the limits applied; its path into path.
 * Returns 0, or -1 with the reason (the file and the kernel's answer) in err. */
int dom_cgroup_create(const char *root, const char *name, const struct dom_cgroup_limits *l, char *path,
		      size_t pathlen, char *err, size_t errlen);

/* Changes weight and cap of an existing domain cgroup (a value < 0 leaves that one alone). */
int dom_cgroup_set_sched(const char *path, int xen_weight, int cap, char *err, size_t errlen);

/* Reads back weight (Xen's scale) and cap from the cgroup's files. */
int dom_cgroup_get_sched(const char *path, int *xen_weight, int *cap);

/* CPU time of everything in the cgroup, and the time it was held back by its cap, in µs. */
int dom_cgroup_cpu_usage(const char *path, uint64_t *usage_usec, uint64_t *throttled_usec);

/* Removes the cgroup once its VMM is gone (the kernel refuses while a process remains). */
int dom_cgroup_remove(const char *path);

#endif
