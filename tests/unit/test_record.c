/* Unit tests for lib/record.c: the reader, field access, writing. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "mend.h"

static char *
tmpfile_with(const char *text)
{
	char *path = strdup("/tmp/mend-unit.XXXXXX");
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	return path;
}

static void
test_reader_lines(void **state)
{
	char *path = tmpfile_with("{\"a\":1}\r\n\n  \nnope\n[1]\n{\"b\":\"x\"}");
	struct record_reader *r;
	jv v;

	(void)state;
	assert_int_equal(record_reader_open(&r, path), 0);
	assert_int_equal(record_read(r, &v), 1);
	assert_int_equal((int)record_num(v, "a", 0), 1);
	assert_int_equal(record_reader_line(r), 1);
	jv_free(v);
	assert_int_equal(record_read(r, &v), 1);	/* skips 3 lines, last has no \n */
	assert_string_equal(record_str(v, "b"), "x");
	assert_int_equal(record_reader_line(r), 6);
	jv_free(v);
	assert_int_equal(record_read(r, &v), 0);
	assert_int_equal(record_reader_bad(r), 2);
	record_reader_free(r);
	unlink(path);
	free(path);
}

static void
test_reader_long_line(void **state)
{
	size_t n = 1 << 20;
	char *big = malloc(n + 32), *path;
	struct record_reader *r;
	jv v;

	(void)state;
	strcpy(big, "{\"s\":\"");
	memset(big + 6, 'z', n);
	strcpy(big + 6 + n, "\"}\n");
	path = tmpfile_with(big);
	assert_int_equal(record_reader_open(&r, path), 0);
	assert_int_equal(record_read(r, &v), 1);
	assert_int_equal(strlen(record_str(v, "s")), n);
	jv_free(v);
	record_reader_free(r);
	unlink(path);
	free(path);
	free(big);
}

static void
test_get_set(void **state)
{
	jv r = jv_parse("{\"type\":\"incident\",\"incident\":{\"id\":\"inc_1\",\"n\":3}}");

	(void)state;
	assert_string_equal(record_type(r), "incident");
	assert_string_equal(record_str(r, "incident.id"), "inc_1");
	assert_null(record_str(r, "incident.n"));
	assert_null(record_str(r, "nope.deeper"));
	assert_true(record_num(r, "incident.n", 0) == 3);
	assert_true(record_num(r, "incident.missing", 7) == 7);
	r = record_set_str(r, "analysis.engine", "rules");
	r = record_set_num(r, "incident.n", 4);
	assert_string_equal(record_str(r, "analysis.engine"), "rules");
	assert_true(record_num(r, "incident.n", 0) == 4);
	assert_string_equal(record_str(r, "incident.id"), "inc_1");
	r = record_del(r, "incident.id");
	assert_false(record_has(r, "incident.id"));
	assert_true(record_has(r, "incident.n"));
	jv_free(r);
}

static void
test_write_error(void **state)
{
	FILE *f = fopen("/dev/full", "w");

	(void)state;
	if (!f)
		skip();
	assert_int_equal(record_write(f, jv_parse("{\"a\":1}")), -1);
	assert_non_null(strstr(mend_errmsg(), "write error"));
	fclose(f);
}

static void
test_times(void **state)
{
	char buf[40];
	double t, d;

	(void)state;
	assert_string_equal(mend_rfc3339(buf, sizeof buf, 1795316400.123), "2026-11-22T03:00:00.123Z");
	assert_int_equal(mend_parse_time(&t, "2026-11-22T03:00:00.123Z"), 0);
	assert_true(t > 1795316400.12 && t < 1795316400.13);
	assert_int_equal(mend_parse_time(&t, "2026-11-22T04:00:00+01:00"), 0);
	assert_true(t == 1795316400);
	assert_int_equal(mend_parse_time(&t, "2026-11-22"), -1);
	assert_int_equal(mend_parse_duration(&d, "15m"), 0);
	assert_true(d == 900);
	assert_int_equal(mend_parse_duration(&d, "7d"), 0);
	assert_true(d == 604800);
	assert_int_equal(mend_parse_duration(&d, "5 parsecs"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_lines),
		cmocka_unit_test(test_reader_long_line),
		cmocka_unit_test(test_get_set),
		cmocka_unit_test(test_write_error),
		cmocka_unit_test(test_times),
	};

	mend_setprog("test_record");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
