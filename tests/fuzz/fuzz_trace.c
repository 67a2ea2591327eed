/*
 * fuzz_trace.c - lib/trace.c: trace_parse over any text, then the
 * helpers that walk what it found.
 */
#include <stdlib.h>
#include <string.h>

#include "mend.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	char *text = strndup((const char *)data, size);
	jv traces;

	if (!text)
		return 0;
	if (trace_parse(&traces, text) == 0) {
		jv_array_foreach(traces, i, t) {
			(void)i;
			jv_free(trace_app_frame(jv_copy(t)));
			jv_free(trace_root(t));
		}
		jv_free(traces);
	}
	free(text);
	return 0;
}
