/* A domain's console over the API: GET /domains/NAME/console with "Upgrade: paravent-console"
 * gets "101 Switching Protocols", and from then on the connection is joined to the console of
 * the domain's VMM (its control socket's "console" request): the guest's recent and live
 * output one way, keystrokes the other, until either side closes. One thread per console. */
#ifndef PARAVENTD_CONSOLE_PROXY_H
#define PARAVENTD_CONSOLE_PROXY_H

#include <microhttpd.h>

/* The 101 response for the VMM control socket at control_path; NULL out of memory. */
struct MHD_Response *console_proxy_response(const char *control_path);

#endif
