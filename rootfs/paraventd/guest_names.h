/* Guests' names on the host-only network pvbr0, so that dom0 reaches a guest by its domain
 * name (`ping web`, `wget http://web/`). The first NIC of a domain on pvbr0 gets a fixed
 * address from 10.80.0.2-99 (below the dynamic pool dom0's DHCP server hands out): a static
 * lease for its MAC in udhcpd's configuration, and a line in dom0's /etc/hosts. Both files are
 * rewritten when a domain comes or goes, and udhcpd is restarted to read its new leases. The
 * table is kept in RUN_DIR/pvbr0-hosts, so a restarted paraventd carries on. */
#ifndef PARAVENTD_GUEST_NAMES_H
#define PARAVENTD_GUEST_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GUEST_NAMES_MAX 98
#define GUEST_NAMES_FIRST_HOST 2
#define GUEST_NAMES_SUBNET "10.80.0."
#define GUEST_NAMES_TAG "# paravent guest"

struct guest_name {
	char name[65];
	uint8_t mac[6];
	int host; /* the address is GUEST_NAMES_SUBNET host */
};

struct guest_names {
	struct guest_name e[GUEST_NAMES_MAX];
	int n;
};

/* Adds name (or keeps it, with its address, if present with the same MAC): the lowest free
 * host number. Returns the host number, or -1 when all are taken. Pure. */
int guest_names_assign(struct guest_names *t, const char *name, const uint8_t mac[6]);
/* Removes name; returns whether it was there. Pure. */
int guest_names_drop(struct guest_names *t, const char *name);
/* /etc/hosts with our lines replaced by the table's (lines tagged GUEST_NAMES_TAG); the other
 * lines are kept as they were. Returns a malloc'd text. Pure. */
char *guest_names_hosts_text(const struct guest_names *t, const char *old_hosts);

/* Whether a /proc/PID/cmdline (NUL-separated, len bytes) is a udhcpd serving pvbr0: udhcpd
 * (or busybox udhcpd) with an argument ending in udhcpd.pvbr0.conf. Pure. */
bool guest_names_is_pvbr0_udhcpd(const char *cmdline, size_t len);

/* The daemon side: files under run_dir, /etc/hosts, udhcpd. */
void guest_names_init(const char *run_dir);
void guest_names_add(const char *name, const uint8_t mac[6]);
void guest_names_remove(const char *name);
/* The host number of name's fixed address, -1 if it has none. */
int guest_names_host_of(const char *name);

#endif
