/* Unit tests for lib/strbuf.c: the one string builder. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mend.h"

static void
test_add(void **state)
{
	struct strbuf b = { 0 };
	char *s;

	(void)state;
	strbuf_add(&b, "ab");
	strbuf_addn(&b, "cdef", 2);
	strbuf_addf(&b, "-%d-%s", 42, "x");
	assert_string_equal(b.s, "abcd-42-x");
	assert_int_equal(b.len, 9);
	s = strbuf_take(&b);
	assert_string_equal(s, "abcd-42-x");
	assert_null(b.s);
	free(s);
	s = strbuf_take(&b);
	assert_string_equal(s, "");
	free(s);
}

/* A format longer than the free space grows the buffer and formats again. */
static void
test_addf_grows(void **state)
{
	struct strbuf b = { 0 };
	char big[5000];
	size_t i;

	(void)state;
	memset(big, 'y', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	for (i = 0; i < 3; i++)
		strbuf_addf(&b, "[%s]", big);
	assert_int_equal(b.len, 3 * (sizeof big + 1));
	assert_int_equal(b.s[b.len], '\0');
	assert_int_equal(b.s[0], '[');
	assert_int_equal(b.s[sizeof big], ']');
	assert_int_equal(b.s[b.len - 1], ']');
	assert_int_equal(strlen(b.s), b.len);
	strbuf_release(&b);
}

static void
test_reset(void **state)
{
	struct strbuf b = { 0 };
	size_t cap;

	(void)state;
	strbuf_reset(&b);
	assert_int_equal(b.len, 0);
	strbuf_addf(&b, "%s", "first line");
	cap = b.cap;
	strbuf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.s, "");
	strbuf_add(&b, "2nd");
	assert_string_equal(b.s, "2nd");
	assert_int_equal(b.cap, cap);
	strbuf_release(&b);
}

/* keep_tail drops the head, and only when the buffer is over the limit. */
static void
test_keep_tail(void **state)
{
	struct strbuf b = { 0 };

	(void)state;
	strbuf_keep_tail(&b, 4);
	assert_null(b.s);
	strbuf_add(&b, "abc");
	strbuf_keep_tail(&b, 4);
	assert_string_equal(b.s, "abc");
	strbuf_add(&b, "defgh");
	strbuf_keep_tail(&b, 4);
	assert_string_equal(b.s, "efgh");
	assert_int_equal(b.len, 4);
	strbuf_keep_tail(&b, 0);
	assert_string_equal(b.s, "");
	assert_int_equal(b.len, 0);
	strbuf_release(&b);
}

static void
test_html_escapef(void **state)
{
	struct strbuf b = { 0 };

	(void)state;
	html_escapef(&b, "%d <%s> & \"%s\"", 3, "b", "q'");
	assert_string_equal(b.s, "3 &lt;b&gt; &amp; &quot;q&#39;&quot;");
	strbuf_release(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_add),
		cmocka_unit_test(test_addf_grows),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_keep_tail),
		cmocka_unit_test(test_html_escapef),
	};

	mend_setprog("test_strbuf");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
