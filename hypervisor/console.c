/* The console sink and source. Output is written synchronously: a guest that floods its
 * console is slowed to the speed of its log, never buffered without bound. The log is bounded
 * too: past CONSOLE_LOG_MAX bytes its content moves to FILE.old (replacing what was there)
 * and FILE starts again, so a chatty guest keeps at most twice that in dom0, whose /run is
 * RAM. */
#include "console.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/socket.h>
#include <stdbool.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "paravent-vmm.h"
#include "vmm.h"

#define RING_SIZE 65536
#define CTRL_A 0x01

static struct {
	struct vm *vm;
	pthread_mutex_t lock;
	int log_fd, old_fd; /* FILE and FILE.old of --console-log */
	char log_path[PATH_MAX];
	uint64_t log_size;
	uint64_t rotate_retry_at; /* a failed rotation is tried again from this size on */
	bool tty;
	struct termios saved;
	bool escape;
	uint8_t ring[RING_SIZE];
	uint64_t ring_total;
	console_input_fn input;
	void *input_dev;
	int client_fd;
	uint64_t client_dropped;
} con = { .lock = PTHREAD_MUTEX_INITIALIZER, .log_fd = -1, .old_fd = -1, .client_fd = -1 };

int console_init(struct vm *vm, const char *log_path)
{
	con.vm = vm;
	if (log_path) {
		struct stat st;
		if (strlen(log_path) + 5 > sizeof(con.log_path)) {
			errno = ENAMETOOLONG;
			return -1;
		}
		strcpy(con.log_path, log_path);
		con.log_fd = open(log_path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
		if (con.log_fd < 0)
			return -1;
		char old[sizeof(con.log_path) + 4];
		snprintf(old, sizeof(old), "%s.old", log_path);
		con.old_fd = open(old, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
		con.log_size = fstat(con.log_fd, &st) == 0 ? (uint64_t)st.st_size : 0;
	}
	if (isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &con.saved) == 0) {
		struct termios raw = con.saved;
		cfmakeraw(&raw);
		raw.c_oflag |= OPOST | ONLCR; /* our own messages keep their line ends */
		if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0)
			con.tty = true;
	}
	return 0;
}

void console_restore(void)
{
	if (con.tty) {
		tcsetattr(STDIN_FILENO, TCSANOW, &con.saved);
		con.tty = false;
	}
}

int console_terminal_fd(void)
{
	return STDIN_FILENO;
}

void console_set_input(console_input_fn fn, void *dev)
{
	con.input = fn;
	con.input_dev = dev;
}

static void write_all(int fd, const uint8_t *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return; /* a closed terminal or a full disk must not stop the guest */
		buf += n;
		len -= (size_t)n;
	}
}

/* FILE's content becomes FILE.old's (replacing it) and FILE starts again; with con.lock held.
 * Done by copying through descriptors opened at start rather than by renaming, since a
 * confined VMM cannot name files any more. On failure the log goes on growing rather than
 * losing output. */
static void console_log_rotate(void)
{
	static uint8_t buf[64 * 1024];
	off_t at = 0;
	ssize_t n;

	/* after a failure (a full /run), try again only once the log has grown by a quarter more,
	 * not at every byte the guest writes */
	if (con.log_size < con.rotate_retry_at)
		return;
	con.rotate_retry_at = con.log_size + CONSOLE_LOG_MAX / 4;
	if (con.old_fd < 0 || ftruncate(con.old_fd, 0) != 0)
		return;
	while ((n = pread(con.log_fd, buf, sizeof(buf), at)) > 0) {
		if (pwrite(con.old_fd, buf, (size_t)n, at) != n)
			return;
		at += n;
	}
	if (n == 0 && ftruncate(con.log_fd, 0) == 0) {
		con.log_size = 0; /* O_APPEND: the next write lands at the new end, 0 */
		con.rotate_retry_at = 0;
	}
}

void console_output(const uint8_t *buf, size_t len)
{
	pthread_mutex_lock(&con.lock);
	for (size_t i = 0; i < len; i++)
		con.ring[(con.ring_total + i) % RING_SIZE] = buf[i];
	con.ring_total += len;
	write_all(STDOUT_FILENO, buf, len);
	if (con.log_fd >= 0) {
		if (con.log_size + len > CONSOLE_LOG_MAX && con.log_size > 0)
			console_log_rotate();
		write_all(con.log_fd, buf, len);
		con.log_size += len;
	}
	if (con.client_fd >= 0) {
		ssize_t n = send(con.client_fd, buf, len, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n < (ssize_t)len)
			con.client_dropped += len - (size_t)(n > 0 ? n : 0);
	}
	pthread_mutex_unlock(&con.lock);
}

int console_attach(int fd, const char *first_line)
{
	pthread_mutex_lock(&con.lock);
	if (con.client_fd >= 0) {
		pthread_mutex_unlock(&con.lock);
		return -1;
	}
	if (send(fd, first_line, strlen(first_line), MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
		pthread_mutex_unlock(&con.lock);
		return -1;
	}
	/* the history, oldest first, then live output from here on */
	uint64_t have = con.ring_total < RING_SIZE ? con.ring_total : RING_SIZE;
	for (uint64_t i = con.ring_total - have; i < con.ring_total;) {
		size_t at = (size_t)(i % RING_SIZE);
		size_t chunk = (size_t)(con.ring_total - i);
		if (chunk > RING_SIZE - at)
			chunk = RING_SIZE - at;
		ssize_t n = send(fd, con.ring + at, chunk, MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n <= 0)
			break;
		i += (uint64_t)n;
	}
	con.client_fd = fd;
	pthread_mutex_unlock(&con.lock);
	return 0;
}

void console_detach(int fd)
{
	pthread_mutex_lock(&con.lock);
	if (con.client_fd == fd)
		con.client_fd = -1;
	pthread_mutex_unlock(&con.lock);
}

void console_input_from_client(const uint8_t *buf, size_t len)
{
	if (con.input)
		con.input(con.input_dev, buf, len);
}

int console_read_terminal(void)
{
	uint8_t in[256], out[256];
	size_t n_out = 0;
	ssize_t n = read(STDIN_FILENO, in, sizeof(in));

	if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
		return -1;
	if (n < 0)
		return 0;
	for (ssize_t i = 0; i < n; i++) {
		if (con.tty && con.escape) {
			con.escape = false;
			if (in[i] == 'x' || in[i] == 'X') {
				vm_request_exit(con.vm, VMM_EXIT_STOPPED, "Ctrl-A X on the terminal");
				return 0;
			}
			if (in[i] != CTRL_A)
				continue;
		} else if (con.tty && in[i] == CTRL_A) {
			con.escape = true;
			continue;
		}
		out[n_out++] = in[i];
	}
	if (n_out && con.input)
		con.input(con.input_dev, out, n_out);
	return 0;
}
