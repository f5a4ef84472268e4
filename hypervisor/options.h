/* paravent-vmm's command line. */
#ifndef PARAVENT_VMM_OPTIONS_H
#define PARAVENT_VMM_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ratelimit.h"

#define VMM_MAX_DISKS 8
#define VMM_MAX_NICS 8
#define VMM_IFNAMSIZ 16 /* IFNAMSIZ: interface names up to 15 characters */
#define VMM_MIN_MEMORY_MIB 16
#define VMM_MAX_MEMORY_MIB (1024 * 1024)

enum console_kind { CONSOLE_SERIAL, CONSOLE_VIRTIO };

struct disk_option {
	const char *path;
	bool readonly;
	struct rate_limit rate; /* rate= and ops=: reads and writes together */
};

enum net_backend { NET_BACKEND_AUTO, NET_BACKEND_VHOST, NET_BACKEND_USER };

/* --net: a virtio-net NIC on a tap device. "tx" is what the guest sends, "rx" what it
 * receives. */
struct net_option {
	char tap[VMM_IFNAMSIZ];    /* tap=NAME: open or create this tap; "" for a fresh vifPID.N */
	char bridge[VMM_IFNAMSIZ]; /* bridge=BR: attach the tap to this bridge; "" for none */
	int fd;                    /* fd=N: a tap already open, handed over by the parent; -1 */
	uint8_t mac[6];
	bool mac_given;            /* else derived from --name (net_mac_from_name) */
	enum net_backend backend;
	struct rate_limit tx, rx;
};

struct vmm_options {
	const char *kernel;
	const char *initrd;
	const char *cmdline;
	uint64_t memory_mib;
	uint32_t vsock_cid; /* 0: no virtio-vsock */
	uint64_t balloon_mib; /* what the guest should keep of memory_mib: the balloon's target */
	int vcpus;
	int max_vcpus;
	struct disk_option disk[VMM_MAX_DISKS];
	int ndisks;
	struct net_option net[VMM_MAX_NICS];
	int nnics;
	enum console_kind console;
	const char *console_log;
	const char *name;
	const char *control;
	const char *log;
	const char *restore; /* a save file to resume instead of booting --kernel */
	const char *incoming; /* a unix socket to receive a migrating guest on, instead of booting */
	bool help;
	bool version;
	bool no_seccomp; /* leave the system call allowlist (sandbox.h) off */
	bool confine;    /* --confine UID:GID: empty root, that user, no capabilities */
	uint32_t confine_uid, confine_gid;
};

/* Parses argv into opt (pointers into argv). Returns 0, or -1 with a one-line reason
 * in err; nothing is opened or checked on disk here. */
int options_parse(int argc, char **argv, struct vmm_options *opt, char *err, size_t errlen);

/* The --help text. */
extern const char options_usage[];

#endif
