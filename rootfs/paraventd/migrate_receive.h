/* The receiving half of a migration between hosts: paraventd's relocation port (TCP 8002,
 * as xend's was). A sender that proves it holds this host's API token (migrate_link.h)
 * offers a domain; if this host can run it (its name is free, its configuration and images
 * are valid here) a VMM starts waiting for it (paravent-vmm --incoming) and the guest's
 * stream is carried to it. If anything fails before the guest runs here, that VMM is gone
 * and so is the domain: the sender keeps the guest. */
#ifndef PARAVENTD_MIGRATE_RECEIVE_H
#define PARAVENTD_MIGRATE_RECEIVE_H

#include <stdbool.h>
#include <stddef.h>

/* Listens on addr (IPv4) port port, serving each sender in a thread of its own. 0, or -1
 * with err. token: this host's API token (kept by pointer: it lives as long as paraventd). */
int migrate_receive_start(const char *addr, int port, const char *token, char *err, size_t errlen);

/* What domains.c does for it. */
struct incoming {
	char name[65];
	char socket[600];  /* where the VMM waits for the stream */
	char vmm_log[600]; /* its log, from log_mark on: how the VMM's side ended */
	long log_mark;
};

/* Creates the domain of config text (len bytes) with a VMM waiting for the stream. An HTTP
 * status: 201 with *in filled, or another with the reason in err. */
int domains_incoming(const char *text, size_t len, struct incoming *in, char *err, size_t errlen);

/* The stream could not reach it: stops that VMM; the domain goes. */
void domains_incoming_abort(const char *name);

/* Whether name's VMM still runs (it may have died without a word: killed). */
bool domains_incoming_alive(const char *name);

#endif
