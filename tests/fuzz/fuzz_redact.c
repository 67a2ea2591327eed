/*
 * fuzz_redact.c - lib/redact.c: the text redacted from an exact-size
 * buffer (no NUL after it: reads past the end are caught), as a jv
 * string (NUL bytes and all), and as a log line.  Checked: redacting
 * never fails on memory we have, the log line is one line of printable
 * bytes, and a secret planted in the text never survives.
 */
#include <stdlib.h>
#include <string.h>

#include "mend.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

#define CANARY "ghp_Zq8fUzzCanaryTok3nAbCdEfGhIjKlMnOpQr"
static const char canary[] = CANARY;	/* its body, past "ghp_": canary + 4 */

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *in = malloc(size ? size : 1), *out, *log, *planted;
	size_t olen, i, at;
	jv v;

	if (!in)
		return 0;
	memcpy(in, data, size);
	out = redact_mem(in, size, &olen, NULL);
	if (!out)
		abort();
	free(out);

	v = redact_jv(jv_string_sized(in, (int)size), NULL);
	jv_free(v);

	if (!(log = redact_log(in, size)))
		abort();
	for (i = 0; log[i]; i++)
		if ((unsigned char)log[i] < 0x20 || log[i] == 0x7f)
			abort();
	free(log);

	/* A token dropped between two spaces at a place the input picks (when
	 * the input does not hold the token's body already: libFuzzer learns
	 * the comparison below and writes it in). */
	at = size ? data[0] % (size + 1) : 0;
	if (!memmem(in, size, canary + 4, sizeof canary - 5) &&
	    (planted = malloc(size + sizeof CANARY + 2))) {
		memcpy(planted, in, at);
		memcpy(planted + at, " " CANARY " ", sizeof CANARY + 1);
		memcpy(planted + at + sizeof CANARY + 1, in + at, size - at);
		out = redact_mem(planted, size + sizeof CANARY + 1, &olen, NULL);
		if (!out || memmem(out, olen, canary + 4, sizeof canary - 5))
			abort();
		free(out);
		free(planted);
	}
	free(in);
	return 0;
}
