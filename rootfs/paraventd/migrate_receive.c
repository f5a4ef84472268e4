/* See migrate_receive.h. */
#include "migrate_receive.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cJSON.h"
#include "fd_io.h"
#include "migrate_link.h"

#define LINK_SECONDS 20    /* a sender silent this long is gone (matches migrate_send.c) */
#define VMM_WAIT_SECONDS 30 /* for the new VMM to listen for the stream */
#define VERDICT_SECONDS 20
#define MAX_SENDERS 4       /* at once: more wait in the kernel's backlog */

static const char *host_token;
static atomic_int senders;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void send_msg(struct migrate_link *l, const char *key, const char *text)
{
	cJSON *o = cJSON_CreateObject();
	if (text)
		cJSON_AddStringToObject(o, key, text);
	else
		cJSON_AddBoolToObject(o, key, true);
	char *s = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (s)
		link_send(l, LINK_MSG, s, strlen(s));
	free(s);
}

/* The new VMM listens once it has built the machine; until then, connecting fails. */
static int connect_vmm(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(a.sun_path))
		return -1;
	strcpy(a.sun_path, path);
	for (double end = now_s() + VMM_WAIT_SECONDS; now_s() < end; usleep(100 * 1000)) {
		int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0)
			return fd;
		close(fd);
	}
	return -1;
}

/* Carries the sender's stream to the VMM and its answers back, until the VMM closes its end
 * (it has the guest, or gave up) or the link fails (then closing our end makes it give up). */
static bool relay(struct migrate_link *l, int vmm, char *buf)
{
	double active = now_s();
	bool peer_end = false;

	for (;;) {
		struct pollfd p[2] = { { .fd = vmm, .events = POLLIN }, { .fd = link_fd(l), .events = POLLIN } };
		int n = poll(p, peer_end ? 1 : 2, 1000);
		if (n < 0 && errno != EINTR)
			return false;
		if (n <= 0) {
			if (now_s() - active > LINK_SECONDS)
				return false;
			continue;
		}
		active = now_s();
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			ssize_t r = read(vmm, buf, MIGRATE_LINK_MAX_FRAME);
			if (r <= 0)
				return true;
			if (link_send(l, LINK_DATA, buf, (size_t)r) != 0)
				return false;
		}
		if (!peer_end && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			size_t len;
			int t = link_recv(l, buf, MIGRATE_LINK_MAX_FRAME + 1, &len);
			if (t < 0)
				return false;
			if (t == LINK_END) {
				/* the sender is done: the VMM gets EOF and ends its part */
				peer_end = true;
				shutdown(vmm, SHUT_WR);
			} else if (t == LINK_DATA && fd_send_all(vmm, buf, len) != 0) {
				return true; /* the VMM gave up: its log says why */
			}
		}
	}
}

/* How the VMM's side ended, from its log: 1 it runs the guest, 0 it failed (why), -1 not
 * said in time. */
static int vmm_verdict(const struct incoming *in, char *why, size_t whylen)
{
	for (int waited = 0; waited < VERDICT_SECONDS * 10; waited++) {
		char line[512];
		int verdict = -1;
		FILE *f = fopen(in->vmm_log, "r");
		if (f) {
			fseek(f, in->log_mark, SEEK_SET);
			while (fgets(line, sizeof(line), f)) {
				char *x = strstr(line, "cannot receive the guest: ");
				line[strcspn(line, "\r\n")] = 0;
				if (strstr(line, "received the guest: it runs here")) {
					verdict = 1;
				} else if (x) {
					snprintf(why, whylen, "%s", x + strlen("cannot receive the guest: "));
					verdict = 0;
				}
			}
			fclose(f);
		}
		if (verdict >= 0)
			return verdict;
		if (!domains_incoming_alive(in->name)) {
			snprintf(why, whylen, "the VMM here ended without saying why (killed?)");
			return 0;
		}
		usleep(100 * 1000);
	}
	return -1;
}

/* After a refusal: the sender's stream is still coming; reading it to its END lets the
 * sender read the reason instead of a reset connection. */
static void drain(struct migrate_link *l, char *buf)
{
	size_t len;
	for (double end = now_s() + LINK_SECONDS; now_s() < end;) {
		struct pollfd p = { .fd = link_fd(l), .events = POLLIN };
		if (poll(&p, 1, 1000) == 1) {
			int t = link_recv(l, buf, MIGRATE_LINK_MAX_FRAME + 1, &len);
			if (t < 0 || t == LINK_END)
				return;
		}
	}
}

static void *receive_thread(void *arg)
{
	char *buf = malloc(MIGRATE_LINK_MAX_FRAME + 1);
	int fd = (int)(intptr_t)arg;
	char err[400], peer[64] = "?", why[300];
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct incoming in;
	size_t len;

	pthread_setname_np(pthread_self(), "migrate-recv");
	struct migrate_link *l = NULL;
	if (!buf)
		goto out;
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0 && ss.ss_family == AF_INET)
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, peer, sizeof(peer));
	l = link_open(fd, host_token, 0, LINK_SECONDS, err, sizeof(err));
	fd = -1; /* the link's now, closed by it, also when it failed */
	if (!l) {
		fprintf(stderr, "paraventd: refused a migration from %s: %s\n", peer, err);
		goto out;
	}
	if (link_recv(l, buf, MIGRATE_LINK_MAX_FRAME + 1, &len) != LINK_MSG) {
		fprintf(stderr, "paraventd: a migration from %s sent no offer\n", peer);
		goto out;
	}
	cJSON *o = cJSON_Parse(buf);
	const cJSON *config = cJSON_GetObjectItemCaseSensitive(o, "config");
	int status = 400;
	if (!cJSON_IsString(config))
		snprintf(err, sizeof(err), "the offer holds no configuration");
	else
		status = domains_incoming(config->valuestring, strlen(config->valuestring), &in, err, sizeof(err));
	cJSON_Delete(o);
	if (status != 201) {
		fprintf(stderr, "paraventd: refused a migration from %s: %s\n", peer, err);
		send_msg(l, "error", err);
		link_send(l, LINK_END, NULL, 0);
		goto out;
	}
	fprintf(stderr, "paraventd: %s: receiving from %s\n", in.name, peer);
	int vmm = connect_vmm(in.socket);
	if (vmm < 0) {
		domains_incoming_abort(in.name);
		snprintf(err, sizeof(err), "the VMM here did not start (see %.200s)", in.vmm_log);
		send_msg(l, "error", err);
		link_send(l, LINK_END, NULL, 0);
		goto out;
	}
	send_msg(l, "ok", NULL);
	bool link_ok = relay(l, vmm, buf);
	close(vmm);
	int v = vmm_verdict(&in, why, sizeof(why));
	if (v == 1) {
		fprintf(stderr, "paraventd: %s: received from %s; it runs here\n", in.name, peer);
	} else {
		if (v < 0) {
			domains_incoming_abort(in.name);
			snprintf(why, sizeof(why), "the VMM here did not say how it ended");
		}
		fprintf(stderr, "paraventd: %s: not received from %s: %s%s\n", in.name, peer, why,
			link_ok ? "" : " (the link broke)");
		if (link_ok) {
			send_msg(l, "error", why);
			link_send(l, LINK_END, NULL, 0);
			drain(l, buf);
		}
	}
	if (link_ok && v == 1)
		link_send(l, LINK_END, NULL, 0);
out:
	free(buf);
	if (l)
		link_close(l);
	else if (fd >= 0)
		close(fd); /* before link_open */
	atomic_fetch_sub(&senders, 1);
	return NULL;
}

static void *accept_thread(void *arg)
{
	int lfd = (int)(intptr_t)arg;
	pthread_attr_t attr;

	pthread_setname_np(pthread_self(), "relocation");
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	for (;;) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EINTR && errno != ECONNABORTED)
				usleep(100 * 1000);
			continue;
		}
		pthread_t t;
		if (atomic_fetch_add(&senders, 1) >= MAX_SENDERS ||
		    pthread_create(&t, &attr, receive_thread, (void *)(intptr_t)fd) != 0) {
			atomic_fetch_sub(&senders, 1);
			close(fd);
		}
	}
	return NULL;
}

int migrate_receive_start(const char *addr, int port, const char *token, char *err, size_t errlen)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	pthread_attr_t attr;
	pthread_t t;
	int one = 1;

	host_token = token;
	if (inet_pton(AF_INET, addr, &a.sin_addr) != 1) {
		snprintf(err, errlen, "not an IPv4 address: %s", addr);
		return -1;
	}
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 8) != 0) {
		snprintf(err, errlen, "cannot listen on %s:%d: %s", addr, port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	int r = pthread_create(&t, &attr, accept_thread, (void *)(intptr_t)fd);
	pthread_attr_destroy(&attr);
	if (r != 0) {
		close(fd);
		snprintf(err, errlen, "cannot start the relocation thread");
		return -1;
	}
	return 0;
}
