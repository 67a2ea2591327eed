/*
 * spool_kb.c - the knowledge base: past incidents and their fixes in an
 * SQLite FTS5 table; analyze asks it for incidents like a new one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spool_db.h"

/* ---- knowledge base ---- */

/* Words of every string in v, space-separated, appended to b while it
 * stays under cap bytes. */
static void
collect_text(jv v, struct strbuf *b, size_t cap)
{
	switch (jv_get_kind(v)) {
	case JV_KIND_STRING: {
		const char *s = jv_string_value(v);
		size_t n = strlen(s);
		if (b->len + n + 2 > cap)
			n = cap > b->len + 2 ? cap - b->len - 2 : 0;
		if (!n)
			break;
		strbuf_addn(b, s, n);
		strbuf_addn(b, " ", 1);
		break;
	}
	case JV_KIND_ARRAY:
		jv_array_foreach(v, i, e) {
			(void)i;
			collect_text(e, b, cap);
			jv_free(e);
		}
		break;
	case JV_KIND_OBJECT:
		jv_object_foreach(v, k, e) {
			jv_free(k);
			collect_text(e, b, cap);
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
	struct strbuf body = { 0 };
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
	collect_text(part, &body, 16384);
	jv_free(part);
	part = record_get(rec, "analysis.frames");
	collect_text(part, &body, 24576);
	jv_free(part);
	part = record_get(rec, "analysis.remediation");
	collect_text(part, &body, 32768);
	jv_free(part);
	if (db_tx_start(sp, &own) < 0) {
		strbuf_release(&body);
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
		strbuf_release(&body);
		return db_tx_end(sp, own, -1);
	}
	db_bind_text(st, 1, id);
	db_bind_text(st, 2, record_str(rec, "incident.monitor"));
	db_bind_text(st, 3, record_str(rec, "analysis.category"));
	db_bind_text(st, 4, summary);
	db_bind_text(st, 5, record_str(rec, "analysis.root_cause"));
	db_bind_text(st, 6, fix);
	db_bind_text(st, 7, body.s);
	sqlite3_bind_double(st, 8, mend_now());
	if (db_step(st) != SQLITE_DONE)
		rc = db_err(sp, "add to knowledge base");
	db_unprep(st);
	strbuf_release(&body);
	return db_tx_end(sp, own, rc);
}

/* Turn free text into an FTS5 query: each word quoted, OR-ed, so user
 * text can never be FTS5 syntax. */
static char *
fts_query(const char *text)
{
	struct strbuf q = { 0 };
	const char *p = text;

	while (*p) {
		const char *w;
		while (*p && !((unsigned char)*p >= 0x80 || (*p >= '0' && *p <= '9') ||
		    (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_'))
			p++;
		w = p;
		while ((unsigned char)*p >= 0x80 || (*p >= '0' && *p <= '9') ||
		    (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || *p == '_')
			p++;
		if (p > w)
			strbuf_addf(&q, "%s\"%.*s\"", q.len ? " OR " : "", (int)(p - w), w);
	}
	return strbuf_take(&q);
}

static jv
kb_row(sqlite3_stmt *st)
{
	static const struct db_col cols[] = {
		{ "incident", db_col_str }, { "score", db_col_num }, { "summary", db_col_str },
		{ "root_cause", db_col_str }, { "fix", db_col_str }, { "monitor", db_col_str },
		{ "category", db_col_str }, { NULL, NULL },
	};

	return db_cols(jv_object(), st, 0, cols);
}

int
spool_kb_search(struct spool *sp, jv *out, const char *query, int limit)
{
	char *q = fts_query(query);
	sqlite3_stmt *st;
	int rc;

	if (!q)
		return mend_err("out of memory");
	if (!*q) {
		free(q);
		*out = jv_array();
		return 0;
	}
	st = db_prep(sp, "SELECT d.incident, -bm25(kb) AS score, d.summary, d.root_cause,"
	    " d.fix, d.monitor, d.category FROM kb JOIN kb_docs d ON d.id = kb.rowid"
	    " WHERE kb MATCH ?1 ORDER BY bm25(kb) LIMIT ?2");
	if (!st) {
		free(q);
		return -1;
	}
	db_bind_text(st, 1, q);
	sqlite3_bind_int(st, 2, limit > 0 ? limit : 5);
	rc = db_rows(sp, out, st, kb_row, "search knowledge base");
	free(q);
	return rc;
}
