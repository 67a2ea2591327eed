/* Unit tests for lib/watch.c: the thresholds, error signatures, state. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mend.h"

static jv
push(jv a, double t, int ok, double ms)
{
	return jv_array_append(a, JV_ARRAY(jv_number(t), jv_bool(ok), jv_number(ms)));
}

/* n samples from t0 every 10 s, every k-th failing (k 0: none), ms each
 * plus a small deterministic jitter. */
static jv
every(jv a, double t0, int n, int k, double ms)
{
	int i;

	for (i = 0; i < n; i++)
		a = push(a, t0 + 10 * i, !(k && i % k == 0), ms + (i * 7) % 5);
	return a;
}

static jv
judge_with(jv s, jv e, double window, double baseline, double warmup)
{
	struct watch_opts o;
	jv m;

	watch_opts_init(&o);
	o.window = window;
	o.baseline = baseline;
	o.warmup = warmup;
	assert_int_equal(watch_judge(&m, "api", s, e, 10000, &o), 0);
	return m;
}

static jv
judge(jv s, jv e)
{
	return judge_with(s, e, 300, 1800, 0);
}

static void
expect(jv m, const char *word, const char *reason)
{
	const char *got = record_str(m, "reason"), *w = record_str(m, "verdict");

	if (!w || strcmp(w, word))
		fail_msg("verdict '%s' (%s), want '%s'", w ? w : "(none)", got ? got : "", word);
	assert_int_equal(record_bool(m, "worse", 0), !strcmp(word, "worse"));
	if (reason && (!got || strncmp(got, reason, strlen(reason))))
		fail_msg("reason '%s', want it to start with '%s'", got ? got : "(none)", reason);
	jv_free(m);
}

static void
test_fail_rate(void **state)
{
	/* Half of 30 checks fail after, none of 60 before. */
	expect(judge(every(every(jv_array(), 9400, 60, 0, 50), 10000, 30, 2, 50), jv_null()),
	    "worse", "50% of checks failed after the deploy, 0% before (p<0.001)");
	/* One failure in 60 after none in 360: not evidence. */
	{
		jv s = every(jv_array(), 6400, 360, 0, 50);
		int i;

		for (i = 0; i < 60; i++)
			s = push(s, 10000 + 10 * i, i != 31, 50);
		expect(judge_with(s, jv_null(), 600, 3600, 0), "no worse", "no worse");
	}
	/* 30% to 45% of 20: within chance. */
	expect(judge(every(every(jv_array(), 9800, 20, 3, 50), 10000, 20, 2, 50), jv_null()),
	    "no worse", "no worse");
	/* Failing at first, clean in the latest half: recovering, not worse. */
	{
		jv s = every(jv_array(), 9400, 60, 0, 50);
		int i;

		for (i = 0; i < 30; i++)
			s = push(s, 10000 + 10 * i, i >= 10, 50);
		expect(judge(s, jv_null()), "no worse",
		    "no worse (worse at first, back to the baseline in the latest 150 s)");
	}
	/* Too few after. */
	expect(judge(every(every(jv_array(), 9800, 20, 0, 50), 10000, 4, 1, 50), jv_null()),
	    "not enough data", "too few checks to compare (20 before, 4 after, 5 needed)");
	/* Half failing before, none after: better. */
	expect(judge(every(every(jv_array(), 9400, 60, 2, 50), 10000, 30, 0, 50), jv_null()),
	    "better", "better: 0% of checks failed after, 50% before");
}

static void
test_latency(void **state)
{
	jv m;

	/* 100 -> 200 ms, every check. */
	m = judge(every(every(jv_array(), 9400, 60, 0, 100), 10000, 30, 0, 200), jv_null());
	assert_true(record_num(m, "tests.latency.slower_share", 0) == 1);
	assert_true(record_num(m, "after.median_ms", 0) == 202);
	expect(m, "worse", "median latency 202 ms after, 102 ms before (p<0.001; 100% of checks "
	    "after were slower than those before)");
	/* 100 -> 140: not half again slower. */
	expect(judge(every(every(jv_array(), 9400, 60, 0, 100), 10000, 30, 0, 140), jv_null()),
	    "no worse", "no worse");
	/* 400 -> 590: +47.5%. */
	expect(judge(every(every(jv_array(), 9400, 60, 0, 400), 10000, 30, 0, 590), jv_null()),
	    "no worse", "no worse");
	/* A cache warm-up: 900 ms for 50 s, then the baseline's 10 ms. */
	{
		jv s = every(jv_array(), 8200, 180, 0, 10);
		int i;

		for (i = 0; i < 30; i++)
			s = push(s, 10000 + 10 * i, 1, i < 5 ? 900 : 10);
		expect(judge_with(jv_copy(s), jv_null(), 300, 1800, 60), "no worse",
		    "no worse (a warm-up in the first 60 s is not counted)");
		/* Without the grace the warm-up is only 5 of 30 checks: still no worse. */
		expect(judge_with(s, jv_null(), 300, 1800, 0), "no worse", "no worse");
	}
	/* Slow for 190 s, back to normal since: recovering. */
	{
		jv s = every(jv_array(), 8200, 180, 0, 10);
		int i;

		for (i = 0; i < 30; i++)
			s = push(s, 10000 + 10 * i, 1, i < 19 ? 900 : 10 + (i * 7) % 5);
		expect(judge_with(s, jv_null(), 300, 1800, 60), "no worse",
		    "no worse (worse at first, back to the baseline in the latest 120 s)");
	}
	/* Better: 300 -> 100 ms. */
	expect(judge(every(every(jv_array(), 9400, 60, 0, 300), 10000, 30, 0, 100), jv_null()),
	    "better", "better: median latency 102 ms after, 302 ms before");
	/* Failing checks do not count in latency; samples outside both sides are ignored. */
	m = judge(every(every(every(jv_array(), 7000, 5, 0, 9999), 9800, 20, 0, 100),
	    10000, 10, 10, 100), jv_null());
	assert_true(record_num(m, "before.checks", -1) == 20);
	assert_true(record_num(m, "after.p95_ms", -1) == 104);
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

/* settle_s: the first of three checks in a row that look like the baseline. */
static void
test_settle(void **state)
{
	jv m, s;

	(void)state;
	/* Baseline 40 ms; after 10000: failing to 10050, slow (400 ms) to 10100,
	 * one good check at 10100, a slow one at 10110, then good from 10120. */
	s = every(jv_array(), 10000 - 1800, 180, 0, 40);
	s = every(s, 10000, 6, 1, 40);
	s = every(s, 10060, 4, 0, 400);
	s = push(s, 10100, 1, 41);
	s = push(s, 10110, 1, 400);
	s = every(s, 10120, 18, 0, 40);
	m = judge(s, jv_null());
	assert_int_equal((int)record_num(m, "settle_s", -1), 120);
	jv_free(m);
	/* Never like the baseline: the whole window. */
	s = every(every(jv_array(), 10000 - 1800, 180, 0, 40), 10000, 31, 0, 400);
	m = judge(s, jv_null());
	assert_int_equal((int)record_num(m, "settle_s", -1), 300);
	jv_free(m);
	/* Two checks after: unknown. */
	s = every(every(jv_array(), 10000 - 1800, 180, 0, 40), 10000, 2, 0, 40);
	m = judge(s, jv_null());
	assert_int_equal(jv_get_kind(record_get(m, "settle_s")), JV_KIND_NULL);
	jv_free(m);
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
		cmocka_unit_test(test_settle),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
