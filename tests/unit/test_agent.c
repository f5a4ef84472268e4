/* paraventd's reading of paravent-agent's answers. */
#include <string.h>

#include "agent_client.h"
#include "check.h"

int main(void)
{
	char r[128];
	CHECK(agent_parse_answer("ok\n", r, sizeof(r)) == 0 && strcmp(r, "") == 0);
	CHECK(agent_parse_answer("ok paravent-agent 1\n", r, sizeof(r)) == 0);
	CHECK_STR(r, "paravent-agent 1");
	CHECK(agent_parse_answer("ok 42\r\n", r, sizeof(r)) == 0);
	CHECK_STR(r, "42");
	CHECK(agent_parse_answer("ok", r, sizeof(r)) == 0 && r[0] == 0);
	CHECK(agent_parse_answer("okay\n", r, sizeof(r)) == -1);
	CHECK_STR(r, "the agent answered \"okay\"");
	CHECK(agent_parse_answer("error unknown request\n", r, sizeof(r)) == -1);
	CHECK_STR(r, "the agent answered \"error unknown request\"");
	CHECK(agent_parse_answer("", r, sizeof(r)) == -1);
	CHECK_STR(r, "the agent answered \"nothing\"");
	CHECK(agent_parse_answer("o", r, sizeof(r)) == -1);
	char long_line[400];
	memset(long_line, 'x', sizeof(long_line) - 1);
	long_line[sizeof(long_line) - 1] = 0;
	CHECK(agent_parse_answer(long_line, r, sizeof(r)) == -1 && strlen(r) < sizeof(r));
	return check_summary("agent");
}
