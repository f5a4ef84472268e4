/* The console log's bound: a guest that writes without end leaves at most two files of
 * CONSOLE_LOG_MAX bytes in dom0, holding the newest output in order. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "console.h"
#include "vmm.h"

/* console.c stops the VM on Ctrl-A X from the terminal; not reached here */
void vm_request_exit(struct vm *vm, int status, const char *why)
{
	(void)vm;
	(void)status;
	(void)why;
}

static uint8_t byte_at(uint64_t i)
{
	return (uint8_t)('a' + (i * 7 + i / 4099) % 26);
}

static uint8_t *slurp(const char *path, size_t *len)
{
	struct stat st;
	*len = 0;
	if (stat(path, &st) != 0)
		return NULL;
	uint8_t *b = malloc((size_t)st.st_size + 1);
	FILE *f = fopen(path, "rb");
	if (!b || !f) {
		free(b);
		if (f)
			fclose(f);
		return NULL;
	}
	*len = fread(b, 1, (size_t)st.st_size, f);
	fclose(f);
	return b;
}

int main(void)
{
	char dir[] = "/tmp/pv-console-test.XXXXXX", log[128], old[140];
	CHECK(mkdtemp(dir) != NULL);
	snprintf(log, sizeof(log), "%s/console.log", dir);
	snprintf(old, sizeof(old), "%s.old", log);

	/* the guest's output also goes to standard output: not into the test's report */
	fflush(stdout);
	int saved = dup(STDOUT_FILENO), devnull = open("/dev/null", O_WRONLY);
	dup2(devnull, STDOUT_FILENO);

	/* a log that exists already counts toward the bound */
	FILE *f = fopen(log, "w");
	for (uint64_t i = 0; i < 1000; i++)
		fputc(byte_at(i), f);
	fclose(f);
	CHECK(console_init(NULL, log) == 0);
	uint64_t total = 1000;
	uint8_t chunk[3001];
	while (total < 5 * (uint64_t)CONSOLE_LOG_MAX + 12345) {
		for (size_t i = 0; i < sizeof(chunk); i++)
			chunk[i] = byte_at(total + i);
		console_output(chunk, sizeof(chunk));
		total += sizeof(chunk);
	}
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	close(devnull);

	size_t nlog, nold;
	uint8_t *blog = slurp(log, &nlog), *bold = slurp(old, &nold);
	CHECK(blog && bold);
	CHECK(nlog > 0 && nlog <= CONSOLE_LOG_MAX);
	CHECK(nold > CONSOLE_LOG_MAX - sizeof(chunk) && nold <= CONSOLE_LOG_MAX);
	/* FILE.old then FILE: the newest nold + nlog bytes of the stream, nothing lost between */
	uint64_t start = total - nlog - nold;
	int same = 1;
	for (size_t i = 0; i < nold && same; i++)
		same = bold[i] == byte_at(start + i);
	for (size_t i = 0; i < nlog && same; i++)
		same = blog[i] == byte_at(start + nold + i);
	CHECK(same);
	free(blog);
	free(bold);
	char cmd[200];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	CHECK(system(cmd) == 0);
	return check_summary("console");
}
