/*
 * test_logline.c - lib/logline.c (a collector's line unwrapped: text,
 * stream, level, time) and lib/logs.c (lines of interleaved streams
 * grouped into error records, counts, held offsets).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mend.h"

static void
parse(struct logline *l, int format, const char *line)
{
	assert_int_equal(logline_parse(l, format, line, strlen(line)), 0);
}

static void
text_is(const struct logline *l, const char *want)
{
	assert_int_equal(l->len, strlen(want));
	assert_memory_equal(l->text, want, l->len);
}

static void
test_levels(void **state)
{
	(void)state;
	assert_int_equal(logline_level("2026-11-24 ERROR db", 19), LOGL_ERROR);
	assert_int_equal(logline_level("[FATAL] out", 11), LOGL_FATAL);
	assert_int_equal(logline_level("level=error msg=x", 17), LOGL_ERROR);
	assert_int_equal(logline_level("[error] [client 1]", 18), LOGL_ERROR);
	assert_int_equal(logline_level("an error was handled", 20), LOGL_OTHER);
	assert_int_equal(logline_level("ErrorPage clicked", 17), LOGL_OTHER);
	assert_int_equal(logline_level("INFO ERRORS=0", 13), LOGL_OTHER);
}

static void
test_times(void **state)
{
	double t;

	(void)state;
	assert_int_equal(logline_time(&t, "2026-11-24T06:00:00.5Z x", 24), 22);
	assert_true(t == 1795500000.5);
	assert_int_equal(logline_time(&t, "2026-11-24T06:00:00+01:00", 25), 25);
	{
		double z;
		logline_time(&z, "2026-11-24T05:00:00Z", 20);
		assert_true(t == z);
	}
	assert_int_equal(logline_time(&t, "2026-13-24T06:00:00Z", 20), 0);
	assert_int_equal(logline_time(&t, "not a time at all, no", 21), 0);
}

static void
test_wrappers(void **state)
{
	struct logline l;

	(void)state;
	logline_init(&l);
	parse(&l, LOGF_AUTO, "{\"log\":\"boom\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-24T06:00:00Z\"}");
	text_is(&l, "boom");
	assert_string_equal(l.stream, "stderr");
	assert_false(l.partial);
	parse(&l, LOGF_AUTO, "{\"log\":\"piece\",\"stream\":\"stdout\"}");
	assert_true(l.partial);
	parse(&l, LOGF_AUTO, "2026-11-24T06:00:00.000000001Z stdout P half");
	text_is(&l, "half");
	assert_true(l.partial);
	assert_string_equal(l.stream, "stdout");
	parse(&l, LOGF_AUTO, "{\"MESSAGE\":[104,105],\"PRIORITY\":\"3\",\"_SYSTEMD_UNIT\":\"shop.service\","
	    "\"__REALTIME_TIMESTAMP\":\"1764000000000000\"}");
	text_is(&l, "hi");
	assert_int_equal(l.level, LOGL_ERROR);
	assert_string_equal(l.service, "shop");
	assert_true(l.ts == 1764000000.0);
	parse(&l, LOGF_AUTO, "0|api      | TypeError: x");
	text_is(&l, "TypeError: x");
	assert_string_equal(l.service, "api");
	parse(&l, LOGF_AUTO, "[pod/shop-1/app] hello");
	text_is(&l, "hello");
	assert_string_equal(l.stream, "pod/shop-1/app");
	parse(&l, LOGF_AUTO, "Nov 24 06:00:00 web1 gunicorn[812]: Traceback");
	text_is(&l, "Traceback");
	assert_string_equal(l.stream, "gunicorn");
	parse(&l, LOGF_AUTO, "GET /x 200 | 3 ms");		/* no prefix */
	text_is(&l, "GET /x 200 | 3 ms");
	assert_string_equal(l.stream, "");
	parse(&l, LOGF_AUTO, "{\"level\":50,\"msg\":\"m\",\"err\":{\"stack\":\"E: x\\n    at f (a.js:1:2)\"}}");
	assert_int_equal(l.level, LOGL_ERROR);
	assert_non_null(l.stack);
	assert_int_equal(logline_parse(&l, LOGF_DOCKER, "plain", 5), -1);
	assert_int_equal(logline_format("cri"), LOGF_CRI);
	assert_int_equal(logline_format("nope"), -1);
	logline_release(&l);
}

/* Feed lines of "STREAM|text" to g (pm2 shape), offsets 100 apart. */
static void
feed(struct logs *g, struct logline *l, const char *const *lines, double mono)
{
	long long off = 0;

	for (; *lines; lines++, off += 100) {
		parse(l, LOGF_AUTO, *lines);
		assert_int_equal(logs_feed(g, "f", l, off, 1764000000, mono), 0);
	}
}

static void
test_grouping(void **state)
{
	static const char *const lines[] = {
		"0|a | INFO start",
		"1|b | Exception in thread \"main\" java.lang.IllegalStateException: bad",
		"0|a | Traceback (most recent call last):",
		"1|b |     at com.x.App.main(App.java:3)",
		"0|a |   File \"/srv/a.py\", line 2, in f",
		"0|a |     1/0",
		"0|a | ZeroDivisionError: division by zero",
		"1|b | ERROR lost",
		NULL,
	};
	struct logs_opts o;
	struct logs *g;
	struct logline l;
	long long off;
	jv recs;

	(void)state;
	logs_opts_init(&o);
	logline_init(&l);
	assert_int_equal(logs_new(&g, &o), 0);
	feed(g, &l, lines, 10);
	/* b's trace ended at "ERROR lost"; a's is still open. */
	recs = logs_take(g);
	assert_int_equal(jv_array_length(jv_copy(recs)), 1);
	{
		jv r = jv_array_get(jv_copy(recs), 0);
		assert_string_equal(record_str(r, "exception"), "java.lang.IllegalStateException");
		jv_free(r);
	}
	jv_free(recs);
	assert_int_equal(logs_held(g, "f", &off), 1);
	assert_int_equal(off, 200);		/* a's Traceback line */
	assert_true(logs_deadline(g) > 10);
	/* The quiet gap ends a's trace; b's ERROR is counted. */
	assert_int_equal(logs_tick(g, 10 + o.gap), 0);
	assert_int_equal(logs_end(g, NULL, 11), 0);
	recs = logs_take(g);
	assert_int_equal(jv_array_length(jv_copy(recs)), 2);
	{
		jv a = jv_array_get(jv_copy(recs), 0), b = jv_array_get(jv_copy(recs), 1);
		assert_string_equal(record_str(a, "exception"), "ZeroDivisionError");
		assert_string_equal(record_str(a, "monitor"), "a");
		assert_int_equal((int)record_num(b, "count", 0), 1);
		assert_string_equal(record_str(b, "message"), "ERROR lost");
		jv_free(a);
		jv_free(b);
	}
	jv_free(recs);
	assert_int_equal(logs_held(g, "f", &off), 0);
	logs_free(g);
	logline_release(&l);
}

static void
test_monitor_of(void **state)
{
	char *m;

	(void)state;
	m = logs_monitor_of("/home/u/.pm2/logs/shop-error.log");
	assert_string_equal(m, "shop");
	free(m);
	m = logs_monitor_of("/var/lib/docker/containers/0123456789abcdef/0123456789abcdef-json.log");
	assert_string_equal(m, "0123456789ab");
	free(m);
	m = logs_monitor_of("app.log");
	assert_string_equal(m, "app");
	free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_levels),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_wrappers),
		cmocka_unit_test(test_grouping),
		cmocka_unit_test(test_monitor_of),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
