/*
 * spool_state.c - small per-stage state in the spool: a value per
 * (namespace, key), such as detect's windows, logs' file positions and
 * trigger's claimed links.  A claim inserts only where the key is new.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "spool_db.h"

/* ---- stage state ---- */

int
spool_state_get(struct spool *sp, jv *out, const char *ns, const char *key)
{
	sqlite3_stmt *st = db_query(sp, "SELECT value FROM state WHERE ns = ?1 AND key = ?2", "tt",
	    ns, key);

	*out = jv_null();
	return st ? db_one(sp, out, st, db_row_json, "read state") : -1;
}

static int
state_write(struct spool *sp, const char *sql, const char *ns, const char *key, jv value)
{
	sqlite3_stmt *st;
	int own, rc = 0;

	if (db_tx_start(sp, &own) < 0) {
		jv_free(value);
		return -1;
	}
	if (!(st = db_prep(sp, sql))) {
		jv_free(value);
		return db_tx_end(sp, own, -1);
	}
	db_bind_text(st, 1, ns);
	db_bind_text(st, 2, key);
	db_bind_json(st, 3, value);
	sqlite3_bind_double(st, 4, mend_now());
	if (db_step(st) != SQLITE_DONE)
		rc = db_err(sp, "write state");
	else
		rc = sqlite3_changes(sp->db) > 0;
	db_unprep(st);
	jv_free(value);
	return db_tx_end(sp, own, rc) < 0 ? -1 : rc;
}

int
spool_state_put(struct spool *sp, const char *ns, const char *key, jv value)
{
	if (jv_get_kind(value) == JV_KIND_NULL)
		return state_write(sp, "DELETE FROM state WHERE ns = ?1 AND key = ?2",
		    ns, key, value) < 0 ? -1 : 0;
	return state_write(sp, "INSERT INTO state (ns, key, value, updated)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(ns, key) DO UPDATE SET"
	    " value = excluded.value, updated = excluded.updated",
	    ns, key, value) < 0 ? -1 : 0;
}

int
spool_state_claim(struct spool *sp, const char *ns, const char *key, jv value)
{
	return state_write(sp, "INSERT INTO state (ns, key, value, updated)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(ns, key) DO NOTHING",
	    ns, key, value);
}

int
spool_state_all(struct spool *sp, jv *out, const char *ns)
{
	sqlite3_stmt *st = db_prep(sp, "SELECT key, value FROM state WHERE ns = ?1");
	jv o = jv_object();
	int rc;

	if (!st) {
		jv_free(o);
		return -1;
	}
	db_bind_text(st, 1, ns);
	while ((rc = db_step(st)) == SQLITE_ROW)
		o = jv_object_set(o, db_col_str(st, 0), db_col_json(st, 1));
	db_unprep(st);
	if (rc != SQLITE_DONE) {
		jv_free(o);
		return db_err(sp, "read state");
	}
	*out = o;
	return 0;
}
