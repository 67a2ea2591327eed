/*
 * spool.c - the spool directory and its database, mend.db.
 *
 * One SQLite database in WAL mode holds the job queues, the incidents and
 * their timelines, small per-stage state, and the FTS5 knowledge base.
 * Many processes share it: every read-then-write runs in BEGIN IMMEDIATE
 * (the write lock is taken first, so two workers can never lease the same
 * job), SQLITE_BUSY is retried with a bounded backoff on top of
 * busy_timeout, and synchronous=FULL makes a commit durable before it
 * returns (enqueue prints a job only after that).
 *
 * This file opens the database, migrates its schema, and holds the
 * helpers (lib/spool_db.h) that the files for each table family use:
 * spool_queue.c (jobs), spool_incident.c (incidents, timelines, the
 * dashboard's queries), spool_state.c (per-stage state), spool_kb.c (the
 * knowledge base).
 *
 * The schema is versioned with PRAGMA user_version; migrations only move
 * forward and each runs in its own transaction.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "spool_db.h"

static const char *migrations[] = {
	/* 1: queues, incidents, timeline, stage state, knowledge base */
	"CREATE TABLE jobs ("
	"  id INTEGER PRIMARY KEY,"
	"  queue TEXT NOT NULL,"
	"  key TEXT,"
	"  state TEXT NOT NULL,"
	"  priority INTEGER NOT NULL DEFAULT 0,"
	"  payload TEXT NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  max_attempts INTEGER NOT NULL DEFAULT 5,"
	"  ready_at REAL NOT NULL,"
	"  lease_owner TEXT,"
	"  lease_until REAL,"
	"  created REAL NOT NULL,"
	"  updated REAL NOT NULL,"
	"  result TEXT,"
	"  error TEXT);"
	"CREATE INDEX jobs_ready ON jobs(queue, state, priority DESC, id);"
	"CREATE INDEX jobs_key ON jobs(queue, key) WHERE key IS NOT NULL"
	"  AND state IN ('queued', 'leased', 'failed');"
	"CREATE TABLE incidents ("
	"  id TEXT PRIMARY KEY,"
	"  fingerprint TEXT,"
	"  monitor TEXT,"
	"  url TEXT,"
	"  state TEXT NOT NULL,"
	"  reason TEXT,"
	"  summary TEXT,"
	"  opened REAL NOT NULL,"
	"  resolved REAL,"
	"  updated REAL NOT NULL);"
	"CREATE INDEX incidents_state ON incidents(state, opened);"
	"CREATE TABLE timeline ("
	"  seq INTEGER PRIMARY KEY,"
	"  incident TEXT NOT NULL,"
	"  type TEXT NOT NULL,"
	"  ts REAL NOT NULL,"
	"  record TEXT NOT NULL);"
	"CREATE INDEX timeline_incident ON timeline(incident, type, seq);"
	"CREATE TABLE state ("
	"  ns TEXT NOT NULL,"
	"  key TEXT NOT NULL,"
	"  value TEXT NOT NULL,"
	"  updated REAL NOT NULL,"
	"  PRIMARY KEY (ns, key)) WITHOUT ROWID;"
	"CREATE TABLE kb_docs ("
	"  id INTEGER PRIMARY KEY,"
	"  incident TEXT NOT NULL UNIQUE,"
	"  monitor TEXT, category TEXT, summary TEXT, root_cause TEXT,"
	"  fix TEXT, body TEXT, updated REAL NOT NULL);"
	"CREATE VIRTUAL TABLE kb USING fts5(monitor, summary, root_cause, body,"
	"  content='kb_docs', content_rowid='id');"
	"CREATE TRIGGER kb_ai AFTER INSERT ON kb_docs BEGIN"
	"  INSERT INTO kb(rowid, monitor, summary, root_cause, body)"
	"  VALUES (new.id, new.monitor, new.summary, new.root_cause, new.body); END;"
	"CREATE TRIGGER kb_ad AFTER DELETE ON kb_docs BEGIN"
	"  INSERT INTO kb(kb, rowid, monitor, summary, root_cause, body)"
	"  VALUES ('delete', old.id, old.monitor, old.summary, old.root_cause, old.body); END;"
	"CREATE TRIGGER kb_au AFTER UPDATE ON kb_docs BEGIN"
	"  INSERT INTO kb(kb, rowid, monitor, summary, root_cause, body)"
	"  VALUES ('delete', old.id, old.monitor, old.summary, old.root_cause, old.body);"
	"  INSERT INTO kb(rowid, monitor, summary, root_cause, body)"
	"  VALUES (new.id, new.monitor, new.summary, new.root_cause, new.body); END;",
};

#define NMIGRATIONS ((int)(sizeof migrations / sizeof migrations[0]))

int
db_err(struct spool *sp, const char *what)
{
	return mend_err("%s: %s: %s", spool_dir(sp), what, sqlite3_errmsg(sp->db));
}

/* Retry a statement step while the database is busy.  busy_timeout
 * already waits inside sqlite; this covers the cases it returns at once
 * (a WAL snapshot that went stale), with a bound of about 30 s. */
int
db_step(sqlite3_stmt *st)
{
	int rc, tries = 0;

	while ((rc = sqlite3_step(st)) == SQLITE_BUSY || rc == SQLITE_LOCKED) {
		if (++tries > 300)
			break;
		sqlite3_reset(st);
		mend_sleep(0.005 + (rand() % 100) / 1000.0 * (tries < 10 ? 0.1 : 1), NULL);
	}
	return rc;
}

int
db_exec(struct spool *sp, const char *sql)
{
	sqlite3_stmt *st;
	const char *tail = sql;
	int rc;

	while (tail && *tail) {
		if (sqlite3_prepare_v2(sp->db, tail, -1, &st, &tail) != SQLITE_OK)
			return db_err(sp, "prepare");
		if (!st)
			break;
		rc = db_step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE && rc != SQLITE_ROW)
			return db_err(sp, "exec");
	}
	return 0;
}

/*
 * Prepared statements are cached per connection, keyed by the address of
 * their SQL literal: enqueue adds 100k jobs a second, and preparing is
 * most of the cost of a small insert.  Give a statement back with
 * db_unprep(), which resets it for the next use.
 */
sqlite3_stmt *
db_prep(struct spool *sp, const char *sql)
{
	sqlite3_stmt *st;
	int i;

	for (i = 0; i < NCACHE && sp->cache[i].sql; i++)
		if (sp->cache[i].sql == sql)
			return sp->cache[i].st;
	if (i == NCACHE) {
		mend_err("spool: statement cache full (raise NCACHE)");
		return NULL;
	}
	if (sqlite3_prepare_v3(sp->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL)
	    != SQLITE_OK) {
		db_err(sp, "prepare");
		return NULL;
	}
	sp->cache[i].sql = sql;
	sp->cache[i].st = st;
	return st;
}

void
db_unprep(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

sqlite3_stmt *
db_query(struct spool *sp, const char *sql, const char *types, ...)
{
	sqlite3_stmt *st = db_prep(sp, sql);
	va_list ap;
	int i;

	if (!st)
		return NULL;
	va_start(ap, types);
	for (i = 0; types[i]; i++)
		switch (types[i]) {
		case 't': db_bind_text(st, i + 1, va_arg(ap, const char *)); break;
		case 'i': sqlite3_bind_int(st, i + 1, va_arg(ap, int)); break;
		case 'I': sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t)); break;
		case 'd': sqlite3_bind_double(st, i + 1, va_arg(ap, double)); break;
		}
	va_end(ap);
	return st;
}

void
db_bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* Bind a jv (borrowed) as compact JSON text. */
void
db_bind_json(sqlite3_stmt *st, int i, jv v)
{
	char *s = record_dump(v);

	if (s)
		sqlite3_bind_text(st, i, s, -1, free);
	else
		sqlite3_bind_null(st, i);
}

jv
db_col_json(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	jv v;

	if (!s)
		return jv_null();
	v = jv_parse(s);
	return jv_is_valid(v) ? v : (jv_free(v), jv_string(s));
}

jv
db_col_str(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? jv_string(s) : jv_null();
}

jv
db_col_num(sqlite3_stmt *st, int i)
{
	return jv_number(sqlite3_column_double(st, i));
}

jv
db_cols(jv o, sqlite3_stmt *st, int first, const struct db_col *cols)
{
	for (int k = 0; cols[k].name; k++)
		o = jv_object_set(o, jv_string(cols[k].name), cols[k].get(st, first + k));
	return o;
}

jv
db_col_time(sqlite3_stmt *st, int i)
{
	char buf[40];

	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return jv_null();
	return jv_string(mend_rfc3339(buf, sizeof buf, sqlite3_column_double(st, i)));
}

/* Begin a write transaction unless the caller holds one: *own says
 * whether tx_end must finish it. */
int
db_tx_start(struct spool *sp, int *own)
{
	*own = !sp->in_tx;
	if (!*own)
		return 0;
	if (db_exec(sp, "BEGIN IMMEDIATE") < 0)
		return -1;
	sp->in_tx = 1;
	return 0;
}

int
db_tx_end(struct spool *sp, int own, int rc)
{
	if (!own)
		return rc;
	sp->in_tx = 0;
	if (rc < 0) {
		char saved[1024];
		snprintf(saved, sizeof saved, "%s", mend_errmsg());
		db_exec(sp, "ROLLBACK");
		return mend_err("%s", saved);
	}
	return db_exec(sp, "COMMIT") < 0 ? -1 : rc;
}

int64_t
db_int(struct spool *sp, const char *sql, const char *what)
{
	sqlite3_stmt *st = db_prep(sp, sql);
	int64_t v = -1;

	if (st && db_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else if (st && what)
		db_err(sp, what);
	db_unprep(st);
	return v;
}

static int
schema_version(struct spool *sp)
{
	return (int)db_int(sp, "PRAGMA user_version", "read schema version");
}

/* Readers (spool show, a cron probe) must not queue for the write lock
 * on every open: look first, lock only when a migration is due. */
static int
migrate(struct spool *sp)
{
	int version, own;

	if ((version = schema_version(sp)) < 0)
		return -1;
	if (version == NMIGRATIONS)
		return 0;
	if (db_tx_start(sp, &own) < 0)
		return -1;
	if ((version = schema_version(sp)) < 0)
		return db_tx_end(sp, own, -1);
	if (version > NMIGRATIONS)
		return db_tx_end(sp, own, mend_err("%s: mend.db has schema %d, newer than"
		    " this mend knows (%d): upgrade mend", spool_dir(sp), version,
		    NMIGRATIONS));
	for (; version < NMIGRATIONS; version++) {
		char sql[64];
		if (db_exec(sp, migrations[version]) < 0)
			return db_tx_end(sp, own, -1);
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", version + 1);
		if (db_exec(sp, sql) < 0)
			return db_tx_end(sp, own, -1);
	}
	return db_tx_end(sp, own, 0);
}

static char *
default_dir(void)
{
	const char *s;
	char *p;

	if ((s = getenv("MEND_SPOOL")) && *s)
		return strdup(s);
	if ((s = getenv("XDG_STATE_HOME")) && *s)
		return asprintf(&p, "%s/mend", s) < 0 ? NULL : p;
	if ((s = getenv("HOME")) && *s)
		return asprintf(&p, "%s/.local/state/mend", s) < 0 ? NULL : p;
	return NULL;
}

/* mkdir -p with the last component 0700. */
static int
mkdirs(const char *dir)
{
	char *p = strdup(dir), *s;
	int rc = 0;

	if (!p)
		return mend_err("out of memory");
	for (s = p + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			rc = mend_errno("cannot create '%s'", p);
			break;
		}
		*s = '/';
	}
	if (rc == 0 && mkdir(p, 0700) < 0 && errno != EEXIST)
		rc = mend_errno("cannot create spool '%s'", p);
	free(p);
	return rc;
}

int
spool_open(struct spool **out, const char *dir)
{
	struct spool *sp;
	char *path, *sub;
	struct stat st;

	if (!(sp = calloc(1, sizeof *sp)))
		return mend_err("out of memory");
	sp->inotify = -1;
	sp->dir = dir ? strdup(dir) : default_dir();
	if (!sp->dir) {
		free(sp);
		return mend_err("no spool: set MEND_SPOOL or HOME, or use -s DIR");
	}
	if (mkdirs(sp->dir) < 0)
		goto fail;
	if (stat(sp->dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		mend_err("spool '%s' is not a directory", sp->dir);
		goto fail;
	}
	if (access(sp->dir, W_OK | X_OK) < 0) {
		mend_errno("spool '%s' is not writable", sp->dir);
		goto fail;
	}
	if (asprintf(&sub, "%s/work", sp->dir) >= 0) {
		mkdir(sub, 0700);
		free(sub);
	}
	if (asprintf(&sub, "%s/logs", sp->dir) >= 0) {
		mkdir(sub, 0700);
		free(sub);
	}
	if (asprintf(&path, "%s/mend.db", sp->dir) < 0) {
		mend_err("out of memory");
		goto fail;
	}
	umask(umask(077) | 077);
	if (sqlite3_open_v2(path, &sp->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
	    SQLITE_OPEN_NOMUTEX, NULL) != SQLITE_OK) {
		mend_err("cannot open '%s': %s", path, sp->db ? sqlite3_errmsg(sp->db)
		    : "out of memory");
		free(path);
		goto fail;
	}
	free(path);
	sqlite3_busy_timeout(sp->db, 10000);
	if (db_exec(sp, "PRAGMA journal_mode=WAL") < 0 ||
	    db_exec(sp, "PRAGMA synchronous=FULL") < 0 ||
	    db_exec(sp, "PRAGMA foreign_keys=ON") < 0 || migrate(sp) < 0) {
		char saved[1024];
		snprintf(saved, sizeof saved, "%s", mend_errmsg());
		spool_close(sp);
		return mend_err("%s", saved);
	}
	*out = sp;
	return 0;
fail:
	if (sp->db)
		sqlite3_close(sp->db);
	free(sp->dir);
	free(sp);
	return -1;
}

void
spool_close(struct spool *sp)
{
	if (!sp)
		return;
	if (sp->in_tx)
		db_exec(sp, "ROLLBACK");
	if (sp->inotify >= 0)
		close(sp->inotify);
	for (int i = 0; i < NCACHE && sp->cache[i].sql; i++)
		sqlite3_finalize(sp->cache[i].st);
	sqlite3_close_v2(sp->db);
	free(sp->dir);
	free(sp);
}

const char *
spool_dir(const struct spool *sp)
{
	return sp->dir;
}

int
spool_begin(struct spool *sp)
{
	if (sp->in_tx)
		return mend_err("spool: transaction already open");
	if (db_exec(sp, "BEGIN IMMEDIATE") < 0)
		return -1;
	sp->in_tx = 1;
	return 0;
}

int
spool_commit(struct spool *sp)
{
	if (!sp->in_tx)
		return 0;
	if (db_exec(sp, "COMMIT") < 0) {
		char saved[1024];
		snprintf(saved, sizeof saved, "%s", mend_errmsg());
		db_exec(sp, "ROLLBACK");
		sp->in_tx = 0;
		return mend_err("%s", saved);
	}
	sp->in_tx = 0;
	return 0;
}

int
spool_set_durable(struct spool *sp, int durable)
{
	return db_exec(sp, durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
}

int
spool_rollback(struct spool *sp)
{
	if (!sp->in_tx)
		return 0;
	sp->in_tx = 0;
	return db_exec(sp, "ROLLBACK");
}

int64_t
spool_data_version(struct spool *sp)
{
	return db_int(sp, "PRAGMA data_version", NULL);
}

/*
 * Wait until another process may have committed, or timeout seconds.
 * Every commit in WAL mode writes mend.db-wal, so an inotify watch on the
 * spool directory wakes us without polling.  Returns 1 woken, 0 timeout.
 */
int
spool_watch_fd(struct spool *sp)
{
	if (sp->inotify < 0) {
		sp->inotify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
		if (sp->inotify >= 0 && inotify_add_watch(sp->inotify, sp->dir,
		    IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_CLOSE_WRITE) < 0) {
			close(sp->inotify);
			sp->inotify = -1;
		}
	}
	return sp->inotify;
}

int
spool_wait(struct spool *sp, double timeout)
{
	struct pollfd pfd;
	char buf[4096];
	int n;

	if (spool_watch_fd(sp) < 0) {
		/* No inotify: fall back to a gentle poll of data_version. */
		mend_sleep(timeout < 0.05 ? timeout : 0.05, NULL);
		return 0;
	}
	pfd.fd = sp->inotify;
	pfd.events = POLLIN;
	n = poll(&pfd, 1, timeout < 0 ? -1 : (int)(timeout * 1000));
	if (n > 0)
		while (read(sp->inotify, buf, sizeof buf) > 0)
			;
	return n > 0;
}

int
db_rows(struct spool *sp, jv *out, sqlite3_stmt *st, jv (*row)(sqlite3_stmt *st),
    const char *what)
{
	jv a = jv_array();
	int rc;

	while ((rc = db_step(st)) == SQLITE_ROW)
		a = jv_array_append(a, row(st));
	db_unprep(st);
	if (rc != SQLITE_DONE) {
		jv_free(a);
		return db_err(sp, what);
	}
	*out = a;
	return 0;
}

int
db_one(struct spool *sp, jv *out, sqlite3_stmt *st, jv (*row)(sqlite3_stmt *st),
    const char *what)
{
	int rc = db_step(st);

	if (rc == SQLITE_ROW)
		*out = row(st);
	db_unprep(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : db_err(sp, what);
}

jv
db_row_json(sqlite3_stmt *st)
{
	return db_col_json(st, 0);
}
