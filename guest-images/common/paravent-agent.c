/* paravent-agent: the guest's end of the toolstack, as Xen's PV guests answer their
 * control/shutdown key. It listens on AF_VSOCK port 5000 (PARAVENT_AGENT_PORT), accepts
 * connections from dom0 only (CID 2), reads one request line and answers one line:
 *   ping      -> "ok paravent-agent 1"
 *   uptime    -> "ok SECONDS"
 *   shutdown  -> "ok", then the guest syncs and powers off
 *   reboot    -> "ok", then the guest syncs and reboots
 *   vcpus N   -> CPUs 0..N-1 online, the others offline (as Xen's PV guests follow their
 *                cpu/K/availability keys): "ok ONLINE", the count online afterwards
 *   anything else -> "error unknown request"
 * One connection at a time, each with a 5 s limit to send its line: a stuck peer cannot keep
 * dom0 out. No polling: the agent sleeps in accept(). */
#define _GNU_SOURCE /* sync(), reboot() under -std=c11 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/reboot.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define PARAVENT_AGENT_PORT 5000
#define VMADDR_CID_HOST_DOM0 2
#define VMADDR_CID_ANY 0xffffffffu

/* The kernel's struct sockaddr_vm (linux/vm_sockets.h), spelled out: guest programs build
 * against musl alone, without the kernel's headers. */
struct sockaddr_vm {
	unsigned short svm_family;
	unsigned short svm_reserved1;
	uint32_t svm_port;
	uint32_t svm_cid;
	uint8_t svm_flags;
	uint8_t svm_zero[3];
};

static void say(const char *what)
{
	/* on the guest's console, as its init's own messages are */
	FILE *c = fopen("/dev/console", "w");
	if (c) {
		fprintf(c, "paravent-agent: %s\n", what);
		fclose(c);
	}
}

/* CPUs 1..want-1 online, the others offline. dom0 plugs CPUs (ACPI) before it asks for
 * more: one just plugged may take the guest a moment to add, so wait up to 2 s for it (dom0
 * waits 5 s for the answer). Returns the number of CPUs online afterwards (CPU 0 always is). */
static int set_vcpus(int want)
{
	char path[64], msg[64];
	int online = 1;
	for (int k = 1; k < 256; k++) {
		snprintf(path, sizeof(path), "/sys/devices/system/cpu/cpu%d/online", k);
		for (int i = 0; k < want && i < 20 && access(path, W_OK) != 0; i++)
			usleep(100000);
		FILE *f = fopen(path, "r+");
		if (!f)
			continue; /* not present (or never hot-pluggable) */
		bool on = k < want;
		if (fgetc(f) != (on ? '1' : '0')) {
			rewind(f);
			fputs(on ? "1" : "0", f);
		}
		if (fclose(f) != 0)
			on = !on; /* the kernel refused the change */
		online += on;
	}
	snprintf(msg, sizeof(msg), "dom0 asked for %d vCPU(s): %d online", want, online);
	say(msg);
	return online;
}

static int read_line(int fd, char *buf, size_t len)
{
	size_t n = 0;
	while (n + 1 < len) {
		ssize_t r = read(fd, buf + n, 1);
		if (r <= 0)
			return -1;
		if (buf[n] == '\n')
			break;
		n++;
	}
	buf[n] = 0;
	if (n && buf[n - 1] == '\r')
		buf[n - 1] = 0;
	return 0;
}

static void answer(int fd, const char *text)
{
	size_t n = strlen(text);
	if (write(fd, text, n) != (ssize_t)n) {
		/* dom0 went away: nothing to tell it */
	}
}

int main(void)
{
	int s = socket(AF_VSOCK, SOCK_STREAM | SOCK_CLOEXEC, 0);
	struct sockaddr_vm a = { .svm_family = AF_VSOCK, .svm_port = PARAVENT_AGENT_PORT, .svm_cid = VMADDR_CID_ANY };
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s, 4) != 0) {
		fprintf(stderr, "paravent-agent: no vsock (%s): the toolstack cannot reach this guest\n", strerror(errno));
		return 1;
	}
	for (;;) {
		struct sockaddr_vm peer;
		socklen_t plen = sizeof(peer);
		int c = accept(s, (struct sockaddr *)&peer, &plen);
		if (c < 0)
			continue;
		if (peer.svm_cid != VMADDR_CID_HOST_DOM0) {
			close(c);
			continue;
		}
		struct timeval tv = { .tv_sec = 5 };
		setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		char line[64];
		if (read_line(c, line, sizeof(line)) != 0) {
			close(c);
			continue;
		}
		if (strcmp(line, "ping") == 0) {
			answer(c, "ok paravent-agent 1\n");
		} else if (strcmp(line, "uptime") == 0) {
			double up = 0;
			FILE *f = fopen("/proc/uptime", "r");
			if (f) {
				if (fscanf(f, "%lf", &up) != 1)
					up = 0;
				fclose(f);
			}
			char out[64];
			snprintf(out, sizeof(out), "ok %.0f\n", up);
			answer(c, out);
		} else if (strncmp(line, "vcpus ", 6) == 0 && atoi(line + 6) >= 1) {
			char out[32];
			snprintf(out, sizeof(out), "ok %d\n", set_vcpus(atoi(line + 6)));
			answer(c, out);
		} else if (strcmp(line, "shutdown") == 0 || strcmp(line, "reboot") == 0) {
			int off = line[0] == 's';
			answer(c, "ok\n");
			close(c);
			say(off ? "dom0 asked for a shutdown: powering off" : "dom0 asked for a reboot: rebooting");
			sync();
			reboot(off ? RB_POWER_OFF : RB_AUTOBOOT);
			return 1; /* not reached unless reboot() failed */
		} else {
			answer(c, "error unknown request\n");
		}
		close(c);
	}
}
