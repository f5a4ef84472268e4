/* Loop devices without losetup: the initramfs has only this program and a shell. */
#include "loop.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/loop.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

int loop_attach_ro(const char *file, char *dev, size_t devlen, char *why, size_t whylen)
{
	int ctl = -1, lfd = -1, ffd = -1, err = 0;

	ffd = open(file, O_RDONLY | O_CLOEXEC);
	if (ffd < 0) {
		err = errno;
		snprintf(why, whylen, "cannot open %s: %s", file, strerror(err));
		goto out;
	}
	ctl = open("/dev/loop-control", O_RDWR | O_CLOEXEC);
	if (ctl < 0) {
		err = errno;
		snprintf(why, whylen, "cannot open /dev/loop-control: %s", strerror(err));
		goto out;
	}
	int n = ioctl(ctl, LOOP_CTL_GET_FREE);
	if (n < 0) {
		err = errno;
		snprintf(why, whylen, "no free loop device: %s", strerror(err));
		goto out;
	}
	snprintf(dev, devlen, "/dev/loop%d", n);
	lfd = open(dev, O_RDWR | O_CLOEXEC);
	if (lfd < 0) {
		err = errno;
		snprintf(why, whylen, "cannot open %s: %s", dev, strerror(err));
		goto out;
	}
	struct loop_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.fd = (unsigned)ffd;
	cfg.info.lo_flags = LO_FLAGS_READ_ONLY | LO_FLAGS_AUTOCLEAR;
	snprintf((char *)cfg.info.lo_file_name, LO_NAME_SIZE, "%s", file);
	if (ioctl(lfd, LOOP_CONFIGURE, &cfg) != 0) {
		err = errno;
		snprintf(why, whylen, "cannot attach %s to %s: %s", file, dev, strerror(err));
	}
out:
	if (ffd >= 0)
		close(ffd);
	if (lfd >= 0 && err != 0)
		close(lfd);
	if (ctl >= 0)
		close(ctl);
	return err ? -err : lfd;
}
