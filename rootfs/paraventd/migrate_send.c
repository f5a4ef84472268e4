/* See migrate_send.h. */
#include "migrate_send.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fd_io.h"
#include "migrate_link.h"
#include "vmm_client.h"

#define JOBS_MAX 16
#define CONNECT_SECONDS 10
/* A peer silent this long is gone: a cut cable does not close a TCP connection by itself. */
#define LINK_SECONDS 20
#define VERDICT_SECONDS 20 /* for the VMM to log how its side ended, once its stream closed */
#define STATS_REPLY_MAX 32768
#define OFFER_TRIES 4 /* times LINK_SECONDS, for the receiver to set up its VMM */

enum job_state { J_FREE, J_CONNECTING, J_SENDING, J_STOPPED, J_DONE, J_FAILED };

struct job {
	enum job_state state;
	struct migrate_send_args a;
	char *config;
	unsigned round;
	double sent_mb, rate_mbps, dirty_rate_mbps, expected_downtime_ms, downtime_ms, total_ms;
	double round_pages[64];
	unsigned nround_pages;
	char error[480];
	struct timespec started, ended;
	bool relaying; /* the progress thread polls the VMM while this holds */
};

static pthread_mutex_t jobs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct job jobs[JOBS_MAX];

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static struct job *find_job(const char *name)
{
	for (int i = 0; i < JOBS_MAX; i++)
		if (jobs[i].state != J_FREE && strcmp(jobs[i].a.name, name) == 0)
			return &jobs[i];
	return NULL;
}

static bool running_state(enum job_state s)
{
	return s == J_CONNECTING || s == J_SENDING || s == J_STOPPED;
}

/* A slot for name: its own last one, a free one, or the oldest finished one. */
static struct job *slot_for(const char *name)
{
	struct job *j = find_job(name), *oldest = NULL;
	if (j)
		return running_state(j->state) ? NULL : j;
	for (int i = 0; i < JOBS_MAX; i++) {
		if (jobs[i].state == J_FREE)
			return &jobs[i];
		if (!running_state(jobs[i].state) && (!oldest || jobs[i].ended.tv_sec < oldest->ended.tv_sec))
			oldest = &jobs[i];
	}
	return oldest;
}

/* TCP to host:port within CONNECT_SECONDS (a host that drops SYNs would otherwise take
 * minutes to fail). */
static int connect_host(const char *host, int port, char *err, size_t errlen)
{
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *res, *ai;
	char service[8];
	int fd = -1, e = 0;

	snprintf(service, sizeof(service), "%d", port);
	int g = getaddrinfo(host, service, &hints, &res);
	if (g != 0) {
		snprintf(err, errlen, "cannot resolve %s: %s", host, gai_strerror(g));
		return -1;
	}
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		e = 0;
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
		if (fd < 0) {
			e = errno;
			continue;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			if (errno == EINPROGRESS) {
				struct pollfd p = { .fd = fd, .events = POLLOUT };
				socklen_t len = sizeof(e);
				if (poll(&p, 1, CONNECT_SECONDS * 1000) != 1)
					e = ETIMEDOUT;
				else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &e, &len) != 0)
					e = errno;
			} else {
				e = errno;
			}
		}
		if (e) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0) {
		snprintf(err, errlen, "cannot reach paraventd on %s port %d: %s", host, port, strerror(e ? e : EHOSTUNREACH));
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/* The receiver's answer to the offer: 0 when it takes the guest. */
static int offer(struct job *j, struct migrate_link *l, char *buf, char *err, size_t errlen)
{
	size_t len;

	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "name", j->a.name);
	cJSON_AddStringToObject(o, "config", j->config);
	cJSON_AddBoolToObject(o, "live", j->a.live);
	char *text = cJSON_PrintUnformatted(o);
	cJSON_Delete(o);
	if (!text || strlen(text) > MIGRATE_LINK_MAX_FRAME) {
		free(text);
		snprintf(err, errlen, "the domain's configuration is too long to send");
		return -1;
	}
	int r = link_send(l, LINK_MSG, text, strlen(text));
	free(text);
	/* the receiver answers once its VMM is ready for the stream: under emulation, setting up
	 * the machine may take longer than the link's usual patience */
	int t = -1;
	for (int tries = 0; r == 0 && tries < OFFER_TRIES; tries++) {
		t = link_recv(l, buf, MIGRATE_LINK_MAX_FRAME + 1, &len);
		if (t >= 0 || errno != ETIMEDOUT)
			break;
	}
	if (r != 0 || t != LINK_MSG) {
		snprintf(err, errlen, "the receiver did not answer the offer: %s", strerror(errno ? errno : EPROTO));
		return -1;
	}
	cJSON *ans = cJSON_Parse(buf);
	const cJSON *e = cJSON_GetObjectItemCaseSensitive(ans, "error");
	int ok = cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(ans, "ok"));
	if (!ok)
		snprintf(err, errlen, "the receiver refused: %.300s", cJSON_IsString(e) ? e->valuestring : "no reason given");
	cJSON_Delete(ans);
	return ok ? 0 : -1;
}

/* Follows the VMM's own account of the migration (its "stats"), twice a second, while the
 * stream flows. In a thread of its own: while the guest is paused for stop-and-copy the VMM
 * answers late, and the stream must not wait on that. */
static void *progress_thread(void *arg)
{
	struct job *j = arg;
	char *reply = malloc(STATS_REPLY_MAX);

	pthread_setname_np(pthread_self(), "migrate-stats");
	while (reply) {
		pthread_mutex_lock(&jobs_lock);
		bool go_on = j->relaying;
		pthread_mutex_unlock(&jobs_lock);
		if (!go_on)
			break;
		if (vmm_call(j->a.control, "{\"op\":\"stats\"}", reply, STATS_REPLY_MAX, 3) == 0) {
			cJSON *r = cJSON_Parse(reply);
			const cJSON *m = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(r, "stats"),
									   "migration");
			const cJSON *rp = cJSON_GetObjectItemCaseSensitive(m, "round_pages");
			pthread_mutex_lock(&jobs_lock);
#define NUM(key) (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(m, key)) ? cJSON_GetObjectItemCaseSensitive(m, key)->valuedouble : 0)
			if (m && j->relaying) {
				j->round = (unsigned)NUM("round");
				if (NUM("sent_bytes") / 1e6 > j->sent_mb)
					j->sent_mb = NUM("sent_bytes") / 1e6;
				j->rate_mbps = NUM("rate_mbps");
				j->dirty_rate_mbps = NUM("dirty_rate_mbps");
				j->expected_downtime_ms = NUM("expected_downtime_ms");
				if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(m, "stopped")) && j->state == J_SENDING)
					j->state = J_STOPPED;
				j->nround_pages = 0;
				const cJSON *p;
				cJSON_ArrayForEach(p, rp)
				{
					if (j->nround_pages < 64 && cJSON_IsNumber(p))
						j->round_pages[j->nround_pages++] = p->valuedouble;
				}
			}
#undef NUM
			pthread_mutex_unlock(&jobs_lock);
			cJSON_Delete(r);
		}
		usleep(500 * 1000);
	}
	free(reply);
	return NULL;
}

/* Sleeps as long as keeps the stream under the bandwidth asked for. */
static void throttle(const struct job *j, double t0, uint64_t sent)
{
	if (j->a.bandwidth_mbps <= 0)
		return;
	double due = t0 + (double)sent / (j->a.bandwidth_mbps * 1e6);
	double now = now_s();
	if (due > now)
		usleep((useconds_t)((due - now) * 1e6));
}

struct relay_outcome {
	int link_errno;       /* the link failed with this (0: it did not) */
	char peer_error[300]; /* what the receiver said went wrong there */
};

/* Carries the VMM's stream to the link and the receiver's answers ("ready", "running") back,
 * until the VMM closes its end and the receiver has said its last. */
static void relay(struct job *j, int *vmm_fd, struct migrate_link *l, char *buf, struct relay_outcome *out)
{
	int vmm = *vmm_fd;
	bool vmm_eof = false, peer_end = false;
	double t0 = now_s(), active = t0;
	uint64_t sent = 0;

	while (!peer_end) {
		struct pollfd p[2] = { { .fd = link_fd(l), .events = POLLIN }, { .fd = vmm, .events = POLLIN } };
		int n = poll(p, vmm_eof ? 1 : 2, 1000);
		if (n < 0 && errno != EINTR) {
			out->link_errno = errno;
			return;
		}
		if (n <= 0) {
			if (now_s() - active > LINK_SECONDS) {
				out->link_errno = ETIMEDOUT;
				return;
			}
			continue;
		}
		active = now_s();
		if (!vmm_eof && (p[1].revents & (POLLIN | POLLHUP | POLLERR))) {
			ssize_t r = read(vmm, buf, MIGRATE_LINK_MAX_FRAME);
			if (r <= 0) {
				vmm_eof = true;
				if (link_send(l, LINK_END, NULL, 0) != 0) {
					out->link_errno = errno;
					return;
				}
			} else {
				throttle(j, t0, sent);
				if (link_send(l, LINK_DATA, buf, (size_t)r) != 0) {
					out->link_errno = errno;
					return;
				}
				sent += (uint64_t)r;
				/* our own count too: a VMM in stop-and-copy answers no "stats" */
				pthread_mutex_lock(&jobs_lock);
				if ((double)sent / 1e6 > j->sent_mb)
					j->sent_mb = (double)sent / 1e6;
				pthread_mutex_unlock(&jobs_lock);
			}
		}
		if (p[0].revents & (POLLIN | POLLHUP | POLLERR)) {
			size_t len;
			int t = link_recv(l, buf, MIGRATE_LINK_MAX_FRAME + 1, &len);
			if (t < 0) {
				out->link_errno = errno;
				return;
			}
			if (t == LINK_END) {
				peer_end = true;
			} else if (t == LINK_MSG) {
				cJSON *m = cJSON_Parse(buf);
				const cJSON *e = cJSON_GetObjectItemCaseSensitive(m, "error");
				if (cJSON_IsString(e))
					snprintf(out->peer_error, sizeof(out->peer_error), "%s", e->valuestring);
				cJSON_Delete(m);
				if (!vmm_eof) {
					/* the receiver gave up: so does the VMM, at once, and keeps the guest */
					close(vmm);
					*vmm_fd = -1;
					vmm_eof = true;
					if (link_send(l, LINK_END, NULL, 0) != 0) {
						out->link_errno = errno;
						return;
					}
				}
			} else if (!vmm_eof && fd_send_all(vmm, buf, len) != 0) {
				/* the VMM gave up (its log says why): the receiver hears the END */
				vmm_eof = true;
				if (link_send(l, LINK_END, NULL, 0) != 0) {
					out->link_errno = errno;
					return;
				}
			}
		}
	}
}

/* How the VMM's side ended, from the line its log gets ("migrated: ..." or "migration
 * failed: ..."). 1 migrated, 0 failed (why in why), -1 nothing said in time. */
static int vmm_verdict(struct job *j, char *why, size_t whylen)
{
	for (int waited = 0; waited < VERDICT_SECONDS * 10; waited++) {
		char line[512];
		int verdict = -1;
		FILE *f = fopen(j->a.vmm_log, "r");
		if (f) {
			fseek(f, j->a.log_mark, SEEK_SET);
			while (fgets(line, sizeof(line), f)) {
				char *m = strstr(line, "]: migrated: ");
				char *x = strstr(line, "migration failed: ");
				char *rl = strstr(line, "]: migration round ");
				unsigned rn;
				unsigned long long rpages;
				/* each round's pages, from the VMM's own lines: the progress thread may
				 * have missed the last state of a short round */
				if (rl && sscanf(rl, "]: migration round %u: %llu", &rn, &rpages) == 2 && rn < 64) {
					pthread_mutex_lock(&jobs_lock);
					j->round_pages[rn] = (double)rpages;
					if (j->nround_pages < rn + 1)
						j->nround_pages = rn + 1;
					pthread_mutex_unlock(&jobs_lock);
				}
				unsigned rounds;
				unsigned long long pages, down, total;
				double mb;
				line[strcspn(line, "\r\n")] = 0;
				if (m && sscanf(m, "]: migrated: %u rounds, %lf MB, last round %llu pages, downtime %llu ms, total %llu ms",
						&rounds, &mb, &pages, &down, &total) == 5) {
					pthread_mutex_lock(&jobs_lock);
					j->downtime_ms = (double)down;
					j->total_ms = (double)total;
					j->sent_mb = mb;
					j->round = rounds - 1;
					if (rounds - 1 < 64) {
						j->round_pages[rounds - 1] = (double)pages;
						if (j->nround_pages < rounds)
							j->nround_pages = rounds;
					}
					pthread_mutex_unlock(&jobs_lock);
					verdict = 1;
				} else if (x) {
					snprintf(why, whylen, "%s", x + strlen("migration failed: "));
					verdict = 0;
				}
			}
			fclose(f);
		}
		if (verdict >= 0)
			return verdict;
		usleep(100 * 1000);
	}
	return -1;
}

static void finish(struct job *j, const char *error)
{
	char name[sizeof(j->a.name)], host[sizeof(j->a.host)];

	pthread_mutex_lock(&jobs_lock);
	clock_gettime(CLOCK_MONOTONIC, &j->ended);
	j->state = error ? J_FAILED : J_DONE;
	if (error)
		snprintf(j->error, sizeof(j->error), "%s", error);
	/* once unlocked, a new migration of any name may take this slot */
	snprintf(name, sizeof(name), "%s", j->a.name);
	snprintf(host, sizeof(host), "%s", j->a.host);
	void (*on_end)(const char *, bool, const char *) = j->a.on_end;
	pthread_mutex_unlock(&jobs_lock);
	fprintf(stderr, "paraventd: %s: migration to %s %s%s\n", name, host, error ? "failed: " : "done",
		error ? error : "");
	if (on_end)
		on_end(name, error == NULL, error ? error : "");
}

static void *send_thread(void *arg)
{
	struct job *j = arg;
	char err[400] = "";
	struct migrate_link *l = NULL;
	int vmm = -1, pair[2] = { -1, -1 };
	char *buf = malloc(MIGRATE_LINK_MAX_FRAME + 1); /* a frame: one per migration */

	pthread_setname_np(pthread_self(), "migrate-send");
	if (!buf) {
		snprintf(err, sizeof(err), "out of memory");
		goto failed;
	}
	int fd = connect_host(j->a.host, j->a.port, err, sizeof(err));
	if (fd < 0)
		goto failed;
	if (!(l = link_open(fd, j->a.token, 1, LINK_SECONDS, err, sizeof(err))) ||
	    offer(j, l, buf, err, sizeof(err)) != 0)
		goto failed;
	/* the stream between the VMM and this thread: one end goes to the VMM with its request
	 * (a confined VMM makes no socket of its own) */
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) != 0) {
		snprintf(err, sizeof(err), "socketpair: %s", strerror(errno));
		goto failed;
	}
	vmm = pair[0];
	/* the receiver waits for the stream now: the VMM starts it */
	cJSON *req = cJSON_CreateObject();
	cJSON_AddStringToObject(req, "op", "migrate");
	cJSON_AddBoolToObject(req, "fd", 1);
	cJSON_AddStringToObject(req, "config", j->config);
	cJSON_AddBoolToObject(req, "live", j->a.live);
	cJSON_AddNumberToObject(req, "max_rounds", j->a.max_rounds);
	cJSON_AddNumberToObject(req, "downtime_ms", j->a.downtime_ms);
	char *line = cJSON_PrintUnformatted(req), reply[1024];
	cJSON_Delete(req);
	int r = -1;
	if (line)
		r = vmm_call_fd(j->a.control, line, pair[1], reply, sizeof(reply), 10);
	else
		snprintf(reply, sizeof(reply), "out of memory");
	free(line);
	close(pair[1]); /* the VMM has its own copy now, or none */
	if (r != 0) {
		snprintf(err, sizeof(err), "the VMM did not start: %.300s", reply);
		goto failed;
	}

	pthread_t progress;
	pthread_mutex_lock(&jobs_lock);
	j->state = j->a.live ? J_SENDING : J_STOPPED; /* not live: paused from the start */
	j->relaying = true;
	pthread_mutex_unlock(&jobs_lock);
	bool have_progress = pthread_create(&progress, NULL, progress_thread, j) == 0;
	struct relay_outcome out = { 0 };
	relay(j, &vmm, l, buf, &out);
	/* a broken link closes the VMM's stream: it sees the failure and keeps the guest */
	if (vmm >= 0)
		close(vmm);
	vmm = -1;
	link_close(l);
	l = NULL;
	pthread_mutex_lock(&jobs_lock);
	j->relaying = false;
	pthread_mutex_unlock(&jobs_lock);
	if (have_progress)
		pthread_join(progress, NULL);

	char why[300] = "";
	int v = vmm_verdict(j, why, sizeof(why));
	if (v == 1) {
		free(buf);
		finish(j, NULL);
		return NULL;
	}
	if (out.peer_error[0])
		snprintf(err, sizeof(err), "the receiver: %s; here: ", out.peer_error);
	snprintf(err + strlen(err), sizeof(err) - strlen(err), "%s",
		 v == 0 ? why : "the VMM did not say how it ended (see its vmm.log)");
	if (!out.peer_error[0] && out.link_errno)
		snprintf(err + strlen(err), sizeof(err) - strlen(err), "; the link: %s",
			 out.link_errno == ETIMEDOUT ? "the receiver stopped answering" : strerror(out.link_errno));
failed:
	if (l)
		link_close(l);
	if (vmm >= 0)
		close(vmm);
	free(buf);
	finish(j, err);
	return NULL;
}

int migrate_send_start(const struct migrate_send_args *a, char *err, size_t errlen)
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_mutex_lock(&jobs_lock);
	struct job *j = slot_for(a->name);
	if (!j) {
		pthread_mutex_unlock(&jobs_lock);
		snprintf(err, errlen, "%s is migrating already", a->name);
		return -1;
	}
	free(j->config);
	memset(j, 0, sizeof(*j));
	j->a = *a;
	j->a.config = NULL;
	j->config = strdup(a->config ? a->config : "");
	j->state = J_CONNECTING;
	clock_gettime(CLOCK_MONOTONIC, &j->started);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (!j->config || pthread_create(&t, &attr, send_thread, j) != 0) {
		free(j->config);
		memset(j, 0, sizeof(*j));
		pthread_mutex_unlock(&jobs_lock);
		pthread_attr_destroy(&attr);
		snprintf(err, errlen, "cannot start the migration");
		return -1;
	}
	pthread_attr_destroy(&attr);
	pthread_mutex_unlock(&jobs_lock);
	return 0;
}

bool migrate_send_running(const char *name)
{
	pthread_mutex_lock(&jobs_lock);
	struct job *j = find_job(name);
	bool running = j && running_state(j->state);
	pthread_mutex_unlock(&jobs_lock);
	return running;
}

cJSON *migrate_send_json(const char *name)
{
	static const char *const states[] = { "none", "connecting", "sending", "stopped", "migrated", "failed" };
	struct timespec now;

	pthread_mutex_lock(&jobs_lock);
	struct job *j = find_job(name);
	if (!j) {
		pthread_mutex_unlock(&jobs_lock);
		return NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	const struct timespec *end = running_state(j->state) ? &now : &j->ended;
	double secs = (double)(end->tv_sec - j->started.tv_sec) + (double)(end->tv_nsec - j->started.tv_nsec) / 1e9;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "state", states[j->state]);
	cJSON_AddStringToObject(o, "host", j->a.host);
	cJSON_AddBoolToObject(o, "live", j->a.live);
	cJSON_AddNumberToObject(o, "round", j->round);
	cJSON_AddNumberToObject(o, "sent_mb", (double)(long long)(j->sent_mb * 10) / 10);
	cJSON_AddNumberToObject(o, "rate_mbps", (double)(long long)(j->rate_mbps * 10) / 10);
	cJSON_AddNumberToObject(o, "dirty_rate_mbps", (double)(long long)(j->dirty_rate_mbps * 10) / 10);
	cJSON_AddNumberToObject(o, "expected_downtime_ms", j->expected_downtime_ms);
	cJSON *rp = cJSON_AddArrayToObject(o, "round_pages");
	for (unsigned i = 0; i < j->nround_pages; i++)
		cJSON_AddItemToArray(rp, cJSON_CreateNumber(j->round_pages[i]));
	cJSON_AddNumberToObject(o, "seconds", (double)(long long)(secs * 10) / 10);
	if (j->state == J_DONE) {
		cJSON_AddNumberToObject(o, "downtime_ms", j->downtime_ms);
		cJSON_AddNumberToObject(o, "total_ms", j->total_ms);
	}
	if (j->state == J_FAILED)
		cJSON_AddStringToObject(o, "error", j->error);
	pthread_mutex_unlock(&jobs_lock);
	return o;
}
