/* Paravent's initramfs init: find the boot medium, mount the live root (squashfs under an
 * overlay with a tmpfs upper), optionally copied to RAM first, and switch to it.
 * It runs as PID 1, so it never exits: every failure ends in a message that says what was
 * looked for and where, followed by a rescue shell. Boot options (kernel command line):
 *   toram                      copy the root image to RAM; the medium can then be removed
 *   paravent.media_timeout=S   how long to wait for the medium (default 30 s)
 *   paravent.break             stop in the rescue shell just before switching root
 * Under QEMU, more options can be appended without editing the boot menu:
 *   -fw_cfg name=opt/org.paravent/cmdline,string="..." */
#include "cmdline.h"
#include "console.h"
#include "loop.h"
#include "medium.h"
#include "switchroot.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysinfo.h>
#include <time.h>
#include <unistd.h>

#define BUILD_ID_FILE "/etc/paravent-build-id"
#define FW_CFG_CMDLINE "/sys/firmware/qemu_fw_cfg/by_name/opt/org.paravent/cmdline/raw"
#define MEDIUM_DIR "/run/live/medium"
#define ROOTFS_DIR "/run/live/rootfs"
#define OVERLAY_DIR "/run/live/overlay"
#define TORAM_DIR "/run/live/toram"
#define NEWROOT "/newroot"
#define SQUASHFS_PATH "/live/rootfs.squashfs"

static char cmdline[4096];

static void fail(void) __attribute__((noreturn));
static void fail(void)
{
	/* /dev may have been moved into the new root already. */
	if (access("/dev/console", F_OK) != 0)
		mount("devtmpfs", "/dev", "devtmpfs", 0, NULL);
	rescue_shell();
}

static void mkdirs(const char *path)
{
	char buf[256];

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			mkdir(buf, 0755);
			*p = '/';
		}
	}
	mkdir(buf, 0755);
}

static ssize_t read_file(const char *path, char *buf, size_t len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return -1;
	n = read(fd, buf, len - 1);
	close(fd);
	if (n < 0)
		return -1;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return n;
}

static int write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, strlen(text));
	close(fd);
	return n == (ssize_t)strlen(text) ? 0 : -1;
}

static void mount_or_fail(const char *src, const char *dst, const char *type,
			  unsigned long flags, const char *data)
{
	mkdirs(dst);
	if (mount(src, dst, type, flags, data) != 0) {
		say("cannot mount %s (%s) on %s: %s", src, type ? type : "move", dst, strerror(errno));
		fail();
	}
}

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The kernel command line plus, under QEMU, options passed through fw_cfg. */
static void load_cmdline(void)
{
	char extra[1024];

	if (read_file("/proc/cmdline", cmdline, sizeof(cmdline)) < 0)
		cmdline[0] = '\0';
	if (read_file(FW_CFG_CMDLINE, extra, sizeof(extra)) > 0 &&
	    strlen(cmdline) + strlen(extra) + 2 < sizeof(cmdline)) {
		strcat(cmdline, " ");
		strcat(cmdline, extra);
		say("options from QEMU fw_cfg: %s", extra);
	}
}

static void find_medium(struct medium_search *s, const char *build_id)
{
	unsigned timeout = cmdline_uint(cmdline, "paravent.media_timeout", 30, 3600);
	double start = now(), next_note = start + 5;
	char report[2048];

	say("looking for the boot medium: a CD, USB stick or disk holding %s (build %s), up to %u s",
	    s->marker, build_id, timeout);
	while (!medium_scan_once(s)) {
		double t = now();
		if (t - start >= timeout) {
			medium_report(s, report, sizeof(report));
			say("the boot medium was not found within %u s.", timeout);
			say("looked for the file %s on iso9660 and vfat filesystems of every block device;", s->marker);
			say("devices seen: %s", report);
			say("causes: the CD/USB stick was removed, it holds another Paravent build, or its");
			say("controller is unsupported. A slow USB stick: boot with paravent.media_timeout=120");
			fail();
		}
		if (t >= next_note) {
			say("still waiting for the boot medium (%u s left)", (unsigned)(timeout - (t - start)));
			next_note = t + 5;
		}
		usleep(250 * 1000);
	}
	say("boot medium: /dev/%s (%s)", s->found, s->fstype);
}

/* Copies the root image into a tmpfs sized for it; returns its path, or NULL to go on from
 * the medium (with the reason said) when memory is short or the copy fails. */
static const char *copy_to_ram(const char *src)
{
	static const char dst[] = TORAM_DIR "/rootfs.squashfs";
	struct stat st;
	struct sysinfo si;
	char opts[64];

	if (stat(src, &st) != 0 || sysinfo(&si) != 0)
		return NULL;
	unsigned long long need = (unsigned long long)st.st_size + (256ULL << 20);
	unsigned long long have = (unsigned long long)si.freeram * si.mem_unit;
	if (have < need) {
		say("toram: not enough memory (%llu MiB free, %llu MiB needed); running from the medium",
		    have >> 20, need >> 20);
		return NULL;
	}
	snprintf(opts, sizeof(opts), "size=%llu,mode=0755", (unsigned long long)st.st_size + (1 << 20));
	mount_or_fail("tmpfs", TORAM_DIR, "tmpfs", MS_NOSUID | MS_NODEV, opts);
	say("toram: copying the root image (%lld MiB) to RAM", (long long)(st.st_size >> 20));
	int in = open(src, O_RDONLY | O_CLOEXEC);
	int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0444);
	static char buf[1 << 20];
	ssize_t n = -1;
	while (in >= 0 && out >= 0 && (n = read(in, buf, sizeof(buf))) > 0) {
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	}
	int err = errno;
	if (in >= 0)
		close(in);
	if (out >= 0)
		close(out);
	if (n != 0) {
		say("toram: copy failed (%s); running from the medium", strerror(err));
		umount(TORAM_DIR);
		return NULL;
	}
	return dst;
}

int main(void)
{
	char build_id[128], marker[192], squash[256], loopdev[64], why[512];
	struct medium_search search;
	bool toram;

	mkdirs("/proc");
	mkdirs("/sys");
	mkdirs("/dev");
	mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL);
	mount("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755");

	load_cmdline();
	if (read_file(BUILD_ID_FILE, build_id, sizeof(build_id)) <= 0) {
		say("this initramfs has no %s: it was not built by Paravent's build", BUILD_ID_FILE);
		fail();
	}
	snprintf(marker, sizeof(marker), "/live/build-%s", build_id);
	memset(&search, 0, sizeof(search));
	search.marker = marker;
	search.mountpoint = MEDIUM_DIR;
	mkdirs(MEDIUM_DIR);
	find_medium(&search, build_id);

	snprintf(squash, sizeof(squash), "%s%s", MEDIUM_DIR, SQUASHFS_PATH);
	toram = cmdline_flag(cmdline, "toram");
	if (toram) {
		const char *copy = copy_to_ram(squash);
		if (copy) {
			snprintf(squash, sizeof(squash), "%s", copy);
			if (umount(MEDIUM_DIR) == 0)
				say("toram: done; the boot medium is released and can be removed");
		} else {
			toram = false;
		}
	}

	int loopfd = loop_attach_ro(squash, loopdev, sizeof(loopdev), why, sizeof(why));
	if (loopfd < 0) {
		say("cannot use the root image: %s", why);
		fail();
	}
	mount_or_fail(loopdev, ROOTFS_DIR, "squashfs", MS_RDONLY, NULL);
	close(loopfd);
	mount_or_fail("tmpfs", OVERLAY_DIR, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
	mkdirs(OVERLAY_DIR "/upper");
	mkdirs(OVERLAY_DIR "/work");
	mount_or_fail("overlay", NEWROOT, "overlay", 0,
		      "lowerdir=" ROOTFS_DIR ",upperdir=" OVERLAY_DIR "/upper,workdir=" OVERLAY_DIR "/work");

	/* The live system's /run starts here, carrying the mounts it is made of and what the
	 * initramfs learned, for the dom0 scripts. */
	mount_or_fail("tmpfs", NEWROOT "/run", "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755");
	mkdirs(NEWROOT "/run/paravent");
	char info[512];
	snprintf(info, sizeof(info), "device=%s\nfstype=%s\ntoram=%d\nbuild=%s\n",
		 search.found, search.fstype, toram, build_id);
	write_file(NEWROOT "/run/paravent/cmdline", cmdline);
	write_file(NEWROOT "/run/paravent/medium", info);
	if (!toram)
		mount_or_fail(MEDIUM_DIR, NEWROOT MEDIUM_DIR, NULL, MS_MOVE, NULL);
	else
		mount_or_fail(TORAM_DIR, NEWROOT TORAM_DIR, NULL, MS_MOVE, NULL);
	mount_or_fail(ROOTFS_DIR, NEWROOT ROOTFS_DIR, NULL, MS_MOVE, NULL);
	mount_or_fail(OVERLAY_DIR, NEWROOT OVERLAY_DIR, NULL, MS_MOVE, NULL);

	if (cmdline_flag(cmdline, "paravent.break")) {
		say("paravent.break: the live root is mounted on %s (its /dev, /proc and /sys are not "
		    "yet); nothing more will start", NEWROOT);
		fail();
	}
	say("starting the live system");
	mount_or_fail("/dev", NEWROOT "/dev", NULL, MS_MOVE, NULL);
	mount_or_fail("/proc", NEWROOT "/proc", NULL, MS_MOVE, NULL);
	mount_or_fail("/sys", NEWROOT "/sys", NULL, MS_MOVE, NULL);
	switch_root(NEWROOT, "/sbin/init", why, sizeof(why));
	mount("proc", "/proc", "proc", 0, NULL);
	mount("sysfs", "/sys", "sysfs", 0, NULL);
	say("cannot start the live system: %s", why);
	fail();
}
