/* Unit tests for lib/watch.c: the thresholds, error signatures, state. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mend.h"

/* n samples from t0 every 10 s, `fails` of them failing, ms each. */
static jv
samples(jv a, double t0, int n, int fails, double ms)
{
	int i;

	for (i = 0; i < n; i++)
		a = jv_array_append(a, JV_ARRAY(jv_number(t0 + 10 * i), jv_bool(i >= fails),
		    jv_number(ms)));
	return a;
}

static jv
judge(jv s, jv e)
{
	struct watch_opts o;
	jv m;

	watch_opts_init(&o);
	assert_int_equal(watch_judge(&m, "api", s, e, 10000, &o), 0);
	return m;
}

static void
test_fail_rate(void **state)
{
	/* 20 before with 2 failing (10%), 10 after: 2 failing (20%) doubles but rises 10 points. */
	jv m = judge(samples(samples(jv_array(), 9000, 20, 2, 50), 10000, 10, 2, 50), jv_null());

	assert_true(record_bool(m, "worse", 0));
	assert_string_equal(record_str(m, "reason"), "failure rate 20% (was 10%)");
	assert_true(record_num(m, "before.fail_rate", -1) == 0.1);
	assert_true(record_num(m, "after.checks", -1) == 10);
	jv_free(m);
	/* 1 of 10 after (10%) over 0 before: 10 points and more than double. */
	m = judge(samples(samples(jv_array(), 9000, 20, 0, 50), 10000, 10, 1, 50), jv_null());
	assert_true(record_bool(m, "worse", 0));
	jv_free(m);
	/* 30% to 45%: 15 points but not double. */
	m = judge(samples(samples(jv_array(), 9000, 20, 6, 50), 10000, 20, 9, 50), jv_null());
	assert_false(record_bool(m, "worse", 1));
	assert_string_equal(record_str(m, "reason"), "no worse");
	jv_free(m);
	/* 0 to 5%: doubles but only 5 points. */
	m = judge(samples(samples(jv_array(), 9000, 20, 0, 50), 10000, 20, 1, 50), jv_null());
	assert_false(record_bool(m, "worse", 1));
	jv_free(m);
	/* Too few after: nothing decided. */
	m = judge(samples(samples(jv_array(), 9000, 20, 0, 50), 10000, 4, 4, 50), jv_null());
	assert_false(record_bool(m, "worse", 1));
	assert_string_equal(record_str(m, "reason"),
	    "too few checks to compare (20 before, 4 after, 5 needed)");
	jv_free(m);
}

static void
test_latency(void **state)
{
	/* 100 -> 200 ms: +100% and +100 ms. */
	jv m = judge(samples(samples(jv_array(), 9000, 20, 0, 100), 10000, 10, 0, 200), jv_null());

	assert_true(record_bool(m, "worse", 0));
	assert_string_equal(record_str(m, "reason"), "p95 200 ms (was 100 ms)");
	jv_free(m);
	/* 100 -> 199: only 99 ms more. */
	m = judge(samples(samples(jv_array(), 9000, 20, 0, 100), 10000, 10, 0, 199), jv_null());
	assert_false(record_bool(m, "worse", 1));
	jv_free(m);
	/* 400 -> 590: 190 ms but +47.5%. */
	m = judge(samples(samples(jv_array(), 9000, 20, 0, 400), 10000, 10, 0, 590), jv_null());
	assert_false(record_bool(m, "worse", 1));
	jv_free(m);
	/* Failing checks do not count in p95; samples outside both sides are ignored. */
	m = judge(samples(samples(samples(jv_array(), 7000, 5, 0, 9999), 9000, 20, 0, 100),
	    10000, 10, 1, 100), jv_null());
	assert_true(record_num(m, "before.checks", -1) == 20);
	assert_true(record_num(m, "after.p95_ms", -1) == 100);
	jv_free(m);
}

static void
test_new_errors(void **state)
{
	jv e = JV_ARRAY(JV_ARRAY(jv_number(9500), jv_string("KeyError at a.py in f")),
	    JV_ARRAY(jv_number(10100), jv_string("KeyError at a.py in f")),
	    JV_ARRAY(jv_number(10200), jv_string("TypeError at b.py in g")),
	    JV_ARRAY(jv_number(10900), jv_string("OSError at c.py in h")));
	jv m = judge(jv_null(), e);

	assert_true(record_bool(m, "worse", 0));
	assert_string_equal(record_str(m, "reason"), "new error: TypeError at b.py in g");
	assert_int_equal(jv_array_length(record_get(m, "new_errors")), 1);
	jv_free(m);
}

static void
test_signature(void **state)
{
	const char *txt = "{\"type\":\"error\",\"exception\":\"ZeroDivisionError\","
	    "\"stacktrace\":\"Traceback (most recent call last):\\n  File \\\"/srv/app.py\\\", line 3,"
	    " in main\\n    f()\\n  File \\\"/srv/calc.py\\\", line 9, in div\\n    a / b\\n"
	    "ZeroDivisionError: division by zero\\n\"}";
	jv r;
	char *s;

	assert_int_equal(record_parse(&r, txt, strlen(txt)), 0);
	s = watch_error_signature(r);
	assert_string_equal(s, "ZeroDivisionError at /srv/calc.py in div");
	free(s);
	jv_free(r);
	r = JV_OBJECT(jv_string("exception"), jv_null(), jv_string("message"), jv_string("bad gateway"));
	s = watch_error_signature(r);
	assert_string_equal(s, "bad gateway");
	free(s);
	jv_free(r);
}

static jv
probe(const char *ts, int ok, double ms)
{
	return JV_OBJECT(jv_string("type"), jv_string("probe"), jv_string("ts"), jv_string(ts),
	    jv_string("monitor"), jv_string("api"), jv_string("ok"), jv_bool(ok),
	    jv_string("ms"), jv_number(ms));
}

/* A watcher rebuilt from the changes of another continues where it stopped. */
static void
test_state(void **state)
{
	struct watch_opts o;
	struct watcher *w;
	jv ch, st = jv_object(), v;
	char ts[48];
	int i;

	watch_opts_init(&o);
	o.window = 60;
	o.baseline = 120;
	assert_int_equal(watcher_new(&w, jv_object(), &o), 0);
	for (i = 0; i < 12; i++) {
		snprintf(ts, sizeof ts, "2026-11-24T10:%02d:%02d.000Z", i / 6, i % 6 * 10);
		assert_int_equal(watcher_feed(w, probe(ts, 1, 50)), 0);
	}
	assert_int_equal(watcher_feed(w, JV_OBJECT(jv_string("type"), jv_string("deploy"),
	    jv_string("ts"), jv_string("2026-11-24T10:02:00.000Z"), jv_string("commit"),
	    jv_string("abc1234"))), 0);
	assert_int_equal(watcher_feed(w, JV_OBJECT(jv_string("type"), jv_string("deploy"),
	    jv_string("ts"), jv_string("2026-11-24T10:02:00.000Z"))), 1);
	assert_string_equal(mend_errmsg(), "deploy without a commit");
	assert_int_equal(watcher_pending(w), 1);
	ch = watcher_changes(w);
	jv_object_foreach(ch, k, val) {
		st = jv_get_kind(val) == JV_KIND_NULL ? jv_object_delete(st, k)
		    : jv_object_set(st, k, val);
		if (jv_get_kind(val) == JV_KIND_NULL)
			jv_free(val);
	}
	jv_free(ch);
	watcher_free(w);

	assert_int_equal(watcher_new(&w, st, &o), 0);
	assert_int_equal(watcher_pending(w), 1);
	for (i = 0; i < 7; i++) {
		snprintf(ts, sizeof ts, "2026-11-24T10:%02d:%02d.000Z", 2 + i / 6, i % 6 * 10);
		assert_int_equal(watcher_feed(w, probe(ts, i % 2, 50)), 0);
	}
	v = watcher_take(w);
	assert_int_equal(jv_array_length(jv_copy(v)), 0);
	assert_int_equal(watcher_feed(w, probe("2026-11-24T10:03:01.000Z", 1, 50)), 0);
	jv_free(v);
	v = watcher_take(w);
	assert_int_equal(jv_array_length(jv_copy(v)), 1);
	v = jv_array_get(v, 0);
	assert_true(record_bool(v, "verdict.worse", 0));
	{
		jv m = jv_array_get(record_get(v, "verdict.monitors"), 0);
		/* 10:00:00..10:01:50 before; 10:02:00..10:03:00 after, inclusive. */
		assert_true(record_num(m, "before.checks", -1) == 12);
		assert_true(record_num(m, "after.checks", -1) == 7);
		assert_true(record_num(m, "after.failures", -1) == 4);
		jv_free(m);
	}
	assert_string_equal(record_str(v, "deploy.commit"), "abc1234");
	jv_free(v);
	assert_int_equal(watcher_pending(w), 0);
	watcher_free(w);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fail_rate),
		cmocka_unit_test(test_latency),
		cmocka_unit_test(test_new_errors),
		cmocka_unit_test(test_signature),
		cmocka_unit_test(test_state),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
