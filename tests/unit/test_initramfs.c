/* Unit tests for the initramfs init's pure parts: boot option parsing, which block
 * devices are worth trying, and the report of a failed medium search. */
#include "check.h"
#include "cmdline.h"
#include "medium.h"

#include <string.h>

static void test_cmdline_get(void)
{
	char v[64];
	const char *cl = "BOOT_IMAGE=/live/vmlinuz console=ttyS0,115200 console=tty0 quiet "
			 "paravent.shell=ttyS1 paravent.autostart=\"web ticker\" toram";

	CHECK(cmdline_get(cl, "paravent.shell", v, sizeof(v)));
	CHECK_STR(v, "ttyS1");
	/* the last occurrence wins, as in the kernel */
	CHECK(cmdline_get(cl, "console", v, sizeof(v)));
	CHECK_STR(v, "tty0");
	/* quoted values keep their spaces, lose their quotes */
	CHECK(cmdline_get(cl, "paravent.autostart", v, sizeof(v)));
	CHECK_STR(v, "web ticker");
	/* a key is a whole word: "shell" is not "paravent.shell" */
	CHECK(!cmdline_get(cl, "shell", v, sizeof(v)));
	/* a bare flag has no value */
	CHECK(!cmdline_get(cl, "toram", v, sizeof(v)));
	/* a value that does not fit is not truncated silently */
	char small[4];
	CHECK(!cmdline_get(cl, "paravent.shell", small, sizeof(small)));
	CHECK(!cmdline_get("", "x", v, sizeof(v)));
	CHECK(!cmdline_get("   \n", "x", v, sizeof(v)));
}

static void test_cmdline_flag(void)
{
	CHECK(cmdline_flag("quiet toram", "toram"));
	CHECK(cmdline_flag("toram=1", "toram"));
	CHECK(cmdline_flag("toram=yes", "toram"));
	CHECK(!cmdline_flag("toram=0", "toram"));
	CHECK(!cmdline_flag("toramx quiet", "toram"));
	CHECK(!cmdline_flag("xtoram", "toram"));
	CHECK(!cmdline_flag("", "toram"));
	/* later words override earlier ones */
	CHECK(!cmdline_flag("toram toram=no", "toram"));
}

static void test_cmdline_uint(void)
{
	CHECK(cmdline_uint("paravent.media_timeout=90", "paravent.media_timeout", 30, 3600) == 90);
	CHECK(cmdline_uint("quiet", "paravent.media_timeout", 30, 3600) == 30);
	CHECK(cmdline_uint("paravent.media_timeout=abc", "paravent.media_timeout", 30, 3600) == 30);
	CHECK(cmdline_uint("paravent.media_timeout=-5", "paravent.media_timeout", 30, 3600) == 30);
	CHECK(cmdline_uint("paravent.media_timeout=12s", "paravent.media_timeout", 30, 3600) == 30);
	CHECK(cmdline_uint("paravent.media_timeout=99999", "paravent.media_timeout", 30, 3600) == 30);
	CHECK(cmdline_uint("paravent.media_timeout=0", "paravent.media_timeout", 30, 3600) == 0);
}

static void test_candidates(void)
{
	CHECK(medium_candidate_name("sr0"));
	CHECK(medium_candidate_name("sda"));
	CHECK(medium_candidate_name("sda1"));
	CHECK(medium_candidate_name("nvme0n1p2"));
	CHECK(medium_candidate_name("vda"));
	CHECK(!medium_candidate_name("loop0"));
	CHECK(!medium_candidate_name("ram0"));
	CHECK(!medium_candidate_name("zram0"));
	CHECK(!medium_candidate_name("dm-0"));
	CHECK(!medium_candidate_name("."));
	CHECK(!medium_candidate_name(""));
}

static void test_report(void)
{
	struct medium_search s;
	char buf[256];

	memset(&s, 0, sizeof(s));
	medium_report(&s, buf, sizeof(buf));
	CHECK_STR(buf, "no block devices appeared at all");

	s.ndev = 2;
	strcpy(s.dev[0].name, "sr0");
	strcpy(s.dev[0].outcome, "no medium inserted");
	strcpy(s.dev[1].name, "sda1");
	strcpy(s.dev[1].outcome, "vfat, no marker (another medium)");
	medium_report(&s, buf, sizeof(buf));
	CHECK_STR(buf, "sr0 (no medium inserted); sda1 (vfat, no marker (another medium))");

	/* a report longer than the buffer is cut, never overflows */
	char tiny[10];
	medium_report(&s, tiny, sizeof(tiny));
	CHECK(strlen(tiny) == sizeof(tiny) - 1);
}

int main(void)
{
	test_cmdline_get();
	test_cmdline_flag();
	test_cmdline_uint();
	test_candidates();
	test_report();
	return check_summary("initramfs");
}
