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
 *       the rest (what the VMM itself costs). */
#include <errno.h>
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

int main(int argc, char **argv)
{
	if (argc >= 4 && strcmp(argv[1], "launch") == 0)
		return launch(argv[2], argv + 3);
	if (argc == 4 && strcmp(argv[1], "rss") == 0)
		return rss(argv[2], argv[3]);
	fprintf(stderr, "usage: pv-bench launch PATTERN CMD [ARG...] | pv-bench rss PID GUEST_MIB\n");
	return 2;
}
