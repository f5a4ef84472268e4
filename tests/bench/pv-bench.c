/* pv-bench: the measuring half of `make bench`, run inside dom0 next to the VMM under test,
 * so that paravent-vmm and its peer (QEMU -M microvm) are timed and weighed the same way.
 *
 *   pv-bench launch PATTERN CMD [ARG...]
 *       runs CMD with its standard output and error through us to our standard output, and
 *       prints "pv-bench: PATTERN after S.SSS s" on standard error when PATTERN first shows
 *       up in that output (time from just before exec). Exits with CMD's status.
 *   pv-bench rss PID GUEST_MIB
 *       prints "rss_kib=N guest_kib=N beyond_kib=N" for process PID from /proc/PID/smaps:
 *       its resident memory, the part in mappings of at least GUEST_MIB MiB (guest RAM), and
 *       the rest (what the VMM itself costs).
 *   pv-bench tcp-sink PORT
 *       accepts one TCP connection, reads it to the end, prints "tcp_bytes=N seconds=S" (from
 *       its first byte to the end).
 *   pv-bench tcp-send HOST PORT MIB
 *       sends MIB MiB of zeros to HOST:PORT in 64 KiB writes.
 *   pv-bench udp-sink PORT
 *       counts datagrams on PORT until none came for 2 s after the first; prints
 *       "udp_packets=N seconds=S" (first to last).
 *   pv-bench udp-send HOST PORT SIZE SECONDS
 *       sends SIZE-byte datagrams to HOST:PORT as fast as it can for SECONDS.
 *   pv-bench hmp SOCKET COMMAND
 *       sends COMMAND to the QEMU human monitor listening on unix socket SOCKET and prints
 *       its answer (up to the next prompt): how the bench drives QEMU's own live migration.
 *   pv-bench qmp-event SOCKET EVENT
 *       connects to QEMU's QMP server on unix socket SOCKET and waits (up to 10 minutes) for
 *       EVENT; prints "EVENT_at=S.UUUUUU", the time QEMU stamped on it (the wall clock, the
 *       same for every process of this dom0). With STOP from the sender and RESUME from the
 *       receiver, QEMU's pause as its guest sees it, its destination's loading included
 *       (QEMU's own "downtime" stops when the sender has written the last byte).
 *   pv-bench relay
 *       copies standard input to standard output through a loopback TCP connection between
 *       two threads, chunk by chunk as it comes: the wake-ups and the network stack's work
 *       a console proxy costs dom0 for each piece of a guest's console output.
 * The network modes also run inside the guests (a static binary, added to their initramfs). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double seconds_since(const struct timespec *t0)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static int launch(const char *pattern, char **argv)
{
	size_t plen = strlen(pattern);
	char window[8192];
	size_t have = 0;
	int found = 0, fds[2];
	struct timespec t0;

	if (plen == 0 || plen >= sizeof(window) / 2 || pipe(fds) != 0) {
		fprintf(stderr, "pv-bench: bad pattern or no pipe\n");
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	pid_t pid = fork();
	if (pid < 0) {
		perror("pv-bench: fork");
		return 2;
	}
	if (pid == 0) {
		dup2(fds[1], 1);
		dup2(fds[1], 2);
		close(fds[0]);
		close(fds[1]);
		execvp(argv[0], argv);
		fprintf(stderr, "pv-bench: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	for (;;) {
		char buf[4096];
		ssize_t n = read(fds[0], buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		fwrite(buf, 1, (size_t)n, stdout);
		fflush(stdout);
		if (found)
			continue;
		/* Keep the tail of what came before, so a pattern split across reads is seen. */
		for (ssize_t i = 0; i < n && !found; i++) {
			if (have == sizeof(window) - 1) {
				memmove(window, window + have - plen, plen);
				have = plen;
			}
			window[have++] = buf[i];
			window[have] = 0;
			if (have >= plen && memcmp(window + have - plen, pattern, plen) == 0) {
				fprintf(stderr, "pv-bench: %s after %.3f s\n", pattern, seconds_since(&t0));
				found = 1;
			}
		}
	}
	int status;
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int rss(const char *pid, const char *guest_mib)
{
	char path[64], line[512];
	unsigned long long size_kib = 0, v, total = 0, guest = 0;
	unsigned long long guest_kib = strtoull(guest_mib, NULL, 10) * 1024;

	snprintf(path, sizeof(path), "/proc/%s/smaps", pid);
	FILE *f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "pv-bench: %s: %s\n", path, strerror(errno));
		return 1;
	}
	while (fgets(line, sizeof(line), f)) {
		if (sscanf(line, "Size: %llu kB", &v) == 1) {
			size_kib = v;
		} else if (sscanf(line, "Rss: %llu kB", &v) == 1) {
			total += v;
			if (guest_kib && size_kib >= guest_kib)
				guest += v;
		}
	}
	fclose(f);
	printf("rss_kib=%llu guest_kib=%llu beyond_kib=%llu\n", total, guest, total - guest);
	return 0;
}

static int listen_on(int type, const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	int one = 1, fd = socket(AF_INET, type, 0);

	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
	    (type == SOCK_STREAM && listen(fd, 1) != 0)) {
		perror("pv-bench: listen");
		return -1;
	}
	return fd;
}

static int connect_to(int type, const char *host, const char *port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(port)) };
	int fd = socket(AF_INET, type, 0);

	if (fd < 0 || inet_pton(AF_INET, host, &a.sin_addr) != 1 || connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		perror("pv-bench: connect");
		return -1;
	}
	return fd;
}

static char buf[65536];

static int tcp_sink(const char *port)
{
	int l = listen_on(SOCK_STREAM, port), c;
	unsigned long long total = 0;
	struct timespec t0;
	ssize_t n;

	if (l < 0 || (c = accept(l, NULL, NULL)) < 0)
		return 1;
	while ((n = read(c, buf, sizeof(buf))) > 0) {
		if (total == 0)
			clock_gettime(CLOCK_MONOTONIC, &t0);
		total += (unsigned long long)n;
	}
	printf("tcp_bytes=%llu seconds=%.3f\n", total, total ? seconds_since(&t0) : 0.0);
	return 0;
}

static int tcp_send(const char *host, const char *port, const char *mib)
{
	int fd = connect_to(SOCK_STREAM, host, port);
	long long left = atoll(mib) * 1024 * 1024;

	if (fd < 0)
		return 1;
	memset(buf, 0, sizeof(buf));
	while (left > 0) {
		ssize_t n = write(fd, buf, left < (long long)sizeof(buf) ? (size_t)left : sizeof(buf));
		if (n <= 0) {
			perror("pv-bench: write");
			return 1;
		}
		left -= n;
	}
	close(fd);
	return 0;
}

static int udp_sink(const char *port)
{
	int fd = listen_on(SOCK_DGRAM, port);
	unsigned long long count = 0;
	struct timespec t0, last = { 0 };
	struct pollfd p = { .fd = fd, .events = POLLIN };

	if (fd < 0)
		return 1;
	for (;;) {
		if (poll(&p, 1, count ? 2000 : 600000) <= 0)
			break;
		if (recv(fd, buf, sizeof(buf), 0) < 0)
			continue;
		if (count++ == 0)
			clock_gettime(CLOCK_MONOTONIC, &t0);
		clock_gettime(CLOCK_MONOTONIC, &last);
	}
	double secs = count ? (double)(last.tv_sec - t0.tv_sec) + (double)(last.tv_nsec - t0.tv_nsec) / 1e9 : 0;
	printf("udp_packets=%llu seconds=%.3f\n", count, secs);
	return 0;
}

static int udp_send(const char *host, const char *port, const char *size, const char *secs)
{
	int fd = connect_to(SOCK_DGRAM, host, port);
	size_t len = (size_t)atoi(size);
	double limit = atof(secs);
	unsigned long long sent = 0;
	struct timespec t0;

	if (fd < 0 || len == 0 || len > sizeof(buf))
		return 1;
	memset(buf, 0x5a, len);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (seconds_since(&t0) < limit) {
		for (int i = 0; i < 64; i++)
			if (send(fd, buf, len, 0) == (ssize_t)len)
				sent++;
	}
	printf("udp_sent=%llu\n", sent);
	return 0;
}

/* Reads from fd into buf until the monitor's prompt "(qemu) " ends it, or 10 s pass. */
static size_t read_to_prompt(int fd, char *out, size_t cap)
{
	size_t got = 0;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	while (got < cap - 1 && poll(&p, 1, 10000) == 1) {
		ssize_t n = read(fd, out + got, cap - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		out[got] = 0;
		if (got >= 7 && strcmp(out + got - 7, "(qemu) ") == 0)
			break;
	}
	out[got] = 0;
	return got;
}

static int hmp(const char *path, const char *command)
{
	static char answer[65536];
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0 || strlen(path) >= sizeof(a.sun_path))
		return 1;
	strcpy(a.sun_path, path);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		perror(path);
		return 1;
	}
	read_to_prompt(fd, answer, sizeof(answer)); /* the banner */
	if (write(fd, command, strlen(command)) < 0 || write(fd, "\n", 1) != 1)
		return 1;
	read_to_prompt(fd, answer, sizeof(answer));
	fputs(answer, stdout);
	close(fd);
	return 0;
}

static int qmp_event(const char *path, const char *event)
{
	static char qbuf[65536];
	struct sockaddr_un a = { .sun_family = AF_UNIX };
	char want[80];
	size_t got = 0;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	if (fd < 0 || strlen(path) >= sizeof(a.sun_path) || strlen(event) > 60)
		return 1;
	strcpy(a.sun_path, path);
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
		perror(path);
		return 1;
	}
	/* events go only to clients past capability negotiation */
	static const char caps[] = "{\"execute\": \"qmp_capabilities\"}\n";
	if (write(fd, caps, sizeof(caps) - 1) != (ssize_t)(sizeof(caps) - 1))
		return 1;
	snprintf(want, sizeof(want), "\"event\": \"%s\"", event);
	struct pollfd p = { .fd = fd, .events = POLLIN };
	while (poll(&p, 1, 600000) == 1) {
		ssize_t n = read(fd, qbuf + got, sizeof(qbuf) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		qbuf[got] = 0;
		char *line = qbuf, *nl;
		while ((nl = strchr(line, '\n'))) {
			*nl = 0;
			long long sec, usec;
			char *ts = strstr(line, "\"timestamp\"");
			if (strstr(line, want) && ts &&
			    sscanf(ts, "\"timestamp\": {\"seconds\": %lld, \"microseconds\": %lld}", &sec, &usec) == 2) {
				printf("%s_at=%lld.%06lld\n", event, sec, usec);
				close(fd);
				return 0;
			}
			line = nl + 1;
		}
		got = strlen(line);
		memmove(qbuf, line, got + 1);
		if (got == sizeof(qbuf) - 1)
			got = 0; /* a line longer than we keep: not an event we wait for */
	}
	close(fd);
	fprintf(stderr, "pv-bench: no %s event from %s\n", event, path);
	return 1;
}

static int relay_out = -1;

static void *relay_writer(void *arg)
{
	static char rbuf[4096];
	int fd = *(int *)arg;
	ssize_t n;
	while ((n = read(fd, rbuf, sizeof(rbuf))) > 0) {
		if (write(STDOUT_FILENO, rbuf, (size_t)n) != n)
			break;
	}
	return NULL;
}

static int relay(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int l = socket(AF_INET, SOCK_STREAM, 0);
	if (l < 0 || bind(l, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(l, 1) != 0 ||
	    getsockname(l, (struct sockaddr *)&a, &alen) != 0)
		return 1;
	relay_out = socket(AF_INET, SOCK_STREAM, 0);
	if (relay_out < 0 || connect(relay_out, (struct sockaddr *)&a, sizeof(a)) != 0)
		return 1;
	int in = accept(l, NULL, NULL);
	if (in < 0)
		return 1;
	pthread_t t;
	if (pthread_create(&t, NULL, relay_writer, &in) != 0)
		return 1;
	char b[4096];
	ssize_t n;
	while ((n = read(STDIN_FILENO, b, sizeof(b))) > 0) {
		if (write(relay_out, b, (size_t)n) != n)
			break;
	}
	shutdown(relay_out, SHUT_WR);
	pthread_join(t, NULL);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "relay") == 0)
		return relay();
	if (argc == 4 && strcmp(argv[1], "qmp-event") == 0)
		return qmp_event(argv[2], argv[3]);
	if (argc == 4 && strcmp(argv[1], "hmp") == 0)
		return hmp(argv[2], argv[3]);
	if (argc == 3 && strcmp(argv[1], "tcp-sink") == 0)
		return tcp_sink(argv[2]);
	if (argc == 5 && strcmp(argv[1], "tcp-send") == 0)
		return tcp_send(argv[2], argv[3], argv[4]);
	if (argc == 3 && strcmp(argv[1], "udp-sink") == 0)
		return udp_sink(argv[2]);
	if (argc == 6 && strcmp(argv[1], "udp-send") == 0)
		return udp_send(argv[2], argv[3], argv[4], argv[5]);
	if (argc >= 4 && strcmp(argv[1], "launch") == 0)
		return launch(argv[2], argv + 3);
	if (argc == 4 && strcmp(argv[1], "rss") == 0)
		return rss(argv[2], argv[3]);
	fprintf(stderr, "usage: pv-bench launch PATTERN CMD [ARG...] | rss PID GUEST_MIB | tcp-sink PORT |\n"
			"       tcp-send HOST PORT MIB | udp-sink PORT | udp-send HOST PORT SIZE SECONDS |\n"
			"       hmp SOCKET COMMAND | qmp-event SOCKET EVENT\n");
	return 2;
}
