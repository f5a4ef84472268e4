/* Unit tests for the fixed addresses and /etc/hosts lines paraventd gives guests on pvbr0. */
#include "check.h"
#include "guest_names.h"

#include <stdlib.h>
#include <string.h>

int main(void)
{
	static struct guest_names t;
	const uint8_t m1[6] = { 0x52, 0x56, 1, 2, 3, 4 }, m2[6] = { 0x52, 0x56, 9, 9, 9, 9 };

	CHECK(guest_names_assign(&t, "web", m1) == 2);
	CHECK(guest_names_assign(&t, "ticker", m2) == 3);
	CHECK(guest_names_assign(&t, "web", m2) == 2); /* same name keeps its address */
	CHECK(t.n == 2 && memcmp(t.e[0].mac, m2, 6) == 0);
	CHECK(guest_names_drop(&t, "web") == 1 && guest_names_drop(&t, "web") == 0);
	CHECK(guest_names_assign(&t, "hello", m1) == 2); /* the lowest free one again */
	CHECK(guest_names_assign(&t, "web", m1) == 4);

	const char *old = "127.0.0.1\tlocalhost\n10.80.0.9\tgone\t# paravent guest\n::1\tlocalhost ip6-localhost\n";
	char *text = guest_names_hosts_text(&t, old);
	CHECK_STR(text, "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost\n"
			"10.80.0.3\tticker\t# paravent guest\n10.80.0.2\thello\t# paravent guest\n"
			"10.80.0.4\tweb\t# paravent guest\n");
	/* rewriting its own output changes nothing; a file without a final newline gets one */
	char *again = guest_names_hosts_text(&t, text);
	CHECK_STR(again, text);
	free(again);
	free(text);
	static struct guest_names empty;
	text = guest_names_hosts_text(&empty, "127.0.0.1 localhost");
	CHECK_STR(text, "127.0.0.1 localhost\n");
	free(text);

	/* which processes are pvbr0's DHCP servers, from their /proc cmdline */
#define IS_SERVER(lit) guest_names_is_pvbr0_udhcpd(lit, sizeof(lit))
	CHECK(IS_SERVER("udhcpd\0-S\0/run/paravent/udhcpd.pvbr0.conf"));
	CHECK(IS_SERVER("udhcpd\0-S\0/etc/udhcpd.pvbr0.conf"));
	CHECK(IS_SERVER("/usr/sbin/udhcpd\0/etc/udhcpd.pvbr0.conf"));
	CHECK(IS_SERVER("/bin/busybox\0udhcpd\0-S\0/etc/udhcpd.pvbr0.conf"));
	CHECK(!IS_SERVER("udhcpd\0-S\0/etc/udhcpd.br1.conf")); /* another bridge's server */
	CHECK(!IS_SERVER("udhcpc\0-i\0pvbr0\0udhcpd.pvbr0.conf"));
	CHECK(!IS_SERVER("vi\0/etc/udhcpd.pvbr0.conf"));
	CHECK(!IS_SERVER("busybox\0vi\0/etc/udhcpd.pvbr0.conf"));
	CHECK(!IS_SERVER("udhcpd"));
	CHECK(!guest_names_is_pvbr0_udhcpd("udhcpd\0-S\0/etc/udhcpd.pvbr0.conf", 12)); /* cut short */
	CHECK(!guest_names_is_pvbr0_udhcpd("", 0));

	/* full: 98 names, then -1 */
	static struct guest_names full;
	char name[16];
	for (int i = 0; i < GUEST_NAMES_MAX; i++) {
		snprintf(name, sizeof(name), "g%d", i);
		CHECK(guest_names_assign(&full, name, m1) == GUEST_NAMES_FIRST_HOST + i);
	}
	CHECK(guest_names_assign(&full, "one-more", m1) == -1);
	return check_summary("guest_names");
}
