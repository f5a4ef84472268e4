/* paraventd's side of paravent-agent (guest-images/common/paravent-agent.c): one request line
 * to the agent on the guest's vsock port 5000, one answer line back. */
#ifndef PARAVENTD_AGENT_CLIENT_H
#define PARAVENTD_AGENT_CLIENT_H

#include <stddef.h>
#include <stdint.h>

#define AGENT_PORT 5000
#define AGENT_CID_BASE 2 /* a domain's guest CID is its id plus this: 3, 4, ... */
#define AGENT_TIMEOUT_MS 3000

/* Sends req to the agent at cid and reads its answer line. 0 when it answered "ok ...",
 * (the rest of the line in reply); -1 with the reason in reply: no agent listening, no vsock
 * device, no answer within AGENT_TIMEOUT_MS, or the agent's own error. */
int agent_request(uint32_t cid, const char *req, char *reply, size_t len);

/* The same with a limit of its own for the answer (a request that makes the guest work, such
 * as taking CPUs offline). */
int agent_request_within(uint32_t cid, const char *req, int timeout_ms, char *reply, size_t len);

/* The agent's answer line: 0 for "ok" or "ok REST" (REST into reply), -1 otherwise (with
 * what it said in reply). */
int agent_parse_answer(const char *line, char *reply, size_t len);

#endif
