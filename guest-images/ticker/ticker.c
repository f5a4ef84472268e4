/* ticker: the stateful service of the "ticker" demo, the one live migration is shown with.
 * A counter advances by one every 100 ms; every client on TCP port 7000 gets
 *   "ticker BOOTID"          once: BOOTID is random per start, so a restart is visible
 *   "h VALUE UPTIME_MS"      the last 600 values (a minute), oldest first
 *   "VALUE UPTIME_MS"        then each new value as it comes
 * paravent-ticker in dom0 draws it and says whether the service ever stopped or restarted.
 * The counter lives only in this process's memory: if it survives, the guest did. A guest
 * that was paused resumes counting where it stopped (one step per wake-up, never a jump). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define PORT 7000
#define MAX_CLIENTS 16
#define HISTORY 600 /* a minute: a watcher that reconnects sees every value it missed */

static int clients[MAX_CLIENTS];
static uint64_t hist_value[HISTORY], hist_ms[HISTORY];
static unsigned hist_n, hist_at;

static uint64_t uptime_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* A client that cannot take a line at once is dropped: a slow reader never slows the count. */
static void send_line(int i, const char *line, size_t len)
{
	if (clients[i] >= 0 && send(clients[i], line, len, MSG_NOSIGNAL | MSG_DONTWAIT) != (ssize_t)len) {
		close(clients[i]);
		clients[i] = -1;
	}
}

static void greet(int i, uint64_t boot_id)
{
	char line[64];
	int n = snprintf(line, sizeof(line), "ticker %016llx\n", (unsigned long long)boot_id);
	send_line(i, line, (size_t)n);
	for (unsigned k = 0; k < hist_n; k++) {
		unsigned at = (hist_at + HISTORY - hist_n + k) % HISTORY;
		n = snprintf(line, sizeof(line), "h %llu %llu\n", (unsigned long long)hist_value[at],
			     (unsigned long long)hist_ms[at]);
		send_line(i, line, (size_t)n);
	}
}

int main(void)
{
	uint64_t boot_id = 0, value = 0;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(PORT) };
	int one = 1;

	if (getrandom(&boot_id, sizeof(boot_id), 0) != sizeof(boot_id))
		boot_id = (uint64_t)time(NULL);
	for (int i = 0; i < MAX_CLIENTS; i++)
		clients[i] = -1;
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(lfd, 8) != 0) {
		perror("ticker: cannot listen on port 7000");
		return 1;
	}
	int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	struct itimerspec every = { .it_interval = { 0, 100000000 }, .it_value = { 0, 100000000 } };
	if (tfd < 0 || timerfd_settime(tfd, 0, &every, NULL) != 0) {
		perror("ticker: timer");
		return 1;
	}
	printf("ticker: counting every 100 ms, serving on port %d\n", PORT);
	fflush(stdout);
	for (;;) {
		struct pollfd p[2] = { { .fd = tfd, .events = POLLIN }, { .fd = lfd, .events = POLLIN } };
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			return 1;
		if (p[1].revents & POLLIN) {
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
			int slot = -1;
			for (int i = 0; i < MAX_CLIENTS && c >= 0; i++)
				if (clients[i] < 0) {
					slot = i;
					break;
				}
			if (slot < 0) {
				if (c >= 0)
					close(c);
			} else {
				clients[slot] = c;
				greet(slot, boot_id);
			}
		}
		if (p[0].revents & POLLIN) {
			uint64_t expirations;
			if (read(tfd, &expirations, sizeof(expirations)) != sizeof(expirations))
				continue;
			value++;
			uint64_t ms = uptime_ms();
			hist_value[hist_at] = value;
			hist_ms[hist_at] = ms;
			hist_at = (hist_at + 1) % HISTORY;
			if (hist_n < HISTORY)
				hist_n++;
			char line[48];
			int n = snprintf(line, sizeof(line), "%llu %llu\n", (unsigned long long)value, (unsigned long long)ms);
			for (int i = 0; i < MAX_CLIENTS; i++)
				send_line(i, line, (size_t)n);
		}
	}
}
