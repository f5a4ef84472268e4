/* See domains.h. */
#include "domains.h"

#include <arpa/inet.h>
#include <ifaddrs.h>
#include <netinet/in.h>
#include <stdint.h>
#include "guest_names.h"
#include "image_paths.h"
#include "net_tap.h"
#include "virtio_net_hdr.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "agent_client.h"
#include "anomaly.h"
#include "autostart.h"
#include "domain_cgroup.h"
#include "domain_config.h"
#include "domain_config_json.h"
#include "migrate_link.h"
#include "migrate_receive.h"
#include "migrate_send.h"
#include "save_jobs.h"
#include "snapshot_stream.h"
#include "vcpu_pin.h"
#include "vmm_client.h"
#include "paravent-vmm.h"

#define MAX_DOMAINS 64
#define RESTART_LIMIT 5     /* crashes within RESTART_WINDOW: stop restarting */
#define RESTART_WINDOW 60
#define VMM_EXIT_NO_CGROUP 126 /* the forked VMM could not enter its cgroup */
#define VMM_REPLY_MAX 16384   /* a control socket reply, stats included (control.c) */
#define VMM_ANSWER_SECONDS 10 /* a VMM answers at once; dom0 under load may delay it */

enum dom_state { DOM_RUNNING, DOM_PAUSED, DOM_SHUTDOWN, DOM_CRASHED };

struct domain {
	bool used;
	char name[65];
	int id;
	struct domain_config cfg;
	char *config_text;
	pid_t pid;
	enum dom_state state;
	bool destroying; /* asked to go: no on_* action when its VMM exits */
	bool adopted;    /* started by an earlier paraventd: not our child, watched by polling */
	time_t started, first_crash;
	int crashes, restarts;
	int vcpus; /* vCPUs asked for now: the config's at start, then vcpu-set's */
	uint64_t mem_target, mem_max; /* MiB: mem-set's target (the config's memory at start), mem-max's ceiling */
	char cgroup[600]; /* its cgroup's directory, "" when dom0 has no cgroup v2 */
	time_t shutdown_deadline; /* asked to shut down: stopped if still running then (0: not asked) */
	bool forced_stop;         /* stopped after its deadline: on_poweroff applies */
	struct anomaly anomaly;   /* its unusual behaviour, from samples (anomaly.h) */
	char last_exit[160];
	char *restore_from; /* the next start resumes this save file instead of booting */
	bool restoring;     /* its VMM is reading a save file or a stream: not yet running the guest */
	bool incoming_next; /* the next start waits for a migrating guest (paravent-vmm --incoming) */
	bool incoming;      /* its VMM waits for or reads a migrating guest: gone if that fails */
	long log_mark;      /* vmm.log's size when the VMM started: what it says of this run follows */
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct domain doms[MAX_DOMAINS];
static int next_id = 1;
static char run_dir[128] = "/run/paravent";
static char vmm_path[256] = "paravent-vmm";
static const char *cgroup_root = DOM_CGROUP_ROOT;
static int shutdown_grace = 120; /* seconds a guest has to shut down before it is stopped */
static int anomaly_window = 180;  /* seconds a behaviour lasts before it is an anomaly */
#define SAMPLE_SECONDS 5          /* between two samples of each domain, for the anomalies */

void domains_set_anomaly_window(int seconds)
{
	anomaly_window = seconds;
}

void domains_set_shutdown_grace(int seconds)
{
	shutdown_grace = seconds;
}

/* The guest CID of d's virtio-vsock, where its paravent-agent listens. */
static uint32_t dom_cid(const struct domain *d)
{
	return (uint32_t)d->id + AGENT_CID_BASE;
}

/* The user and group d's VMM runs as once it has built the machine (hypervisor/sandbox.h):
 * one of its own per domain id, far above dom0's users, so that a VMM taken over by its guest
 * can neither signal nor read another domain's VMM or anything of dom0's. */
#define VMM_UID_BASE 2000000u
static uint32_t dom_vmm_uid(const struct domain *d)
{
	return VMM_UID_BASE + (uint32_t)d->id;
}

static void check_kvm(void);

void domains_init(const char *rdir, const char *vmm)
{
	snprintf(run_dir, sizeof(run_dir), "%s", rdir);
	snprintf(vmm_path, sizeof(vmm_path), "%s", vmm);
	guest_names_init(rdir);
	check_kvm();
	char path[512];
	snprintf(path, sizeof(path), "%s/domains", run_dir);
	mkdir(run_dir, 0755);
	mkdir(path, 0700);
}

static struct domain *find(const char *name)
{
	for (int i = 0; i < MAX_DOMAINS; i++)
		if (doms[i].used && strcmp(doms[i].name, name) == 0)
			return &doms[i];
	return NULL;
}

/* Its VMM runs (paused or not). */
static bool is_live(const struct domain *d)
{
	return d->state == DOM_RUNNING || d->state == DOM_PAUSED;
}

static struct domain *free_slot(void)
{
	for (int i = 0; i < MAX_DOMAINS; i++)
		if (!doms[i].used)
			return &doms[i];
	return NULL;
}

static void dom_path(const struct domain *d, const char *file, char *out, size_t len)
{
	snprintf(out, len, "%s/domains/%s/%s", run_dir, d->name, file);
}

/* RUN/domains/NAME/domain.json, written whole then renamed into place: what a restarted
 * paraventd needs to adopt the running VMM (its pid, id, restarts and config text). */
static void save_state(const struct domain *d)
{
	char path[600], tmp[620];
	dom_path(d, "domain.json", path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	cJSON *j = cJSON_CreateObject();
	cJSON_AddNumberToObject(j, "id", d->id);
	cJSON_AddNumberToObject(j, "pid", d->pid);
	cJSON_AddNumberToObject(j, "restarts", d->restarts);
	cJSON_AddStringToObject(j, "config", d->config_text ? d->config_text : "");
	char *text = cJSON_PrintUnformatted(j);
	cJSON_Delete(j);
	if (!text)
		return;
	FILE *f = fopen(tmp, "w");
	if (f) {
		int ok = fputs(text, f) >= 0;
		ok &= fflush(f) == 0 && fsync(fileno(f)) == 0;
		ok &= fclose(f) == 0;
		if (ok)
			rename(tmp, path);
		else
			unlink(tmp);
	}
	free(text);
}

static const char *state_letter(const struct domain *d)
{
	static const char *const s[] = { "r", "p", "s", "c" };
	return s[d->state];
}

static const char *state_name(const struct domain *d)
{
	static const char *const s[] = { "running", "paused", "shutdown", "crashed" };
	return s[d->state];
}

/* Opens the tap of d's vif i (vifID.I, or its vifname) on its bridge, for the VMM to inherit:
 * paraventd has the privilege, the VMM gets a ready device (--net fd=), the shape a confined
 * VMM needs. The tap is not persistent: it goes when the VMM, its last holder, exits. */
static int open_vif_tap(const struct domain *d, int i, char *err, size_t errlen)
{
	struct net_option o;
	struct net_tap t;

	memset(&o, 0, sizeof(o));
	o.fd = -1;
	if (d->cfg.vif[i].vifname[0])
		snprintf(o.tap, sizeof(o.tap), "%s", d->cfg.vif[i].vifname);
	else
		snprintf(o.tap, sizeof(o.tap), "vif%d.%d", d->id, i);
	snprintf(o.bridge, sizeof(o.bridge), "%s", d->cfg.vif[i].bridge);
	if (net_tap_open(&o, (unsigned)i, &t, err, errlen) != 0)
		return -1;
	net_tap_close_counters(&t); /* the VMM opens its own; paraventd keeps only the tap */
	return t.fd;
}

/* Creates d's cgroup with the limits of its configuration and opens its cgroup.procs, which
 * the VMM's process writes itself into. -1: dom0 has no cgroup v2 and d asks for no limits,
 * so the VMM runs without; -2: an error, in err. */
static int open_cgroup(struct domain *d, char *err, size_t errlen)
{
	d->cgroup[0] = 0;
	if (!dom_cgroup_available(cgroup_root)) {
		if (d->cfg.cap || d->cfg.cpus || d->cfg.cpu_weight != DOM_CGROUP_XEN_DEFAULT_WEIGHT) {
			snprintf(err, errlen, "cpus, cpu_weight and cap need cgroup v2 at %s", cgroup_root);
			return -2;
		}
		return -1;
	}
	struct dom_cgroup_limits l = {
		.cpu_weight = d->cfg.cpu_weight, .cap = d->cfg.cap, .cpus = d->cfg.cpus,
		.ram_mib = d->cfg.maxmem_mib > d->cfg.memory_mib ? d->cfg.maxmem_mib : d->cfg.memory_mib,
	};
	char why[700], procs[700];
	if (dom_cgroup_create(cgroup_root, d->name, &l, d->cgroup, sizeof(d->cgroup), why, sizeof(why)) != 0) {
		snprintf(err, errlen, "cannot set up the domain's cgroup: %.400s", why);
		d->cgroup[0] = 0;
		return -2;
	}
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", d->cgroup);
	int fd = open(procs, O_WRONLY | O_CLOEXEC);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open %s: %s", procs, strerror(errno));
		return -2;
	}
	return fd;
}

/* Starts d's VMM; with lock held. Returns 0, or -1 with the reason in err. */
static int spawn(struct domain *d, char *err, size_t errlen)
{
	char dir[512], ctl[600], con[600], log[600], mem[24], balloon[24], vcpus[16], maxv[16], cid[16], user[32];
	char disks[DOMCFG_MAX_DISKS][4200];
	char nets[DOMCFG_MAX_VIFS][160];
	const char *argv[64];
	int n = 0;

	snprintf(dir, sizeof(dir), "%s/domains/%s", run_dir, d->name);
	mkdir(dir, 0700);
	dom_path(d, "control.sock", ctl, sizeof(ctl));
	dom_path(d, "console.log", con, sizeof(con));
	dom_path(d, "vmm.log", log, sizeof(log));
	/* RAM for maxmem, of which the guest keeps memory: the balloon holds the rest, for
	 * mem-set to give later (as Xen boots a guest with maxmem > memory) */
	snprintf(mem, sizeof(mem), "%llu", (unsigned long long)d->cfg.maxmem_mib);
	snprintf(balloon, sizeof(balloon), "%llu", (unsigned long long)d->cfg.memory_mib);
	snprintf(vcpus, sizeof(vcpus), "%d", d->cfg.vcpus);
	snprintf(maxv, sizeof(maxv), "%d", d->cfg.maxvcpus);
	argv[n++] = vmm_path;
	argv[n++] = "--name";
	argv[n++] = d->name;
	argv[n++] = "--kernel";
	argv[n++] = d->cfg.kernel;
	if (d->cfg.ramdisk) {
		argv[n++] = "--initrd";
		argv[n++] = d->cfg.ramdisk;
	}
	if (d->cfg.cmdline) {
		argv[n++] = "--cmdline";
		argv[n++] = d->cfg.cmdline;
	}
	argv[n++] = "--memory";
	argv[n++] = mem;
	if (d->cfg.maxmem_mib > d->cfg.memory_mib) {
		argv[n++] = "--balloon";
		argv[n++] = balloon;
	}
	argv[n++] = "--vcpus";
	argv[n++] = vcpus;
	argv[n++] = "--max-vcpus";
	argv[n++] = maxv;
	for (int i = 0; i < d->cfg.ndisks; i++) {
		snprintf(disks[i], sizeof(disks[i]), "%s%s", d->cfg.disk[i].target, d->cfg.disk[i].readonly ? ",ro" : "");
		argv[n++] = "--disk";
		argv[n++] = disks[i];
	}
	int taps[DOMCFG_MAX_VIFS];
	for (int i = 0; i < d->cfg.nvifs; i++) {
		taps[i] = open_vif_tap(d, i, err, errlen);
		if (taps[i] < 0) {
			while (i-- > 0)
				close(taps[i]);
			return -1;
		}
		domcfg_vif_net_arg(&d->cfg.vif[i], taps[i], nets[i], sizeof(nets[i]));
		argv[n++] = "--net";
		argv[n++] = nets[i];
	}
	snprintf(cid, sizeof(cid), "%u", dom_cid(d));
	argv[n++] = "--vsock";
	argv[n++] = cid;
	argv[n++] = "--control";
	argv[n++] = ctl;
	argv[n++] = "--console-log";
	argv[n++] = con;
	argv[n++] = "--log";
	argv[n++] = log;
	snprintf(user, sizeof(user), "%u:%u", dom_vmm_uid(d), dom_vmm_uid(d));
	argv[n++] = "--confine";
	argv[n++] = user;
	char incoming[600];
	if (d->restore_from) {
		argv[n++] = "--restore";
		argv[n++] = d->restore_from;
	} else if (d->incoming_next) {
		dom_path(d, "incoming.sock", incoming, sizeof(incoming));
		argv[n++] = "--incoming";
		argv[n++] = incoming;
	}
	argv[n] = NULL;

	int procs = open_cgroup(d, err, errlen);
	if (procs == -2) {
		for (int i = 0; i < d->cfg.nvifs; i++)
			close(taps[i]);
		return -1;
	}
	struct stat logst;
	d->log_mark = stat(log, &logst) == 0 ? (long)logst.st_size : 0;
	pid_t pid = fork();
	if (pid == 0) {
		/* into the domain's cgroup before the VMM runs a single instruction of its own */
		if (procs >= 0 && write(procs, "0", 1) != 1)
			_exit(VMM_EXIT_NO_CGROUP);
		/* its own session, so that signals to paraventd's group do not reach it */
		setsid();
		for (int i = 0; i < d->cfg.nvifs; i++)
			fcntl(taps[i], F_SETFD, 0); /* the taps are the VMM's to keep */
		sigset_t none;
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		int null = open("/dev/null", O_RDWR);
		if (null >= 0) {
			dup2(null, 0);
			dup2(null, 1);
			dup2(null, 2);
		}
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	for (int i = 0; i < d->cfg.nvifs; i++)
		close(taps[i]); /* ours go: a tap lives as long as its VMM */
	if (procs >= 0)
		close(procs);
	if (pid < 0) {
		snprintf(err, errlen, "cannot start paravent-vmm: %s", strerror(errno));
		return -1;
	}
	d->pid = pid;
	d->state = DOM_RUNNING;
	/* once: a restored guest that reboots boots its kernel */
	d->restoring = d->restore_from != NULL || d->incoming_next;
	d->incoming = d->incoming_next;
	d->incoming_next = false;
	free(d->restore_from);
	d->restore_from = NULL;
	d->started = time(NULL);
	d->adopted = false;
	d->vcpus = d->cfg.vcpus;
	d->mem_target = d->cfg.memory_mib;
	d->mem_max = d->cfg.maxmem_mib;
	d->shutdown_deadline = 0;
	d->forced_stop = false;
	anomaly_init(&d->anomaly, anomaly_window);
	save_state(d);
	return 0;
}

/* One request to d's VMM on its control socket (vmm_client.h). */
static int vmm_request_within(const struct domain *d, const char *req, char *reply, size_t len, int seconds)
{
	char path[600];

	dom_path(d, "control.sock", path, sizeof(path));
	return vmm_call(path, req, reply, len, seconds);
}

static int vmm_request(const struct domain *d, const char *req, char *reply, size_t len)
{
	return vmm_request_within(d, req, reply, len, VMM_ANSWER_SECONDS);
}

/* CPU seconds of a process, from /proc/PID/stat. */
static double cpu_seconds(pid_t pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	unsigned long long ut = 0, st = 0;
	if (!p || sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &st) != 2)
		return 0;
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

/* Scheduling as it is now: weight and cap from the cgroup (sched-credit may have changed
 * them), the CPUs each vCPU may run on, the CPU time the cap held back. */
static void add_sched_json(cJSON *o, const struct domain *d, bool live)
{
	int weight = d->cfg.cpu_weight, cap = d->cfg.cap;
	uint64_t usage = 0, throttled = 0;
	if (live && d->cgroup[0]) {
		dom_cgroup_get_sched(d->cgroup, &weight, &cap);
		dom_cgroup_cpu_usage(d->cgroup, &usage, &throttled);
	}
	cJSON_AddNumberToObject(o, "cpu_weight", weight);
	cJSON_AddNumberToObject(o, "cap", cap);
	cJSON_AddStringToObject(o, "cpus", d->cfg.cpus ? d->cfg.cpus : "all");
	cJSON_AddNumberToObject(o, "cpu_throttled_seconds", (double)throttled / 1e6);
	if (d->cgroup[0])
		cJSON_AddStringToObject(o, "cgroup", d->cgroup);
	else
		cJSON_AddNullToObject(o, "cgroup");
	cJSON *aff = cJSON_AddArrayToObject(o, "vcpu_affinity");
	for (int v = 0; live && v < d->cfg.maxvcpus; v++) {
		char list[256];
		if (vcpu_affinity("/proc", d->pid, v, list, sizeof(list)) != 0)
			break;
		cJSON_AddItemToArray(aff, cJSON_CreateString(list));
	}
}

static cJSON *domain_json(const struct domain *d)
{
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", d->name);
	cJSON_AddNumberToObject(o, "id", d->id);
	cJSON_AddStringToObject(o, "state", state_name(d));
	cJSON_AddStringToObject(o, "state_letter", state_letter(d));
	cJSON_AddNumberToObject(o, "memory", (double)d->mem_target);
	cJSON_AddNumberToObject(o, "maxmem", (double)d->mem_max);
	cJSON_AddNumberToObject(o, "vcpus", d->vcpus);
	bool live = is_live(d);
	cJSON_AddNumberToObject(o, "pid", live ? d->pid : 0);
	cJSON_AddNumberToObject(o, "cpu_seconds", live ? cpu_seconds(d->pid) : 0);
	cJSON_AddNumberToObject(o, "uptime_seconds", live ? (double)(time(NULL) - d->started) : 0);
	cJSON_AddNumberToObject(o, "restarts", d->restarts);
	add_sched_json(o, d, live);
	cJSON *an = cJSON_AddArrayToObject(o, "anomalies");
	for (unsigned bit = 1; live && bit <= ANOMALY_IO_BURST; bit <<= 1) {
		char name[32];
		anomaly_names(d->anomaly.flags & bit, name, sizeof(name));
		if (name[0])
			cJSON_AddItemToArray(an, cJSON_CreateString(name));
	}
	if (d->last_exit[0])
		cJSON_AddStringToObject(o, "last_exit", d->last_exit);
	cJSON_AddBoolToObject(o, "restoring", live && d->restoring);
	cJSON_AddBoolToObject(o, "saving", live && save_job_running(d->name));
	cJSON_AddBoolToObject(o, "migrating", live && migrate_send_running(d->name));
	/* its fixed address on pvbr0, the one its name resolves to in dom0 */
	int host = guest_names_host_of(d->name);
	if (host >= 0) {
		char ip[32];
		snprintf(ip, sizeof(ip), "%s%d", GUEST_NAMES_SUBNET, host);
		cJSON_AddStringToObject(o, "address", ip);
	} else {
		cJSON_AddNullToObject(o, "address");
	}
	cJSON_AddItemToObject(o, "config", domcfg_to_json(&d->cfg));
	return o;
}

/* Whether KVM can run guests here, and why not: paravent-kvm-check's verdict, asked once. */
static bool kvm_usable;
static char kvm_detail[300];

static void check_kvm(void)
{
	FILE *p = popen("paravent-kvm-check 2>&1", "r");
	kvm_detail[0] = 0;
	if (!p) {
		snprintf(kvm_detail, sizeof(kvm_detail), "cannot run paravent-kvm-check");
		return;
	}
	if (!fgets(kvm_detail, sizeof(kvm_detail), p))
		kvm_detail[0] = 0;
	kvm_detail[strcspn(kvm_detail, "\n")] = 0;
	int st = pclose(p);
	kvm_usable = st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static uint64_t meminfo_kib(const char *key)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[128];
	unsigned long long v = 0;
	size_t n = strlen(key);
	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, key, n) == 0 && line[n] == ':') {
			sscanf(line + n + 1, "%llu", &v);
			break;
		}
	if (f)
		fclose(f);
	return v;
}

/* dom0's networks and their IPv4 addresses (br0: the LAN, pvbr0: host-only). */
static cJSON *networks_json(void)
{
	cJSON *a = cJSON_CreateArray();
	struct ifaddrs *ifs = NULL;
	static const char *const names[] = { "br0", "pvbr0" };
	if (getifaddrs(&ifs) != 0)
		return a;
	for (size_t k = 0; k < 2; k++) {
		cJSON *n = cJSON_CreateObject();
		cJSON_AddStringToObject(n, "name", names[k]);
		cJSON_AddNullToObject(n, "address");
		for (struct ifaddrs *i = ifs; i; i = i->ifa_next) {
			if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET || strcmp(i->ifa_name, names[k]) != 0)
				continue;
			char ip[INET_ADDRSTRLEN] = "";
			inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr, ip, sizeof(ip));
			cJSON_ReplaceItemInObject(n, "address", cJSON_CreateString(ip));
			break;
		}
		cJSON_AddItemToArray(a, n);
	}
	freeifaddrs(ifs);
	return a;
}

static int be_host(void *ctx, cJSON **out)
{
	struct sysinfo si;
	(void)ctx;
	*out = cJSON_CreateObject();
	cJSON_AddStringToObject(*out, "version", PARAVENT_VERSION);
	cJSON_AddNumberToObject(*out, "cpus", (double)sysconf(_SC_NPROCESSORS_ONLN));
	if (sysinfo(&si) == 0) {
		cJSON_AddNumberToObject(*out, "memory_mib", (double)((unsigned long long)si.totalram * si.mem_unit >> 20));
		cJSON_AddNumberToObject(*out, "free_memory_mib", (double)((unsigned long long)si.freeram * si.mem_unit >> 20));
	}
	/* what a new domain can have without pushing dom0 out: free plus reclaimable cache */
	cJSON_AddNumberToObject(*out, "available_memory_mib", (double)(meminfo_kib("MemAvailable") >> 10));
	cJSON *kvm = cJSON_AddObjectToObject(*out, "kvm");
	cJSON_AddBoolToObject(kvm, "usable", kvm_usable);
	cJSON_AddStringToObject(kvm, "detail", kvm_detail);
	cJSON_AddItemToObject(*out, "networks", networks_json());
	pthread_mutex_lock(&lock);
	int n = 0;
	for (int i = 0; i < MAX_DOMAINS; i++)
		n += doms[i].used;
	pthread_mutex_unlock(&lock);
	cJSON_AddNumberToObject(*out, "domains", n);
	return 200;
}

static int be_list(void *ctx, cJSON **out)
{
	(void)ctx;
	*out = cJSON_CreateArray();
	pthread_mutex_lock(&lock);
	for (int i = 0; i < MAX_DOMAINS; i++)
		if (doms[i].used)
			cJSON_AddItemToArray(*out, domain_json(&doms[i]));
	pthread_mutex_unlock(&lock);
	return 200;
}

static void forget(struct domain *d)
{
	char path[600];
	if (d->used)
		guest_names_remove(d->name);
	if (d->cgroup[0])
		dom_cgroup_remove(d->cgroup);
	dom_path(d, "domain.json", path, sizeof(path));
	unlink(path);
	domcfg_free(&d->cfg);
	free(d->config_text);
	free(d->restore_from);
	memset(d, 0, sizeof(*d));
}

/* Whether every CPU of a domain's `cpus` is one dom0 can give (its root cpuset). */
static bool cpus_in_dom0(const char *cpus, char *err, size_t errlen)
{
	char path[300], have[256] = "";
	cpu_set_t want, host, both;
	snprintf(path, sizeof(path), "%s/cpuset.cpus.effective", cgroup_root);
	FILE *f = fopen(path, "r");
	if (!f)
		return true; /* no cgroup v2: open_cgroup says so */
	if (!fgets(have, sizeof(have), f))
		have[0] = 0;
	fclose(f);
	have[strcspn(have, "\n")] = 0;
	if (cpulist_parse(cpus, &want, err, errlen) != 0 || cpulist_parse(have, &host, err, errlen) != 0)
		return false;
	CPU_AND(&both, &want, &host);
	if (CPU_EQUAL(&both, &want))
		return true;
	snprintf(err, errlen, "cpus: \"%.40s\" names CPUs dom0 does not have (it has %s)", cpus, have);
	return false;
}

/* Whether every file cfg names (kernel, ramdisk, disks) is in the image directories. */
static bool files_allowed(const struct domain_config *cfg, char *err, size_t errlen)
{
	if (image_path_allowed("kernel", cfg->kernel, err, errlen) != 0 ||
	    (cfg->ramdisk && image_path_allowed("ramdisk", cfg->ramdisk, err, errlen) != 0))
		return false;
	for (int i = 0; i < cfg->ndisks; i++) {
		char what[16];
		snprintf(what, sizeof(what), "disk %d", i);
		if (image_path_allowed(what, cfg->disk[i].target, err, errlen) != 0)
			return false;
	}
	return true;
}

/* A domain from a configuration's text, started. remember: keep its configuration for the
 * next boot when it says autostart = 1 (not for the ones autostart itself starts). restore:
 * a save file to resume instead of booting (NULL: boot). */
static int create_domain(const char *text, size_t len, bool remember, const char *restore,
			 struct incoming *in, cJSON **out, char *err, size_t errlen)
{
	struct domain_config cfg;
	if (domcfg_parse("config", text, len, &cfg, err, errlen) != 0) {
		size_t n = strlen(err);
		if (n && err[n - 1] == '\n')
			err[n - 1] = 0;
		return 400;
	}
	if (!files_allowed(&cfg, err, errlen)) {
		domcfg_free(&cfg);
		return 400;
	}
	/* paravent-vmm would refuse it too, but only after the domain was listed */
	for (int i = 0; i < cfg.nvifs; i++) {
		char path[96];
		struct stat st;
		snprintf(path, sizeof(path), "/sys/class/net/%s/bridge", cfg.vif[i].bridge);
		if (stat(path, &st) != 0) {
			snprintf(err, errlen, "vif %d: bridge %s does not exist (dom0 has br0 and pvbr0)", i,
				 cfg.vif[i].bridge);
			domcfg_free(&cfg);
			return 400;
		}
	}
	if (cfg.cpus && !cpus_in_dom0(cfg.cpus, err, errlen)) {
		domcfg_free(&cfg);
		return 400;
	}
	pthread_mutex_lock(&lock);
	if (find(cfg.name)) {
		pthread_mutex_unlock(&lock);
		snprintf(err, errlen, "a domain named %s exists", cfg.name);
		domcfg_free(&cfg);
		return 409;
	}
	struct domain *d = free_slot();
	if (!d) {
		pthread_mutex_unlock(&lock);
		snprintf(err, errlen, "already %d domains", MAX_DOMAINS);
		domcfg_free(&cfg);
		return 409;
	}
	memset(d, 0, sizeof(*d));
	d->cfg = cfg;
	snprintf(d->name, sizeof(d->name), "%s", cfg.name);
	d->id = next_id++;
	d->config_text = malloc(len + 1);
	if (d->config_text) {
		memcpy(d->config_text, text, len);
		d->config_text[len] = 0;
	}
	d->used = true;
	if (restore && !(d->restore_from = strdup(restore))) {
		forget(d);
		pthread_mutex_unlock(&lock);
		snprintf(err, errlen, "out of memory");
		return 500;
	}
	if (in) {
		struct stat logst;
		d->incoming_next = true;
		snprintf(in->name, sizeof(in->name), "%s", d->name);
		dom_path(d, "incoming.sock", in->socket, sizeof(in->socket));
		dom_path(d, "vmm.log", in->vmm_log, sizeof(in->vmm_log));
		in->log_mark = stat(in->vmm_log, &logst) == 0 ? (long)logst.st_size : 0;
	}
	/* its name on pvbr0 first: the guest asks for its address as soon as it boots */
	for (int i = 0; i < d->cfg.nvifs; i++) {
		if (strcmp(d->cfg.vif[i].bridge, "pvbr0") == 0) {
			uint8_t mac[6];
			if (d->cfg.vif[i].has_mac)
				memcpy(mac, d->cfg.vif[i].mac, 6);
			else
				net_mac_from_name(d->name, (unsigned)i, mac);
			guest_names_add(d->name, mac);
			break;
		}
	}
	if (spawn(d, err, errlen) != 0) {
		forget(d);
		pthread_mutex_unlock(&lock);
		return 500;
	}
	if (remember && d->cfg.autostart)
		autostart_remember(d->name, text, len);
	*out = domain_json(d);
	pthread_mutex_unlock(&lock);
	return 201;
}

static int be_create(void *ctx, const char *text, size_t len, cJSON **out, char *err, size_t errlen)
{
	(void)ctx;
	return create_domain(text, len, true, NULL, NULL, out, err, errlen);
}

/* POST /restore: the domain a save file describes (its CONF section, the configuration it
 * was created from), started by resuming the file. The file must be in the image
 * directories, like any file a domain uses. */
static int be_restore(void *ctx, const char *path, cJSON **out, char *err, size_t errlen)
{
	char real[PATH_MAX], why[200];
	(void)ctx;
	if (image_path_allowed("save file", path, err, errlen) != 0 || !realpath(path, real))
		return 400;
	/* not a FIFO or a device: those could hold the API up forever */
	struct stat st;
	int fd = open(real, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "cannot open %s: %s", path, fd < 0 ? strerror(errno) : "not a regular file");
		if (fd >= 0)
			close(fd);
		return 400;
	}
	char *text = snapshot_read_config(fd, why, sizeof(why));
	close(fd);
	if (!text) {
		snprintf(err, errlen, "%s cannot be restored: %s", path, why);
		return 400;
	}
	int status = create_domain(text, strlen(text), false, real, NULL, out, err, errlen);
	free(text);
	return status;
}

/* A migrating guest's domain (migrate_receive.h): created like any, its VMM waiting for the
 * stream; never remembered for autostart here (the sender's host may still list it). */
int domains_incoming(const char *text, size_t len, struct incoming *in, char *err, size_t errlen)
{
	cJSON *out = NULL;
	int status = create_domain(text, len, false, NULL, in, &out, err, errlen);
	cJSON_Delete(out);
	return status;
}

void domains_incoming_abort(const char *name)
{
	pthread_mutex_lock(&lock);
	struct domain *d = find(name);
	if (d && d->incoming && is_live(d)) {
		d->destroying = true;
		kill(d->pid, SIGKILL);
	}
	pthread_mutex_unlock(&lock);
}

bool domains_incoming_alive(const char *name)
{
	pthread_mutex_lock(&lock);
	struct domain *d = find(name);
	bool alive = d && is_live(d);
	pthread_mutex_unlock(&lock);
	return alive;
}

int domains_create_text(const char *text, size_t len, char *err, size_t errlen)
{
	cJSON *out = NULL;
	int status = create_domain(text, len, false, NULL, NULL, &out, err, errlen);
	cJSON_Delete(out);
	return status == 201 ? 0 : -1;
}

static int be_show(void *ctx, const char *name, cJSON **out, char *err, size_t errlen)
{
	(void)ctx;
	pthread_mutex_lock(&lock);
	struct domain *d = find(name);
	if (d)
		*out = domain_json(d);
	pthread_mutex_unlock(&lock);
	if (!d) {
		snprintf(err, errlen, "no domain named %s", name);
		return 404;
	}
	return 200;
}

/* vcpu-set, as Xen's PV guests did it, with the guest's cooperation: CPUs taken back are
 * first taken offline by the guest's agent (so a guest whose kernel ignores ACPI eject
 * requests still stops using them), then asked back by ACPI CPU hotplug, which the guest
 * answers by ejecting them; CPUs given are plugged by ACPI, then brought online by the agent
 * (a guest may not online new CPUs by itself). Without an agent, ACPI alone. With lock held:
 * the agent has 5 s at most each way. */
static int set_vcpus(struct domain *d, int count, char *err, size_t errlen)
{
	char agent_req[32], req[64], reply[512], why[200];
	snprintf(agent_req, sizeof(agent_req), "vcpus %d", count);
	if (count < d->vcpus && agent_request_within(dom_cid(d), agent_req, 5000, why, sizeof(why)) == 0)
		fprintf(stderr, "paraventd: %s: vcpu-set %d: the agent took CPUs offline (%s online)\n", d->name, count, why);
	snprintf(req, sizeof(req), "{\"op\":\"vcpus\",\"count\":%d}", count);
	if (vmm_request(d, req, reply, sizeof(reply)) != 0) {
		snprintf(err, errlen, "vcpus: %.200s", reply);
		return 409;
	}
	if (count > d->vcpus && agent_request_within(dom_cid(d), agent_req, 5000, why, sizeof(why)) == 0)
		fprintf(stderr, "paraventd: %s: vcpu-set %d: the agent brought CPUs online (%s online)\n", d->name, count, why);
	d->vcpus = count;
	return 202; /* accepted: the guest brings CPUs online or ejects them in its own time */
}

/* shutdown: the guest's agent first (a clean shutdown by the guest's own init), else the
 * ACPI power button; either way the guest has shutdown_grace seconds before it is stopped.
 * reboot: only the agent can ask a guest to reboot. With lock held; the agent's answer takes
 * at most a few seconds (agent_client.h). */
static int shutdown_or_reboot(struct domain *d, const char *action, char *err, size_t errlen)
{
	char why[200], reply[512];
	bool reboot = strcmp(action, "reboot") == 0;
	if (agent_request(dom_cid(d), action, why, sizeof(why)) == 0) {
		fprintf(stderr, "paraventd: %s: %s through its agent\n", d->name, action);
	} else if (reboot) {
		snprintf(err, errlen, "reboot needs paravent-agent in the guest: %s. shutdown, or destroy and "
			 "create, work without it", why);
		return 409;
	} else if (vmm_request(d, "{\"op\":\"shutdown\"}", reply, sizeof(reply)) != 0) {
		snprintf(err, errlen, "shutdown: %.200s", reply);
		return 409;
	} else {
		fprintf(stderr, "paraventd: %s: shutdown by the ACPI power button (agent: %s)\n", d->name, why);
	}
	if (!reboot && !d->shutdown_deadline)
		d->shutdown_deadline = time(NULL) + shutdown_grace;
	return 202;
}

/* The "stats" object of d's VMM (to be freed), or NULL with why in err; the VMM has `seconds`
 * to answer. */
static cJSON *fetch_stats(const struct domain *d, int seconds, char *err, size_t errlen)
{
	char *reply = malloc(VMM_REPLY_MAX);
	if (!reply) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (vmm_request_within(d, "{\"op\":\"stats\"}", reply, VMM_REPLY_MAX, seconds) != 0) {
		snprintf(err, errlen, "stats: %.200s", reply);
		free(reply);
		return NULL;
	}
	cJSON *j = cJSON_Parse(reply);
	free(reply);
	cJSON *st = cJSON_DetachItemFromObjectCaseSensitive(j, "stats");
	cJSON_Delete(j);
	if (!st)
		snprintf(err, errlen, "stats: its VMM's reply has no stats");
	return st;
}

/* GET stats: the VMM's own counters (exits, balloon, disks, NICs), as its control socket
 * gives them. */
static int vmm_stats(struct domain *d, cJSON **out, char *err, size_t errlen)
{
	*out = fetch_stats(d, VMM_ANSWER_SECONDS, err, errlen);
	return *out ? 200 : 409;
}

/* PUT memory {"target_mib": N}: xl mem-set, through the VMM's balloon, up to mem_max.
 * PUT maxmem {"max_mib": N}: xl mem-max, the ceiling for mem-set, between the target and the
 * RAM the VMM has (its size is fixed when it starts: the configuration's maxmem). */
static int set_memory(struct domain *d, bool target, const cJSON *args, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, target ? "target_mib" : "max_mib");
	uint64_t lo = target ? 16 : d->mem_target, hi = target ? d->mem_max : d->cfg.maxmem_mib;
	if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= 1e9) ||
	    v->valuedouble != (double)(uint64_t)v->valuedouble) {
		snprintf(err, errlen, "want {\"%s\": N}, N in MiB", target ? "target_mib" : "max_mib");
		return 400;
	}
	uint64_t mib = (uint64_t)v->valuedouble;
	if (mib < lo || mib > hi) {
		if (target)
			snprintf(err, errlen, "memory: %llu MiB is outside 16 to %llu MiB (maxmem: see mem-max)",
				 (unsigned long long)mib, (unsigned long long)hi);
		else
			snprintf(err, errlen, "maxmem: %llu MiB is outside %llu (its memory now) to %llu MiB (the "
				 "RAM its VMM started with, the configuration's maxmem)", (unsigned long long)mib,
				 (unsigned long long)lo, (unsigned long long)hi);
		return 400;
	}
	if (!target) {
		d->mem_max = mib;
		return 202;
	}
	char req[96], reply[512];
	snprintf(req, sizeof(req), "{\"op\":\"balloon\",\"target_mib\":%llu}", (unsigned long long)mib);
	if (vmm_request(d, req, reply, sizeof(reply)) != 0) {
		snprintf(err, errlen, "memory: %.200s", reply);
		return 409;
	}
	d->mem_target = mib;
	return 202;
}

/* PUT sched {"weight": W, "cap": C}, either one or both: xl sched-credit -d DOM -w W -c C. */
static int set_sched(struct domain *d, const cJSON *args, char *err, size_t errlen)
{
	const cJSON *w = cJSON_GetObjectItemCaseSensitive(args, "weight");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(args, "cap");
	if ((!w && !c) || (w && (!cJSON_IsNumber(w) || w->valuedouble < 1 || w->valuedouble > 65535 ||
				 w->valuedouble != (double)(int)w->valuedouble)) ||
	    (c && (!cJSON_IsNumber(c) || c->valuedouble < 0 || c->valuedouble > 100 * DOMCFG_MAX_VCPUS ||
		   c->valuedouble != (double)(int)c->valuedouble))) {
		snprintf(err, errlen, "want {\"weight\": 1 to 65535, \"cap\": 0 to %d (percent of one CPU, 0 for none)}",
			 100 * DOMCFG_MAX_VCPUS);
		return 400;
	}
	if (!d->cgroup[0]) {
		snprintf(err, errlen, "%s has no cgroup (dom0 without cgroup v2)", d->name);
		return 409;
	}
	char why[700];
	if (dom_cgroup_set_sched(d->cgroup, w ? w->valueint : -1, c ? c->valueint : -1, why, sizeof(why)) != 0) {
		snprintf(err, errlen, "%.500s", why);
		return 500;
	}
	return 202;
}

/* PUT pin {"vcpu": N or "all", "cpus": "0-1"}: xl vcpu-pin DOM VCPU CPUS. */
static int pin_vcpus(struct domain *d, const cJSON *args, cJSON **out, char *err, size_t errlen)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(args, "vcpu");
	const cJSON *c = cJSON_GetObjectItemCaseSensitive(args, "cpus");
	int vcpu;
	cpu_set_t set;
	if (cJSON_IsString(v) && strcmp(v->valuestring, "all") == 0)
		vcpu = -1;
	else if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < d->cfg.maxvcpus &&
		 v->valuedouble == (double)(int)v->valuedouble)
		vcpu = v->valueint;
	else {
		snprintf(err, errlen, "want {\"vcpu\": 0 to %d or \"all\", \"cpus\": \"0-3,6\" or \"all\"}",
			 d->cfg.maxvcpus - 1);
		return 400;
	}
	if (!cJSON_IsString(c)) {
		snprintf(err, errlen, "want {\"vcpu\": N, \"cpus\": \"0-3,6\" or \"all\"}");
		return 400;
	}
	if (cpulist_parse(c->valuestring, &set, err, errlen) != 0)
		return 400;
	int pinned;
	if (vcpu_pin("/proc", d->pid, vcpu, &set, &pinned, err, errlen) != 0)
		return 409;
	*out = cJSON_CreateObject();
	cJSON_AddNumberToObject(*out, "pinned", pinned);
	return 202;
}

/* The save's thread is done: a guest saved with "pause" is paused now. */
static void save_done(const char *name, const char *then, bool ok)
{
	pthread_mutex_lock(&lock);
	struct domain *d = find(name);
	if (d && ok && strcmp(then, "pause") == 0 && is_live(d))
		d->state = DOM_PAUSED;
	pthread_mutex_unlock(&lock);
	/* "stop": its VMM ends once the file is in place; the save is reported done when the
	 * domain is gone (10 s at most), not a moment before */
	for (int i = 0; ok && strcmp(then, "stop") == 0 && i < 100; i++) {
		pthread_mutex_lock(&lock);
		bool gone = !find(name);
		pthread_mutex_unlock(&lock);
		if (gone)
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 100000000 }, NULL);
	}
}

/* POST /domains/NAME/save {"path":FILE,"then":"stop"|"pause"|"continue"}: starts the save
 * (save_jobs.h) and answers at once; GET /domains/NAME/save tells how it went. The file gets
 * the domain's configuration too, for `paravent restore`. */
static int start_save(struct domain *d, const cJSON *args, cJSON **out, char *err, size_t errlen)
{
	const cJSON *path = cJSON_GetObjectItemCaseSensitive(args, "path");
	const cJSON *then = cJSON_GetObjectItemCaseSensitive(args, "then");
	const char *t = cJSON_IsString(then) ? then->valuestring : "stop";
	char real[PATH_MAX], sock[600];

	if (!cJSON_IsString(path)) {
		snprintf(err, errlen, "want {\"path\": FILE} (and \"then\": \"stop\", \"pause\" or \"continue\")");
		return 400;
	}
	if ((then && !cJSON_IsString(then)) ||
	    (strcmp(t, "stop") != 0 && strcmp(t, "pause") != 0 && strcmp(t, "continue") != 0)) {
		snprintf(err, errlen, "\"then\" must be \"stop\", \"pause\" or \"continue\"");
		return 400;
	}
	if (image_path_writable("save file", path->valuestring, real, sizeof(real), err, errlen) != 0)
		return 400;
	/* an existing file is replaced only if it is a save file: not a disk image that happens
	 * to lie in an image directory */
	int old = open(real, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
	if (old >= 0) {
		char magic[sizeof(SNAP_MAGIC) - 1];
		bool is_save = read(old, magic, sizeof(magic)) == (ssize_t)sizeof(magic) &&
			       memcmp(magic, SNAP_MAGIC, sizeof(magic)) == 0;
		close(old);
		if (!is_save) {
			snprintf(err, errlen, "%.200s exists and is not a save file: choose another name", path->valuestring);
			return 409;
		}
	}
	if (d->restoring) {
		snprintf(err, errlen, "%s is still being restored", d->name);
		return 409;
	}
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "op", "save");
	cJSON_AddBoolToObject(req, "fd", 1); /* the file comes with the request (save_jobs.c) */
	/* "stop": it stops once its file is in place (save_jobs.c) */
	cJSON_AddStringToObject(req, "then", strcmp(t, "stop") == 0 ? "pause" : t);
	cJSON_AddStringToObject(req, "config", d->config_text ? d->config_text : "");
	char *line = cJSON_PrintUnformatted(req);
	cJSON_Delete(req);
	if (!line || strlen(line) >= VMM_CONTROL_MAX_REQUEST) {
		snprintf(err, errlen, "the domain's configuration is too long to keep in a save file");
		free(line);
		return 400;
	}
	dom_path(d, "control.sock", sock, sizeof(sock));
	int r = save_job_start(d->name, sock, real, t, line, save_done, err, errlen);
	free(line);
	if (r != 0)
		return 409;
	*out = save_job_json(d->name);
	return 202;
}

/* The migration's thread is done. A guest whose receiver never confirmed stays paused here
 * (hypervisor/migrate.h): say so. A migrated one is gone already (its VMM exited). */
static void migrate_ended(const char *name, bool ok, const char *error)
{
	pthread_mutex_lock(&lock);
	struct domain *d = find(name);
	if (d && !ok && strstr(error, "stays paused here") && is_live(d))
		d->state = DOM_PAUSED;
	if (ok)
		autostart_forget(name); /* it lives on the other host now: not here at the next boot */
	pthread_mutex_unlock(&lock);
}

static bool json_uint(const cJSON *args, const char *key, double max, double *v)
{
	const cJSON *x = cJSON_GetObjectItemCaseSensitive(args, key);
	if (!x)
		return true;
	if (!cJSON_IsNumber(x) || x->valuedouble < 0 || x->valuedouble > max)
		return false;
	*v = x->valuedouble;
	return true;
}

/* POST /domains/NAME/migrate {"host":H,"token":T,"port":N,"live":B,"max_rounds":N,
 * "downtime_ms":N,"bandwidth_mbps":X}: starts the migration (migrate_send.h) and answers at
 * once; GET /domains/NAME/migrate tells how it goes. */
static int start_migrate(struct domain *d, const cJSON *args, cJSON **out, char *err, size_t errlen)
{
	const cJSON *host = cJSON_GetObjectItemCaseSensitive(args, "host");
	const cJSON *token = cJSON_GetObjectItemCaseSensitive(args, "token");
	const cJSON *live = cJSON_GetObjectItemCaseSensitive(args, "live");
	double port = MIGRATE_LINK_PORT, rounds = 30, downtime = 100, bw = 0;
	struct migrate_send_args a = { .live = true };
	struct stat st;

	if (!cJSON_IsString(host) || !host->valuestring[0] || strlen(host->valuestring) >= sizeof(a.host) ||
	    !cJSON_IsString(token) || !token->valuestring[0] || strlen(token->valuestring) >= sizeof(a.token)) {
		snprintf(err, errlen, "want {\"host\": HOST, \"token\": the receiver's API token}");
		return 400;
	}
	if ((live && !cJSON_IsBool(live)) || !json_uint(args, "port", 65535, &port) || port < 1 ||
	    !json_uint(args, "max_rounds", 1000, &rounds) || !json_uint(args, "downtime_ms", 60000, &downtime) ||
	    downtime < 1 || !json_uint(args, "bandwidth_mbps", 100000, &bw) || (bw > 0 && bw < 0.1)) {
		snprintf(err, errlen, "\"live\" is true or false; \"port\" 1 to 65535, \"max_rounds\" 0 to 1000, "
				      "\"downtime_ms\" 1 to 60000, \"bandwidth_mbps\" 0 (no limit) or 0.1 to 100000");
		return 400;
	}
	snprintf(a.name, sizeof(a.name), "%s", d->name);
	snprintf(a.host, sizeof(a.host), "%s", host->valuestring);
	snprintf(a.token, sizeof(a.token), "%s", token->valuestring);
	dom_path(d, "control.sock", a.control, sizeof(a.control));
	dom_path(d, "vmm.log", a.vmm_log, sizeof(a.vmm_log));
	a.log_mark = stat(a.vmm_log, &st) == 0 ? (long)st.st_size : 0;
	a.config = d->config_text ? d->config_text : "";
	a.port = (int)port;
	a.live = !live || cJSON_IsTrue(live);
	a.max_rounds = (unsigned)rounds;
	a.downtime_ms = (unsigned)downtime;
	a.bandwidth_mbps = bw;
	a.on_end = migrate_ended;
	if (migrate_send_start(&a, err, errlen) != 0)
		return 409;
	*out = migrate_send_json(d->name);
	return 202;
}

static int be_action(void *ctx, const char *name, const char *action, const cJSON *args, cJSON **out,
		     char *err, size_t errlen)
{
	char req[128], reply[4096];
	int status = 202;
	(void)ctx;
	(void)out;
	if (strcmp(action, "migrate-status") == 0) {
		/* answered after the domain is gone, too: a migrated domain leaves */
		*out = migrate_send_json(name);
		if (*out)
			return 200;
		snprintf(err, errlen, "no migration of %s since paraventd started", name);
		return 404;
	}
	if (strcmp(action, "save-status") == 0) {
		/* answered after the domain is gone, too: a saved domain stops */
		*out = save_job_json(name);
		if (*out)
			return 200;
		snprintf(err, errlen, "no save of %s since paraventd started", name);
		return 404;
	}
	pthread_mutex_lock(&lock);
	struct domain *d = find(name);
	if (!d) {
		pthread_mutex_unlock(&lock);
		snprintf(err, errlen, "no domain named %s", name);
		return 404;
	}
	bool live = is_live(d);
	if (strcmp(action, "destroy") == 0) {
		autostart_forget(d->name); /* destroyed on purpose: not again at the next boot */
		if (!live) {
			forget(d);
		} else {
			d->destroying = true;
			if (vmm_request(d, "{\"op\":\"stop\"}", reply, sizeof(reply)) != 0)
				kill(d->pid, SIGKILL);
		}
	} else if (!live) {
		snprintf(err, errlen, "%s is %s", name, state_name(d));
		status = 409;
	} else if (save_job_running(d->name)) {
		/* its VMM answers nothing until the save is written: asking would hold everyone up */
		snprintf(err, errlen, "%s is being saved: try again when that is done", name);
		status = 409;
	} else if (d->restoring) {
		snprintf(err, errlen, "%s is still %s: try again when it runs", name,
			 d->incoming ? "arriving by migration" : "being restored");
		status = 409;
	} else if (migrate_send_running(d->name)) {
		snprintf(err, errlen, "%s is migrating: try again when that is done", name);
		status = 409;
	} else if (strcmp(action, "migrate") == 0) {
		status = start_migrate(d, args, out, err, errlen);
	} else if (strcmp(action, "save") == 0) {
		status = start_save(d, args, out, err, errlen);
	} else if (strcmp(action, "shutdown") == 0 || strcmp(action, "reboot") == 0) {
		status = shutdown_or_reboot(d, action, err, errlen);
	} else if (strcmp(action, "pause") == 0 || strcmp(action, "unpause") == 0) {
		const char *op = strcmp(action, "unpause") == 0 ? "resume" : action;
		snprintf(req, sizeof(req), "{\"op\":\"%s\"}", op);
		if (vmm_request(d, req, reply, sizeof(reply)) != 0) {
			snprintf(err, errlen, "%s: %.200s", action, reply);
			status = 409;
		} else if (strcmp(action, "pause") == 0) {
			d->state = DOM_PAUSED;
		} else if (strcmp(action, "unpause") == 0) {
			d->state = DOM_RUNNING;
		}
	} else if (strcmp(action, "vcpus") == 0) {
		const cJSON *count = cJSON_GetObjectItemCaseSensitive(args, "count");
		if (!cJSON_IsNumber(count) || count->valuedouble < 1 || count->valuedouble > d->cfg.maxvcpus ||
		    count->valuedouble != (double)(int)count->valuedouble) {
			snprintf(err, errlen, "want {\"count\": N} with N from 1 to maxvcpus (%d)", d->cfg.maxvcpus);
			status = 400;
		} else {
			status = set_vcpus(d, (int)count->valuedouble, err, errlen);
		}
	} else if (strcmp(action, "stats") == 0) {
		status = vmm_stats(d, out, err, errlen);
	} else if (strcmp(action, "memory") == 0 || strcmp(action, "maxmem") == 0) {
		status = set_memory(d, strcmp(action, "memory") == 0, args, err, errlen);
	} else if (strcmp(action, "sched") == 0) {
		status = set_sched(d, args, err, errlen);
	} else if (strcmp(action, "pin") == 0) {
		status = pin_vcpus(d, args, out, err, errlen);
	} else {
		snprintf(err, errlen, "%s is not implemented yet", action);
		status = 501;
	}
	pthread_mutex_unlock(&lock);
	return status;
}

static char *be_metrics(void *ctx)
{
	size_t cap = 4096 + MAX_DOMAINS * 1024, len = 0; /* 65-byte names, six lines each at most */
	char *buf = malloc(cap);
	(void)ctx;
	if (!buf)
		return NULL;
	pthread_mutex_lock(&lock);
	int n = 0;
	for (int i = 0; i < MAX_DOMAINS; i++)
		n += doms[i].used;
	len += (size_t)snprintf(buf + len, cap - len,
				"# HELP paravent_domains Domains paraventd knows.\n# TYPE paravent_domains gauge\n"
				"paravent_domains %d\n"
				"# HELP paravent_domain_up 1 while the domain's VMM runs.\n# TYPE paravent_domain_up gauge\n", n);
	for (int i = 0; i < MAX_DOMAINS; i++) {
		const struct domain *d = &doms[i];
		if (!d->used)
			continue;
		bool live = is_live(d);
		len += (size_t)snprintf(buf + len, cap - len, "paravent_domain_up{name=\"%s\"} %d\n", d->name, live);
	}
	len += (size_t)snprintf(buf + len, cap - len,
				"# HELP paravent_domain_cpu_seconds_total CPU time of the domain's VMM.\n"
				"# TYPE paravent_domain_cpu_seconds_total counter\n");
	for (int i = 0; i < MAX_DOMAINS; i++) {
		const struct domain *d = &doms[i];
		if (d->used && is_live(d))
			len += (size_t)snprintf(buf + len, cap - len, "paravent_domain_cpu_seconds_total{name=\"%s\"} %.2f\n",
						d->name, cpu_seconds(d->pid));
	}
	len += (size_t)snprintf(buf + len, cap - len,
				"# HELP paravent_domain_anomaly 1 while the domain behaves unusually for it (kind: "
				"cpu-pegged, exit-storm, io-burst).\n# TYPE paravent_domain_anomaly gauge\n");
	for (int i = 0; i < MAX_DOMAINS; i++) {
		const struct domain *d = &doms[i];
		for (unsigned bit = 1; d->used && is_live(d) && bit <= ANOMALY_IO_BURST; bit <<= 1) {
			char kind[32];
			anomaly_names(bit, kind, sizeof(kind));
			len += (size_t)snprintf(buf + len, cap - len, "paravent_domain_anomaly{name=\"%s\",kind=\"%s\"} %d\n",
						d->name, kind, (d->anomaly.flags & bit) != 0);
		}
	}
	len += (size_t)snprintf(buf + len, cap - len,
				"# HELP paravent_domain_restarts_total Restarts by on_crash or on_reboot.\n"
				"# TYPE paravent_domain_restarts_total counter\n");
	for (int i = 0; i < MAX_DOMAINS; i++)
		if (doms[i].used)
			len += (size_t)snprintf(buf + len, cap - len, "paravent_domain_restarts_total{name=\"%s\"} %d\n",
						doms[i].name, doms[i].restarts);
	pthread_mutex_unlock(&lock);
	return buf;
}

static int be_console(void *ctx, const char *name, char *path, size_t pathlen, char *err, size_t errlen)
{
	int status = 200;
	(void)ctx;
	pthread_mutex_lock(&lock);
	struct domain *d = find(name);
	if (!d) {
		snprintf(err, errlen, "no domain named %s", name);
		status = 404;
	} else if (!is_live(d)) {
		snprintf(err, errlen, "domain %s is not running (%s)", name, d->last_exit);
		status = 409;
	} else {
		dom_path(d, "control.sock", path, pathlen);
	}
	pthread_mutex_unlock(&lock);
	return status;
}

const struct api_backend domains_backend = {
	.host = be_host, .list = be_list, .create = be_create, .show = be_show, .action = be_action,
	.console = be_console, .metrics = be_metrics, .restore = be_restore,
};

/* Whether what d's VMM logged since it started (vmm.log from log_mark on) has a line with
 * phrase; the last such line, from the phrase on, into out. */
static bool vmm_log_find(const struct domain *d, const char *phrase, char *out, size_t outlen)
{
	char path[600], line[400];
	bool found = false;

	dom_path(d, "vmm.log", path, sizeof(path));
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	fseek(f, d->log_mark, SEEK_SET);
	while (fgets(line, sizeof(line), f)) {
		char *c = strstr(line, phrase);
		if (!c)
			continue;
		found = true;
		if (out) {
			line[strcspn(line, "\r\n")] = 0;
			snprintf(out, outlen, "%s", c);
		}
	}
	fclose(f);
	return found;
}

/* rename-restart, as Xen's: the ended domain stays, crashed, under a name of its own
 * (NAME-crashed-ID), with its logs (its run directory moves with it) for a post-mortem; the
 * caller then starts a fresh one, with a new id, under the original name. With lock held;
 * when no slot is free the old one is just not kept. */
static void keep_renamed(struct domain *d)
{
	struct domain *o = free_slot();
	char from[600], to[600];

	if (!o || !d->config_text)
		return;
	memset(o, 0, sizeof(*o));
	snprintf(o->name, sizeof(o->name), "%.40s-crashed-%d", d->name, d->id);
	if (find(o->name) || domcfg_parse("config", d->config_text, strlen(d->config_text), &o->cfg, from,
					  sizeof(from)) != 0) {
		memset(o, 0, sizeof(*o));
		return;
	}
	o->config_text = strdup(d->config_text);
	o->id = d->id;
	o->state = DOM_CRASHED;
	o->started = d->started;
	o->vcpus = d->vcpus;
	o->mem_target = d->mem_target;
	o->mem_max = d->mem_max;
	snprintf(o->last_exit, sizeof(o->last_exit), "%s", d->last_exit);
	o->used = true;
	snprintf(from, sizeof(from), "%s/domains/%s", run_dir, d->name);
	snprintf(to, sizeof(to), "%s/domains/%s", run_dir, o->name);
	if (rename(from, to) == 0) {
		/* not a VMM to adopt after a paraventd restart: a post-mortem */
		dom_path(o, "domain.json", from, sizeof(from));
		unlink(from);
	}
	d->id = next_id++;
	fprintf(stderr, "paraventd: %s: kept as %s (rename-restart)\n", d->name, o->name);
}

/* d's VMM ended with exit code `code` (-1: killed by signal sig); with lock held. */
static void vmm_ended(struct domain *d, int code, int sig)
{
	if (d->cgroup[0] && dom_cgroup_remove(d->cgroup) == 0)
		d->cgroup[0] = 0; /* a restart makes it anew, with the configuration's limits */
	if (code == VMM_EXIT_NO_CGROUP)
		snprintf(d->last_exit, sizeof(d->last_exit), "could not enter its cgroup");
	else if (d->forced_stop && code == VMM_EXIT_STOPPED)
		snprintf(d->last_exit, sizeof(d->last_exit), "did not shut down within %d s: stopped", shutdown_grace);
	else if (code >= 0)
		snprintf(d->last_exit, sizeof(d->last_exit), "paravent-vmm exit status %d", code);
	else if (sig == SIGSYS)
		/* its seccomp allowlist (hypervisor/sandbox.c) caught a call outside it */
		snprintf(d->last_exit, sizeof(d->last_exit), "paravent-vmm killed for a forbidden system call (SIGSYS)");
	else
		snprintf(d->last_exit, sizeof(d->last_exit), "paravent-vmm killed by signal %d", sig);
	fprintf(stderr, "paraventd: %s: %s\n", d->name, d->last_exit);
	if (d->restoring && code == VMM_EXIT_ERROR) {
		/* the VMM said why in its log: "cannot restore FILE: reason" */
		char why[300] = "see its vmm.log";
		vmm_log_find(d, "cannot restore ", why, sizeof(why));
		snprintf(d->last_exit, sizeof(d->last_exit), "%.150s", why);
		fprintf(stderr, "paraventd: %s: %s\n", d->name, d->last_exit);
	}
	if (d->incoming && vmm_log_find(d, "received the guest: it runs here", NULL, 0)) {
		/* it ran here, however briefly: its end is handled as any other's */
		d->incoming = false;
		d->restoring = false;
	}
	if (d->incoming) {
		/* the guest did not arrive: the sender still has it, and this domain never ran */
		char why[300] = "see its vmm.log";
		vmm_log_find(d, "cannot receive the guest: ", why, sizeof(why));
		fprintf(stderr, "paraventd: %s: not received: %s\n", d->name, why);
		forget(d);
		return;
	}
	if (d->destroying) {
		forget(d);
		return;
	}
	/* exit statuses: hypervisor/paravent-vmm.h; a VMM killed from outside counts as a crash */
	enum domcfg_action act;
	bool crashed = false;
	if (code == VMM_EXIT_POWEROFF || (d->forced_stop && code == VMM_EXIT_STOPPED)) {
		act = d->cfg.on_poweroff;
	} else if (code == VMM_EXIT_REBOOT) {
		act = d->cfg.on_reboot;
	} else if (code == VMM_EXIT_STOPPED || code == VMM_EXIT_SAVED || code == VMM_EXIT_MIGRATED ||
		   vmm_log_find(d, "]: migrated: ", NULL, 0)) {
		/* (a VMM that ended otherwise after its guest migrated: the guest runs elsewhere) */
		/* saved: it lives on in its save file, as with xl save; migrated: elsewhere. Never
		 * on_crash: a restart would run it twice */
		act = DOMCFG_DESTROY;
	} else if (code == VMM_EXIT_ERROR || code == VMM_EXIT_USAGE || code == 127 ||
		   code == VMM_EXIT_NO_CGROUP) {
		act = DOMCFG_PRESERVE; /* restarting would fail the same way */
		crashed = true;
	} else {
		act = d->cfg.on_crash;
		crashed = true;
	}
	time_t now = time(NULL);
	if (crashed) {
		if (now - d->first_crash > RESTART_WINDOW) {
			d->first_crash = now;
			d->crashes = 0;
		}
		if (++d->crashes > RESTART_LIMIT && (act == DOMCFG_RESTART || act == DOMCFG_RENAME_RESTART)) {
			fprintf(stderr, "paraventd: %s: crashed %d times in %d s, not restarting\n", d->name,
				d->crashes, RESTART_WINDOW);
			act = DOMCFG_PRESERVE;
		}
	}
	d->state = crashed ? DOM_CRASHED : DOM_SHUTDOWN;
	switch (act) {
	case DOMCFG_DESTROY:
		forget(d);
		break;
	case DOMCFG_PRESERVE:
		save_state(d);
		break;
	case DOMCFG_RENAME_RESTART:
		keep_renamed(d);
		/* a fresh one under the name, as restart */
		__attribute__((fallthrough));
	case DOMCFG_RESTART:
		d->restarts++;
		char why[200];
		if (spawn(d, why, sizeof(why)) != 0) {
			snprintf(d->last_exit, sizeof(d->last_exit), "cannot restart: %.78s", why);
			d->state = DOM_CRASHED;
		}
		break;
	}
}

void domains_child_exited(pid_t pid, int ws)
{
	pthread_mutex_lock(&lock);
	for (int i = 0; i < MAX_DOMAINS; i++) {
		struct domain *d = &doms[i];
		if (d->used && !d->adopted && d->pid == pid && is_live(d)) {
			vmm_ended(d, WIFEXITED(ws) ? WEXITSTATUS(ws) : -1, WIFSIGNALED(ws) ? WTERMSIG(ws) : 0);
			break;
		}
	}
	pthread_mutex_unlock(&lock);
}

/* The exit status an adopted VMM logged last ("exit status N; ..."), or -1 when it died
 * without saying (killed). */
static int logged_exit_status(const struct domain *d)
{
	char path[600], line[512];
	int status = -1;
	dom_path(d, "vmm.log", path, sizeof(path));
	FILE *f = fopen(path, "r");
	while (f && fgets(line, sizeof(line), f)) {
		const char *p = strstr(line, "exit status ");
		int v;
		if (p && sscanf(p, "exit status %d;", &v) == 1)
			status = v;
		else if (strstr(line, "guest init reached"))
			status = -1; /* a later boot of the same domain */
	}
	if (f)
		fclose(f);
	return status;
}

/* Is pid a paravent-vmm running domain `name`? (Its command line says --name NAME.) */
static bool is_vmm_of(pid_t pid, const char *name)
{
	char path[64], buf[8192];
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	if (!memmem(buf, n, "paravent-vmm", 12)) /* in argv[0], or argv[1] of an interpreter */
		return false;
	for (size_t i = 0; i + 7 < n; i += strlen(buf + i) + 1)
		if (strcmp(buf + i, "--name") == 0 && strcmp(buf + i + 7, name) == 0)
			return true;
	return false;
}

/* Whether pid is a process on its way out that has not yet closed its files: the kernel
 * drops a process's memory (and so its /proc cmdline) before its files, so an adopted VMM
 * whose cmdline is gone may still hold its taps. Restarting it then would find vif names
 * taken. Ended means no process, or a zombie (its files are closed by then). */
static bool still_exiting(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return false;
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	char *p = strrchr(buf, ')');
	if (!p || p[1] != ' ')
		return false;
	char state = p[2];
	if (state == 'Z' || state == 'X')
		return false;
	/* a live process with no command line: the exiting VMM (a reused pid would have one) */
	snprintf(path, sizeof(path), "/proc/%d/cmdline", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return false;
	int c = fgetc(f);
	fclose(f);
	return c == EOF;
}

/* One sample of d for its anomaly flags: CPU time from /proc, exits and I/O bytes from its
 * VMM (which must answer within a second: a stuck one is simply not sampled). */
static void sample(struct domain *d)
{
	char why[256];
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	struct anomaly_sample s = { .t = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9, .cpu_seconds = cpu_seconds(d->pid) };
	cJSON *st = fetch_stats(d, 1, why, sizeof(why));
	if (!st)
		return;
	const cJSON *e;
	cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(st, "vcpus")) {
		const cJSON *x = cJSON_GetObjectItemCaseSensitive(e, "exits");
		s.exits += cJSON_IsNumber(x) ? x->valuedouble : 0;
	}
	static const char *const io_keys[] = { "read_bytes", "write_bytes", "tx_bytes", "rx_bytes" };
	for (int list = 0; list < 2; list++) {
		cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(st, list ? "nics" : "disks")) {
			for (int k = list * 2; k < list * 2 + 2; k++) {
				const cJSON *x = cJSON_GetObjectItemCaseSensitive(e, io_keys[k]);
				s.io_bytes += cJSON_IsNumber(x) ? x->valuedouble : 0;
			}
		}
	}
	cJSON_Delete(st);
	int weight, cap = 0;
	if (d->cgroup[0])
		dom_cgroup_get_sched(d->cgroup, &weight, &cap);
	double limit = d->vcpus;
	if (cap > 0 && cap / 100.0 < limit)
		limit = cap / 100.0;
	unsigned before = d->anomaly.flags, now = anomaly_update(&d->anomaly, &s, limit);
	if (now != before) {
		char names[64];
		anomaly_names(now, names, sizeof(names));
		fprintf(stderr, "paraventd: %s: anomalies now: %s\n", d->name, names[0] ? names : "none");
	}
}

/* A restoring VMM logs "restored the guest" once the guest runs; it answers no request
 * before, so its log is what tells, without waiting on it. */
static void check_restored(struct domain *d)
{
	if (d->incoming) {
		if (vmm_log_find(d, "received the guest: it runs here", NULL, 0)) {
			d->incoming = false;
			d->restoring = false;
			fprintf(stderr, "paraventd: %s: arrived by migration\n", d->name);
		}
	} else if (vmm_log_find(d, "restored the guest", NULL, 0)) {
		d->restoring = false;
		fprintf(stderr, "paraventd: %s: restored\n", d->name);
	}
}

void domains_poll(void)
{
	static unsigned ticks;
	time_t now = time(NULL);
	bool sampling = ++ticks % SAMPLE_SECONDS == 0;
	pthread_mutex_lock(&lock);
	for (int i = 0; i < MAX_DOMAINS; i++) {
		struct domain *d = &doms[i];
		if (d->used && is_live(d) && d->restoring)
			check_restored(d);
		/* a VMM writing a save answers nothing else until it is done */
		if (sampling && d->used && d->state == DOM_RUNNING && !d->restoring && !save_job_running(d->name) &&
		    !migrate_send_running(d->name))
			sample(d);
		if (d->used && is_live(d) && d->shutdown_deadline && now >= d->shutdown_deadline && !d->forced_stop &&
		    !migrate_send_running(d->name) &&
		    !save_job_running(d->name)) {
			char reply[256];
			fprintf(stderr, "paraventd: %s: did not shut down within %d s: stopping it\n", d->name,
				shutdown_grace);
			d->forced_stop = true;
			if (vmm_request(d, "{\"op\":\"stop\"}", reply, sizeof(reply)) != 0)
				kill(d->pid, SIGKILL);
		}
		if (d->used && d->adopted && is_live(d) && !is_vmm_of(d->pid, d->name) && !still_exiting(d->pid)) {
			int code = logged_exit_status(d);
			vmm_ended(d, code, code < 0 ? SIGKILL : 0);
		}
	}
	pthread_mutex_unlock(&lock);
}

void domains_adopt(void)
{
	char dir[300], path[700];
	snprintf(dir, sizeof(dir), "%s/domains", run_dir);
	DIR *dd = opendir(dir);
	struct dirent *e;
	pthread_mutex_lock(&lock);
	while (dd && (e = readdir(dd))) {
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/domain.json", dir, e->d_name);
		FILE *f = fopen(path, "r");
		if (!f)
			continue;
		char *text = malloc(256 * 1024);
		size_t n = text ? fread(text, 1, 256 * 1024 - 1, f) : 0;
		fclose(f);
		if (!text)
			continue;
		text[n] = 0;
		cJSON *j = cJSON_Parse(text);
		free(text);
		const cJSON *cfgtext = cJSON_GetObjectItemCaseSensitive(j, "config");
		const cJSON *pid = cJSON_GetObjectItemCaseSensitive(j, "pid");
		const cJSON *id = cJSON_GetObjectItemCaseSensitive(j, "id");
		const cJSON *restarts = cJSON_GetObjectItemCaseSensitive(j, "restarts");
		struct domain_config cfg;
		char err[2048];
		struct domain *d = free_slot();
		if (!d || !cJSON_IsString(cfgtext) || !cJSON_IsNumber(pid) || !cJSON_IsNumber(id) ||
		    domcfg_parse("state", cfgtext->valuestring, strlen(cfgtext->valuestring), &cfg, err, sizeof(err)) != 0) {
			cJSON_Delete(j);
			continue;
		}
		if (strcmp(cfg.name, e->d_name) != 0 || find(cfg.name) || !is_vmm_of((pid_t)pid->valueint, cfg.name)) {
			/* its VMM is gone: nothing to adopt */
			domcfg_free(&cfg);
			cJSON_Delete(j);
			unlink(path);
			continue;
		}
		memset(d, 0, sizeof(*d));
		d->used = true;
		d->adopted = true;
		d->cfg = cfg;
		snprintf(d->name, sizeof(d->name), "%s", cfg.name);
		d->config_text = strdup(cfgtext->valuestring);
		d->pid = (pid_t)pid->valueint;
		d->id = id->valueint;
		d->restarts = cJSON_IsNumber(restarts) ? restarts->valueint : 0;
		d->vcpus = cfg.vcpus; /* a vcpu-set before the restart is not known */
		d->mem_target = cfg.memory_mib; /* nor a mem-set: the VMM's stats say it */
		anomaly_init(&d->anomaly, anomaly_window);
		d->mem_max = cfg.maxmem_mib;
		struct stat cg;
		snprintf(d->cgroup, sizeof(d->cgroup), "%s/paravent/%s", cgroup_root, cfg.name);
		if (stat(d->cgroup, &cg) != 0)
			d->cgroup[0] = 0;
		d->started = time(NULL);
		d->state = DOM_RUNNING;
		if (d->id >= next_id)
			next_id = d->id + 1;
		char reply[8192];
		if (vmm_request(d, "{\"op\":\"stats\"}", reply, sizeof(reply)) == 0 && strstr(reply, "\"state\":\"paused\""))
			d->state = DOM_PAUSED;
		fprintf(stderr, "paraventd: %s: adopted its running VMM (pid %d)\n", d->name, (int)d->pid);
		cJSON_Delete(j);
	}
	pthread_mutex_unlock(&lock);
	if (dd)
		closedir(dd);
}
