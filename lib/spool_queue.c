/*
 * spool_queue.c - the job queues in the spool: add, lease, renew, finish,
 * fail with backoff, retry, list; purge and counts.
 *
 * Job states: queued -> leased -> done | failed (waits for a retry, then
 * leased again) | dead.  A lease has an owner and an expiry; an expired
 * lease is reclaimed by the next lease call, so a worker killed with -9
 * loses its job to another worker, never to two at once.  Every
 * read-then-write runs in BEGIN IMMEDIATE (spool.c), so two workers can
 * never lease the same job.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spool_db.h"

/* ---- jobs ---- */

void
job_release(struct job *j)
{
	free(j->queue);
	free(j->key);
	jv_free(j->payload);
	memset(j, 0, sizeof *j);
	j->payload = jv_invalid();
}

static jv
job_object(int64_t id, const char *queue, const char *state, const char *key,
    int attempts)
{
	jv o = jv_object();

	o = jv_object_set(o, jv_string("id"), jv_number((double)id));
	o = jv_object_set(o, jv_string("queue"), jv_string(queue));
	o = jv_object_set(o, jv_string("state"), jv_string(state));
	o = jv_object_set(o, jv_string("key"), record_strornull(key));
	o = jv_object_set(o, jv_string("attempts"), jv_number(attempts));
	return o;
}

int
spool_job_add(struct spool *sp, jv *out_job, const struct job_opts *o, jv payload)
{
	const char *queue = o->queue ? o->queue : "incidents";
	int max = o->max_attempts > 0 ? o->max_attempts : 5;
	double now = mend_now();
	sqlite3_stmt *st;
	int own, rc = 0;

	if (db_tx_start(sp, &own) < 0) {
		jv_free(payload);
		return -1;
	}
	if (o->key) {
		if (!(st = db_prep(sp, "SELECT id, attempts FROM jobs WHERE queue = ?1 AND"
		    " key = ?2 AND state IN ('queued', 'leased', 'failed') LIMIT 1"))) {
			rc = -1;
			goto out;
		}
		db_bind_text(st, 1, queue);
		db_bind_text(st, 2, o->key);
		if (db_step(st) == SQLITE_ROW) {
			*out_job = job_object(sqlite3_column_int64(st, 0), queue, "duplicate",
			    o->key, sqlite3_column_int(st, 1));
			db_unprep(st);
			goto out;
		}
		db_unprep(st);
	}
	if (!(st = db_prep(sp, "INSERT INTO jobs (queue, key, state, priority, payload,"
	    " max_attempts, ready_at, created, updated)"
	    " VALUES (?1, ?2, 'queued', ?3, ?4, ?5, ?6, ?7, ?7)"))) {
		rc = -1;
		goto out;
	}
	db_bind_text(st, 1, queue);
	db_bind_text(st, 2, o->key);
	sqlite3_bind_int(st, 3, o->priority);
	if (o->text)
		sqlite3_bind_text(st, 4, o->text, (int)o->text_len, SQLITE_TRANSIENT);
	else
		db_bind_json(st, 4, payload);
	sqlite3_bind_int(st, 5, max);
	sqlite3_bind_double(st, 6, now + (o->delay > 0 ? o->delay : 0));
	sqlite3_bind_double(st, 7, now);
	if (db_step(st) != SQLITE_DONE)
		rc = db_err(sp, "add job");
	else
		*out_job = job_object(sqlite3_last_insert_rowid(sp->db), queue, "queued",
		    o->key, 0);
	db_unprep(st);
out:
	jv_free(payload);
	return db_tx_end(sp, own, rc);
}

/* Expired leases: back to the queue, or dead when attempts ran out. */
static int
reclaim(struct spool *sp, const char *queue, double now)
{
	sqlite3_stmt *st = db_prep(sp, "UPDATE jobs SET"
	    " state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,"
	    " error = 'lease expired (worker died?)', lease_owner = NULL,"
	    " lease_until = NULL, ready_at = ?2, updated = ?2"
	    " WHERE queue = ?1 AND state = 'leased' AND lease_until < ?2");
	int rc = 0;

	if (!st)
		return -1;
	db_bind_text(st, 1, queue);
	sqlite3_bind_double(st, 2, now);
	if (db_step(st) != SQLITE_DONE)
		rc = db_err(sp, "reclaim leases");
	db_unprep(st);
	return rc;
}

int
spool_job_lease(struct spool *sp, struct job *j, const char *queue, const char *owner,
    double lease_s)
{
	double now = mend_now();
	sqlite3_stmt *st;
	int own, rc = 0;

	memset(j, 0, sizeof *j);
	j->payload = jv_invalid();
	if (db_tx_start(sp, &own) < 0)
		return -1;
	if (reclaim(sp, queue, now) < 0)
		return db_tx_end(sp, own, -1);
	if (!(st = db_prep(sp, "SELECT id, key, payload, attempts, max_attempts FROM jobs"
	    " WHERE queue = ?1 AND state IN ('queued', 'failed') AND ready_at <= ?2"
	    " ORDER BY priority DESC, id LIMIT 1")))
		return db_tx_end(sp, own, -1);
	db_bind_text(st, 1, queue);
	sqlite3_bind_double(st, 2, now);
	switch (db_step(st)) {
	case SQLITE_ROW:
		j->id = sqlite3_column_int64(st, 0);
		j->queue = strdup(queue);
		j->key = sqlite3_column_text(st, 1) ? strdup((const char *)
		    sqlite3_column_text(st, 1)) : NULL;
		j->payload = db_col_json(st, 2);
		j->attempts = sqlite3_column_int(st, 3) + 1;
		j->max_attempts = sqlite3_column_int(st, 4);
		rc = 1;
		break;
	case SQLITE_DONE:
		break;
	default:
		rc = db_err(sp, "lease");
	}
	db_unprep(st);
	if (rc == 1) {
		if (!(st = db_prep(sp, "UPDATE jobs SET state = 'leased', attempts = attempts + 1,"
		    " lease_owner = ?2, lease_until = ?3, updated = ?4 WHERE id = ?1")))
			rc = -1;
		else {
			sqlite3_bind_int64(st, 1, j->id);
			db_bind_text(st, 2, owner);
			sqlite3_bind_double(st, 3, now + lease_s);
			sqlite3_bind_double(st, 4, now);
			if (db_step(st) != SQLITE_DONE)
				rc = db_err(sp, "lease");
			db_unprep(st);
		}
	}
	rc = db_tx_end(sp, own, rc);
	if (rc != 1)
		job_release(j);
	return rc;
}

/*
 * Run an UPDATE on a job we hold; -1 when the lease is no longer ours.
 * Parameters: ?1 id, ?2 owner, ?3 t, ?4 text, ?5 now; a statement uses
 * the ones it needs (binding an unused slot is harmless).
 */
static int
update_leased(struct spool *sp, const char *sql, int64_t id, const char *owner,
    double t, const char *text, const char *what)
{
	sqlite3_stmt *st;
	int own, rc = 0;

	if (db_tx_start(sp, &own) < 0)
		return -1;
	if (!(st = db_prep(sp, sql)))
		return db_tx_end(sp, own, -1);
	sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, owner);
	sqlite3_bind_double(st, 3, t);
	db_bind_text(st, 4, text);
	sqlite3_bind_double(st, 5, mend_now());
	if (db_step(st) != SQLITE_DONE)
		rc = db_err(sp, what);
	else if (sqlite3_changes(sp->db) == 0)
		rc = mend_err("job %lld: lease lost", (long long)id);
	db_unprep(st);
	return db_tx_end(sp, own, rc);
}

int
spool_job_renew(struct spool *sp, int64_t id, const char *owner, double lease_s)
{
	return update_leased(sp, "UPDATE jobs SET lease_until = ?3 + ?5, updated = ?5"
	    " WHERE id = ?1 AND state = 'leased' AND lease_owner = ?2",
	    id, owner, lease_s, NULL, "renew lease");
}

int
spool_job_done(struct spool *sp, int64_t id, const char *owner, const char *result)
{
	return update_leased(sp, "UPDATE jobs SET state = 'done', result = ?4,"
	    " error = NULL, lease_owner = NULL, lease_until = NULL, updated = ?5"
	    " WHERE id = ?1 AND state = 'leased' AND lease_owner = ?2",
	    id, owner, 0, result, "finish job");
}

int
spool_job_fail(struct spool *sp, int64_t id, const char *owner, int permanent,
    double backoff, const char *error, const char **state_out, double *retry_in)
{
	sqlite3_stmt *st;
	int own, attempts = 0, max = 0, rc;
	double delay = 0;
	const char *state;

	if (db_tx_start(sp, &own) < 0)
		return -1;
	if (!(st = db_prep(sp, "SELECT attempts, max_attempts FROM jobs WHERE id = ?1"
	    " AND state = 'leased' AND lease_owner = ?2")))
		return db_tx_end(sp, own, -1);
	sqlite3_bind_int64(st, 1, id);
	db_bind_text(st, 2, owner);
	rc = db_step(st);
	if (rc == SQLITE_ROW) {
		attempts = sqlite3_column_int(st, 0);
		max = sqlite3_column_int(st, 1);
	}
	db_unprep(st);
	if (rc != SQLITE_ROW)
		return db_tx_end(sp, own, mend_err("job %lld: lease lost", (long long)id));
	if (permanent || attempts >= max) {
		state = "dead";
	} else {
		/* Exponential backoff with full jitter in [d/2, d], capped. */
		int i;
		delay = backoff > 0 ? backoff : 2;
		for (i = 1; i < attempts && delay < 600; i++)
			delay *= 2;
		if (delay > 600)
			delay = 600;
		delay = delay / 2 + delay / 2 * ((double)rand() / RAND_MAX);
		state = "failed";
	}
	rc = update_leased(sp, permanent || attempts >= max
	    ? "UPDATE jobs SET state = 'dead', error = ?4, lease_owner = NULL,"
	      " lease_until = NULL, updated = ?5 WHERE id = ?1 AND lease_owner = ?2"
	    : "UPDATE jobs SET state = 'failed', error = ?4, lease_owner = NULL,"
	      " lease_until = NULL, ready_at = ?5 + ?3, updated = ?5 WHERE id = ?1"
	      " AND lease_owner = ?2",
	    id, owner, delay, error, "fail job");
	if (rc == 0) {
		if (state_out)
			*state_out = state;
		if (retry_in)
			*retry_in = delay;
	}
	return db_tx_end(sp, own, rc);
}

int
spool_job_retry(struct spool *sp, int64_t id)
{
	sqlite3_stmt *st;
	int own, rc = 0;

	if (db_tx_start(sp, &own) < 0)
		return -1;
	if (!(st = db_prep(sp, "UPDATE jobs SET state = 'queued', ready_at = ?2,"
	    " attempts = 0, error = NULL, updated = ?2"
	    " WHERE id = ?1 AND state IN ('dead', 'failed', 'done')")))
		return db_tx_end(sp, own, -1);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_double(st, 2, mend_now());
	if (db_step(st) != SQLITE_DONE)
		rc = db_err(sp, "retry job");
	else if (sqlite3_changes(sp->db) == 0)
		rc = mend_err("job %lld: no such job, or it is queued or leased",
		    (long long)id);
	db_unprep(st);
	return db_tx_end(sp, own, rc);
}

double
spool_job_next(struct spool *sp, const char *queue)
{
	sqlite3_stmt *st = db_prep(sp, "SELECT min(CASE WHEN state = 'leased'"
	    " THEN lease_until ELSE ready_at END) FROM jobs"
	    " WHERE queue = ?1 AND state IN ('queued', 'failed', 'leased')");
	double next = -1, now = mend_now();

	if (!st)
		return -1;
	db_bind_text(st, 1, queue);
	if (db_step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		next = sqlite3_column_double(st, 0) - now;
		if (next < 0)
			next = 0;
	}
	db_unprep(st);
	return next;
}

/* A job's row (JOB_COLS) without its payload and result, for lists. */
static jv
job_list_row(sqlite3_stmt *st)
{
	static const struct db_col cols[] = {
		{ "max_attempts", db_col_num }, { "priority", db_col_num },
		{ "created", db_col_time }, { "updated", db_col_time }, { "ready_at", db_col_time },
		{ "lease_owner", db_col_str }, { "error", db_col_str }, { NULL, NULL },
	};
	jv o = job_object(sqlite3_column_int64(st, 0),
	    (const char *)sqlite3_column_text(st, 1),
	    (const char *)sqlite3_column_text(st, 3),
	    (const char *)sqlite3_column_text(st, 2), sqlite3_column_int(st, 4));

	return db_cols(o, st, 5, cols);
}

static jv
job_full_row(sqlite3_stmt *st)
{
	static const struct db_col cols[] = {
		{ "payload", db_col_json }, { "result", db_col_str }, { NULL, NULL },
	};

	return db_cols(job_list_row(st), st, 12, cols);
}

#define JOB_COLS "id, queue, key, state, attempts, max_attempts, priority, created," \
	" updated, ready_at, lease_owner, error, payload, result"

int
spool_jobs(struct spool *sp, jv *out, const char *queue, const char *state)
{
	sqlite3_stmt *st = db_query(sp, "SELECT " JOB_COLS " FROM jobs"
	    " WHERE (?1 IS NULL OR queue = ?1) AND (?2 IS NULL OR state = ?2) ORDER BY id", "tt",
	    queue, state);

	return st ? db_rows(sp, out, st, job_list_row, "list jobs") : -1;
}

int
spool_job_get(struct spool *sp, jv *out, int64_t id)
{
	sqlite3_stmt *st = db_query(sp, "SELECT " JOB_COLS " FROM jobs WHERE id = ?1", "I", id);

	return st ? db_one(sp, out, st, job_full_row, "get job") : -1;
}

int
spool_purge(struct spool *sp, double age, int *njobs, int *nincidents)
{
	double before = mend_now() - age;
	sqlite3_stmt *st;
	int own, rc = 0;

	if (db_tx_start(sp, &own) < 0)
		return -1;
	if (!(st = db_prep(sp, "DELETE FROM jobs WHERE state IN ('done', 'dead')"
	    " AND updated < ?1")))
		return db_tx_end(sp, own, -1);
	sqlite3_bind_double(st, 1, before);
	if (db_step(st) != SQLITE_DONE)
		rc = db_err(sp, "purge jobs");
	*njobs = sqlite3_changes(sp->db);
	db_unprep(st);
	if (rc == 0 && db_exec(sp, "CREATE TEMP TABLE IF NOT EXISTS purge_ids (id TEXT)") == 0 &&
	    db_exec(sp, "DELETE FROM purge_ids") == 0 &&
	    (st = db_prep(sp, "INSERT INTO purge_ids SELECT id FROM incidents"
	    " WHERE state = 'resolved' AND resolved < ?1"))) {
		sqlite3_bind_double(st, 1, before);
		if (db_step(st) != SQLITE_DONE)
			rc = db_err(sp, "purge incidents");
		*nincidents = sqlite3_changes(sp->db);
		db_unprep(st);
		if (rc == 0 && (db_exec(sp, "DELETE FROM timeline WHERE incident IN"
		    " (SELECT id FROM purge_ids)") < 0 || db_exec(sp, "DELETE FROM incidents"
		    " WHERE id IN (SELECT id FROM purge_ids)") < 0))
			rc = -1;
	} else if (rc == 0) {
		rc = -1;
	}
	/* What notify sent is only a guard against posting a retried job
	 * twice: old entries can go.  Other stages' state (detector windows,
	 * used fix links, pending deploys) is never purged by age. */
	if (rc == 0 && (st = db_prep(sp, "DELETE FROM state WHERE ns = 'notify' AND updated < ?1"))) {
		sqlite3_bind_double(st, 1, before);
		if (db_step(st) != SQLITE_DONE)
			rc = db_err(sp, "purge notify state");
		db_unprep(st);
	}
	return db_tx_end(sp, own, rc);
}

int
spool_stats(struct spool *sp, jv *out)
{
	sqlite3_stmt *st = db_prep(sp, "SELECT queue, state, count(*) FROM jobs"
	    " GROUP BY queue, state");
	jv queues = jv_object(), inc = jv_object(), o;
	int rc;

	if (!st)
		goto fail;
	while ((rc = db_step(st)) == SQLITE_ROW) {
		const char *q = (const char *)sqlite3_column_text(st, 0);
		const char *s = (const char *)sqlite3_column_text(st, 1);
		jv qo = jv_object_has(jv_copy(queues), jv_string(q))
		    ? jv_object_get(jv_copy(queues), jv_string(q)) : jv_object();
		qo = jv_object_set(qo, jv_string(s), jv_number(sqlite3_column_int(st, 2)));
		queues = jv_object_set(queues, jv_string(q), qo);
	}
	db_unprep(st);
	if (rc != SQLITE_DONE)
		goto dbfail;
	if (!(st = db_prep(sp, "SELECT state, count(*) FROM incidents GROUP BY state")))
		goto fail;
	inc = jv_object_set(inc, jv_string("open"), jv_number(0));
	inc = jv_object_set(inc, jv_string("resolved"), jv_number(0));
	while ((rc = db_step(st)) == SQLITE_ROW)
		inc = jv_object_set(inc, db_col_str(st, 0), jv_number(sqlite3_column_int(st, 1)));
	db_unprep(st);
	if (rc != SQLITE_DONE)
		goto dbfail;
	o = jv_object_set(jv_object(), jv_string("type"), jv_string("stats"));
	o = jv_object_set(o, jv_string("spool"), jv_string(sp->dir));
	o = jv_object_set(o, jv_string("queues"), queues);
	*out = jv_object_set(o, jv_string("incidents"), inc);
	return 0;
dbfail:
	db_err(sp, "stats");
fail:
	jv_free(queues);
	jv_free(inc);
	return -1;
}
