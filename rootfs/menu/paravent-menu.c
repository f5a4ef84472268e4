/* paravent-menu: what a person sees on dom0's screen and serial console, like the Xen demo
 * CD's menu. The demo guests with their state, memory, CPU and address; start, stop, open a
 * console (Ctrl-] comes back), start or stop all, a live dashboard of every domain, host
 * information (KVM, memory, networks, the API token), a dom0 shell, help. Works with arrow
 * keys and with plain digits and letters over a serial line; redraws on resize, and only
 * sends what changed, so an idle serial console stays quiet. A client of paraventd's API
 * (menu_data.c); consoles go through `paravent console`. */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>

#include "menu_data.h"

#define SCREEN_MAX 16384

static struct termios saved;
static bool raw_on;
static volatile sig_atomic_t resized = 1;
static char frame[SCREEN_MAX], last_frame[SCREEN_MAX];
static size_t frame_len;

static void raw_mode(bool on)
{
	if (on && !raw_on && tcgetattr(STDIN_FILENO, &saved) == 0) {
		struct termios r = saved;
		r.c_lflag &= (tcflag_t) ~(ICANON | ECHO | ISIG);
		r.c_iflag &= (tcflag_t) ~(IXON | ICRNL);
		r.c_cc[VMIN] = 1;
		r.c_cc[VTIME] = 0;
		tcsetattr(STDIN_FILENO, TCSANOW, &r);
		raw_on = true;
		fputs("\033[?25l", stdout); /* no cursor */
	} else if (!on && raw_on) {
		tcsetattr(STDIN_FILENO, TCSANOW, &saved);
		raw_on = false;
		fputs("\033[?25h\033[0m\033[H\033[2J", stdout);
	}
	fflush(stdout);
}

static void on_winch(int sig)
{
	(void)sig;
	resized = 1;
}

static void screen_size(int *rows, int *cols)
{
	struct winsize ws;
	*rows = 24;
	*cols = 80;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row && ws.ws_col) {
		*rows = ws.ws_row;
		*cols = ws.ws_col;
	}
	if (*cols > 200)
		*cols = 200;
}

/* One line of the frame, cut to the width, cleared to its end. */
static void line(int cols, bool inverse, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void line(int cols, bool inverse, const char *fmt, ...)
{
	char text[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	if ((int)strlen(text) > cols - 1)
		text[cols - 1] = 0;
	frame_len += (size_t)snprintf(frame + frame_len, sizeof(frame) - frame_len, "%s%s\033[K\033[0m\r\n",
				      inverse ? "\033[7m" : "", text);
	if (frame_len >= sizeof(frame))
		frame_len = sizeof(frame) - 1;
}

static void show_frame(void)
{
	if (!resized && strcmp(frame, last_frame) == 0)
		return;
	fputs(resized ? "\033[H\033[2J" : "\033[H", stdout);
	fputs(frame, stdout);
	fputs("\033[J", stdout);
	fflush(stdout);
	memcpy(last_frame, frame, sizeof(frame));
	resized = 0;
}

static void begin_frame(void)
{
	frame_len = 0;
	frame[0] = 0;
}

static const char *cpu_text(const struct menu_domain *d, char *buf, size_t len)
{
	if (!d->state[0] || d->cpu_percent < 0)
		return "-";
	snprintf(buf, len, "%.1f", d->cpu_percent);
	return buf;
}

static void draw_main(const struct menu_data *md, int sel, const char *msg)
{
	int rows, cols;
	char cpu[16];
	screen_size(&rows, &cols);
	begin_frame();
	line(cols, true, " Paravent %s: virtualization from a live CD   %s", md->host.version,
	     !md->reachable ? "(paraventd is not answering)" : md->host.kvm_usable ? "KVM: usable" : "KVM: NOT USABLE");
	if (md->reachable && !md->host.kvm_usable) {
		line(cols, false, " No guest can run: %s", md->host.kvm_detail);
		line(cols, false, " Enable Intel VT-x or AMD-V (SVM) in the firmware setup, or nested virtualization in the VM.");
	}
	line(cols, false, "%s", "");
	line(cols, false, "  #  %-10s %-9s %8s %6s  %-13s %s", "Demo", "State", "Memory", "CPU%", "Address", "What it is");
	for (int i = 0; i < md->ndemos; i++) {
		const struct menu_domain *d = &md->d[i];
		line(cols, i == sel, "%c %d  %-10s %-9s %4d MiB %6s  %-13s %s", i == sel ? '>' : ' ', i + 1, d->name,
		     d->state[0] ? d->state : "stopped", d->state[0] ? d->memory_mib : d->need_mib,
		     cpu_text(d, cpu, sizeof(cpu)), d->address[0] && d->state[0] ? d->address : "-", d->about);
	}
	if (md->n > md->ndemos)
		line(cols, false, "     and %d other domain(s): d for the dashboard", md->n - md->ndemos);
	line(cols, false, "%s", "");
	line(cols, false, " dom0: %d CPUs, %d MiB available of %d   br0 %s   pvbr0 %s", md->host.cpus, md->host.available_mib,
	     md->host.memory_mib, md->host.br0[0] ? md->host.br0 : "(no address)", md->host.pvbr0);
	line(cols, false, "%s", "");
	line(cols, false, " 1-9 or arrows: choose    Enter: start, or console if running    s start   x stop");
	line(cols, false, " c console (Ctrl-] returns)   a start all   z stop all   d dashboard   i host info");
	line(cols, false, " g start the chosen demo's group (netlab-*)   ! dom0 shell   h help");
	line(cols, false, "%s", "");
	line(cols, false, " %s", msg);
	show_frame();
}

static void draw_dashboard(const struct menu_data *md)
{
	int rows, cols;
	char cpu[16];
	screen_size(&rows, &cols);
	begin_frame();
	line(cols, true, " Dashboard: every domain, refreshed each second (any key returns)");
	line(cols, false, "%s", "");
	line(cols, false, "  %-16s %-9s %8s %5s %6s %9s  %s", "Domain", "State", "Memory", "vCPUs", "CPU%", "Up (s)", "Address");
	for (int i = 0; i < md->n; i++) {
		const struct menu_domain *d = &md->d[i];
		if (!d->state[0])
			continue;
		line(cols, false, "  %-16s %-9s %4d MiB %5d %6s %9.0f  %s", d->name, d->state, d->memory_mib, d->vcpus,
		     cpu_text(d, cpu, sizeof(cpu)), d->uptime, d->address[0] ? d->address : "-");
	}
	line(cols, false, "%s", "");
	line(cols, false, "  dom0: %d CPUs, %d MiB available of %d", md->host.cpus, md->host.available_mib, md->host.memory_mib);
	show_frame();
}

static void draw_text(const char *title, const char *const *lines, int n)
{
	int rows, cols;
	screen_size(&rows, &cols);
	begin_frame();
	line(cols, true, " %s (any key returns)", title);
	line(cols, false, "%s", "");
	for (int i = 0; i < n; i++)
		line(cols, false, " %s", lines[i]);
	show_frame();
}

static void draw_host(const struct menu_data *md)
{
	char l[8][400], token[80] = "";
	FILE *f = fopen("/var/lib/paravent/api-token", "r");
	if (f) {
		if (!fgets(token, sizeof(token), f))
			token[0] = 0;
		token[strcspn(token, "\n")] = 0;
		fclose(f);
	}
	snprintf(l[0], sizeof(l[0]), "Paravent %s", md->host.version);
	snprintf(l[1], sizeof(l[1]), "CPUs: %d   memory: %d MiB, %d MiB available for guests", md->host.cpus,
		 md->host.memory_mib, md->host.available_mib);
	snprintf(l[2], sizeof(l[2]), "KVM: %s", md->host.kvm_usable ? "usable" : "NOT usable");
	snprintf(l[3], sizeof(l[3]), "     %s", md->host.kvm_detail);
	snprintf(l[4], sizeof(l[4]), "br0 (the LAN): %s   pvbr0 (host-only): %s", md->host.br0[0] ? md->host.br0 : "no address",
		 md->host.pvbr0);
	snprintf(l[5], sizeof(l[5]), "API: http://127.0.0.1:8000/ and /run/paravent/api.sock");
	snprintf(l[6], sizeof(l[6]), "API token: %s", token[0] ? token : "(none yet)");
	snprintf(l[7], sizeof(l[7]), "Docs: docs/user-guide.md; the CLI: paravent help");
	const char *lines[8];
	for (int i = 0; i < 8; i++)
		lines[i] = l[i];
	draw_text("Host", lines, 8);
}

static const char *const help_lines[] = {
	"Paravent turns this PC into a virtualization host: dom0 (this system) runs guest domains",
	"on KVM, each in its own paravent-vmm process, managed by paraventd.",
	"",
	"Demo guests: hello (a shell), web (http://web/ from dom0), ticker (paravent-ticker ticker).",
	"Keys: 1-9 choose a demo, arrows too; Enter starts it or opens its console; s start,",
	"x stop (the guest shuts down), c console (Ctrl-] comes back here), a start all, z stop all,",
	"d dashboard, i host information, ! a dom0 shell (exit returns here), h this help;",
	"g starts the chosen demo with the rest of its group: netlab-router, netlab-a and netlab-b",
	"make the netlab demo (on a's console: ping 10.81.2.10 crosses the router).",
	"",
	"From a shell: paravent list, paravent console NAME, paravent create FILE (docs/cli.md).",
	"Boot with paravent.autostart=none for no demos, or a list of names.",
};

/* Runs a program on the terminal, the menu out of the way, then comes back. */
static int run_on_terminal(char *const argv[], const char *banner)
{
	raw_mode(false);
	if (banner)
		printf("%s\n", banner);
	fflush(stdout);
	pid_t pid = fork();
	if (pid == 0) {
		signal(SIGINT, SIG_DFL);
		signal(SIGQUIT, SIG_DFL);
		execvp(argv[0], argv);
		_exit(127);
	}
	int st = 0;
	while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	raw_mode(true);
	resized = 1;
	return st;
}

/* A key: digits, letters, Enter, or 'U'/'D' for the arrows. -1 when none came in ms. */
static int read_key(int ms)
{
	struct pollfd p = { .fd = STDIN_FILENO, .events = POLLIN };
	unsigned char c;
	if (poll(&p, 1, ms) <= 0 || read(STDIN_FILENO, &c, 1) != 1)
		return -1;
	if (c == 0x1b) {
		unsigned char seq[2];
		if (poll(&p, 1, 50) <= 0 || read(STDIN_FILENO, &seq[0], 1) != 1)
			return 0x1b;
		if (poll(&p, 1, 50) <= 0 || read(STDIN_FILENO, &seq[1], 1) != 1)
			return 0x1b;
		if (seq[0] == '[' || seq[0] == 'O')
			return seq[1] == 'A' ? 'U' : seq[1] == 'B' ? 'D' : 0;
		return 0;
	}
	return c == '\n' ? '\r' : c;
}

static void wait_any_key_refreshing(struct menu_data *md, void (*draw)(const struct menu_data *))
{
	for (;;) {
		draw(md);
		if (read_key(1000) >= 0)
			break;
		menu_data_refresh(md);
	}
	resized = 1;
}

int main(void)
{
	static struct menu_data md;
	char msg[400] = "";
	int sel = 0;

	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "paravent-menu: needs a terminal\n");
		return 2;
	}
	signal(SIGWINCH, on_winch);
	signal(SIGINT, SIG_IGN);
	signal(SIGQUIT, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	raw_mode(true);
	menu_data_refresh(&md);
	for (;;) {
		if (sel >= md.ndemos)
			sel = md.ndemos ? md.ndemos - 1 : 0;
		draw_main(&md, sel, msg);
		int k = read_key(1000);
		if (k < 0) {
			menu_data_refresh(&md);
			continue;
		}
		struct menu_domain *d = md.ndemos ? &md.d[sel] : NULL;
		bool running = d && (strcmp(d->state, "running") == 0 || strcmp(d->state, "paused") == 0);
		msg[0] = 0;
		if (k >= '1' && k <= '9' && k - '1' < md.ndemos)
			sel = k - '1';
		else if (k == 'U' || k == 'k')
			sel = sel > 0 ? sel - 1 : sel;
		else if (k == 'D' || k == 'j')
			sel = sel + 1 < md.ndemos ? sel + 1 : sel;
		else if (d && (k == 's' || (k == '\r' && !running)))
			menu_start(&md, d, msg, sizeof(msg));
		else if (d && k == 'x')
			menu_stop(d, msg, sizeof(msg));
		else if (d && (k == 'c' || (k == '\r' && running))) {
			if (!running) {
				snprintf(msg, sizeof(msg), "%s is not running: s starts it", d->name);
			} else {
				char *argv[] = { "paravent", "console", d->name, NULL };
				char banner[120];
				snprintf(banner, sizeof(banner), "[the console of %s: Ctrl-] returns to the menu]", d->name);
				run_on_terminal(argv, banner);
			}
		} else if (k == 'a' || k == 'z' || (d && k == 'g')) {
			/* all demos, or (g) the selected one's group: the names sharing its prefix
			 * before '-', e.g. netlab-router, netlab-a, netlab-b */
			int done = 0;
			char one[300], group[70], failed[320] = "";
			size_t glen = 0;
			if (k == 'g') {
				glen = strcspn(d->name, "-");
				snprintf(group, sizeof(group), "%.*s", (int)glen, d->name);
			}
			for (int i = 0; i < md.ndemos; i++) {
				bool up = strcmp(md.d[i].state, "running") == 0 || strcmp(md.d[i].state, "paused") == 0;
				if (k == 'g' && (strncmp(md.d[i].name, group, glen) != 0 ||
						 (md.d[i].name[glen] != '-' && md.d[i].name[glen] != 0)))
					continue;
				if (k != 'z' && !up) {
					if (menu_start(&md, &md.d[i], one, sizeof(one)) == 0) {
						done++;
						menu_data_refresh(&md); /* memory for the next one */
					} else {
						snprintf(failed, sizeof(failed), "; %s", one);
					}
				} else if (k == 'z' && up && menu_stop(&md.d[i], one, sizeof(one)) == 0) {
					done++;
				}
			}
			snprintf(msg, sizeof(msg), "%s %d demo(s)%s", k != 'z' ? "started" : "asked to shut down", done, failed);
		} else if (k == 'd') {
			wait_any_key_refreshing(&md, draw_dashboard);
		} else if (k == 'i') {
			wait_any_key_refreshing(&md, draw_host);
		} else if (k == 'h' || k == '?') {
			draw_text("Help", help_lines, (int)(sizeof(help_lines) / sizeof(help_lines[0])));
			while (read_key(60000) < 0)
				;
			resized = 1;
		} else if (k == '!') {
			char *argv[] = { "/bin/sh", "-l", NULL };
			run_on_terminal(argv, "[a dom0 shell: exit returns to the menu]");
		} else if (k == 0x0c) { /* Ctrl-L */
			resized = 1;
		}
		menu_data_refresh(&md);
	}
}
