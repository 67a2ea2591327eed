/*
 * fuzz_hunk.c - lib/hunk.c and lib/guard.c: the input is a file's text,
 * a line "@@@@", and a unified diff.  The diff is parsed, every path is
 * put to the guard (names only), and each file's hunks are applied to
 * the text; the text's first line also serves as an edit's search.
 */
#include <stdlib.h>
#include <string.h>

#include "mend.h"

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int
LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const char *s = (const char *)data, *sep = memmem(s, size, "\n@@@@\n", 6);
	const char *text = "", *diff = s;
	size_t tlen = 0, dlen = size, i;
	struct diff d;
	struct guard g;
	char *out, *copy;
	size_t olen;

	if (sep) {
		text = s;
		tlen = (size_t)(sep - s) + 1;
		diff = sep + 6;
		dlen = size - tlen - 5;
	}
	/* diff_parse reads len bytes; hunk_apply a NUL-terminated copy. */
	if (!(copy = strndup(text, tlen)))
		return 0;
	tlen = strlen(copy);
	guard_init(&g, NULL);
	guard_protect(&g, "secrets/**:*.pem");
	guard_allow(&g, ".github/workflows/test.yml");
	if (diff_parse(&d, diff, dlen) == 0) {
		for (i = 0; i < d.nfiles; i++) {
			const char *p = diff_file_path(&d.files[i]);
			if (p)
				(void)guard_path(&g, p);
			if (hunk_apply(&out, &olen, copy, tlen, &d.files[i]) == 0)
				free(out);
		}
		diff_release(&d);
	}
	(void)guard_size(&g, (long)dlen);
	{
		char *line = strndup(copy, strcspn(copy, "\n"));
		if (line && edit_apply(&out, &olen, copy, tlen, line, "replaced\n") == 0)
			free(out);
		free(line);
	}
	guard_release(&g);
	free(copy);
	return 0;
}
