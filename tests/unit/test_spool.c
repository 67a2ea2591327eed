/* Unit tests for lib/spool.c: the job state machine, incidents, state, kb. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "mend.h"
#include "spool_db.h"

static int
setup(void **state)
{
	char tmpl[] = "/tmp/mend-unit-spool.XXXXXX";
	struct spool *sp;

	assert_non_null(mkdtemp(tmpl));
	assert_int_equal(spool_open(&sp, tmpl), 0);
	*state = sp;
	return 0;
}

static int
teardown(void **state)
{
	struct spool *sp = *state;
	char cmd[512];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", spool_dir(sp));
	spool_close(sp);
	return system(cmd);
}

static void
test_job_lifecycle(void **state)
{
	struct spool *sp = *state;
	struct job_opts o = { .queue = "q", .key = "k1", .max_attempts = 2 };
	struct job j, j2;
	const char *st;
	double retry;
	jv job;

	assert_int_equal(spool_job_add(sp, &job, &o, jv_parse("{\"n\":1}")), 0);
	assert_string_equal(record_str(job, "state"), "queued");
	jv_free(job);
	assert_int_equal(spool_job_add(sp, &job, &o, jv_parse("{\"n\":2}")), 0);
	assert_string_equal(record_str(job, "state"), "duplicate");
	jv_free(job);

	assert_int_equal(spool_job_lease(sp, &j, "q", "w1", 60), 1);
	assert_int_equal(j.attempts, 1);
	assert_true(record_num(j.payload, "n", 0) == 1);
	/* Leased: nobody else gets it. */
	assert_int_equal(spool_job_lease(sp, &j2, "q", "w2", 60), 0);
	/* Only the owner may settle it. */
	assert_int_equal(spool_job_done(sp, j.id, "w2", NULL), -1);
	assert_int_equal(spool_job_fail(sp, j.id, "w1", 0, 0.01, "boom", &st, &retry), 0);
	assert_string_equal(st, "failed");
	usleep(30000);
	assert_int_equal(spool_job_lease(sp, &j2, "q", "w2", 60), 1);
	assert_int_equal(j2.attempts, 2);
	assert_int_equal(spool_job_fail(sp, j2.id, "w2", 0, 0.01, "boom", &st, NULL), 0);
	assert_string_equal(st, "dead");	/* attempts ran out */
	job_release(&j);
	job_release(&j2);

	/* Dead frees the key; retry brings it back. */
	assert_int_equal(spool_job_add(sp, &job, &o, jv_parse("{\"n\":3}")), 0);
	assert_string_equal(record_str(job, "state"), "queued");
	jv_free(job);
	assert_int_equal(spool_job_retry(sp, 1), 0);
	assert_int_equal(spool_job_retry(sp, 1), -1);	/* already queued */
}

static void
test_lease_expiry(void **state)
{
	struct spool *sp = *state;
	struct job_opts o = { .queue = "e" };
	struct job j, j2;
	jv job;

	assert_int_equal(spool_job_add(sp, &job, &o, jv_parse("{}")), 0);
	jv_free(job);
	assert_int_equal(spool_job_lease(sp, &j, "e", "dead-worker", 0.05), 1);
	usleep(80000);
	assert_int_equal(spool_job_lease(sp, &j2, "e", "w2", 60), 1);
	assert_true(j2.id == j.id);
	/* The first worker's lease is gone: it can neither renew nor finish. */
	assert_int_equal(spool_job_renew(sp, j.id, "dead-worker", 60), -1);
	assert_int_equal(spool_job_done(sp, j.id, "dead-worker", NULL), -1);
	assert_int_equal(spool_job_done(sp, j2.id, "w2", "ok"), 0);
	job_release(&j);
	job_release(&j2);
}

static void
test_incidents(void **state)
{
	struct spool *sp = *state;
	jv open = jv_parse("{\"type\":\"incident\",\"incident\":{\"id\":\"inc_a\","
	    "\"event\":\"open\",\"monitor\":\"api\",\"summary\":\"api down\"}}");
	jv an = jv_parse("{\"type\":\"analysis\",\"incident\":{\"id\":\"inc_a\"},"
	    "\"analysis\":{\"root_cause\":\"ZeroDivisionError in average\","
	    "\"category\":\"code\"}}");
	jv res = jv_parse("{\"type\":\"incident\",\"incident\":{\"id\":\"inc_a\","
	    "\"event\":\"resolve\"}}");
	jv out, v;

	assert_int_equal(spool_incident_append(sp, open), 0);
	assert_int_equal(spool_incident_append(sp, an), 0);
	assert_int_equal(spool_incident_latest(sp, &out, "inc_a", "analysis"), 1);
	assert_string_equal(record_str(out, "analysis.category"), "code");
	jv_free(out);
	assert_int_equal(spool_incident_latest(sp, &out, "inc_a", "pr"), 0);
	assert_int_equal(spool_incidents(sp, &out, 1), 0);
	assert_int_equal(jv_array_length(out), 1);
	assert_int_equal(spool_incident_append(sp, res), 0);
	assert_int_equal(spool_incidents(sp, &out, 1), 0);
	assert_int_equal(jv_array_length(out), 0);
	assert_int_equal(spool_incident_get(sp, &out, "inc_a"), 1);
	assert_string_equal(record_str(out, "state"), "resolved");
	assert_string_equal(record_str(out, "summary"), "api down");
	assert_int_equal(jv_array_length(record_get(out, "timeline")), 3);
	jv_free(out);
	v = jv_parse("{\"type\":\"x\"}");	/* no incident.id */
	assert_int_equal(spool_incident_append(sp, v), -1);
	jv_free(v);

	/* The knowledge base finds it by what went wrong. */
	assert_int_equal(spool_kb_add(sp, open), 0);
	assert_int_equal(spool_kb_add(sp, an), 0);
	assert_int_equal(spool_kb_search(sp, &out, "ZeroDivisionError \"OR\" *", 5), 0);
	assert_int_equal(jv_array_length(jv_copy(out)), 1);
	v = jv_array_get(out, 0);
	assert_string_equal(record_str(v, "incident"), "inc_a");
	jv_free(v);
	jv_free(open);
	jv_free(an);
	jv_free(res);
}

static void
test_state(void **state)
{
	struct spool *sp = *state;
	jv v;

	assert_int_equal(spool_state_get(sp, &v, "ns", "k"), 0);
	assert_int_equal(spool_state_put(sp, "ns", "k", jv_number(3)), 0);
	assert_int_equal(spool_state_get(sp, &v, "ns", "k"), 1);
	assert_true(jv_number_value(v) == 3);
	jv_free(v);
	assert_int_equal(spool_state_claim(sp, "ns", "once", jv_true()), 1);
	assert_int_equal(spool_state_claim(sp, "ns", "once", jv_true()), 0);
	assert_int_equal(spool_state_put(sp, "ns", "k", jv_null()), 0);
	assert_int_equal(spool_state_get(sp, &v, "ns", "k"), 0);

	/* purge drops notify's old entries, never other stages' state */
	assert_int_equal(spool_state_put(sp, "notify", "sent", jv_true()), 0);
	assert_int_equal(spool_state_put(sp, "detect", "api", jv_true()), 0);
	usleep(20000);
	{
		int nj, ni;
		assert_int_equal(spool_purge(sp, 0.01, &nj, &ni), 0);
	}
	assert_int_equal(spool_state_get(sp, &v, "notify", "sent"), 0);
	assert_int_equal(spool_state_get(sp, &v, "detect", "api"), 1);
	jv_free(v);
}

static jv
four_row(sqlite3_stmt *st)
{
	static const struct db_col cols[] = {
		{ "t", db_col_str }, { "i", db_col_num }, { "I", db_col_num }, { "d", db_col_num },
		{ "n", db_col_str }, { NULL, NULL },
	};

	return db_cols(jv_object(), st, 0, cols);
}

/* The private helpers the spool files share: bind by type, one row, one int. */
static void
test_db_helpers(void **state)
{
	struct spool *sp = *state;
	sqlite3_stmt *st;
	jv o = jv_true(), rows;

	st = db_query(sp, "SELECT ?1, ?2, ?3, ?4, ?5", "tiIdt", "x", 7, (int64_t)1 << 40, 2.5,
	    (const char *)NULL);
	assert_non_null(st);
	assert_int_equal(db_one(sp, &o, st, four_row, "test"), 1);
	assert_string_equal(record_str(o, "t"), "x");
	assert_true(record_num(o, "i", 0) == 7);
	assert_true(record_num(o, "I", 0) == (double)((int64_t)1 << 40));
	assert_true(record_num(o, "d", 0) == 2.5);
	assert_int_equal(jv_get_kind(record_get(o, "n")), JV_KIND_NULL);
	jv_free(o);
	/* No row: 0, *out untouched. */
	o = jv_true();
	st = db_query(sp, "SELECT 1 WHERE ?1 = 0", "i", 1);
	assert_int_equal(db_one(sp, &o, st, db_row_json, "test"), 0);
	assert_int_equal(jv_get_kind(o), JV_KIND_TRUE);
	st = db_query(sp, "SELECT '[1]' UNION ALL SELECT '2' WHERE ?1", "i", 1);
	assert_int_equal(db_rows(sp, &rows, st, db_row_json, "test"), 0);
	assert_int_equal(jv_array_length(jv_copy(rows)), 2);
	jv_free(rows);
	assert_int_equal(db_int(sp, "SELECT 42", "test"), 42);
	assert_int_equal(db_int(sp, "SELECT 1 WHERE 0", NULL), -1);
	assert_null(db_query(sp, "SELECT FROM", ""));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_job_lifecycle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lease_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_incidents, setup, teardown),
		cmocka_unit_test_setup_teardown(test_state, setup, teardown),
		cmocka_unit_test_setup_teardown(test_db_helpers, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
