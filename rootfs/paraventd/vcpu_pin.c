/* See vcpu_pin.h. */
#include "vcpu_pin.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int cpulist_parse(const char *list, cpu_set_t *set, char *err, size_t errlen)
{
	CPU_ZERO(set);
	if (strcmp(list, "all") == 0) {
		/* the kernel keeps the CPUs that exist and that the domain's cpuset allows */
		for (int c = 0; c < CPU_SETSIZE; c++)
			CPU_SET(c, set);
		return 0;
	}
	const char *p = list;
	while (*p) {
		char *end;
		if (!isdigit((unsigned char)*p))
			goto bad;
		long a = strtol(p, &end, 10), b = a;
		p = end;
		if (*p == '-') {
			if (!isdigit((unsigned char)p[1]))
				goto bad;
			b = strtol(p + 1, &end, 10);
			p = end;
		}
		if (a > b || b >= CPU_SETSIZE)
			goto bad;
		for (long c = a; c <= b; c++)
			CPU_SET((int)c, set);
		if (*p == ',' && p[1])
			p++;
		else if (*p)
			goto bad;
	}
	if (CPU_COUNT(set) > 0)
		return 0;
bad:
	snprintf(err, errlen, "\"%.40s\" is not a CPU list (\"all\", \"2\", \"0-3,6\")", list);
	return -1;
}

/* The thread id of vCPU `vcpu` of process pid, from the thread names; 0 if none. */
static pid_t vcpu_tid(const char *proc, pid_t pid, int vcpu)
{
	char path[300], comm[32], want[32];
	snprintf(path, sizeof(path), "%s/%d/task", proc, (int)pid);
	snprintf(want, sizeof(want), "vcpu%d\n", vcpu);
	DIR *d = opendir(path);
	struct dirent *e;
	pid_t tid = 0;
	while (d && !tid && (e = readdir(d))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%d/task/%s/comm", proc, (int)pid, e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) && strcmp(comm, want) == 0)
			tid = (pid_t)atoi(e->d_name);
		fclose(f);
	}
	if (d)
		closedir(d);
	return tid;
}

int vcpu_pin(const char *proc, pid_t pid, int vcpu, const cpu_set_t *set, int *pinned, char *err, size_t errlen)
{
	*pinned = 0;
	for (int v = vcpu < 0 ? 0 : vcpu; v < 1024; v++) {
		pid_t tid = vcpu_tid(proc, pid, v);
		if (!tid)
			break;
		if (sched_setaffinity(tid, sizeof(*set), set) != 0) {
			if (errno == EINVAL)
				snprintf(err, errlen, "vCPU %d: none of those CPUs is in the domain's cpus", v);
			else
				snprintf(err, errlen, "vCPU %d: %s", v, strerror(errno));
			return -1;
		}
		++*pinned;
		if (vcpu >= 0)
			break;
	}
	if (*pinned == 0) {
		snprintf(err, errlen, vcpu < 0 ? "the domain has no vCPU threads" : "the domain has no vCPU %d", vcpu);
		return -1;
	}
	return 0;
}

int vcpu_affinity(const char *proc, pid_t pid, int vcpu, char *out, size_t len)
{
	cpu_set_t set;
	pid_t tid = vcpu_tid(proc, pid, vcpu);
	out[0] = 0;
	if (!tid || sched_getaffinity(tid, sizeof(set), &set) != 0)
		return -1;
	size_t n = 0;
	for (int c = 0; c < CPU_SETSIZE && n + 12 < len; c++) {
		if (!CPU_ISSET(c, &set))
			continue;
		int e = c;
		while (e + 1 < CPU_SETSIZE && CPU_ISSET(e + 1, &set))
			e++;
		if (e > c)
			n += (size_t)snprintf(out + n, len - n, "%s%d-%d", n ? "," : "", c, e);
		else
			n += (size_t)snprintf(out + n, len - n, "%s%d", n ? "," : "", c);
		c = e;
	}
	return 0;
}
