/*
 * spool_db.h - what the spool_*.c files share and nothing else sees: the
 * handle, the statement cache and the SQLite helpers (spool.c).
 */
#ifndef SPOOL_DB_H
#define SPOOL_DB_H

#include <sqlite3.h>

#include "mend.h"

#define NCACHE 64

struct spool {
	sqlite3 *db;
	struct {
		const char *sql;	/* a string literal: compared by address */
		sqlite3_stmt *st;
	} cache[NCACHE];
	char *dir;
	int in_tx;	/* inside spool_begin() */
	int inotify;	/* -1 until spool_wait needs it */
};

/* -1 with "DIR: what: sqlite's message". */
int db_err(struct spool *sp, const char *what);
/* sqlite3_step, retrying while the database is busy. */
int db_step(sqlite3_stmt *st);
int db_exec(struct spool *sp, const char *sql);
/* The cached statement for sql, a string literal (compared by address);
 * NULL with a message.  db_unprep resets it for the next use. */
sqlite3_stmt *db_prep(struct spool *sp, const char *sql);
void db_unprep(sqlite3_stmt *st);
/*
 * db_prep, then bind ?1, ?2, ... from the arguments by types, a letter
 * each: 't' const char * (NULL binds NULL), 'i' int, 'I' int64_t, 'd'
 * double.  NULL with a message when sql does not prepare.
 */
sqlite3_stmt *db_query(struct spool *sp, const char *sql, const char *types, ...);
/* The integer in the first column of the one row of sql (a literal, no
 * parameters); -1 when there is none, with a message saying what failed
 * unless what is NULL. */
int64_t db_int(struct spool *sp, const char *sql, const char *what);
void db_bind_text(sqlite3_stmt *st, int i, const char *s);
void db_bind_json(sqlite3_stmt *st, int i, jv v);
jv db_col_json(sqlite3_stmt *st, int i);
jv db_col_str(sqlite3_stmt *st, int i);
jv db_col_time(sqlite3_stmt *st, int i);
/* A number; 0 for NULL. */
jv db_col_num(sqlite3_stmt *st, int i);
/* Columns first, first + 1, ... of the row as fields of o, by a table
 * that ends with a NULL name. */
struct db_col {
	const char *name;
	jv (*get)(sqlite3_stmt *st, int i);
};
jv db_cols(jv o, sqlite3_stmt *st, int first, const struct db_col *cols);
/* A transaction of our own unless one is open (spool_begin): *own says. */
int db_tx_start(struct spool *sp, int *own);
int db_tx_end(struct spool *sp, int own, int rc);
/* Every row of st (prepared and bound) as row() makes it, into *out as
 * an array; st is reset.  0, or -1 saying what failed. */
int db_rows(struct spool *sp, jv *out, sqlite3_stmt *st, jv (*row)(sqlite3_stmt *st),
    const char *what);
/* The first row of st (prepared and bound) as row() makes it, into *out
 * (untouched when there is none); st is reset.  1, 0 when there is no
 * row, or -1 saying what failed. */
int db_one(struct spool *sp, jv *out, sqlite3_stmt *st, jv (*row)(sqlite3_stmt *st),
    const char *what);
/* A row() for db_one and db_rows: the JSON in the first column. */
jv db_row_json(sqlite3_stmt *st);

#endif
