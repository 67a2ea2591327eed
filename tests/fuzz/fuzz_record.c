/*
 * fuzz_record.c - lib/record.c: one JSON text parsed, dumped and parsed
 * again; dotted paths (the first line of the input) read and written.
 */
#include <stdlib.h>
#include <string.h>

#include "mend.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *s = (const char *)data, *nl = memchr(s, '\n', size);
	char *path = NULL, *dump;
	jv v, again;

	if (nl) {
		path = strndup(s, (size_t)(nl - s));
		size -= (size_t)(nl - s) + 1;
		s = nl + 1;
	}
	if (record_parse(&v, s, size) < 0) {
		free(path);
		return 0;
	}
	if ((dump = record_dump(v))) {
		if (record_parse(&again, dump, strlen(dump)) == 0)
			jv_free(again);
		free(dump);
	}
	if (path && jv_get_kind(v) == JV_KIND_OBJECT) {
		jv got = record_get(v, path);
		(void)record_str(v, path);
		(void)record_num(v, path, 0);
		(void)record_has(v, path);
		(void)record_type(v);
		v = record_set(v, path, got);
		v = record_set_str(v, path, "x");
		v = record_del(v, path);
	}
	jv_free(v);
	free(path);
	return 0;
}
