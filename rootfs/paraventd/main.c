/* paraventd: the toolstack daemon. Serves the API (api.c) with GNU libmicrohttpd on a unix
 * socket (trusted by its file permissions) and on TCP (bearer token; loopback unless
 * --listen), and supervises one paravent-vmm per domain (domains.c). The main thread only
 * waits for signals (children exiting, the request to stop) and once a second checks the
 * VMMs it adopted from an earlier paraventd. Stopping paraventd leaves the domains running. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "migrate_link.h"
#include "migrate_receive.h"
#include "autostart.h"
#include "client_rate.h"
#include "listen_addr.h"
#include "console_proxy.h"
#include "domains.h"
#include "image_paths.h"

struct listener {
	bool trusted;
};

struct upload {
	char *buf;
	size_t len;
	bool too_big;
};

static char token[API_TOKEN_LEN + 1];

static const char usage[] =
	"usage: paraventd [--listen ADDR] [--port N] [--state DIR] [--run DIR] [--vmm PATH]\n"
	"                 [--shutdown-grace SECONDS] [--anomaly-window SECONDS] [--image-dir DIR]...\n"
	"                 [--relocation ADDR|off] [--relocation-port N]\n"
	"  --listen ADDR  TCP address of the API, IPv4 or IPv6 (default 127.0.0.1; :: is every address of both)\n"
	"  --port N       TCP port (default 8000)\n"
	"  --state DIR    persistent state: the API token, autostart configurations\n"
	"                 (default /var/lib/paravent)\n"
	"  --run DIR      live state and sockets (default /run/paravent)\n"
	"  --vmm PATH     the VMM (default paravent-vmm, from PATH)\n"
	"  --shutdown-grace SECONDS  how long a guest asked to shut down has before it is\n"
	"                 stopped (default 120)\n"
	"  --anomaly-window SECONDS  how long a domain's CPU must stay at its limit, or a burst\n"
	"                 must be over, to set or clear an anomaly flag (default 180)\n"
	"  --image-dir DIR  a directory whose files domains may use as kernel, ramdisk or disk,\n"
	"                 besides /usr/share/paravent, /var/lib/paravent/images, /mnt, /media\n"
	"  --relocation ADDR  where migrating guests arrive from other hosts that hold this host's\n"
	"                 API token (default 0.0.0.0, every address; off: none)\n"
	"  --relocation-port N  its TCP port (default 8002)\n";

/* The token: read from STATE/api-token, or made once from getrandom and kept there (0600). */
static int load_token(const char *state)
{
	char path[300];
	snprintf(path, sizeof(path), "%s/api-token", state);
	mkdir(state, 0755);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, token, API_TOKEN_LEN);
		close(fd);
		if (n == API_TOKEN_LEN)
			return 0;
	}
	unsigned char raw[API_TOKEN_LEN / 2];
	if (getrandom(raw, sizeof(raw), 0) != (ssize_t)sizeof(raw))
		return -1;
	for (size_t i = 0; i < sizeof(raw); i++)
		snprintf(token + 2 * i, 3, "%02x", raw[i]);
	char tmp[310];
	snprintf(tmp, sizeof(tmp), "%s.new", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -1;
	int ok = write(fd, token, API_TOKEN_LEN) == API_TOKEN_LEN && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
	close(fd);
	return ok && rename(tmp, path) == 0 ? 0 : -1;
}

static enum MHD_Result send_response(struct MHD_Connection *conn, const struct api_response *rs)
{
	if (rs->status == 101) {
		/* a console: the connection is handed over (console_proxy.c) */
		struct MHD_Response *u = console_proxy_response(rs->upgrade_to);
		if (!u)
			return MHD_NO;
		enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_SWITCHING_PROTOCOLS, u);
		MHD_destroy_response(u);
		return ret;
	}
	const char *body = rs->body ? rs->body : "";
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", rs->content_type ? rs->content_type : "application/json");
	if (rs->allow)
		MHD_add_response_header(r, "Allow", rs->allow);
	if (rs->status == 401)
		MHD_add_response_header(r, "WWW-Authenticate", "Bearer");
	enum MHD_Result ret = MHD_queue_response(conn, (unsigned)rs->status, r);
	MHD_destroy_response(r);
	return ret;
}

/* 429, with when to try again. */
static enum MHD_Result too_many_requests(struct MHD_Connection *conn, double wait)
{
	static const char body[] = "{\"error\":\"too many requests from this address: slow down\"}";
	char after[16];
	struct MHD_Response *r = MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	snprintf(after, sizeof(after), "%d", (int)wait + 1);
	MHD_add_response_header(r, "Content-Type", "application/json");
	MHD_add_response_header(r, "Retry-After", after);
	enum MHD_Result ret = MHD_queue_response(conn, 429, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url, const char *method,
				  const char *version, const char *data, size_t *data_size, void **req_cls)
{
	const struct listener *l = cls;
	struct upload *up = *req_cls;
	(void)version;

	if (!up) {
		up = calloc(1, sizeof(*up));
		if (!up)
			return MHD_NO;
		*req_cls = up;
		return MHD_YES;
	}
	if (*data_size) {
		/* Collect the body up to the limit; past it, keep reading but only count. */
		if (!up->too_big && up->len + *data_size > API_MAX_BODY) {
			up->too_big = true;
		} else if (!up->too_big) {
			char *nb = realloc(up->buf, up->len + *data_size + 1);
			if (!nb)
				return MHD_NO;
			up->buf = nb;
			memcpy(up->buf + up->len, data, *data_size);
			up->len += *data_size;
			up->buf[up->len] = 0;
		}
		*data_size = 0;
		return MHD_YES;
	}
	if (!l->trusted) {
		/* over TCP, each client address gets its share of requests (client_rate.h) */
		const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
		struct timespec ts;
		double wait = 0;
		clock_gettime(CLOCK_MONOTONIC, &ts);
		if (ci && ci->client_addr &&
		    !client_rate_allow(client_rate_key(ci->client_addr), (double)ts.tv_sec + (double)ts.tv_nsec / 1e9, &wait))
			return too_many_requests(conn, wait);
	}
	struct api_request rq = {
		.method = method,
		.path = url,
		.authorization = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Authorization"),
		.trusted = l->trusted,
		.body = up->buf ? up->buf : "",
		.body_len = up->too_big ? API_MAX_BODY + 1 : up->len,
		.upgrade = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Upgrade"),
	};
	struct api_response rs;
	api_handle(&domains_backend, NULL, token, &rq, &rs);
	enum MHD_Result ret = send_response(conn, &rs);
	api_response_free(&rs);
	return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **req_cls, enum MHD_RequestTerminationCode toe)
{
	struct upload *up = *req_cls;
	(void)cls;
	(void)conn;
	(void)toe;
	if (up) {
		free(up->buf);
		free(up);
		*req_cls = NULL;
	}
}

static int unix_listener(const char *path)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(addr.sun_path))
		return -1;
	strcpy(addr.sun_path, path);
	unlink(path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	mode_t old = umask(0077); /* root only: connecting is the authentication */
	int r = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old);
	if (r != 0 || listen(fd, 16) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static struct MHD_Daemon *serve(int listen_fd, const struct listen_addr *tcp, struct listener *l)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_ALLOW_UPGRADE;
	if (listen_fd >= 0)
		return MHD_start_daemon(flags, 0, NULL, NULL, on_request, l, MHD_OPTION_LISTEN_SOCKET, listen_fd,
					MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
					MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_CONNECTION_LIMIT, 64u,
					MHD_OPTION_END);
	if (tcp->sa.ss_family == AF_INET6)
		flags |= tcp->any ? MHD_USE_DUAL_STACK : MHD_USE_IPv6; /* "::" takes IPv4 clients too */
	return MHD_start_daemon(flags, tcp->port, NULL, NULL, on_request, l,
				MHD_OPTION_SOCK_ADDR, &tcp->sa, MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
				MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_CONNECTION_LIMIT, 64u,
				MHD_OPTION_END);
}

int main(int argc, char **argv)
{
	const char *listen_addr = "127.0.0.1", *state = "/var/lib/paravent", *run = "/run/paravent";
	const char *vmm = "paravent-vmm";
	long port = 8000, relocation_port = MIGRATE_LINK_PORT;
	const char *relocation = "0.0.0.0";

	for (int i = 1; i < argc; i++) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (strcmp(argv[i], "--listen") == 0 && v) listen_addr = v;
		else if (strcmp(argv[i], "--port") == 0 && v) port = strtol(v, NULL, 10);
		else if (strcmp(argv[i], "--state") == 0 && v) state = v;
		else if (strcmp(argv[i], "--run") == 0 && v) run = v;
		else if (strcmp(argv[i], "--vmm") == 0 && v) vmm = v;
		else if (strcmp(argv[i], "--relocation") == 0 && v) relocation = v;
		else if (strcmp(argv[i], "--relocation-port") == 0 && v) relocation_port = strtol(v, NULL, 10);
		else if (strcmp(argv[i], "--shutdown-grace") == 0 && v && atoi(v) >= 1 && atoi(v) <= 86400)
			domains_set_shutdown_grace(atoi(v));
		else if (strcmp(argv[i], "--anomaly-window") == 0 && v && atoi(v) >= 10 && atoi(v) <= 86400)
			domains_set_anomaly_window(atoi(v));
		else if (strcmp(argv[i], "--image-dir") == 0 && v) {
			if (image_dirs_add(v) != 0) {
				fprintf(stderr, "paraventd: --image-dir %s: %s\n", v, strerror(errno));
				return 2;
			}
		}
		else {
			fprintf(stderr, "paraventd: bad argument %s\n%s", argv[i], usage);
			return 2;
		}
		i++;
	}
	struct listen_addr tcp;
	if (listen_addr_parse(listen_addr, port, &tcp) != 0) {
		fprintf(stderr, "paraventd: want an IPv4 or IPv6 --listen address (127.0.0.1, 0.0.0.0, ::1, :: or "
				"[::1]) and a --port from 1 to 65535\n");
		return 2;
	}
	if (load_token(state) != 0) {
		fprintf(stderr, "paraventd: cannot create the API token in %s: %s\n", state, strerror(errno));
		return 1;
	}
	/* Signals are taken by sigwait below, so block them before any thread exists. */
	sigset_t set;
	sigemptyset(&set);
	sigaddset(&set, SIGCHLD);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigprocmask(SIG_BLOCK, &set, NULL);
	signal(SIGPIPE, SIG_IGN);

	image_dirs_defaults();
	/* STATE/save: where `paravent save` puts guests unless told otherwise */
	char saves[300];
	snprintf(saves, sizeof(saves), "%s/save", state);
	mkdir(state, 0755);
	mkdir(saves, 0700);
	image_dirs_add(saves);
	domains_init(run, vmm);
	domains_adopt();
	autostart_init(state, run);
	char sock[300];
	snprintf(sock, sizeof(sock), "%s/api.sock", run);
	static struct listener local = { .trusted = true }, remote = { .trusted = false };
	int ufd = unix_listener(sock);
	struct MHD_Daemon *u = ufd >= 0 ? serve(ufd, NULL, &local) : NULL;
	struct MHD_Daemon *t = serve(-1, &tcp, &remote);
	if (!u || !t) {
		fprintf(stderr, "paraventd: cannot listen on %s and %s: %s\n", sock, tcp.url, strerror(errno));
		return 1;
	}
	fprintf(stderr, "paraventd: API on %s and %s\n", sock, tcp.url);
	if (strcmp(relocation, "off") != 0) {
		char err[200];
		if (relocation_port < 1 || relocation_port > 65535 ||
		    migrate_receive_start(relocation, (int)relocation_port, token, err, sizeof(err)) != 0) {
			/* the API still serves: this host just cannot receive guests */
			fprintf(stderr, "paraventd: no relocation port: %s\n",
				relocation_port < 1 || relocation_port > 65535 ? "--relocation-port is 1 to 65535" : err);
		} else {
			fprintf(stderr, "paraventd: migrating guests arrive on %s:%ld\n", relocation, relocation_port);
		}
	}
	/* once the API answers, so that clients see the domains as they come */
	autostart_run(domains_create_text, AUTOSTART_SYSTEM_DIR);
	for (;;) {
		/* a second at most, for the adopted VMMs, which send no SIGCHLD, and for the
		 * shutdowns that run out of time */
		struct timespec second = { .tv_sec = 1 };
		int sig = sigtimedwait(&set, NULL, &second);
		if (sig < 0) {
			domains_poll();
			continue;
		}
		if (sig == SIGCHLD) {
			int ws;
			pid_t pid;
			while ((pid = waitpid(-1, &ws, WNOHANG)) > 0)
				domains_child_exited(pid, ws);
			continue;
		}
		break;
	}
	/* The domains go on: a restarted paraventd adopts them (the host's shutdown stops them). */
	fprintf(stderr, "paraventd: stopping; the domains keep running\n");
	MHD_stop_daemon(t);
	MHD_stop_daemon(u);
	unlink(sock);
	return 0;
}
