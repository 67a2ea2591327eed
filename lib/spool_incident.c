/*
 * spool_incident.c - incidents and their timelines in the spool: every
 * stage appends what it produced (redacted) to the incident's timeline;
 * the incident row follows its open and resolve events.  Also the
 * queries behind trigger's dashboard pages (lib/dashboard.c).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spool_db.h"

/* ---- incidents ---- */

static int incident_append(struct spool *sp, jv rec);

/* The timeline holds what may be shown anywhere: redacted (lib/redact.c). */
int
spool_incident_append(struct spool *sp, jv rec)
{
	jv red = redact_record(jv_copy(rec), NULL);
	int rc = incident_append(sp, red);

	jv_free(red);
	return rc;
}

static int
incident_append(struct spool *sp, jv rec)
{
	const char *id = record_str(rec, "incident.id");
	const char *type = record_type(rec);
	const char *event = record_str(rec, "incident.event");
	double now = mend_now(), t;
	sqlite3_stmt *st;
	int own, rc = 0;

	if (!id)
		return mend_err("record has no incident.id");
	if (!*type)
		return mend_err("record has no type");
	if (db_tx_start(sp, &own) < 0)
		return -1;
	if (record_str(rec, "incident.first_seen") &&
	    mend_parse_time(&t, record_str(rec, "incident.first_seen")) == 0)
		;
	else
		t = now;
	/* Create the incident on first sight; the incident record itself
	 * (open/resolve) also moves its state. */
	st = db_prep(sp, "INSERT INTO incidents (id, fingerprint, monitor, url, state,"
	    " reason, summary, opened, updated) VALUES (?1, ?2, ?3, ?4, 'open', ?5, ?6, ?7, ?8)"
	    " ON CONFLICT(id) DO UPDATE SET updated = ?8,"
	    " fingerprint = coalesce(?2, fingerprint), monitor = coalesce(?3, monitor),"
	    " url = coalesce(?4, url), reason = coalesce(?5, reason),"
	    " summary = coalesce(?6, summary)");
	if (!st)
		return db_tx_end(sp, own, -1);
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, record_str(rec, "incident.fingerprint"));
	db_bind_text(st, 3, record_str(rec, "incident.monitor"));
	db_bind_text(st, 4, record_str(rec, "incident.url"));
	db_bind_text(st, 5, record_str(rec, "incident.reason"));
	db_bind_text(st, 6, record_str(rec, "incident.summary"));
	sqlite3_bind_double(st, 7, t);
	sqlite3_bind_double(st, 8, now);
	if (db_step(st) != SQLITE_DONE)
		rc = db_err(sp, "store incident");
	db_unprep(st);
	if (rc == 0 && !strcmp(type, "incident") && event) {
		int resolve = !strcmp(event, "resolve");
		double when = now;
		const char *ls = record_str(rec, "incident.last_seen");
		if (resolve && ls)
			mend_parse_time(&when, ls);
		st = db_prep(sp, resolve
		    ? "UPDATE incidents SET state = 'resolved', resolved = ?2 WHERE id = ?1"
		    : "UPDATE incidents SET state = 'open', resolved = NULL WHERE id = ?1"
		      " AND ?2 = ?2");
		if (!st)
			return db_tx_end(sp, own, -1);
		db_bind_text(st, 1, id);
		sqlite3_bind_double(st, 2, when);
		if (db_step(st) != SQLITE_DONE)
			rc = db_err(sp, "update incident");
		db_unprep(st);
	}
	if (rc == 0) {
		if (!(st = db_prep(sp, "INSERT INTO timeline (incident, type, ts, record)"
		    " VALUES (?1, ?2, ?3, ?4)")))
			return db_tx_end(sp, own, -1);
		db_bind_text(st, 1, id);
		db_bind_text(st, 2, type);
		sqlite3_bind_double(st, 3, now);
		db_bind_json(st, 4, rec);
		if (db_step(st) != SQLITE_DONE)
			rc = db_err(sp, "append to timeline");
		db_unprep(st);
	}
	return db_tx_end(sp, own, rc);
}

int
spool_incident_refused(struct spool *sp, jv rec, const char *stage, const char *reason)
{
	const char *id = record_str(rec, "incident.id");
	char ts[32];
	jv r;
	int rc;

	if (!id)
		return 0;
	r = JV_OBJECT(jv_string("type"), jv_string("refused"), jv_string("incident"),
	    JV_OBJECT(jv_string("id"), jv_string(id)), jv_string("refused"),
	    JV_OBJECT(jv_string("stage"), jv_string(stage), jv_string("reason"),
	    jv_string(reason), jv_string("ts"), jv_string(mend_rfc3339(ts, sizeof ts,
	    mend_now()))));
	rc = spool_incident_append(sp, r);
	jv_free(r);
	return rc;
}

void
spool_incident_refuse(struct spool *sp, jv rec, const char *stage, const char *subject,
    const char *what, const char *why)
{
	char msg[1024];

	/* why may be mend_errmsg(), which the append may overwrite. */
	snprintf(msg, sizeof msg, "%s", why);
	mend_warn("%s: %s: %s", subject, what, msg);
	if (spool_incident_refused(sp, rec, stage, msg) < 0)
		mend_warn("%s: cannot record in the timeline: %s", subject, mend_errmsg());
}

int
spool_incident_latest(struct spool *sp, jv *out, const char *id, const char *type)
{
	sqlite3_stmt *st = db_query(sp, "SELECT record FROM timeline WHERE incident = ?1"
	    " AND type = ?2 ORDER BY seq DESC LIMIT 1", "tt", id, type);

	return st ? db_one(sp, out, st, db_row_json, "read timeline") : -1;
}

#define INC_COLS "id, fingerprint, monitor, url, state, reason, summary, opened," \
	" resolved, updated"

static jv
incident_row(sqlite3_stmt *st)
{
	static const struct db_col cols[] = {
		{ "id", db_col_str }, { "fingerprint", db_col_str }, { "monitor", db_col_str },
		{ "url", db_col_str }, { "state", db_col_str }, { "reason", db_col_str },
		{ "summary", db_col_str }, { "opened", db_col_time }, { "resolved", db_col_time },
		{ "updated", db_col_time }, { NULL, NULL },
	};
	jv o = jv_object_set(jv_object(), jv_string("type"), jv_string("incident_log"));

	o = db_cols(o, st, 0, cols);
	if (sqlite3_column_type(st, 8) != SQLITE_NULL)
		o = jv_object_set(o, jv_string("duration_s"), jv_number(
		    sqlite3_column_double(st, 8) - sqlite3_column_double(st, 7)));
	return o;
}

static jv
timeline_row(sqlite3_stmt *st)
{
	jv e = jv_object_set(jv_object(), jv_string("type"), db_col_str(st, 0));

	e = jv_object_set(e, jv_string("ts"), db_col_time(st, 1));
	return jv_object_set(e, jv_string("record"), db_col_json(st, 2));
}

int
spool_incident_get(struct spool *sp, jv *out, const char *id)
{
	sqlite3_stmt *st = db_query(sp, "SELECT " INC_COLS " FROM incidents WHERE id = ?1", "t",
	    id);
	jv o, tl;
	int rc;

	if (!st)
		return -1;
	if ((rc = db_one(sp, &o, st, incident_row, "get incident")) <= 0)
		return rc;
	if (!(st = db_query(sp, "SELECT type, ts, record FROM timeline WHERE incident = ?1"
	    " ORDER BY seq", "t", id)) ||
	    db_rows(sp, &tl, st, timeline_row, "read timeline") < 0) {
		jv_free(o);
		return -1;
	}
	*out = jv_object_set(o, jv_string("timeline"), tl);
	return 1;
}

int
spool_incidents(struct spool *sp, jv *out, int open_only)
{
	sqlite3_stmt *st = db_query(sp, "SELECT " INC_COLS " FROM incidents"
	    " WHERE ?1 = 0 OR state = 'open' ORDER BY opened DESC, id", "i", open_only);

	return st ? db_rows(sp, out, st, incident_row, "list incidents") : -1;
}

/* ---- dashboard queries (trigger's pages, lib/dashboard.c) ---- */

/* An incident_row with its stages and last seq (spool_incidents_recent). */
static jv
recent_row(sqlite3_stmt *st)
{
	jv o = incident_row(st);

	o = jv_object_set(o, jv_string("stages"), db_col_str(st, 10));
	return jv_object_set(o, jv_string("seq"), jv_number(sqlite3_column_double(st, 11)));
}

int
spool_incidents_recent(struct spool *sp, jv *out, double since, int limit)
{
	/* Open ones first, then the most recently opened; each with the
	 * distinct timeline types it has (its stages) and its last seq. */
	sqlite3_stmt *st = db_query(sp, "SELECT " INC_COLS ","
	    " (SELECT group_concat(DISTINCT type) FROM timeline t WHERE t.incident = i.id),"
	    " (SELECT max(seq) FROM timeline t WHERE t.incident = i.id)"
	    " FROM incidents i WHERE state = 'open' OR coalesce(resolved, updated) >= ?1"
	    " ORDER BY state = 'open' DESC, opened DESC, id LIMIT ?2", "di", since, limit);

	return st ? db_rows(sp, out, st, recent_row, "list incidents") : -1;
}

static jv
span_row(sqlite3_stmt *st)
{
	jv o = jv_object_set(jv_object(), jv_string("monitor"), db_col_str(st, 0));

	o = jv_object_set(o, jv_string("opened"), jv_number(sqlite3_column_double(st, 1)));
	return jv_object_set(o, jv_string("resolved"), sqlite3_column_type(st, 2) ==
	    SQLITE_NULL ? jv_null() : jv_number(sqlite3_column_double(st, 2)));
}

int
spool_incident_spans(struct spool *sp, jv *out, double since)
{
	sqlite3_stmt *st = db_query(sp, "SELECT monitor, opened, resolved FROM incidents"
	    " WHERE monitor IS NOT NULL AND (resolved IS NULL OR resolved >= ?1)"
	    " ORDER BY monitor, opened", "d", since);

	return st ? db_rows(sp, out, st, span_row, "read incident spans") : -1;
}

static jv
event_row(sqlite3_stmt *st)
{
	jv o = jv_object_set(jv_object(), jv_string("seq"),
	    jv_number((double)sqlite3_column_int64(st, 0)));

	o = jv_object_set(o, jv_string("incident"), db_col_str(st, 1));
	o = jv_object_set(o, jv_string("type"), db_col_str(st, 2));
	o = jv_object_set(o, jv_string("state"), db_col_str(st, 3));
	return jv_object_set(o, jv_string("event"), db_col_str(st, 4));
}

int
spool_timeline_since(struct spool *sp, jv *out, int64_t after, int limit)
{
	sqlite3_stmt *st = db_query(sp, "SELECT t.seq, t.incident, t.type, i.state,"
	    " json_extract(t.record, '$.incident.event')"
	    " FROM timeline t JOIN incidents i ON i.id = t.incident"
	    " WHERE t.seq > ?1 ORDER BY t.seq LIMIT ?2", "Ii", after, limit);

	return st ? db_rows(sp, out, st, event_row, "read timeline") : -1;
}

int64_t
spool_timeline_last(struct spool *sp)
{
	return db_int(sp, "SELECT coalesce(max(seq), 0) FROM timeline", "read timeline");
}
