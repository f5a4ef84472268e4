/* The paravent CLI's own parsing and formatting: sizes for mem-set, uptimes. */
#include <stdint.h>
#include <string.h>

#include "check.h"
#include "mem.h"
#include "top.h"

int main(void)
{
	CHECK(mem_parse_mib("256") == 256);
	CHECK(mem_parse_mib("256m") == 256);
	CHECK(mem_parse_mib("256M") == 256);
	CHECK(mem_parse_mib("2g") == 2048);
	CHECK(mem_parse_mib("2G") == 2048);
	CHECK(mem_parse_mib("0") == 0); /* the daemon says what is allowed */
	const char *bad[] = { "", "m", "-1", "+5", " 5", "5 ", "5k", "5mb", "1.5g", "99999999999999999999", "0x10" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK(mem_parse_mib(bad[i]) == -1);

	char s[48];
	top_format_uptime(0, s, sizeof(s));
	CHECK_STR(s, "0:00:00");
	top_format_uptime(3723.9, s, sizeof(s));
	CHECK_STR(s, "1:02:03");
	top_format_uptime(86400 + 3600 * 3 + 65, s, sizeof(s));
	CHECK_STR(s, "1 day, 3:01:05");
	top_format_uptime(86400 * 12 + 59, s, sizeof(s));
	CHECK_STR(s, "12 days, 0:00:59");
	top_format_uptime(-5, s, sizeof(s));
	CHECK_STR(s, "0:00:00");
	return check_summary("cli");
}
