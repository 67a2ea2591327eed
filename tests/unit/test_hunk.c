/* Unit tests for lib/hunk.c: parsing model-written diffs, locating hunks by context. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mend.h"

static const char file[] =
    "def div(a, b):\n"
    "    return a / b\n"
    "\n"
    "\n"
    "def add(a, b):\n"
    "    return a + b\n";

/* Apply diff to text; the result (caller frees) or NULL with the message in mend_errmsg. */
static char *
apply(const char *diff, const char *text)
{
	struct diff d;
	char *out = NULL;
	size_t len;

	if (diff_parse(&d, diff, strlen(diff)) < 0)
		return NULL;
	assert_int_equal(d.nfiles, 1);
	if (hunk_apply(&out, &len, text, strlen(text), &d.files[0]) < 0)
		out = NULL;
	else
		assert_int_equal(strlen(out), len);
	diff_release(&d);
	return out;
}

static void
test_exact(void **state)
{
	char *out = apply("--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,4 @@\n def div(a, b):\n"
	    "+    if b == 0:\n+        return None\n     return a / b\n", file);

	(void)state;
	assert_non_null(out);
	assert_string_equal(out, "def div(a, b):\n    if b == 0:\n        return None\n"
	    "    return a / b\n\n\ndef add(a, b):\n    return a + b\n");
	free(out);
}

static void
test_wrong_numbers_and_counts(void **state)
{
	/* Off by 40 lines, counts wrong, blank context lines without their space. */
	char *out = apply("--- calc.py\n+++ calc.py\n@@ -41,3 +41,3 @@\n     return a / b\n\n\n"
	    " def add(a, b):\n-    return a + b\n+    return b + a\n", file);

	(void)state;
	assert_non_null(out);
	assert_string_equal(out, "def div(a, b):\n    return a / b\n\n\ndef add(a, b):\n"
	    "    return b + a\n");
	free(out);
}

static void
test_no_numbers_trailing_space(void **state)
{
	/* "@@ @@" without numbers, and context with trailing white space. */
	char *out = apply("--- a/calc.py\n+++ b/calc.py\n@@ @@\n def add(a, b):   \n"
	    "-    return a + b\n+    return a + b + 0\n", file);

	(void)state;
	assert_non_null(out);
	assert_non_null(strstr(out, "    return a + b + 0\n"));
	assert_non_null(strstr(out, "def add(a, b):\n"));	/* the file's own line kept */
	free(out);
}

static void
test_nowhere_and_twice(void **state)
{
	(void)state;
	assert_null(apply("--- a/calc.py\n+++ b/calc.py\n@@ -1 +1 @@\n-    return a % b\n"
	    "+    return a // b\n", file));
	assert_non_null(strstr(mend_errmsg(), "hunk 1 (@@ -1) matches nowhere"));
	assert_null(apply("--- a/calc.py\n+++ b/calc.py\n@@ -1 +1 @@\n-    return a / b\n"
	    "+    return a // b\n", "    return a / b\nx\n    return a / b\n"));
	assert_non_null(strstr(mend_errmsg(), "matches in more than one place"));
}

static void
test_new_file_and_eol(void **state)
{
	char *out = apply("--- /dev/null\n+++ b/new.txt\n@@ -0,0 +1,2 @@\n+one\n+two\n"
	    "\\ No newline at end of file\n", "");

	(void)state;
	assert_non_null(out);
	assert_string_equal(out, "one\ntwo");
	free(out);
	/* CRLF files stay CRLF. */
	out = apply("--- a/f\n+++ b/f\n@@ -1 +1,2 @@\n a\n+b\n", "a\r\nc\r\n");
	assert_non_null(out);
	assert_string_equal(out, "a\r\nb\r\nc\r\n");
	free(out);
	/* A file without a final newline keeps it that way when the end is untouched. */
	out = apply("--- a/f\n+++ b/f\n@@ -1 +1 @@\n-a\n+A\n", "a\nb");
	assert_non_null(out);
	assert_string_equal(out, "A\nb");
	free(out);
}

static void
test_parse_files(void **state)
{
	static const char two[] =
	    "Some prose first.\n"
	    "diff --git a/x.c b/x.c\nindex 1..2 100644\n--- a/x.c\n+++ b/x.c\n@@ -1 +1 @@\n-a\n+b\n"
	    "diff --git a/y b/y\nnew file mode 120000\n--- /dev/null\n+++ b/y\n@@ -0,0 +1 @@\n+/etc\n"
	    "--- a/z\t2026-01-01 00:00:00\n+++ /dev/null\t2026-01-01 00:00:01\n@@ -1 +0,0 @@\n-gone\n";
	struct diff d;

	(void)state;
	assert_int_equal(diff_parse(&d, two, strlen(two)), 0);
	assert_int_equal(d.nfiles, 3);
	assert_string_equal(diff_file_path(&d.files[0]), "x.c");
	assert_int_equal(d.files[0].nhunks, 1);
	assert_int_equal(d.files[0].hunks[0].n, 2);
	assert_true(d.files[1].is_new);
	assert_int_equal(d.files[1].mode, 0120000);
	assert_string_equal(diff_file_path(&d.files[2]), "z");
	assert_true(d.files[2].is_delete);
	diff_release(&d);
	assert_int_equal(diff_parse(&d, "just words\n", 11), -1);
}

static void
test_edits(void **state)
{
	char *out;
	size_t len;

	(void)state;
	assert_int_equal(edit_apply(&out, &len, file, strlen(file), "a + b", "b + a"), 0);
	assert_non_null(strstr(out, "return b + a"));
	free(out);
	assert_int_equal(edit_apply(&out, &len, file, strlen(file), "return", "x"), -1);
	assert_non_null(strstr(mend_errmsg(), "more than one place"));
	assert_int_equal(edit_apply(&out, &len, file, strlen(file), "nothing", "x"), -1);
	assert_int_equal(edit_apply(&out, &len, "", 0, "", "new\n"), 0);
	assert_string_equal(out, "new\n");
	free(out);
	assert_int_equal(edit_apply(&out, &len, file, strlen(file), "", "x"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_wrong_numbers_and_counts),
		cmocka_unit_test(test_no_numbers_trailing_space),
		cmocka_unit_test(test_nowhere_and_twice),
		cmocka_unit_test(test_new_file_and_eol),
		cmocka_unit_test(test_parse_files),
		cmocka_unit_test(test_edits),
	};

	mend_setprog("test_hunk");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
