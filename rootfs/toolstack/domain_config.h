/* Domain configuration files: a subset of Xen's xl.cfg (docs/config.md), parsed into a
 * struct domain_config that paraventd turns into a paravent-vmm command line. Shared by
 * paraventd and the paravent CLI (whose `create -n` checks a file with no daemon). */
#ifndef PARAVENT_DOMAIN_CONFIG_H
#define PARAVENT_DOMAIN_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DOMCFG_MAX_FILE (64 * 1024) /* bytes of config text */
#define DOMCFG_MAX_DISKS 8
#define DOMCFG_MAX_VIFS 8
#define DOMCFG_MAX_VCPUS 32
#define DOMCFG_MIN_MEMORY_MIB 16
#define DOMCFG_DEFAULT_MEMORY_MIB 128
#define DOMCFG_DEFAULT_WEIGHT 256 /* Xen's credit scheduler default */
#define DOMCFG_DEFAULT_BRIDGE "pvbr0"

enum domcfg_action {
	DOMCFG_DESTROY,
	DOMCFG_RESTART,
	DOMCFG_PRESERVE,
	DOMCFG_RENAME_RESTART,
};

struct domcfg_disk {
	char *target;  /* image file or block device */
	char vdev[8];  /* as written: xvda, vdb, hdc, sdd */
	int index;     /* 0 for ?da, 1 for ?db...: the guest sees them as vda, vdb... in order */
	bool readonly;
};

/* A token-bucket rate, as xl writes it: RATE[@INTERVAL], e.g. "10Mb/s" or "1MB/s@20ms". */
struct domcfg_rate {
	uint64_t bytes_per_sec;
	uint32_t interval_us; /* refill interval; xl's default is 50 ms */
};

struct domcfg_vif {
	char bridge[16];
	char vifname[16]; /* the tap's name; "" for paraventd's vifID.N */
	uint8_t mac[6];
	bool has_mac; /* otherwise paraventd derives a stable one from the domain name */
	bool has_rate;
	struct domcfg_rate rate;
};

struct domain_config {
	char name[65];
	uint8_t uuid[16];
	bool has_uuid;
	uint64_t memory_mib, maxmem_mib;
	int vcpus, maxvcpus;
	char *cpus;       /* host CPUs the vCPUs may run on ("0-3,6"), NULL for all */
	int cpu_weight;   /* 1 to 65535 */
	int cap;          /* percent of one host CPU, 0 for no cap */
	char *kernel, *ramdisk, *cmdline;
	struct domcfg_disk disk[DOMCFG_MAX_DISKS];
	int ndisks;
	struct domcfg_vif vif[DOMCFG_MAX_VIFS];
	int nvifs;
	enum domcfg_action on_poweroff, on_reboot, on_crash;
	bool autostart;
};

/* Parses the text of config file `file` (its name is only used in messages). On success
 * returns 0 with *out filled in (free it with domcfg_free). Otherwise returns the number of
 * errors and leaves *out empty; err receives one line per problem, "FILE:LINE: KEY: what"
 * (at most errlen bytes, the last line cut if need be). Warnings (things accepted but
 * worth knowing) go to err too, prefixed "warning:", without failing the parse. */
int domcfg_parse(const char *file, const char *text, size_t len, struct domain_config *out,
		 char *err, size_t errlen);
void domcfg_free(struct domain_config *cfg);

const char *domcfg_action_name(enum domcfg_action a);
/* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" into out[37]. */
void domcfg_uuid_format(const uint8_t uuid[16], char out[37]);

/* The paravent-vmm --net value for vif v: the tap (fd=FD when the caller opened it and hands
 * it over, else tap=vifname when one is set), bridge, MAC, and xl's rate (a limit on what the
 * guest sends, RATE per second refilled every INTERVAL) as a token bucket of RATE * INTERVAL
 * bytes refilled every INTERVAL. */
void domcfg_vif_net_arg(const struct domcfg_vif *v, int fd, char *out, size_t outlen);

#endif
