/* Unit tests for lib/file.c: reading files into memory. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "mend.h"

static char path[] = "/tmp/test_file.XXXXXX";

static void
write_file(const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

/* The head only, NUL-terminated, even when the file is longer. */
static void
test_read_head(void **state)
{
	char buf[5];

	(void)state;
	write_file("123456789");
	assert_int_equal(file_read_head(buf, sizeof buf, path), 4);
	assert_string_equal(buf, "1234");
	write_file("ab");
	assert_int_equal(file_read_head(buf, sizeof buf, path), 2);
	assert_string_equal(buf, "ab");
	write_file("");
	assert_int_equal(file_read_head(buf, sizeof buf, path), 0);
	assert_string_equal(buf, "");
	assert_int_equal(file_read_head(buf, sizeof buf, "/nonexistent/x"), -1);
}

/* file_read keeps the tail of a file over the cap. */
static void
test_read_tail(void **state)
{
	size_t len;
	char *s;

	(void)state;
	write_file("123456789");
	s = file_read(path, 4, &len);
	assert_non_null(s);
	assert_int_equal(len, 4);
	assert_string_equal(s, "6789");
	free(s);
	assert_null(file_read("/nonexistent/x", 4, NULL));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_read_head),
		cmocka_unit_test(test_read_tail),
	};
	int fd, rc;

	mend_setprog("test_file");
	if ((fd = mkstemp(path)) < 0)
		return 1;
	close(fd);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	unlink(path);
	return rc;
}
