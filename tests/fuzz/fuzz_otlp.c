/*
 * fuzz_otlp.c - lib/otlp.c and lib/otlp_json.c: an OTLP/JSON export
 * request as traces and as logs, parsed whole and through the fast path
 * (which must agree); the first byte picks gzip (odd) or plain.
 */
#include <stdlib.h>
#include <string.h>

#include "mend.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

/*
 * Convert through the full parse and through otlp_json.c's fast path:
 * both must fail alike or give the same records and counts.
 */
static void
convert(const char *s, size_t n, enum otlp_signal sig)
{
	struct otlp_stats st = { 0 }, st2 = { 0 };
	jv body, fast, recs, recs2;
	long skipped;
	int rc, rc2;

	rc = record_parse(&body, s, n);
	rc2 = otlp_json_decode(&fast, &skipped, sig, s, n);
	if (rc != rc2)
		abort();
	if (rc < 0)
		return;
	rc = otlp_errors(&recs, &st, sig, body, 1700000000.0);
	rc2 = otlp_errors(&recs2, &st2, sig, fast, 1700000000.0);
	if (rc != rc2)
		abort();
	if (rc < 0)
		return;
	if (!jv_equal(recs, recs2) || st.items != st2.items + skipped ||
	    st.rejected != st2.rejected || st.bad_containers != st2.bad_containers)
		abort();
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
