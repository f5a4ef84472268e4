/* paravent-ticker: the dom0 side of the "ticker" demo. Connects to the ticker service of a
 * guest (TCP port 7000, see guest-images/ticker/ticker.c), draws its counter live and says
 * whether the service ever stopped (the longest time between two values) or restarted (a
 * new boot id, or a value that did not follow the last one). It reconnects by itself, so it
 * keeps watching while the guest moves, e.g. during a live migration.
 *
 *   paravent-ticker [--count N] HOST[:PORT]
 *
 * With --count it exits after N live values, printing a summary; the exit status is 0 if the
 * counter advanced by exactly one each time and never restarted, 1 otherwise, 2 on usage or
 * connection errors. Without it, it runs until interrupted. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

struct watch {
	char boot_id[32];
	uint64_t first, last, values;
	bool have_last;
	uint64_t resets, skips, reconnects;
	double last_at, longest_gap;
	/* the service's own clock over the live values of its current boot: the period
	 * it really ticks at, whatever delays the network adds on the way */
	uint64_t run_first_ms, run_last_ms, run_first_v, run_last_v;
};

static volatile sig_atomic_t interrupted;

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A connect that gives up after timeout_ms. A guest that is rebooting or moving does not
 * answer the SYN, and TCP's own retries back off (1, 3, 7, 15 s...): the watcher would then
 * notice the service's return only seconds after it is back. Short tries, repeated by the
 * caller, see it within a second. */
static bool connect_within(int fd, const struct sockaddr *addr, socklen_t len, int timeout_ms)
{
	if (connect(fd, addr, len) == 0)
		return true;
	if (errno != EINPROGRESS)
		return false;
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	int err = 0;
	socklen_t err_len = sizeof(err);
	if (poll(&p, 1, timeout_ms) != 1 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &err_len) != 0)
		return false;
	return err == 0;
}

static int connect_to(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *ai;
	int fd = -1;

	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd >= 0 && !connect_within(fd, ai->ai_addr, ai->ai_addrlen, 1000)) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd >= 0) {
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
		struct timeval tv = { .tv_sec = 3 }; /* a silent service: reconnect */
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	return fd;
}

/* One line from the service. Returns true for a live value. */
static bool take_line(struct watch *w, const char *line)
{
	unsigned long long v, ms;
	char id[32];

	if (sscanf(line, "ticker %31s", id) == 1) {
		if (w->boot_id[0] && strcmp(id, w->boot_id) != 0) {
			w->resets++; /* the service started again: its state is gone */
			w->have_last = false;
		}
		snprintf(w->boot_id, sizeof(w->boot_id), "%s", id);
		return false;
	}
	if (line[0] == 'h') {
		/* history, after a reconnection: the values produced while we were away count
		 * as seen if they follow on from the last one (same boot id) */
		if (sscanf(line, "h %llu %llu", &v, &ms) != 2 || !w->have_last || v != w->last + 1)
			return false;
		w->last = v;
		w->values++;
		return true;
	}
	if (sscanf(line, "%llu %llu", &v, &ms) != 2)
		return false;
	double t = now_s();
	if (w->have_last) {
		if (v < w->last)
			w->resets++;
		else if (v != w->last + 1)
			w->skips++; /* values missed: we were disconnected meanwhile */
	} else if (!w->values) {
		w->first = v;
	}
	if (!w->have_last || v < w->last) {
		w->run_first_ms = ms; /* a new run of live values (first, or after a restart) */
		w->run_first_v = v;
	}
	w->run_last_ms = ms;
	w->run_last_v = v;
	if (w->values && t - w->last_at > w->longest_gap) /* restarts and reconnections included */
		w->longest_gap = t - w->last_at;
	w->last = v;
	w->last_at = t;
	w->have_last = true;
	w->values++;
	return true;
}

static void draw(const struct watch *w, const char *host, bool tty)
{
	if (!tty)
		return;
	printf("\r\033[Kticker on %s: %llu   longest gap %.0f ms   restarts %llu   reconnects %llu ", host,
	       (unsigned long long)w->last, w->longest_gap * 1000, (unsigned long long)w->resets,
	       (unsigned long long)w->reconnects);
	fflush(stdout);
}

static void on_signal(int sig)
{
	(void)sig;
	interrupted = 1;
}

int main(int argc, char **argv)
{
	uint64_t count = 0;
	int i = 1;

	if (argc > 2 && strcmp(argv[1], "--count") == 0) {
		count = strtoull(argv[2], NULL, 10);
		i = 3;
	}
	if (i != argc - 1 || (i == 3 && count == 0)) {
		fprintf(stderr, "usage: paravent-ticker [--count N] HOST[:PORT]   (port 7000 by default)\n");
		return 2;
	}
	char host[256], port[16] = "7000";
	snprintf(host, sizeof(host), "%s", argv[i]);
	char *colon = strrchr(host, ':');
	if (colon && !strchr(colon + 1, ']')) {
		snprintf(port, sizeof(port), "%s", colon + 1);
		*colon = 0;
	}
	/* without SA_RESTART: Ctrl-C ends a connect() still waiting for an unreachable guest,
	 * which signal() would restart (TCP retries a SYN for minutes) */
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	bool tty = isatty(STDOUT_FILENO);
	struct watch w;
	memset(&w, 0, sizeof(w));
	double started = now_s();
	int fd = -1;
	char buf[4096];
	size_t have = 0;

	while (!interrupted && (!count || w.values < count)) {
		if (fd < 0) {
			fd = connect_to(host, port);
			if (fd < 0) {
				if (!w.values && now_s() - started > 30) {
					fprintf(stderr, "paravent-ticker: cannot reach %s:%s\n", host, port);
					return 2;
				}
				usleep(200000);
				continue;
			}
			have = 0;
			if (w.values)
				w.reconnects++;
		}
		ssize_t n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0) {
			if (n < 0 && errno == EINTR)
				continue;
			close(fd);
			fd = -1;
			continue;
		}
		have += (size_t)n;
		buf[have] = 0;
		char *line = buf, *nl;
		while ((nl = strchr(line, '\n')) && (!count || w.values < count)) {
			*nl = 0;
			if (take_line(&w, line))
				draw(&w, host, tty);
			line = nl + 1;
		}
		have = strlen(line);
		memmove(buf, line, have);
	}
	if (tty)
		printf("\n");
	bool steady = w.values > 0 && w.resets == 0 && w.skips == 0;
	printf("ticker on %s: %llu values, %llu to %llu, %s; longest gap %.0f ms; restarts %llu, reconnects %llu",
	       host, (unsigned long long)w.values, (unsigned long long)w.first, (unsigned long long)w.last,
	       steady ? "each one more than the last" : w.skips ? "with values missed" : "not steady",
	       w.longest_gap * 1000, (unsigned long long)w.resets, (unsigned long long)w.reconnects);
	if (w.run_last_v > w.run_first_v)
		printf("; it ticks every %.0f ms (its own clock)",
		       (double)(w.run_last_ms - w.run_first_ms) / (double)(w.run_last_v - w.run_first_v));
	printf("\n");
	return steady ? 0 : 1;
}
