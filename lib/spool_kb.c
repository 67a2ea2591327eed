/*
 * spool_kb.c - the knowledge base: past incidents and their fixes in an
 * SQLite FTS5 table; analyze asks it for incidents like a new one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spool_db.h"

/* ---- knowledge base ---- */

/* Words of every string in v, space-separated, appended to *buf. */
static void
collect_text(jv v, char **buf, size_t *len, size_t cap)
{
	switch (jv_get_kind(v)) {
	case JV_KIND_STRING: {
		const char *s = jv_string_value(v);
		size_t n = strlen(s);
		char *nb;
		if (*len + n + 2 > cap)
			n = cap > *len + 2 ? cap - *len - 2 : 0;
		if (!n || !(nb = realloc(*buf, *len + n + 2)))
			break;
		*buf = nb;
		memcpy(*buf + *len, s, n);
		*len += n;
		(*buf)[(*len)++] = ' ';
		(*buf)[*len] = '\0';
		break;
	}
	case JV_KIND_ARRAY:
		jv_array_foreach(v, i, e) {
			(void)i;
			collect_text(e, buf, len, cap);
			jv_free(e);
		}
		break;
	case JV_KIND_OBJECT:
		jv_object_foreach(v, k, e) {
			jv_free(k);
			collect_text(e, buf, len, cap);
			jv_free(e);
		}
		break;
	default:
		break;
	}
}

int
spool_kb_add(struct spool *sp, jv rec)
{
	const char *id = record_str(rec, "incident.id");
	const char *summary = record_str(rec, "incident.summary");
	const char *fix = record_str(rec, "pr.url");
	sqlite3_stmt *st;
	char *body = NULL;
	size_t len = 0;
	int own, rc = 0;
	jv part;

	if (!id)
		return mend_err("record has no incident.id");
	if (!fix)
		fix = record_str(rec, "patch.commit");
	if (!fix)
		fix = record_str(rec, "analysis.diff");
	if (!summary)
		summary = record_str(rec, "incident.reason");
	/* The searchable body: what was seen (evidence messages, exception,
	 * frames) and what was done (remediation).  A later stage's record
	 * carries the earlier ones' fields, so its body replaces the old. */
	part = record_get(rec, "incident.evidence");
	collect_text(part, &body, &len, 16384);
	jv_free(part);
	part = record_get(rec, "analysis.frames");
	collect_text(part, &body, &len, 24576);
	jv_free(part);
	part = record_get(rec, "analysis.remediation");
	collect_text(part, &body, &len, 32768);
	jv_free(part);
	if (db_tx_start(sp, &own) < 0) {
		free(body);
		return -1;
	}
	st = db_prep(sp, "INSERT INTO kb_docs (incident, monitor, category, summary,"
	    " root_cause, fix, body, updated) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)"
	    " ON CONFLICT(incident) DO UPDATE SET"
	    " monitor = coalesce(excluded.monitor, monitor),"
	    " category = coalesce(excluded.category, category),"
	    " summary = coalesce(excluded.summary, summary),"
	    " root_cause = coalesce(excluded.root_cause, root_cause),"
	    " fix = coalesce(excluded.fix, fix),"
	    " body = coalesce(excluded.body, body),"
	    " updated = excluded.updated");
	if (!st) {
		free(body);
		return db_tx_end(sp, own, -1);
	}
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, record_str(rec, "incident.monitor"));
	db_bind_text(st, 3, record_str(rec, "analysis.category"));
	db_bind_text(st, 4, summary);
	db_bind_text(st, 5, record_str(rec, "analysis.root_cause"));
	db_bind_text(st, 6, fix);
	db_bind_text(st, 7, body);
	sqlite3_bind_double(st, 8, mend_now());
	if (db_step(st) != SQLITE_DONE)
		rc = db_err(sp, "add to knowledge base");
	db_unprep(st);
	free(body);
	return db_tx_end(sp, own, rc);
}

/* Turn free text into an FTS5 query: each word quoted, OR-ed, so user
 * text can never be FTS5 syntax. */
static char *
fts_query(const char *text)
{
	size_t cap = strlen(text) * 6 + 16, n = 0;
	char *q = malloc(cap);
	const char *p = text;

	if (!q)
		return NULL;
	while (*p) {
		const char *w;
		while (*p && !((unsigned char)*p >= 0x80 || (*p >= '0' && *p <= '9') ||
		    (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_'))
			p++;
		w = p;
		while ((unsigned char)*p >= 0x80 || (*p >= '0' && *p <= '9') ||
		    (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_')
			p++;
		if (p > w) {
			n += (size_t)snprintf(q + n, cap - n, "%s\"%.*s\"", n ? " OR " : "",
			    (int)(p - w), w);
		}
	}
	q[n] = '\0';
	return q;
}

int
spool_kb_search(struct spool *sp, jv *out, const char *query, int limit)
{
	char *q = fts_query(query);
	sqlite3_stmt *st;
	jv a = jv_array();
	int rc;

	if (!q)
		return mend_err("out of memory");
	if (!*q) {
		free(q);
		*out = a;
		return 0;
	}
	st = db_prep(sp, "SELECT d.incident, -bm25(kb) AS score, d.summary, d.root_cause,"
	    " d.fix, d.monitor, d.category FROM kb JOIN kb_docs d ON d.id = kb.rowid"
	    " WHERE kb MATCH ?1 ORDER BY bm25(kb) LIMIT ?2");
	if (!st) {
		free(q);
		jv_free(a);
		return -1;
	}
	db_bind_text(st, 1, q);
	sqlite3_bind_int(st, 2, limit > 0 ? limit : 5);
	while ((rc = db_step(st)) == SQLITE_ROW) {
		jv o = jv_object_set(jv_object(), jv_string("incident"), db_col_str(st, 0));
		o = jv_object_set(o, jv_string("score"), jv_number(sqlite3_column_double(st, 1)));
		o = jv_object_set(o, jv_string("summary"), db_col_str(st, 2));
		o = jv_object_set(o, jv_string("root_cause"), db_col_str(st, 3));
		o = jv_object_set(o, jv_string("fix"), db_col_str(st, 4));
		o = jv_object_set(o, jv_string("monitor"), db_col_str(st, 5));
		o = jv_object_set(o, jv_string("category"), db_col_str(st, 6));
		a = jv_array_append(a, o);
	}
	db_unprep(st);
	free(q);
	if (rc != SQLITE_DONE) {
		jv_free(a);
		return db_err(sp, "search knowledge base");
	}
	*out = a;
	return 0;
}
