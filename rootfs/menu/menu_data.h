/* What the menu shows, fetched from paraventd's API (and the demos' files in dom0). */
#ifndef PARAVENT_MENU_DATA_H
#define PARAVENT_MENU_DATA_H

#include <stdbool.h>
#include <stddef.h>

#define MENU_MAX_DOMAINS 64
#define MENU_DEMOS_DIR "/usr/share/paravent/demos"

struct menu_domain {
	char name[65];
	char state[16];     /* running, paused, shutdown, crashed; "" when it does not exist */
	int memory_mib;
	int vcpus;
	double cpu_seconds;
	double cpu_percent; /* since the previous refresh */
	double uptime;
	char address[32];   /* on pvbr0, "" if none */
	/* demos only */
	bool demo;
	char cfg[300];
	char about[120];    /* the first comment line of its file */
	int need_mib;       /* its memory setting */
};

struct menu_host {
	char version[32];
	int cpus;
	int memory_mib, available_mib;
	bool kvm_usable;
	char kvm_detail[300];
	char br0[40], pvbr0[40];
};

struct menu_data {
	struct menu_domain d[MENU_MAX_DOMAINS];
	int n;       /* the demos first (ndemos of them), then the other domains */
	int ndemos;
	struct menu_host host;
	bool reachable; /* paraventd answered */
	double taken_at;
};

/* Refreshes everything; CPU% from the difference with what *md held before. */
void menu_data_refresh(struct menu_data *md);

/* Actions; each returns 0 or -1 with a one-line message in msg (also set on success). */
int menu_start(const struct menu_data *md, const struct menu_domain *d, char *msg, size_t len);
int menu_stop(const struct menu_domain *d, char *msg, size_t len);

#endif
