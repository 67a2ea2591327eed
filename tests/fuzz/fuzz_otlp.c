/*
 * fuzz_otlp.c - lib/otlp.c: an OTLP/JSON export request as traces and
 * as logs; the first byte picks gzip (odd) or plain.
 */
#include <stdlib.h>
#include <string.h>

#include "mend.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

static void
convert(const char *s, size_t n, enum otlp_signal sig)
{
	struct otlp_stats st = { 0 };
	jv body, recs;

	if (record_parse(&body, s, n) < 0)
		return;
	if (otlp_errors(&recs, &st, sig, body, 1700000000.0) == 0)
		jv_free(recs);
}

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *s = (const char *)data;

	if (size > 0 && (data[0] & 1) && size > 1 && data[1] == 0x1f) {
		char *out;
		size_t n;
		if (otlp_gunzip(&out, &n, s + 1, size - 1, 1 << 20) == 0) {
			convert(out, n, OTLP_TRACES);
			free(out);
		}
		return 0;
	}
	convert(s, size, OTLP_TRACES);
	convert(s, size, OTLP_LOGS);
	return 0;
}
