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
 * Job states: queued -> leased -> done | failed (waits for a retry, then
 * leased again) | dead.  A lease has an owner and an expiry; an expired
 * lease is reclaimed by the next lease call, so a worker killed with -9
 * loses its job to another worker, never to two at once.
 *
 * The schema is versioned with PRAGMA user_version; migrations only move
 * forward and each runs in its own transaction.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

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

static int
dberr(struct spool *sp, const char *what)
{
	return mend_err("%s: %s: %s", spool_dir(sp), what, sqlite3_errmsg(sp->db));
}

/* Retry a statement step while the database is busy.  busy_timeout
 * already waits inside sqlite; this covers the cases it returns at once
 * (a WAL snapshot that went stale), with a bound of about 30 s. */
static int
step(sqlite3_stmt *st)
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

static int
exec_sql(struct spool *sp, const char *sql)
{
	sqlite3_stmt *st;
	const char *tail = sql;
	int rc;

	while (tail && *tail) {
		if (sqlite3_prepare_v2(sp->db, tail, -1, &st, &tail) != SQLITE_OK)
			return dberr(sp, "prepare");
		if (!st)
			break;
		rc = step(st);
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE && rc != SQLITE_ROW)
			return dberr(sp, "exec");
	}
	return 0;
}

/*
 * Prepared statements are cached per connection, keyed by the address of
 * their SQL literal: enqueue adds 100k jobs a second, and preparing is
 * most of the cost of a small insert.  Give a statement back with
 * unprep(), which resets it for the next use.
 */
static sqlite3_stmt *
prep(struct spool *sp, const char *sql)
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
		dberr(sp, "prepare");
		return NULL;
	}
	sp->cache[i].sql = sql;
	sp->cache[i].st = st;
	return st;
}

static void
unprep(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static void
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	if (s)
		sqlite3_bind_text(st, i, s, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* Bind a jv (borrowed) as compact JSON text. */
static void
bind_json(sqlite3_stmt *st, int i, jv v)
{
	char *s = record_dump(v);

	if (s)
		sqlite3_bind_text(st, i, s, -1, free);
	else
		sqlite3_bind_null(st, i);
}

static jv
col_json(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);
	jv v;

	if (!s)
		return jv_null();
	v = jv_parse(s);
	return jv_is_valid(v) ? v : (jv_free(v), jv_string(s));
}

static jv
col_str(sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	return s ? jv_string(s) : jv_null();
}

static jv
col_time(sqlite3_stmt *st, int i)
{
	char buf[40];

	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return jv_null();
	return jv_string(mend_rfc3339(buf, sizeof buf, sqlite3_column_double(st, i)));
}

/* Begin a write transaction unless the caller holds one: *own says
 * whether tx_end must finish it. */
static int
tx_start(struct spool *sp, int *own)
{
	*own = !sp->in_tx;
	if (!*own)
		return 0;
	if (exec_sql(sp, "BEGIN IMMEDIATE") < 0)
		return -1;
	sp->in_tx = 1;
	return 0;
}

static int
tx_end(struct spool *sp, int own, int rc)
{
	if (!own)
		return rc;
	sp->in_tx = 0;
	if (rc < 0) {
		char saved[1024];
		snprintf(saved, sizeof saved, "%s", mend_errmsg());
		exec_sql(sp, "ROLLBACK");
		return mend_err("%s", saved);
	}
	return exec_sql(sp, "COMMIT") < 0 ? -1 : rc;
}

static int
schema_version(struct spool *sp)
{
	sqlite3_stmt *st = prep(sp, "PRAGMA user_version");
	int version = -1;

	if (!st)
		return -1;
	if (step(st) == SQLITE_ROW)
		version = sqlite3_column_int(st, 0);
	else
		dberr(sp, "read schema version");
	unprep(st);
	return version;
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
	if (tx_start(sp, &own) < 0)
		return -1;
	if ((version = schema_version(sp)) < 0)
		return tx_end(sp, own, -1);
	if (version > NMIGRATIONS)
		return tx_end(sp, own, mend_err("%s: mend.db has schema %d, newer than"
		    " this mend knows (%d): upgrade mend", spool_dir(sp), version,
		    NMIGRATIONS));
	for (; version < NMIGRATIONS; version++) {
		char sql[64];
		if (exec_sql(sp, migrations[version]) < 0)
			return tx_end(sp, own, -1);
		snprintf(sql, sizeof sql, "PRAGMA user_version = %d", version + 1);
		if (exec_sql(sp, sql) < 0)
			return tx_end(sp, own, -1);
	}
	return tx_end(sp, own, 0);
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
	if (exec_sql(sp, "PRAGMA journal_mode=WAL") < 0 ||
	    exec_sql(sp, "PRAGMA synchronous=FULL") < 0 ||
	    exec_sql(sp, "PRAGMA foreign_keys=ON") < 0 || migrate(sp) < 0) {
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
		exec_sql(sp, "ROLLBACK");
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
	if (exec_sql(sp, "BEGIN IMMEDIATE") < 0)
		return -1;
	sp->in_tx = 1;
	return 0;
}

int
spool_commit(struct spool *sp)
{
	if (!sp->in_tx)
		return 0;
	if (exec_sql(sp, "COMMIT") < 0) {
		char saved[1024];
		snprintf(saved, sizeof saved, "%s", mend_errmsg());
		exec_sql(sp, "ROLLBACK");
		sp->in_tx = 0;
		return mend_err("%s", saved);
	}
	sp->in_tx = 0;
	return 0;
}

int
spool_set_durable(struct spool *sp, int durable)
{
	return exec_sql(sp, durable ? "PRAGMA synchronous=FULL" : "PRAGMA synchronous=NORMAL");
}

int
spool_rollback(struct spool *sp)
{
	if (!sp->in_tx)
		return 0;
	sp->in_tx = 0;
	return exec_sql(sp, "ROLLBACK");
}

int64_t
spool_data_version(struct spool *sp)
{
	sqlite3_stmt *st = prep(sp, "PRAGMA data_version");
	int64_t v = -1;

	if (st && step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	unprep(st);
	return v;
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

	if (tx_start(sp, &own) < 0) {
		jv_free(payload);
		return -1;
	}
	if (o->key) {
		if (!(st = prep(sp, "SELECT id, attempts FROM jobs WHERE queue = ?1 AND"
		    " key = ?2 AND state IN ('queued', 'leased', 'failed') LIMIT 1"))) {
			rc = -1;
			goto out;
		}
		bind_text(st, 1, queue);
		bind_text(st, 2, o->key);
		if (step(st) == SQLITE_ROW) {
			*out_job = job_object(sqlite3_column_int64(st, 0), queue, "duplicate",
			    o->key, sqlite3_column_int(st, 1));
			unprep(st);
			goto out;
		}
		unprep(st);
	}
	if (!(st = prep(sp, "INSERT INTO jobs (queue, key, state, priority, payload,"
	    " max_attempts, ready_at, created, updated)"
	    " VALUES (?1, ?2, 'queued', ?3, ?4, ?5, ?6, ?7, ?7)"))) {
		rc = -1;
		goto out;
	}
	bind_text(st, 1, queue);
	bind_text(st, 2, o->key);
	sqlite3_bind_int(st, 3, o->priority);
	if (o->text)
		sqlite3_bind_text(st, 4, o->text, (int)o->text_len, SQLITE_TRANSIENT);
	else
		bind_json(st, 4, payload);
	sqlite3_bind_int(st, 5, max);
	sqlite3_bind_double(st, 6, now + (o->delay > 0 ? o->delay : 0));
	sqlite3_bind_double(st, 7, now);
	if (step(st) != SQLITE_DONE)
		rc = dberr(sp, "add job");
	else
		*out_job = job_object(sqlite3_last_insert_rowid(sp->db), queue, "queued",
		    o->key, 0);
	unprep(st);
out:
	jv_free(payload);
	return tx_end(sp, own, rc);
}

/* Expired leases: back to the queue, or dead when attempts ran out. */
static int
reclaim(struct spool *sp, const char *queue, double now)
{
	sqlite3_stmt *st = prep(sp, "UPDATE jobs SET"
	    " state = CASE WHEN attempts >= max_attempts THEN 'dead' ELSE 'queued' END,"
	    " error = 'lease expired (worker died?)', lease_owner = NULL,"
	    " lease_until = NULL, ready_at = ?2, updated = ?2"
	    " WHERE queue = ?1 AND state = 'leased' AND lease_until < ?2");
	int rc = 0;

	if (!st)
		return -1;
	bind_text(st, 1, queue);
	sqlite3_bind_double(st, 2, now);
	if (step(st) != SQLITE_DONE)
		rc = dberr(sp, "reclaim leases");
	unprep(st);
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
	if (tx_start(sp, &own) < 0)
		return -1;
	if (reclaim(sp, queue, now) < 0)
		return tx_end(sp, own, -1);
	if (!(st = prep(sp, "SELECT id, key, payload, attempts, max_attempts FROM jobs"
	    " WHERE queue = ?1 AND state IN ('queued', 'failed') AND ready_at <= ?2"
	    " ORDER BY priority DESC, id LIMIT 1")))
		return tx_end(sp, own, -1);
	bind_text(st, 1, queue);
	sqlite3_bind_double(st, 2, now);
	switch (step(st)) {
	case SQLITE_ROW:
		j->id = sqlite3_column_int64(st, 0);
		j->queue = strdup(queue);
		j->key = sqlite3_column_text(st, 1) ? strdup((const char *)
		    sqlite3_column_text(st, 1)) : NULL;
		j->payload = col_json(st, 2);
		j->attempts = sqlite3_column_int(st, 3) + 1;
		j->max_attempts = sqlite3_column_int(st, 4);
		rc = 1;
		break;
	case SQLITE_DONE:
		break;
	default:
		rc = dberr(sp, "lease");
	}
	unprep(st);
	if (rc == 1) {
		if (!(st = prep(sp, "UPDATE jobs SET state = 'leased', attempts = attempts + 1,"
		    " lease_owner = ?2, lease_until = ?3, updated = ?4 WHERE id = ?1")))
			rc = -1;
		else {
			sqlite3_bind_int64(st, 1, j->id);
			bind_text(st, 2, owner);
			sqlite3_bind_double(st, 3, now + lease_s);
			sqlite3_bind_double(st, 4, now);
			if (step(st) != SQLITE_DONE)
				rc = dberr(sp, "lease");
			unprep(st);
		}
	}
	rc = tx_end(sp, own, rc);
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

	if (tx_start(sp, &own) < 0)
		return -1;
	if (!(st = prep(sp, sql)))
		return tx_end(sp, own, -1);
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, owner);
	sqlite3_bind_double(st, 3, t);
	bind_text(st, 4, text);
	sqlite3_bind_double(st, 5, mend_now());
	if (step(st) != SQLITE_DONE)
		rc = dberr(sp, what);
	else if (sqlite3_changes(sp->db) == 0)
		rc = mend_err("job %lld: lease lost", (long long)id);
	unprep(st);
	return tx_end(sp, own, rc);
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

	if (tx_start(sp, &own) < 0)
		return -1;
	if (!(st = prep(sp, "SELECT attempts, max_attempts FROM jobs WHERE id = ?1"
	    " AND state = 'leased' AND lease_owner = ?2")))
		return tx_end(sp, own, -1);
	sqlite3_bind_int64(st, 1, id);
	bind_text(st, 2, owner);
	rc = step(st);
	if (rc == SQLITE_ROW) {
		attempts = sqlite3_column_int(st, 0);
		max = sqlite3_column_int(st, 1);
	}
	unprep(st);
	if (rc != SQLITE_ROW)
		return tx_end(sp, own, mend_err("job %lld: lease lost", (long long)id));
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
	return tx_end(sp, own, rc);
}

int
spool_job_retry(struct spool *sp, int64_t id)
{
	sqlite3_stmt *st;
	int own, rc = 0;

	if (tx_start(sp, &own) < 0)
		return -1;
	if (!(st = prep(sp, "UPDATE jobs SET state = 'queued', ready_at = ?2,"
	    " attempts = 0, error = NULL, updated = ?2"
	    " WHERE id = ?1 AND state IN ('dead', 'failed', 'done')")))
		return tx_end(sp, own, -1);
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_double(st, 2, mend_now());
	if (step(st) != SQLITE_DONE)
		rc = dberr(sp, "retry job");
	else if (sqlite3_changes(sp->db) == 0)
		rc = mend_err("job %lld: no such job, or it is queued or leased",
		    (long long)id);
	unprep(st);
	return tx_end(sp, own, rc);
}

double
spool_job_next(struct spool *sp, const char *queue)
{
	sqlite3_stmt *st = prep(sp, "SELECT min(CASE WHEN state = 'leased'"
	    " THEN lease_until ELSE ready_at END) FROM jobs"
	    " WHERE queue = ?1 AND state IN ('queued', 'failed', 'leased')");
	double next = -1, now = mend_now();

	if (!st)
		return -1;
	bind_text(st, 1, queue);
	if (step(st) == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL) {
		next = sqlite3_column_double(st, 0) - now;
		if (next < 0)
			next = 0;
	}
	unprep(st);
	return next;
}

static jv
job_row(sqlite3_stmt *st, int full)
{
	jv o = job_object(sqlite3_column_int64(st, 0),
	    (const char *)sqlite3_column_text(st, 1),
	    (const char *)sqlite3_column_text(st, 3),
	    (const char *)sqlite3_column_text(st, 2), sqlite3_column_int(st, 4));

	o = jv_object_set(o, jv_string("max_attempts"), jv_number(sqlite3_column_int(st, 5)));
	o = jv_object_set(o, jv_string("priority"), jv_number(sqlite3_column_int(st, 6)));
	o = jv_object_set(o, jv_string("created"), col_time(st, 7));
	o = jv_object_set(o, jv_string("updated"), col_time(st, 8));
	o = jv_object_set(o, jv_string("ready_at"), col_time(st, 9));
	o = jv_object_set(o, jv_string("lease_owner"), col_str(st, 10));
	o = jv_object_set(o, jv_string("error"), col_str(st, 11));
	if (full) {
		o = jv_object_set(o, jv_string("payload"), col_json(st, 12));
		o = jv_object_set(o, jv_string("result"), col_str(st, 13));
	}
	return o;
}

#define JOB_COLS "id, queue, key, state, attempts, max_attempts, priority, created," \
	" updated, ready_at, lease_owner, error, payload, result"

int
spool_jobs(struct spool *sp, jv *out, const char *queue, const char *state)
{
	sqlite3_stmt *st = prep(sp, "SELECT " JOB_COLS " FROM jobs"
	    " WHERE (?1 IS NULL OR queue = ?1) AND (?2 IS NULL OR state = ?2) ORDER BY id");
	jv a = jv_array();
	int rc;

	if (!st) {
		jv_free(a);
		return -1;
	}
	bind_text(st, 1, queue);
	bind_text(st, 2, state);
	while ((rc = step(st)) == SQLITE_ROW)
		a = jv_array_append(a, job_row(st, 0));
	unprep(st);
	if (rc != SQLITE_DONE) {
		jv_free(a);
		return dberr(sp, "list jobs");
	}
	*out = a;
	return 0;
}

int
spool_job_get(struct spool *sp, jv *out, int64_t id)
{
	sqlite3_stmt *st = prep(sp, "SELECT " JOB_COLS " FROM jobs WHERE id = ?1");
	int rc;

	if (!st)
		return -1;
	sqlite3_bind_int64(st, 1, id);
	rc = step(st);
	if (rc == SQLITE_ROW)
		*out = job_row(st, 1);
	unprep(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : dberr(sp, "get job");
}

int
spool_purge(struct spool *sp, double age, int *njobs, int *nincidents)
{
	double before = mend_now() - age;
	sqlite3_stmt *st;
	int own, rc = 0;

	if (tx_start(sp, &own) < 0)
		return -1;
	if (!(st = prep(sp, "DELETE FROM jobs WHERE state IN ('done', 'dead')"
	    " AND updated < ?1")))
		return tx_end(sp, own, -1);
	sqlite3_bind_double(st, 1, before);
	if (step(st) != SQLITE_DONE)
		rc = dberr(sp, "purge jobs");
	*njobs = sqlite3_changes(sp->db);
	unprep(st);
	if (rc == 0 && exec_sql(sp, "CREATE TEMP TABLE IF NOT EXISTS purge_ids (id TEXT)") == 0 &&
	    exec_sql(sp, "DELETE FROM purge_ids") == 0 &&
	    (st = prep(sp, "INSERT INTO purge_ids SELECT id FROM incidents"
	    " WHERE state = 'resolved' AND resolved < ?1"))) {
		sqlite3_bind_double(st, 1, before);
		if (step(st) != SQLITE_DONE)
			rc = dberr(sp, "purge incidents");
		*nincidents = sqlite3_changes(sp->db);
		unprep(st);
		if (rc == 0 && (exec_sql(sp, "DELETE FROM timeline WHERE incident IN"
		    " (SELECT id FROM purge_ids)") < 0 || exec_sql(sp, "DELETE FROM incidents"
		    " WHERE id IN (SELECT id FROM purge_ids)") < 0))
			rc = -1;
	} else if (rc == 0) {
		rc = -1;
	}
	/* What notify sent is only a guard against posting a retried job
	 * twice: old entries can go.  Other stages' state (detector windows,
	 * used fix links, pending deploys) is never purged by age. */
	if (rc == 0 && (st = prep(sp, "DELETE FROM state WHERE ns = 'notify' AND updated < ?1"))) {
		sqlite3_bind_double(st, 1, before);
		if (step(st) != SQLITE_DONE)
			rc = dberr(sp, "purge notify state");
		unprep(st);
	}
	return tx_end(sp, own, rc);
}

int
spool_stats(struct spool *sp, jv *out)
{
	sqlite3_stmt *st = prep(sp, "SELECT queue, state, count(*) FROM jobs"
	    " GROUP BY queue, state");
	jv queues = jv_object(), inc = jv_object(), o;
	int rc;

	if (!st)
		goto fail;
	while ((rc = step(st)) == SQLITE_ROW) {
		const char *q = (const char *)sqlite3_column_text(st, 0);
		const char *s = (const char *)sqlite3_column_text(st, 1);
		jv qo = jv_object_has(jv_copy(queues), jv_string(q))
		    ? jv_object_get(jv_copy(queues), jv_string(q)) : jv_object();
		qo = jv_object_set(qo, jv_string(s), jv_number(sqlite3_column_int(st, 2)));
		queues = jv_object_set(queues, jv_string(q), qo);
	}
	unprep(st);
	if (rc != SQLITE_DONE)
		goto dbfail;
	if (!(st = prep(sp, "SELECT state, count(*) FROM incidents GROUP BY state")))
		goto fail;
	inc = jv_object_set(inc, jv_string("open"), jv_number(0));
	inc = jv_object_set(inc, jv_string("resolved"), jv_number(0));
	while ((rc = step(st)) == SQLITE_ROW)
		inc = jv_object_set(inc, col_str(st, 0), jv_number(sqlite3_column_int(st, 1)));
	unprep(st);
	if (rc != SQLITE_DONE)
		goto dbfail;
	o = jv_object_set(jv_object(), jv_string("type"), jv_string("stats"));
	o = jv_object_set(o, jv_string("spool"), jv_string(sp->dir));
	o = jv_object_set(o, jv_string("queues"), queues);
	*out = jv_object_set(o, jv_string("incidents"), inc);
	return 0;
dbfail:
	dberr(sp, "stats");
fail:
	jv_free(queues);
	jv_free(inc);
	return -1;
}

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
	if (tx_start(sp, &own) < 0)
		return -1;
	if (record_str(rec, "incident.first_seen") &&
	    mend_parse_time(&t, record_str(rec, "incident.first_seen")) == 0)
		;
	else
		t = now;
	/* Create the incident on first sight; the incident record itself
	 * (open/resolve) also moves its state. */
	st = prep(sp, "INSERT INTO incidents (id, fingerprint, monitor, url, state,"
	    " reason, summary, opened, updated) VALUES (?1, ?2, ?3, ?4, 'open', ?5, ?6, ?7, ?8)"
	    " ON CONFLICT(id) DO UPDATE SET updated = ?8,"
	    " fingerprint = coalesce(?2, fingerprint), monitor = coalesce(?3, monitor),"
	    " url = coalesce(?4, url), reason = coalesce(?5, reason),"
	    " summary = coalesce(?6, summary)");
	if (!st)
		return tx_end(sp, own, -1);
	bind_text(st, 1, id);
	bind_text(st, 2, record_str(rec, "incident.fingerprint"));
	bind_text(st, 3, record_str(rec, "incident.monitor"));
	bind_text(st, 4, record_str(rec, "incident.url"));
	bind_text(st, 5, record_str(rec, "incident.reason"));
	bind_text(st, 6, record_str(rec, "incident.summary"));
	sqlite3_bind_double(st, 7, t);
	sqlite3_bind_double(st, 8, now);
	if (step(st) != SQLITE_DONE)
		rc = dberr(sp, "store incident");
	unprep(st);
	if (rc == 0 && !strcmp(type, "incident") && event) {
		int resolve = !strcmp(event, "resolve");
		double when = now;
		const char *ls = record_str(rec, "incident.last_seen");
		if (resolve && ls)
			mend_parse_time(&when, ls);
		st = prep(sp, resolve
		    ? "UPDATE incidents SET state = 'resolved', resolved = ?2 WHERE id = ?1"
		    : "UPDATE incidents SET state = 'open', resolved = NULL WHERE id = ?1"
		      " AND ?2 = ?2");
		if (!st)
			return tx_end(sp, own, -1);
		bind_text(st, 1, id);
		sqlite3_bind_double(st, 2, when);
		if (step(st) != SQLITE_DONE)
			rc = dberr(sp, "update incident");
		unprep(st);
	}
	if (rc == 0) {
		if (!(st = prep(sp, "INSERT INTO timeline (incident, type, ts, record)"
		    " VALUES (?1, ?2, ?3, ?4)")))
			return tx_end(sp, own, -1);
		bind_text(st, 1, id);
		bind_text(st, 2, type);
		sqlite3_bind_double(st, 3, now);
		bind_json(st, 4, rec);
		if (step(st) != SQLITE_DONE)
			rc = dberr(sp, "append to timeline");
		unprep(st);
	}
	return tx_end(sp, own, rc);
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

int
spool_incident_latest(struct spool *sp, jv *out, const char *id, const char *type)
{
	sqlite3_stmt *st = prep(sp, "SELECT record FROM timeline WHERE incident = ?1"
	    " AND type = ?2 ORDER BY seq DESC LIMIT 1");
	int rc;

	if (!st)
		return -1;
	bind_text(st, 1, id);
	bind_text(st, 2, type);
	rc = step(st);
	if (rc == SQLITE_ROW)
		*out = col_json(st, 0);
	unprep(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : dberr(sp, "read timeline");
}

#define INC_COLS "id, fingerprint, monitor, url, state, reason, summary, opened," \
	" resolved, updated"

static jv
incident_row(sqlite3_stmt *st)
{
	jv o = jv_object_set(jv_object(), jv_string("type"), jv_string("incident_log"));

	o = jv_object_set(o, jv_string("id"), col_str(st, 0));
	o = jv_object_set(o, jv_string("fingerprint"), col_str(st, 1));
	o = jv_object_set(o, jv_string("monitor"), col_str(st, 2));
	o = jv_object_set(o, jv_string("url"), col_str(st, 3));
	o = jv_object_set(o, jv_string("state"), col_str(st, 4));
	o = jv_object_set(o, jv_string("reason"), col_str(st, 5));
	o = jv_object_set(o, jv_string("summary"), col_str(st, 6));
	o = jv_object_set(o, jv_string("opened"), col_time(st, 7));
	o = jv_object_set(o, jv_string("resolved"), col_time(st, 8));
	o = jv_object_set(o, jv_string("updated"), col_time(st, 9));
	if (sqlite3_column_type(st, 8) != SQLITE_NULL)
		o = jv_object_set(o, jv_string("duration_s"), jv_number(
		    sqlite3_column_double(st, 8) - sqlite3_column_double(st, 7)));
	return o;
}

int
spool_incident_get(struct spool *sp, jv *out, const char *id)
{
	sqlite3_stmt *st = prep(sp, "SELECT " INC_COLS " FROM incidents WHERE id = ?1");
	jv o, tl;
	int rc;

	if (!st)
		return -1;
	bind_text(st, 1, id);
	rc = step(st);
	if (rc != SQLITE_ROW) {
		unprep(st);
		return rc == SQLITE_DONE ? 0 : dberr(sp, "get incident");
	}
	o = incident_row(st);
	unprep(st);
	if (!(st = prep(sp, "SELECT type, ts, record FROM timeline WHERE incident = ?1"
	    " ORDER BY seq"))) {
		jv_free(o);
		return -1;
	}
	bind_text(st, 1, id);
	tl = jv_array();
	while ((rc = step(st)) == SQLITE_ROW) {
		jv e = jv_object_set(jv_object(), jv_string("type"), col_str(st, 0));
		e = jv_object_set(e, jv_string("ts"), col_time(st, 1));
		e = jv_object_set(e, jv_string("record"), col_json(st, 2));
		tl = jv_array_append(tl, e);
	}
	unprep(st);
	if (rc != SQLITE_DONE) {
		jv_free(o);
		jv_free(tl);
		return dberr(sp, "read timeline");
	}
	*out = jv_object_set(o, jv_string("timeline"), tl);
	return 1;
}

int
spool_incidents(struct spool *sp, jv *out, int open_only)
{
	sqlite3_stmt *st = prep(sp, "SELECT " INC_COLS " FROM incidents"
	    " WHERE ?1 = 0 OR state = 'open' ORDER BY opened DESC, id");
	jv a = jv_array();
	int rc;

	if (!st) {
		jv_free(a);
		return -1;
	}
	sqlite3_bind_int(st, 1, open_only);
	while ((rc = step(st)) == SQLITE_ROW)
		a = jv_array_append(a, incident_row(st));
	unprep(st);
	if (rc != SQLITE_DONE) {
		jv_free(a);
		return dberr(sp, "list incidents");
	}
	*out = a;
	return 0;
}

/* ---- dashboard queries (trigger's pages, lib/dashboard.c) ---- */

int
spool_incidents_recent(struct spool *sp, jv *out, double since, int limit)
{
	/* Open ones first, then the most recently opened; each with the
	 * distinct timeline types it has (its stages) and its last seq. */
	sqlite3_stmt *st = prep(sp, "SELECT " INC_COLS ","
	    " (SELECT group_concat(DISTINCT type) FROM timeline t WHERE t.incident = i.id),"
	    " (SELECT max(seq) FROM timeline t WHERE t.incident = i.id)"
	    " FROM incidents i WHERE state = 'open' OR coalesce(resolved, updated) >= ?1"
	    " ORDER BY state = 'open' DESC, opened DESC, id LIMIT ?2");
	jv a = jv_array();
	int rc;

	if (!st) {
		jv_free(a);
		return -1;
	}
	sqlite3_bind_double(st, 1, since);
	sqlite3_bind_int(st, 2, limit);
	while ((rc = step(st)) == SQLITE_ROW) {
		jv o = incident_row(st);
		o = jv_object_set(o, jv_string("stages"), col_str(st, 10));
		o = jv_object_set(o, jv_string("seq"), jv_number(sqlite3_column_double(st, 11)));
		a = jv_array_append(a, o);
	}
	unprep(st);
	if (rc != SQLITE_DONE) {
		jv_free(a);
		return dberr(sp, "list incidents");
	}
	*out = a;
	return 0;
}

int
spool_incident_spans(struct spool *sp, jv *out, double since)
{
	sqlite3_stmt *st = prep(sp, "SELECT monitor, opened, resolved FROM incidents"
	    " WHERE monitor IS NOT NULL AND (resolved IS NULL OR resolved >= ?1)"
	    " ORDER BY monitor, opened");
	jv a = jv_array();
	int rc;

	if (!st) {
		jv_free(a);
		return -1;
	}
	sqlite3_bind_double(st, 1, since);
	while ((rc = step(st)) == SQLITE_ROW) {
		jv o = jv_object_set(jv_object(), jv_string("monitor"), col_str(st, 0));
		o = jv_object_set(o, jv_string("opened"), jv_number(sqlite3_column_double(st, 1)));
		o = jv_object_set(o, jv_string("resolved"), sqlite3_column_type(st, 2) ==
		    SQLITE_NULL ? jv_null() : jv_number(sqlite3_column_double(st, 2)));
		a = jv_array_append(a, o);
	}
	unprep(st);
	if (rc != SQLITE_DONE) {
		jv_free(a);
		return dberr(sp, "read incident spans");
	}
	*out = a;
	return 0;
}

int
spool_timeline_since(struct spool *sp, jv *out, int64_t after, int limit)
{
	sqlite3_stmt *st = prep(sp, "SELECT t.seq, t.incident, t.type, i.state,"
	    " json_extract(t.record, '$.incident.event')"
	    " FROM timeline t JOIN incidents i ON i.id = t.incident"
	    " WHERE t.seq > ?1 ORDER BY t.seq LIMIT ?2");
	jv a = jv_array();
	int rc;

	if (!st) {
		jv_free(a);
		return -1;
	}
	sqlite3_bind_int64(st, 1, after);
	sqlite3_bind_int(st, 2, limit);
	while ((rc = step(st)) == SQLITE_ROW) {
		jv o = jv_object_set(jv_object(), jv_string("seq"),
		    jv_number((double)sqlite3_column_int64(st, 0)));
		o = jv_object_set(o, jv_string("incident"), col_str(st, 1));
		o = jv_object_set(o, jv_string("type"), col_str(st, 2));
		o = jv_object_set(o, jv_string("state"), col_str(st, 3));
		o = jv_object_set(o, jv_string("event"), col_str(st, 4));
		a = jv_array_append(a, o);
	}
	unprep(st);
	if (rc != SQLITE_DONE) {
		jv_free(a);
		return dberr(sp, "read timeline");
	}
	*out = a;
	return 0;
}

int64_t
spool_timeline_last(struct spool *sp)
{
	sqlite3_stmt *st = prep(sp, "SELECT coalesce(max(seq), 0) FROM timeline");
	int64_t v = -1;

	if (st && step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	else if (st)
		dberr(sp, "read timeline");
	unprep(st);
	return v;
}

/* ---- stage state ---- */

int
spool_state_get(struct spool *sp, jv *out, const char *ns, const char *key)
{
	sqlite3_stmt *st = prep(sp, "SELECT value FROM state WHERE ns = ?1 AND key = ?2");
	int rc;

	*out = jv_null();
	if (!st)
		return -1;
	bind_text(st, 1, ns);
	bind_text(st, 2, key);
	rc = step(st);
	*out = rc == SQLITE_ROW ? col_json(st, 0) : jv_null();
	unprep(st);
	if (rc == SQLITE_ROW)
		return 1;
	return rc == SQLITE_DONE ? 0 : dberr(sp, "read state");
}

static int
state_write(struct spool *sp, const char *sql, const char *ns, const char *key, jv value)
{
	sqlite3_stmt *st;
	int own, rc = 0;

	if (tx_start(sp, &own) < 0) {
		jv_free(value);
		return -1;
	}
	if (!(st = prep(sp, sql))) {
		jv_free(value);
		return tx_end(sp, own, -1);
	}
	bind_text(st, 1, ns);
	bind_text(st, 2, key);
	bind_json(st, 3, value);
	sqlite3_bind_double(st, 4, mend_now());
	if (step(st) != SQLITE_DONE)
		rc = dberr(sp, "write state");
	else
		rc = sqlite3_changes(sp->db) > 0;
	unprep(st);
	jv_free(value);
	return tx_end(sp, own, rc) < 0 ? -1 : rc;
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
	sqlite3_stmt *st = prep(sp, "SELECT key, value FROM state WHERE ns = ?1");
	jv o = jv_object();
	int rc;

	if (!st) {
		jv_free(o);
		return -1;
	}
	bind_text(st, 1, ns);
	while ((rc = step(st)) == SQLITE_ROW)
		o = jv_object_set(o, col_str(st, 0), col_json(st, 1));
	unprep(st);
	if (rc != SQLITE_DONE) {
		jv_free(o);
		return dberr(sp, "read state");
	}
	*out = o;
	return 0;
}

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
	if (tx_start(sp, &own) < 0) {
		free(body);
		return -1;
	}
	st = prep(sp, "INSERT INTO kb_docs (incident, monitor, category, summary,"
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
		return tx_end(sp, own, -1);
	}
	bind_text(st, 1, id);
	bind_text(st, 2, record_str(rec, "incident.monitor"));
	bind_text(st, 3, record_str(rec, "analysis.category"));
	bind_text(st, 4, summary);
	bind_text(st, 5, record_str(rec, "analysis.root_cause"));
	bind_text(st, 6, fix);
	bind_text(st, 7, body);
	sqlite3_bind_double(st, 8, mend_now());
	if (step(st) != SQLITE_DONE)
		rc = dberr(sp, "add to knowledge base");
	unprep(st);
	free(body);
	return tx_end(sp, own, rc);
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
	st = prep(sp, "SELECT d.incident, -bm25(kb) AS score, d.summary, d.root_cause,"
	    " d.fix, d.monitor, d.category FROM kb JOIN kb_docs d ON d.id = kb.rowid"
	    " WHERE kb MATCH ?1 ORDER BY bm25(kb) LIMIT ?2");
	if (!st) {
		free(q);
		jv_free(a);
		return -1;
	}
	bind_text(st, 1, q);
	sqlite3_bind_int(st, 2, limit > 0 ? limit : 5);
	while ((rc = step(st)) == SQLITE_ROW) {
		jv o = jv_object_set(jv_object(), jv_string("incident"), col_str(st, 0));
		o = jv_object_set(o, jv_string("score"), jv_number(sqlite3_column_double(st, 1)));
		o = jv_object_set(o, jv_string("summary"), col_str(st, 2));
		o = jv_object_set(o, jv_string("root_cause"), col_str(st, 3));
		o = jv_object_set(o, jv_string("fix"), col_str(st, 4));
		o = jv_object_set(o, jv_string("monitor"), col_str(st, 5));
		o = jv_object_set(o, jv_string("category"), col_str(st, 6));
		a = jv_array_append(a, o);
	}
	unprep(st);
	free(q);
	if (rc != SQLITE_DONE) {
		jv_free(a);
		return dberr(sp, "search knowledge base");
	}
	*out = a;
	return 0;
}
