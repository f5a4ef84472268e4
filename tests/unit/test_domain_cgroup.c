/* Resource control: the xl.cfg -> cgroup v2 value mapping, the files a domain's cgroup gets
 * (over a directory standing in for /sys/fs/cgroup), and vcpu-pin on this process's own
 * threads named as the VMM names its vCPUs. */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "domain_cgroup.h"
#include "vcpu_pin.h"

static char root[64];

static void put(const char *rel, const char *text)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	FILE *f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs(text, f);
		fclose(f);
	}
}

static const char *get(const char *rel)
{
	static char buf[256];
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", root, rel);
	FILE *f = fopen(path, "r");
	buf[0] = 0;
	if (f) {
		size_t n = fread(buf, 1, sizeof(buf) - 1, f);
		buf[n] = 0;
		fclose(f);
	}
	return buf;
}

static void test_mapping(void)
{
	char s[64];
	CHECK(dom_cgroup_weight(256) == 100); /* Xen's default share is the cgroup default */
	CHECK(dom_cgroup_weight(512) == 200);
	CHECK(dom_cgroup_weight(128) == 50);
	CHECK(dom_cgroup_weight(1) == 1);     /* never 0: the kernel refuses it */
	CHECK(dom_cgroup_weight(65535) == 10000);
	CHECK(dom_cgroup_weight(0) == 100);
	dom_cgroup_cpu_max(0, s, sizeof(s));
	CHECK_STR(s, "max 100000");
	dom_cgroup_cpu_max(20, s, sizeof(s));
	CHECK_STR(s, "20000 100000");
	dom_cgroup_cpu_max(150, s, sizeof(s));
	CHECK_STR(s, "150000 100000");
	dom_cgroup_cpu_max(1, s, sizeof(s));
	CHECK_STR(s, "1000 100000"); /* the kernel's smallest quota, 1 ms */
	CHECK(dom_cgroup_memory_max(128) == (uint64_t)(128 + 16 + 64) << 20);
	CHECK(dom_cgroup_memory_max(4096) > (uint64_t)4096 << 20);
}

static void test_create(void)
{
	char path[600], err[800];
	struct dom_cgroup_limits l = { .cpu_weight = 512, .cap = 20, .cpus = "1", .ram_mib = 128 };

	snprintf(root, sizeof(root), "/tmp/pv-cgroup-test.XXXXXX");
	CHECK(mkdtemp(root) != NULL);
	CHECK(!dom_cgroup_available(root));
	put("cgroup.controllers", "cpuset cpu io memory pids\n");
	put("cgroup.subtree_control", "");
	CHECK(dom_cgroup_available(root));
	/* a regular directory does not grow the control files as cgroupfs does: make them */
	char dir[300];
	snprintf(dir, sizeof(dir), "%s/paravent", root);
	mkdir(dir, 0755);
	put("paravent/cgroup.subtree_control", "");
	snprintf(dir, sizeof(dir), "%s/paravent/web", root);
	mkdir(dir, 0755);
	const char *files[] = { "cpu.weight", "cpu.max", "cpuset.cpus", "memory.max", "pids.max" };
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char rel[100];
		snprintf(rel, sizeof(rel), "paravent/web/%s", files[i]);
		put(rel, "");
	}
	CHECK(dom_cgroup_create(root, "web", &l, path, sizeof(path), err, sizeof(err)) == 0);
	CHECK(strstr(path, "/paravent/web") != NULL);
	CHECK_STR(get("cgroup.subtree_control"), "+cpu +cpuset +memory +pids");
	CHECK_STR(get("paravent/cgroup.subtree_control"), "+cpu +cpuset +memory +pids");
	CHECK_STR(get("paravent/web/cpu.weight"), "200");
	CHECK_STR(get("paravent/web/cpu.max"), "20000 100000");
	CHECK_STR(get("paravent/web/cpuset.cpus"), "1");
	CHECK_STR(get("paravent/web/memory.max"), "218103808");
	CHECK_STR(get("paravent/web/pids.max"), "128");

	int w, c;
	CHECK(dom_cgroup_get_sched(path, &w, &c) == 0 && w == 512 && c == 20);
	CHECK(dom_cgroup_set_sched(path, 256, -1, err, sizeof(err)) == 0);
	CHECK(dom_cgroup_get_sched(path, &w, &c) == 0 && w == 256 && c == 20);
	put("paravent/web/cpu.max", "max 100000\n");
	CHECK(dom_cgroup_get_sched(path, &w, &c) == 0 && c == 0);

	put("paravent/web/cpu.stat", "usage_usec 1500000\nuser_usec 1000000\nsystem_usec 500000\n"
				     "nr_periods 10\nnr_throttled 3\nthrottled_usec 250000\n");
	uint64_t usage, thr;
	CHECK(dom_cgroup_cpu_usage(path, &usage, &thr) == 0 && usage == 1500000 && thr == 250000);

	/* a control file the kernel does not offer (a controller not enabled): the error names it */
	char rel[100];
	snprintf(rel, sizeof(rel), "%s/paravent/web/pids.max", root);
	unlink(rel);
	CHECK(dom_cgroup_create(root, "web", &l, path, sizeof(path), err, sizeof(err)) == -1);
	CHECK(strstr(err, "pids.max") != NULL && strstr(err, "No such file") != NULL);

	/* removal: refused while something is inside (here, the files), done once it is empty */
	CHECK(dom_cgroup_remove(path) == -1);
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		snprintf(rel, sizeof(rel), "%s/paravent/web/%s", root, files[i]);
		unlink(rel);
	}
	snprintf(rel, sizeof(rel), "%s/paravent/web/cpu.stat", root);
	unlink(rel);
	CHECK(dom_cgroup_remove(path) == 0);
	CHECK(dom_cgroup_remove(path) == 0); /* gone already: fine */
	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	CHECK(system(cmd) == 0);
}

static void test_cpulist(void)
{
	cpu_set_t s;
	char err[200];
	CHECK(cpulist_parse("0", &s, err, sizeof(err)) == 0 && CPU_COUNT(&s) == 1 && CPU_ISSET(0, &s));
	CHECK(cpulist_parse("0-3,6", &s, err, sizeof(err)) == 0 && CPU_COUNT(&s) == 5 && CPU_ISSET(6, &s) &&
	      !CPU_ISSET(4, &s));
	CHECK(cpulist_parse("all", &s, err, sizeof(err)) == 0 && CPU_COUNT(&s) == CPU_SETSIZE);
	const char *bad[] = { "", "x", "1-", "-1", "3-1", "1,,2", "1,", "1 2", "99999", "0-99999", "1;2" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		CHECK(cpulist_parse(bad[i], &s, err, sizeof(err)) == -1 && strstr(err, "not a CPU list"));
	}
}

static pthread_mutex_t hold = PTHREAD_MUTEX_INITIALIZER;

static void *vcpu_like(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "vcpu1");
	pthread_mutex_lock(&hold);
	pthread_mutex_unlock(&hold);
	return NULL;
}

static void test_pin(void)
{
	cpu_set_t set;
	char err[200], list[64];
	int pinned;
	pthread_t t;

	pthread_setname_np(pthread_self(), "vcpu0");
	pthread_mutex_lock(&hold);
	CHECK(pthread_create(&t, NULL, vcpu_like, NULL) == 0);
	for (int i = 0; i < 100 && vcpu_affinity("/proc", getpid(), 1, list, sizeof(list)) != 0; i++)
		usleep(10000); /* until the thread has its name */
	cpulist_parse("0", &set, err, sizeof(err));
	CHECK(vcpu_pin("/proc", getpid(), 1, &set, &pinned, err, sizeof(err)) == 0 && pinned == 1);
	CHECK(vcpu_affinity("/proc", getpid(), 1, list, sizeof(list)) == 0);
	CHECK_STR(list, "0");
	cpulist_parse("all", &set, err, sizeof(err));
	CHECK(vcpu_pin("/proc", getpid(), -1, &set, &pinned, err, sizeof(err)) == 0 && pinned == 2);
	CHECK(vcpu_affinity("/proc", getpid(), 1, list, sizeof(list)) == 0);
	CHECK(strcmp(list, "0") != 0 || sysconf(_SC_NPROCESSORS_ONLN) == 1);
	CHECK(vcpu_pin("/proc", getpid(), 7, &set, &pinned, err, sizeof(err)) == -1 && strstr(err, "no vCPU 7"));
	/* CPUs this machine does not have: the kernel's refusal, said in our words */
	cpulist_parse("1000-1010", &set, err, sizeof(err));
	CHECK(vcpu_pin("/proc", getpid(), 0, &set, &pinned, err, sizeof(err)) == -1 &&
	      strstr(err, "none of those CPUs"));
	pthread_mutex_unlock(&hold);
	pthread_join(t, NULL);
	pthread_setname_np(pthread_self(), "test");
}

int main(void)
{
	test_mapping();
	test_create();
	test_cpulist();
	test_pin();
	return check_summary("domain_cgroup");
}
