/*
 * forge.h - what forge.c (pull requests) and checks.c (their checks and
 * merge) share; private to lib/.
 */
#ifndef MEND_FORGE_H
#define MEND_FORGE_H

#include "mend.h"

/*
 * One API call with the forge's headers and body (consumed; jv_invalid()
 * for none).  0 with the response (any status), -1 on transport failure,
 * -2 when rate limited without a time to wait (resp's body is released
 * then, its ratelimit_* fields kept).
 */
int forge_call(struct http_resp *resp, const struct forge *f, const char *method,
    const char *url, jv body);
/* Percent-encoded for a path segment or query value; malloc'd. */
char *forge_enc(const char *s);
/* Set the message: what, the status and the forge's "message". */
void forge_api_error(const struct http_resp *resp, const char *what);

#endif
