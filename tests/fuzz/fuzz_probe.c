/*
 * fuzz_probe.c - lib/probe_target.c's target list parser: every line of the
 * input given to prober_add_target (nothing is fetched).
 */
#include <stdlib.h>
#include <string.h>

#include "mend.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const struct probe_opts o = { .concurrency = 1, .threads = 1, .timeout = 1 };
	const char *s = (const char *)data, *end = s + size;
	struct prober *p;

	if (prober_new(&p, &o) < 0)
		return 0;
	while (s < end) {
		const char *nl = memchr(s, '\n', (size_t)(end - s));
		size_t n = nl ? (size_t)(nl - s) : (size_t)(end - s);
		/* A copy of exactly n bytes: reads past the line are caught. */
		char *line = malloc(n ? n : 1);
		if (line) {
			memcpy(line, s, n);
			(void)prober_add_target(p, line, n);
			free(line);
		}
		s += n + 1;
	}
	(void)prober_ntargets(p);
	prober_free(p);
	return 0;
}
