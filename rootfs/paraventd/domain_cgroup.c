/* See domain_cgroup.h. */
#include "domain_cgroup.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONTROLLERS "+cpu +cpuset +memory +pids"
#define VMM_OVERHEAD_MIB 64 /* the VMM's code, stacks, queues and logs, measured well under this */

int dom_cgroup_weight(int xen_weight)
{
	if (xen_weight <= 0)
		xen_weight = DOM_CGROUP_XEN_DEFAULT_WEIGHT;
	long w = ((long)xen_weight * 100 + DOM_CGROUP_XEN_DEFAULT_WEIGHT / 2) / DOM_CGROUP_XEN_DEFAULT_WEIGHT;
	return w < 1 ? 1 : w > 10000 ? 10000 : (int)w;
}

void dom_cgroup_cpu_max(int cap, char *out, size_t len)
{
	if (cap <= 0)
		snprintf(out, len, "max %d", DOM_CGROUP_PERIOD_USEC);
	else
		snprintf(out, len, "%ld %d", (long)cap * DOM_CGROUP_PERIOD_USEC / 100, DOM_CGROUP_PERIOD_USEC);
}

uint64_t dom_cgroup_memory_max(uint64_t ram_mib)
{
	/* KVM's page tables and the VMM's buffers grow with the guest: an eighth on top */
	return (ram_mib + ram_mib / 8 + VMM_OVERHEAD_MIB) << 20;
}

int dom_cgroup_available(const char *root)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/cgroup.controllers", root);
	return access(path, R_OK) == 0;
}

static int write_file(const char *dir, const char *file, const char *value, char *err, size_t errlen)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	size_t n = strlen(value);
	/* cgroup files take a value in one write(), and answer it with the kernel's verdict */
	ssize_t w = write(fd, value, n);
	int saved = errno;
	close(fd);
	if (w != (ssize_t)n) {
		snprintf(err, errlen, "%s: cannot write \"%s\": %s", path, value, w < 0 ? strerror(saved) : "short write");
		return -1;
	}
	return 0;
}

static int read_file(const char *dir, const char *file, char *buf, size_t len)
{
	char path[600];
	snprintf(path, sizeof(path), "%s/%s", dir, file);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	ssize_t n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = 0;
	return 0;
}

/* Makes the controllers available to dir's children. */
static int enable_controllers(const char *dir, char *err, size_t errlen)
{
	char have[256];
	if (read_file(dir, "cgroup.subtree_control", have, sizeof(have)) == 0 && strstr(have, "cpu ") &&
	    strstr(have, "cpuset") && strstr(have, "memory") && strstr(have, "pids"))
		return 0;
	return write_file(dir, "cgroup.subtree_control", CONTROLLERS, err, errlen);
}

int dom_cgroup_create(const char *root, const char *name, const struct dom_cgroup_limits *l, char *path,
		      size_t pathlen, char *err, size_t errlen)
{
	char parent[512], value[64];

	snprintf(parent, sizeof(parent), "%s/paravent", root);
	snprintf(path, pathlen, "%s/%s", parent, name);
	if (enable_controllers(root, err, errlen) != 0)
		return -1;
	if (mkdir(parent, 0755) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", parent, strerror(errno));
		return -1;
	}
	if (enable_controllers(parent, err, errlen) != 0)
		return -1;
	if (mkdir(path, 0755) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	snprintf(value, sizeof(value), "%d", dom_cgroup_weight(l->cpu_weight));
	if (write_file(path, "cpu.weight", value, err, errlen) != 0)
		return -1;
	dom_cgroup_cpu_max(l->cap, value, sizeof(value));
	if (write_file(path, "cpu.max", value, err, errlen) != 0)
		return -1;
	/* an empty cpuset.cpus takes the parent's: every CPU dom0 has */
	if (write_file(path, "cpuset.cpus", l->cpus ? l->cpus : "", err, errlen) != 0)
		return -1;
	snprintf(value, sizeof(value), "%" PRIu64, dom_cgroup_memory_max(l->ram_mib));
	if (write_file(path, "memory.max", value, err, errlen) != 0)
		return -1;
	snprintf(value, sizeof(value), "%d", DOM_CGROUP_PIDS_MAX);
	return write_file(path, "pids.max", value, err, errlen);
}

int dom_cgroup_set_sched(const char *path, int xen_weight, int cap, char *err, size_t errlen)
{
	char value[64];
	if (xen_weight >= 0) {
		snprintf(value, sizeof(value), "%d", dom_cgroup_weight(xen_weight));
		if (write_file(path, "cpu.weight", value, err, errlen) != 0)
			return -1;
	}
	if (cap >= 0) {
		dom_cgroup_cpu_max(cap, value, sizeof(value));
		if (write_file(path, "cpu.max", value, err, errlen) != 0)
			return -1;
	}
	return 0;
}

int dom_cgroup_get_sched(const char *path, int *xen_weight, int *cap)
{
	char buf[128];
	long w, quota, period;
	if (read_file(path, "cpu.weight", buf, sizeof(buf)) != 0 || sscanf(buf, "%ld", &w) != 1)
		return -1;
	*xen_weight = (int)((w * DOM_CGROUP_XEN_DEFAULT_WEIGHT + 50) / 100);
	if (read_file(path, "cpu.max", buf, sizeof(buf)) != 0)
		return -1;
	if (strncmp(buf, "max", 3) == 0)
		*cap = 0;
	else if (sscanf(buf, "%ld %ld", &quota, &period) == 2 && period > 0)
		*cap = (int)((quota * 100 + period / 2) / period);
	else
		return -1;
	return 0;
}

int dom_cgroup_cpu_usage(const char *path, uint64_t *usage_usec, uint64_t *throttled_usec)
{
	char buf[1024];
	if (read_file(path, "cpu.stat", buf, sizeof(buf)) != 0)
		return -1;
	*usage_usec = *throttled_usec = 0;
	int found = 0;
	for (char *line = strtok(buf, "\n"); line; line = strtok(NULL, "\n")) {
		unsigned long long v;
		if (sscanf(line, "usage_usec %llu", &v) == 1) {
			*usage_usec = v;
			found = 1;
		} else if (sscanf(line, "throttled_usec %llu", &v) == 1) {
			*throttled_usec = v;
		}
	}
	return found ? 0 : -1;
}

int dom_cgroup_remove(const char *path)
{
	return rmdir(path) == 0 || errno == ENOENT ? 0 : -1;
}
