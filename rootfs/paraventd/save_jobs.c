/* See save_jobs.h. */
#include "save_jobs.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "vmm_client.h"

#define SAVE_JOBS_MAX 16

enum save_state { SAVE_FREE, SAVE_RUNNING, SAVE_DONE, SAVE_FAILED };

struct save_job {
	enum save_state state;
	char name[65], then[12], sock[600];
	char *path, *request;
	save_done_fn done;
	double bytes;
	char error[400];
	struct timespec started, ended;
};

static pthread_mutex_t jobs_lock = PTHREAD_MUTEX_INITIALIZER;
static struct save_job jobs[SAVE_JOBS_MAX];

static struct save_job *find_job(const char *name)
{
	for (int i = 0; i < SAVE_JOBS_MAX; i++) {
		if (jobs[i].state != SAVE_FREE && strcmp(jobs[i].name, name) == 0)
			return &jobs[i];
	}
	return NULL;
}

/* A slot for name: its own last one, a free one, or the oldest finished one. */
static struct save_job *slot_for(const char *name)
{
	struct save_job *j = find_job(name), *oldest = NULL;

	if (j)
		return j->state == SAVE_RUNNING ? NULL : j;
	for (int i = 0; i < SAVE_JOBS_MAX; i++) {
		if (jobs[i].state == SAVE_FREE)
			return &jobs[i];
		if (jobs[i].state != SAVE_RUNNING && (!oldest || jobs[i].ended.tv_sec < oldest->ended.tv_sec))
			oldest = &jobs[i];
	}
	return oldest;
}

/* The file is made here, beside its final name, and handed to the VMM as a descriptor (a
 * confined VMM opens no file); once the VMM has written and synced it, it is renamed into
 * place. For "stop" the VMM is asked to save and stay paused, and to stop only once the file
 * is in place: a guest is never gone without its save file. */
static int save_to_file(struct save_job *j, char *reply, size_t len)
{
	char tmp[4200];
	bool stop = strcmp(j->then, "stop") == 0;

	if (snprintf(tmp, sizeof(tmp), "%s.partial.XXXXXX", j->path) >= (int)sizeof(tmp)) {
		snprintf(reply, len, "the path is too long");
		return -1;
	}
	int fd = mkostemp(tmp, O_CLOEXEC); /* a new file of our own, 0600, never one that was there */
	if (fd < 0) {
		snprintf(reply, len, "cannot create %.300s: %s", tmp, strerror(errno));
		return -1;
	}
	int r = vmm_call_fd(j->sock, j->request, fd, reply, len, SAVE_SECONDS);
	if (close(fd) != 0 && r == 0) {
		snprintf(reply, len, "cannot write the guest's state: %s", strerror(errno));
		r = -1;
	}
	if (r == 0 && rename(tmp, j->path) != 0) {
		snprintf(reply, len, "cannot rename %.300s to %.300s: %s", tmp, j->path, strerror(errno));
		r = -1;
	}
	char answer[256];
	if (r != 0) {
		unlink(tmp);
		/* not saved: a guest that was to stop goes on (if the VMM is still writing, the
		 * request waits in its socket and is served once the save ends) */
		if (stop)
			vmm_call(j->sock, "{\"op\":\"resume\"}", answer, sizeof(answer), 10);
		return -1;
	}
	if (stop && vmm_call(j->sock, "{\"op\":\"stop\",\"saved\":true}", answer, sizeof(answer), 10) != 0) {
		/* the file is whole and in place, the guest paused: say so rather than "done", since
		 * restoring the file while this one is resumed would run the guest twice */
		snprintf(reply, len, "saved to %.300s, but the VMM did not stop (%.200s): the domain stays paused; "
			 "destroy it before restoring the file", j->path, answer);
		return -1;
	}
	return 0;
}

static void *save_thread(void *arg)
{
	struct save_job *j = arg;
	char reply[1024];
	char name[65], then[12];

	int r = save_to_file(j, reply, sizeof(reply));
	double bytes = 0;
	if (r == 0) {
		cJSON *rep = cJSON_Parse(reply);
		const cJSON *b = cJSON_GetObjectItemCaseSensitive(rep, "bytes");
		bytes = cJSON_IsNumber(b) ? b->valuedouble : 0;
		cJSON_Delete(rep);
	}
	/* the domain's side first (a stopping save: until its VMM is gone), so that a client that
	 * sees "saved" finds the domain as the save left it; the slot stays ours while running */
	snprintf(name, sizeof(name), "%s", j->name);
	snprintf(then, sizeof(then), "%s", j->then);
	if (j->done)
		j->done(name, then, r == 0);
	pthread_mutex_lock(&jobs_lock);
	clock_gettime(CLOCK_MONOTONIC, &j->ended);
	j->state = r == 0 ? SAVE_DONE : SAVE_FAILED;
	j->bytes = bytes;
	if (r != 0)
		snprintf(j->error, sizeof(j->error), "%.399s", reply);
	free(j->request);
	j->request = NULL;
	pthread_mutex_unlock(&jobs_lock);
	fprintf(stderr, "paraventd: %s: save %s%s\n", name, r == 0 ? "done" : "failed: ", r == 0 ? "" : reply);
	return NULL;
}

int save_job_start(const char *name, const char *sock, const char *path, const char *then,
		   const char *request, save_done_fn done, char *err, size_t errlen)
{
	pthread_attr_t attr;
	pthread_t t;

	pthread_mutex_lock(&jobs_lock);
	struct save_job *j = slot_for(name);
	if (!j) {
		pthread_mutex_unlock(&jobs_lock);
		snprintf(err, errlen, "%s is being saved already", name);
		return -1;
	}
	free(j->path);
	memset(j, 0, sizeof(*j));
	snprintf(j->name, sizeof(j->name), "%s", name);
	snprintf(j->then, sizeof(j->then), "%s", then);
	snprintf(j->sock, sizeof(j->sock), "%s", sock);
	j->path = strdup(path);
	j->request = strdup(request);
	j->done = done;
	j->state = SAVE_RUNNING;
	clock_gettime(CLOCK_MONOTONIC, &j->started);
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (!j->path || !j->request || pthread_create(&t, &attr, save_thread, j) != 0) {
		free(j->path);
		free(j->request);
		memset(j, 0, sizeof(*j));
		pthread_mutex_unlock(&jobs_lock);
		pthread_attr_destroy(&attr);
		snprintf(err, errlen, "cannot start the save");
		return -1;
	}
	pthread_attr_destroy(&attr);
	pthread_mutex_unlock(&jobs_lock);
	return 0;
}

bool save_job_running(const char *name)
{
	pthread_mutex_lock(&jobs_lock);
	struct save_job *j = find_job(name);
	bool running = j && j->state == SAVE_RUNNING;
	pthread_mutex_unlock(&jobs_lock);
	return running;
}

cJSON *save_job_json(const char *name)
{
	static const char *const states[] = { "none", "saving", "saved", "failed" };
	struct timespec now;

	pthread_mutex_lock(&jobs_lock);
	struct save_job *j = find_job(name);
	if (!j) {
		pthread_mutex_unlock(&jobs_lock);
		return NULL;
	}
	clock_gettime(CLOCK_MONOTONIC, &now);
	const struct timespec *end = j->state == SAVE_RUNNING ? &now : &j->ended;
	double secs = (double)(end->tv_sec - j->started.tv_sec) + (double)(end->tv_nsec - j->started.tv_nsec) / 1e9;
	cJSON *o = cJSON_CreateObject();
	cJSON_AddStringToObject(o, "state", states[j->state]);
	cJSON_AddStringToObject(o, "path", j->path ? j->path : "");
	cJSON_AddStringToObject(o, "then", j->then);
	cJSON_AddNumberToObject(o, "bytes", j->bytes);
	cJSON_AddNumberToObject(o, "seconds", (double)(long long)(secs * 10) / 10);
	if (j->state == SAVE_FAILED)
		cJSON_AddStringToObject(o, "error", j->error);
	pthread_mutex_unlock(&jobs_lock);
	return o;
}
