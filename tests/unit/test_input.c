/* Unit tests for lib/input.c: whole lines from a descriptor. */
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

/* All the lines of text, read through a pipe, joined with '|'. */
static char *
lines_of(const char *text, size_t cap, size_t max)
{
	struct strbuf b = { 0 };
	struct input in;
	const char *line;
	size_t len;
	int fd[2], rc;

	assert_int_equal(pipe(fd), 0);
	assert_int_equal(write(fd[1], text, strlen(text)), (ssize_t)strlen(text));
	close(fd[1]);
	assert_int_equal(input_init(&in, fd[0], cap, max), 0);
	for (;;) {
		while ((rc = input_line(&in, &line, &len)) == 1) {
			strbuf_addn(&b, line, len);
			strbuf_add(&b, "|");
		}
		if (rc < 0)
			break;
		assert_int_equal(input_read(&in), 1);
	}
	input_release(&in);
	close(fd[0]);
	return strbuf_take(&b);
}

static void
test_lines(void **state)
{
	char *s;

	(void)state;
	s = lines_of("a\nbb\n\nccc", 4, 0);
	assert_string_equal(s, "a|bb||ccc|");
	free(s);
	/* A line longer than the buffer grows it. */
	s = lines_of("0123456789abcdef\nx\n", 4, 0);
	assert_string_equal(s, "0123456789abcdef|x|");
	free(s);
}

/* With a maximum, a longer line is cut and the rest of it dropped. */
static void
test_cut(void **state)
{
	char *s;

	(void)state;
	s = lines_of("abc\n0123456789abcdef\nxyz\n", 0, 5);
	assert_string_equal(s, "abc|01234|xyz|");
	free(s);
	s = lines_of("12345\n123456", 0, 5);
	assert_string_equal(s, "12345|12345|");
	free(s);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_cut),
	};

	mend_setprog("test_input");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
