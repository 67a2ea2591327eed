/*
 * mend.h - the one public header of libmend, the code every mend
 * program shares.  One section per file in lib/.
 *
 * Conventions (libgit2's, jq's):
 *  - Functions that can fail return -1 (or another negative number) and
 *    leave a message for mend_errmsg(); lib/ never prints, never exits.
 *    Commands decide what a failure means.
 *  - Out-parameters come first after the object; what comes back through
 *    `**out` or `jv *out` belongs to the caller.
 *  - A `jv` passed as an argument is consumed (jq's rule) unless the
 *    comment says "borrowed".  Borrowed `const char *` results live as
 *    long as the jv they came from.
 */
#ifndef MEND_H
#define MEND_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>
#include <jv.h>

#ifndef MEND_VERSION
#define MEND_VERSION "0.1.0"
#endif

/* sysexits(3) codes, as the design uses them. */
#include <sysexits.h>

/* error.c */

/* Set the calling thread's error message; always returns -1. */
int mend_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Like mend_err, with ": strerror(errno)" appended. */
int mend_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The last message set (never NULL). */
const char *mend_errmsg(void);

/* The program name for diagnostics ("enqueue"), set once by main. */
extern const char *mend_prog;
void mend_setprog(const char *argv0);
/* "prog: message\n" on stderr; mend_die also exits with `code`. */
void mend_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void mend_die(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* time.c */

/* Seconds since the epoch, with sub-second precision. */
double mend_now(void);
/* Monotonic seconds, for timeouts and intervals. */
double mend_mono(void);
/* RFC 3339 UTC with milliseconds into buf (at least 32 bytes); returns buf. */
char *mend_rfc3339(char *buf, size_t len, double t);
/* Parse RFC 3339 (Z or offset, optional fraction); -1 on error. */
int mend_parse_time(double *out, const char *s);
/* Parse a duration: "90", "90s", "15m", "2h", "7d", "1.5h"; -1 on error. */
int mend_parse_duration(double *out, const char *s);
/* Sleep for `s` seconds (restarting on EINTR unless *stop becomes set). */
void mend_sleep(double s, volatile int *stop);

/* record.c - JSON lines in and out */

struct record_reader;

/*
 * Open `path` ("-" or NULL is stdin) for reading JSON lines.  The reader
 * is the caller's; free it with record_reader_free().
 */
int record_reader_open(struct record_reader **out, const char *path);
/*
 * Read the next record into *out (caller owns it).  Returns 1 for a
 * record, 0 at end of input, -1 on a read error.  A line that is not a
 * JSON object is reported on stderr as "prog: FILE:LINE: reason",
 * counted, and skipped.  Blank lines are skipped silently; CRLF is fine;
 * lines may be any length.
 */
int record_read(struct record_reader *r, jv *out);
/* The text of the record record_read just returned (trimmed, no
 * newline); valid until the next record_read. */
const char *record_reader_text(const struct record_reader *r, size_t *len);
/* 1 when a complete line is buffered or the input is readable now. */
int record_reader_ready(struct record_reader *r);
/* The file descriptor underneath, for poll(2). */
int record_reader_fd(const struct record_reader *r);
/* Lines reported bad so far, and the position of the last line read. */
size_t record_reader_bad(const struct record_reader *r);
const char *record_reader_name(const struct record_reader *r);
long record_reader_line(const struct record_reader *r);
void record_reader_free(struct record_reader *r);

/*
 * Iterate the records of every file named in argv (stdin when argc is
 * 0), calling fn for each.  fn consumes the record and returns 0 to go on
 * or -1 to stop.  Returns 0 when all input was good, EX_DATAERR when some
 * line was bad, EX_NOINPUT when a file could not be opened, -1 when fn
 * stopped (message from fn) or reading failed.
 */
int record_each(int argc, char **argv, int (*fn)(jv rec, void *arg), void *arg);

/*
 * Write rec (consumed) as one compact line to f and flush it.  Returns -1
 * with a message on a write error (EPIPE, ENOSPC): callers must treat
 * that as failure.  Commands ignore SIGPIPE so EPIPE arrives here.
 */
int record_write(FILE *f, jv rec);
/* Compact JSON for rec (borrowed), malloc'd, caller frees. */
char *record_dump(jv rec);
/* Parse one JSON text; -1 with the parser's message on error. */
int record_parse(jv *out, const char *s, size_t len);

/*
 * Field access by dotted path ("incident.id").  None of these consume
 * rec.  record_get returns a new reference (jv_null() when absent);
 * record_str borrows (NULL when absent or not a string).
 */
jv record_get(jv rec, const char *path);
const char *record_str(jv rec, const char *path);
double record_num(jv rec, const char *path, double dflt);
int record_bool(jv rec, const char *path, int dflt);
int record_has(jv rec, const char *path);
/* The record's "type", or "" when it has none. */
const char *record_type(jv rec);
/*
 * Set a field, creating intermediate objects; consumes rec and v,
 * returns the new rec.  rec = record_set(rec, "job.id", jv_number(4));
 */
jv record_set(jv rec, const char *path, jv v);
jv record_set_str(jv rec, const char *path, const char *s);
jv record_set_num(jv rec, const char *path, double n);
/* Drop a field; consumes rec, returns the new rec. */
jv record_del(jv rec, const char *path);
/* jv_string from a possibly-NULL C string (NULL -> jv_null()). */
jv record_strornull(const char *s);
/* Release a jv held in a variable and set it invalid (safe twice). */
void record_clear(jv *v);

/* spool.c - the spool directory and mend.db */

struct spool;

/*
 * Open (creating, mode 0700) the spool directory `dir`; NULL means
 * $MEND_SPOOL, else $XDG_STATE_HOME/mend, else ~/.local/state/mend.
 * Opens mend.db in WAL mode with a busy timeout and runs migrations.
 */
int spool_open(struct spool **out, const char *dir);
void spool_close(struct spool *sp);
/* The spool directory (borrowed). */
const char *spool_dir(const struct spool *sp);

/*
 * Explicit transactions (BEGIN IMMEDIATE), for batching writes: every
 * spool_* write below joins an open transaction instead of committing
 * on its own.  spool_commit is durable (synchronous=FULL) on return.
 */
int spool_begin(struct spool *sp);
int spool_commit(struct spool *sp);
int spool_rollback(struct spool *sp);
/*
 * Durability of this connection's commits: 1 (default) syncs each commit
 * (synchronous=FULL); 0 lets a power loss roll back the last few commits,
 * never corrupting (WAL with synchronous=NORMAL).  work uses 0 for lease
 * bookkeeping, where a lost commit only means a job runs again.
 */
int spool_set_durable(struct spool *sp, int durable);
/* Changes whenever another connection commits (PRAGMA data_version). */
int64_t spool_data_version(struct spool *sp);
/*
 * Block until some process may have committed to the spool (inotify on
 * the spool directory: every WAL commit writes mend.db-wal) or timeout
 * seconds pass (<0: forever).  1 woken, 0 timed out.  Callers re-check.
 */
int spool_wait(struct spool *sp, double timeout);
/* The descriptor spool_wait polls (readable after a commit), for callers
 * that poll other descriptors too; drain it with spool_wait(sp, 0). */
int spool_watch_fd(struct spool *sp);

/* Queues.  States: queued leased done failed dead (and duplicate, which
 * is never stored: it is what job_add says about a repeated key). */
struct job_opts {
	const char *queue;	/* default "incidents" */
	const char *key;	/* dedup key, may be NULL */
	double delay;		/* seconds before it is ready */
	int priority;		/* higher runs first */
	int max_attempts;	/* default 5 */
	const char *text;	/* payload's JSON text when the caller has it */
	size_t text_len;	/* (saves dumping it again) */
};

struct job {
	int64_t id;
	char *queue;
	char *key;
	jv payload;		/* the record as enqueued */
	int attempts;		/* including the current one */
	int max_attempts;
};

/*
 * Add payload (consumed) as a job.  *out_job (caller's) is the job
 * object {id, queue, state, key, attempts}; state is "duplicate" (and no
 * job is added) when a job with the same key is queued or leased.
 */
int spool_job_add(struct spool *sp, jv *out_job, const struct job_opts *o, jv payload);
/*
 * Lease the next ready job of `queue` (priority, then age) for `owner`
 * for lease_s seconds.  Returns 1 and fills *j (release it with
 * job_release), 0 when none is ready, -1 on error.  An expired lease
 * makes a job ready again.
 */
int spool_job_lease(struct spool *sp, struct job *j, const char *queue,
    const char *owner, double lease_s);
/* Extend a lease; returns 0, or -1 when the lease was lost. */
int spool_job_renew(struct spool *sp, int64_t id, const char *owner, double lease_s);
/* Finish a leased job with its output as result (may be NULL). */
int spool_job_done(struct spool *sp, int64_t id, const char *owner, const char *result);
/*
 * A leased job failed.  permanent: dead at once.  Otherwise it is
 * retried after exponential backoff with jitter, or dead when attempts
 * ran out; backoff is the first delay in seconds (doubling, capped at
 * 10 min).  *state_out (may be NULL) says which ("failed" or "dead",
 * static string); *retry_in the delay chosen.
 */
int spool_job_fail(struct spool *sp, int64_t id, const char *owner, int permanent,
    double backoff, const char *error, const char **state_out, double *retry_in);
/* Put a dead/failed/done job back in the queue, ready now; 0 or -1. */
int spool_job_retry(struct spool *sp, int64_t id);
/* Seconds until the next job of queue becomes ready; -1 when none waits. */
double spool_job_next(struct spool *sp, const char *queue);
/* Jobs as an array of job objects; queue/state may be NULL for all. */
int spool_jobs(struct spool *sp, jv *out, const char *queue, const char *state);
/* One job with payload, result, error, times; 1 found, 0 not, -1 error. */
int spool_job_get(struct spool *sp, jv *out, int64_t id);
/* Delete done/dead jobs, resolved incidents (with their timelines) and
 * notify's sent-message state older than age seconds. */
int spool_purge(struct spool *sp, double age, int *njobs, int *nincidents);
/* Counts by queue and state, incidents open/resolved. */
int spool_stats(struct spool *sp, jv *out);
void job_release(struct job *j);

/*
 * Incidents and their timeline.  spool_incident_append(rec) stores what a
 * stage produced: rec (borrowed) must carry incident.id; the incident is
 * created when new, its open/resolve state and times follow the
 * incident's event, and rec is appended to the timeline under its type.
 */
int spool_incident_append(struct spool *sp, jv rec);
/* The latest timeline record of `type` for incident id: 1, 0 none, -1. */
int spool_incident_latest(struct spool *sp, jv *out, const char *id, const char *type);
/* The incident row with its whole timeline: 1, 0 none, -1. */
int spool_incident_get(struct spool *sp, jv *out, const char *id);
/* All incidents (or only open ones), newest first, as an array. */
int spool_incidents(struct spool *sp, jv *out, int open_only);

/*
 * Small durable state for stages (detector windows, used fix links).
 * Values are JSON.  put with jv_null() deletes.  claim inserts only when
 * absent: 1 inserted, 0 it existed (single-use tokens).
 */
int spool_state_get(struct spool *sp, jv *out, const char *ns, const char *key);
int spool_state_put(struct spool *sp, const char *ns, const char *key, jv value);
int spool_state_claim(struct spool *sp, const char *ns, const char *key, jv value);
/* Every key of ns as an object {key: value}. */
int spool_state_all(struct spool *sp, jv *out, const char *ns);

/*
 * The knowledge base (FTS5): kb_add indexes a record (borrowed) under its
 * incident id, replacing what was there for the same id and type;
 * kb_search returns [{incident, score, summary, root_cause, fix}] best
 * first (score: higher is better, from BM25).
 */
int spool_kb_add(struct spool *sp, jv rec);
int spool_kb_search(struct spool *sp, jv *out, const char *query, int limit);

/* exec.c - child processes */

struct proc_opts {
	const char *cwd;		/* NULL: inherit */
	char *const *env;		/* NULL: inherit */
	int new_pgrp;			/* own process group (killable as one) */
	int stdin_null;			/* stdin from /dev/null instead of a pipe */
	int stderr_pipe;		/* capture stderr (else inherited) */
	int merge_stderr;		/* stderr into the stdout pipe */
	long rlimit_cpu;		/* seconds, 0: none */
	long rlimit_as;			/* bytes, 0: none */
	long rlimit_fsize;		/* bytes, 0: none */
	long rlimit_nproc;		/* 0: none */
	int no_network;			/* unshare(CLONE_NEWUSER|CLONE_NEWNET) when allowed */
	int die_with_parent;		/* SIGKILL the child when we die (even by -9) */
};

struct proc {
	pid_t pid;
	int in;		/* write end of child's stdin, -1 if none */
	int out;	/* read end of child's stdout */
	int err;	/* read end of child's stderr, -1 if not piped */
};

/* Start argv[0] (PATH searched) with pipes; no shell. */
int proc_spawn(struct proc *p, char *const argv[], const struct proc_opts *o);
/* Signal the child (its whole group when it has one). */
void proc_kill(const struct proc *p, int sig, int group);
/* Wait; *status as from waitpid.  Closes remaining fds. */
int proc_wait(struct proc *p, int *status);

struct proc_result {
	int status;		/* waitpid status */
	int timed_out;
	char *out;		/* stdout (and stderr when merged), NUL-terminated */
	size_t out_len;
	char *err;		/* stderr when captured separately */
	size_t err_len;
};

/*
 * Run argv to completion: feed `input` (may be NULL) on stdin, collect
 * output (at most max_out bytes kept of each, the tail when cut), kill
 * the process group after timeout seconds (0: none).  Returns 0 when it
 * ran (look at res->status), -1 when it could not be started.
 */
int proc_run(struct proc_result *res, char *const argv[], const struct proc_opts *o,
    const char *input, size_t input_len, double timeout, size_t max_out);
void proc_result_release(struct proc_result *res);
/* Exit code of a waitpid status: the code, or 128+signal. */
int proc_exitcode(int status);
/* The environment without secrets (tokens, keys, passwords), NULL-ended,
 * malloc'd; free with proc_env_free. `extra` entries ("K=V") are added. */
char **proc_env_scrubbed(char *const *extra);
void proc_env_free(char **env);

/* http.c - HTTP client (libcurl) */

struct http_req {
	const char *method;		/* "GET" when NULL */
	const char *url;
	const char *const *headers;	/* NULL-ended "Name: value" */
	const char *body;
	size_t body_len;
	long timeout_ms;		/* whole request; default 30000 */
	int max_attempts;		/* http_do_retry: default 4 */
};

struct http_resp {
	long status;			/* 0 when no response came */
	char *body;			/* NUL-terminated */
	size_t body_len;
	double retry_after;		/* seconds from Retry-After, or -1 */
	int attempts;
};

/* One request.  -1 on transport failure (message says why). */
int http_do(struct http_resp *resp, const struct http_req *req);
/*
 * With retries: transport errors, 429 and 5xx are retried with
 * exponential backoff and jitter, honouring Retry-After (and a JSON
 * body's "retry_after", as Discord sends).  Returns 0 with the last
 * response (which may still be an error status), -1 when no response.
 */
int http_do_retry(struct http_resp *resp, const struct http_req *req);
void http_resp_release(struct http_resp *resp);

/* strbuf.c - growable strings */

/* Start from `struct strbuf b = { 0 };`.  Appends never fail loudly: an
 * allocation failure sets oom and later appends do nothing. */
struct strbuf {
	char *s;		/* NUL-terminated, NULL while empty */
	size_t len, cap;
	int oom;
};

void strbuf_addn(struct strbuf *b, const char *s, size_t n);
void strbuf_add(struct strbuf *b, const char *s);
void strbuf_addf(struct strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The string, now the caller's ("" when empty), the buffer emptied;
 * NULL (and the buffer released) when memory ran out. */
char *strbuf_take(struct strbuf *b);
void strbuf_release(struct strbuf *b);

/* jqexpr.c - jq programs on records */

struct jqexpr;

/* Compile a jq program; the caller frees it with jqexpr_free. */
int jqexpr_compile(struct jqexpr **out, const char *program);
/*
 * Run it on `in` (borrowed): 1 with the first output in *out (caller
 * owns it), 0 when it produced nothing (e.g. `select` said no), -1 on a
 * runtime error.
 */
int jqexpr_eval(struct jqexpr *e, jv *out, jv in);
void jqexpr_free(struct jqexpr *e);

/* trace.c - stack traces */

/*
 * Find every stack trace in text (logs, error records, bodies) and put
 * them in *out (caller's) as an array, in order of appearance, of
 *   {lang, exception, message, frames, cause}
 * lang: python node java go ruby rust php dotnet c.  frames is innermost
 * first, each {path, line, function, in_app} (path/line/function null
 * when unknown; Python 3.11+ frames also carry code, col, end_col and
 * op_col from the caret line).  cause is the underlying exception (a
 * trace) or null.  Common log prefixes (journald, pm2, docker compose,
 * kubectl timestamps) are ignored.
 */
int trace_parse(jv *out, const char *text);
/* The deepest cause of trace t (consumed); t itself when it has none. */
jv trace_root(jv t);
/* The innermost in-app frame of t (consumed), or jv_null(). */
jv trace_app_frame(jv t);
/* Library or application code?  A guess from the path and function. */
int trace_in_app(const char *lang, const char *path, const char *function);

/* redact.c - secrets out of text */

/*
 * A copy of text with secrets replaced by "[REDACTED]" (malloc'd, the
 * caller frees it; NULL when text is NULL or memory ran out).  *count
 * (may be NULL) is the number of secrets replaced.
 */
char *redact(const char *text, int *count);
/* The same for len bytes that may hold NULs (a NUL is a byte, never the
 * end); *outlen (may be NULL) is the result's length. */
char *redact_mem(const char *text, size_t len, size_t *outlen, int *count);
/* redact(text) with text (malloc'd) consumed; NULL when it was NULL or
 * memory ran out. */
char *redact_take(char *text);
/* A line for a log: redacted, and control bytes, bidi overrides and
 * invalid UTF-8 escaped (\n, \x1b), so it stays one line.  malloc'd. */
char *redact_log(const char *text, size_t len);
/* Every string in v (consumed) redacted, and whole values under
 * secret-looking keys; returns the new value. */
jv redact_jv(jv v, int *count);
/* A record (consumed) for the spool or an agent: redact_jv of all but
 * analysis.diff and analysis.edits, the repository's own text, which
 * must stay applicable. */
jv redact_record(jv rec, int *count);
/* Does a key name (n bytes) look like it holds a secret? */
int redact_is_secret_key(const char *key, size_t n);

/* sign.c - HMAC links */

/*
 * One-click fix links: {base}/fix/{incident}?exp=EXP&sig=SIG with EXP the
 * expiry (seconds since the epoch) and SIG the hex HMAC-SHA256 of the
 * incident and EXP under the secret.  An incident id must be 1..64
 * characters of [A-Za-z0-9_-].  The secret never appears in a message.
 */
#define SIGN_MIN_SECRET 16	/* bytes */
#define SIGN_HEX_LEN 64
enum { SIGN_OK = 0, SIGN_BAD = 1, SIGN_EXPIRED = 2 };
/* 0 when secret is usable (set, long enough), else -1 with why. */
int sign_secret_ok(const char *secret);
/* 1 when incident may appear in a link. */
int sign_incident_ok(const char *incident);
/* The signature for (incident, exp) as NUL-terminated hex into out. */
int sign_token(char out[SIGN_HEX_LEN + 1], const char *secret, const char *incident,
    long long exp);
/* The whole link into *out (malloc'd, caller frees); base loses trailing '/'. */
int sign_link(char **out, const char *base, const char *secret, const char *incident,
    long long exp);
/*
 * Check a link's exp and sig (strings as they came in the URL) in
 * constant time.  SIGN_BAD when anything is malformed or the MAC does not
 * match, SIGN_EXPIRED when genuine but exp <= now, SIGN_OK; -1 with a
 * message when the secret is unusable.
 */
int sign_verify(const char *secret, const char *incident, const char *exp,
    const char *sig, double now);
/* SHA-256 of s[0..n) as hex into out (for keys, not for links). */
int sign_digest(char out[SIGN_HEX_LEN + 1], const char *s, size_t n);
/* nbytes (at most 64) random bytes from OpenSSL as hex into out, which
 * holds 2 * nbytes + 1 (incident ids). */
int sign_random_hex(char *out, size_t nbytes);

/* notify.c - webhook messages */

enum { NOTIFY_SLACK, NOTIFY_DISCORD, NOTIFY_JSON };

struct notify_target {
	int kind;		/* NOTIFY_SLACK ... */
	char *url;		/* the webhook (a secret: never print it) */
	char *label;		/* "slack:https://hooks.slack.com/…", safe to print */
	char id[17];		/* hex hash of url: tells targets apart */
};

/*
 * Parse "slack:URL", "discord:URL", "json:URL" or a bare URL, whose kind
 * comes from its host (hooks.slack.com, discord.com/api/webhooks/...,
 * else json).  Release with notify_target_release.
 */
int notify_target_parse(struct notify_target *t, const char *spec);
void notify_target_release(struct notify_target *t);
const char *notify_kind_name(int kind);

struct notify_opts {
	const char *trigger_url;	/* MEND_TRIGGER_URL, may be NULL */
	const char *secret;		/* MEND_TRIGGER_SECRET, may be NULL */
	double min_confidence;		/* no fix link below this */
	double link_ttl;		/* seconds a fix link lives */
	double now;
};

#define NOTIFY_FIELDS 10
#define NOTIFY_SECTIONS 6
/* What a record says to people, as plain text; renderers escape it. */
struct notify_msg {
	char *title;		/* one line: what a phone notification shows */
	int color;		/* 0xRRGGBB */
	size_t nfields, nsections;
	struct { char *name, *value; } fields[NOTIFY_FIELDS];	/* short facts */
	struct { char *heading, *text; } sections[NOTIFY_SECTIONS];
	char *fix_url;		/* analysis with a fix offered, else NULL */
	char *no_fix;		/* analysis without one: why, else NULL */
	char *footer;
};

/* Build the message for rec (borrowed); release with notify_msg_release. */
int notify_msg_build(struct notify_msg *m, jv rec, const struct notify_opts *o);
void notify_msg_release(struct notify_msg *m);
/* The payloads to POST for a kind of target: a jv array of objects (usually
 * one), each under that service's limits.  rec is borrowed (json sends it). */
jv notify_payloads(const struct notify_msg *m, int kind, jv rec);
jv notify_slack(const struct notify_msg *m);
jv notify_discord(const struct notify_msg *m);
jv notify_json(const struct notify_msg *m, jv rec);
/* The message as plain text, malloc'd. */
char *notify_text(const struct notify_msg *m);
/* Helpers, public for tests: UTF-16 length, clip with "…" (malloc'd),
 * "14 min". */
size_t notify_u16len(const char *s);
char *notify_clip(const char *s, size_t max);
void notify_duration(char *out, size_t len, double s);
/* hunk.c - diffs and edits applied to text */

/*
 * A parsed unified diff.  Hunk lines point into the text given to
 * diff_parse, which must outlive the diff.  Counts in hunk headers are
 * hints only (-1 when the header had none).
 */
struct hunk_line {
	char op;		/* ' ', '-' or '+' */
	const char *s;		/* without the op and the newline */
	size_t len;
};
struct hunk {
	long old_start, old_count, new_start, new_count;
	struct hunk_line *lines;
	size_t n;
	int old_no_eol, new_no_eol;	/* "\ No newline at end of file" */
};
struct diff_file {
	char *old_path, *new_path;	/* without a/ b/; NULL for /dev/null */
	int git, is_new, is_delete, is_rename, is_binary;
	unsigned mode;			/* from "new file mode", 0 when absent */
	struct hunk *hunks;
	size_t nhunks, hcap;
};
struct diff {
	struct diff_file *files;
	size_t nfiles;
};

int diff_parse(struct diff *d, const char *text, size_t len);
void diff_release(struct diff *d);
/* The path a file entry writes (new side, else old side); borrowed. */
const char *diff_file_path(const struct diff_file *f);
/*
 * Apply f's hunks to text, locating each by its context (line numbers
 * ignored): exactly one match, exact or ignoring trailing white space,
 * or -1 saying "matches nowhere" / "in more than one place".  *out is
 * malloc'd, NUL-terminated, the caller's.
 */
int hunk_apply(char **out, size_t *outlen, const char *text, size_t len,
    const struct diff_file *f);
/* Replace the one occurrence of search (empty: only in an empty text). */
int edit_apply(char **out, size_t *outlen, const char *text, size_t len,
    const char *search, const char *replace);

/* guard.c - paths a change may touch */

#define GUARD_MAX_LINES 400
struct guard {
	const char *root;	/* the checkout; NULL: names only, no symlink check */
	char **protect;		/* patterns added to the defaults */
	size_t nprotect;
	char **allow;		/* patterns that override protection */
	size_t nallow;
	long max_lines;		/* cap on added+removed lines, 0: none */
};
extern const char *const guard_default_protect[];
void guard_init(struct guard *g, const char *root);
/* Add ':'- or ','-separated glob patterns. */
int guard_protect(struct guard *g, const char *patterns);
int guard_allow(struct guard *g, const char *patterns);
void guard_release(struct guard *g);
/* 0 when a change may touch path, else -1 with the reason. */
int guard_path(const struct guard *g, const char *path);
/* 0 when `lines` changed lines are within the cap, else -1. */
int guard_size(const struct guard *g, long lines);

/* git.c - repositories (libgit2) */
struct repo;

/* Where the checkout of url lives under workroot (malloc'd). */
int repo_checkout_path(char **out, const char *url, const char *workroot);
/*
 * The checkout of url at path, cloned the first time, fetched
 * afterwards (origin set to url).  token (may be NULL) is offered as
 * the HTTPS password.  *out is the caller's.
 */
int repo_clone_or_fetch(struct repo **out, const char *url, const char *path,
    const char *token);
/* An existing checkout. */
int repo_open(struct repo **out, const char *workdir);
void repo_free(struct repo *r);
int repo_set_token(struct repo *r, const char *token);
int repo_fetch(struct repo *r);
const char *repo_workdir(const struct repo *r);
/* origin's URL, malloc'd. */
int repo_remote_url(struct repo *r, char **out);
/* The remote's default branch ("main"), malloc'd. */
int repo_default_branch(struct repo *r, char **out);
/* A revision ("origin/main", a hex id) to a commit id. */
int repo_resolve(struct repo *r, char out[41], const char *spec);
/* Create or move branch to commit `at` and check it out (force). */
int repo_branch_reset(struct repo *r, const char *branch, const char *at);
/* Check out a branch (or detach at a revision), discarding changes. */
int repo_checkout(struct repo *r, const char *rev);
/*
 * Apply a unified diff (or search/replace edits, borrowed) to the
 * working tree, every path guarded first; nothing is written when a
 * path is refused or a hunk does not apply.  *how: "git" or "context".
 */
int repo_apply_diff(struct repo *r, const struct guard *g, const char *text, size_t len,
    const char **how);
int repo_apply_edits(struct repo *r, const struct guard *g, jv edits);
/* analysis.diff, else analysis.edits (analysis borrowed); -2 when it has neither. */
int repo_apply_change(struct repo *r, const struct guard *g, jv analysis, const char **how);
/*
 * Stage every change of the working tree; *files (caller's) the paths
 * changed against HEAD, *lines added+removed.  Each path is guarded
 * (g may be NULL); -1 when one is refused.
 */
int repo_stage_all(struct repo *r, const struct guard *g, jv *files, long *lines);
/* Commit the index on HEAD's branch; author and committer from
 * MEND_GIT_NAME/MEND_GIT_EMAIL, else user.name/user.email. */
int repo_commit(struct repo *r, char out[41], const char *msg);
/* First parent and tree of a commit (either may be NULL). */
int repo_commit_info(struct repo *r, const char *hex, char parent[41], char tree[41]);
/* The diff between two commits: text (may be NULL), files and lines (may be NULL). */
int repo_diff(struct repo *r, const char *from, const char *to, char **text, jv *files,
    long *lines);
/* Where origin's branch points: 1 (out set), 0 no such branch, -1 error. */
int repo_remote_ref(struct repo *r, char out[41], const char *branch);
/* Commits in from..to, oldest first: [{commit, subject, author}]. */
int repo_shortlog(struct repo *r, jv *out, const char *from, const char *to);
/* git diff --stat text for from..to (malloc'd). */
int repo_diffstat(struct repo *r, char **out, const char *from, const char *to);
/* Force-push refs/heads/branch to origin. */
int repo_push(struct repo *r, const char *branch);
/* Exclusive flock on "<workdir>.lock"; close(*fd) releases it. */
int repo_lock(int *fd, const char *workdir);
/*
 * Create or move branch to a new commit on `base` that reverts commit
 * `hex` (a merge is reverted against its first parent), and check it
 * out; out is the new commit.  -1 when the revert does not apply
 * cleanly on base (nothing is committed then).
 */
int repo_revert(struct repo *r, char out[41], const char *branch, const char *base,
    const char *hex, const char *msg);

/* forge.c - pull requests on GitHub, Gitea/Forgejo, GitLab */

struct forge {
	const char *kind;	/* "github", "gitea", "gitlab" */
	const char *api;	/* https://api.github.com, https://host/api/v1, .../api/v4 */
	const char *slug;	/* OWNER/NAME (GitLab: the full project path) */
	const char *token;	/* may be NULL */
};
struct forge_pr_req {
	const char *head, *base, *title, *body;
	int draft;
};
struct forge_pr {
	char *url;
	long number;
	int created;		/* 0: it existed already */
	int draft;
};
/*
 * The API token for kind: $MEND_FORGE_TOKEN, else GITHUB_TOKEN,
 * GITEA_TOKEN or GITLAB_TOKEN; NULL when none is set (kind "none" too).
 */
const char *forge_token(const char *kind);
/* A token for fetching and pushing over HTTPS: $MEND_GIT_TOKEN, else the
 * first forge token set; NULL when none is. */
const char *forge_git_token(void);
/*
 * Check --forge and --slug as the user gave them (either may be NULL) and
 * normalize --api-url in place (no trailing slash: paths are appended).
 * 0, or -1 with a message fit for usage().
 */
int forge_opts_check(const char *kind, const char *slug, const char **api);
/* "github" "gitlab" "gitea" from the host, "none" for local remotes, NULL unknown. */
const char *forge_detect(const char *remote_url);
/* OWNER/NAME from a remote URL (https, ssh, scp-like, local path); malloc'd. */
int forge_slug(char **out, const char *remote_url);
/* The usual API base URL of kind for a remote's host; malloc'd. */
int forge_api_url(char **out, const char *kind, const char *remote_url);
/*
 * Open the pull request, or find the open one for the same head (then
 * created is 0).  0 ok; -1 error; -2 rate limited, try later.  Release
 * *pr with forge_pr_release.
 */
int forge_pr_open(struct forge_pr *pr, const struct forge *f, const struct forge_pr_req *q);
void forge_pr_release(struct forge_pr *pr);

/* testrun.c - test commands, their output, the confidence of a fix */

/* The test command a checkout most likely uses (static string), or NULL. */
const char *testrun_detect(const char *workdir);
/* Passed and failed test counts from a runner's output; -1 when unknown. */
void testrun_count(const char *log, long *passed, long *failed);
/* The output lines that name failed tests (at most 20), as an array. */
jv testrun_failures(const char *log);
/*
 * The confidence of a fix (testloop(1) documents the formula).
 * replay_state: 2 failed before and passes after, 1 passes after only,
 * 0 fails after, -1 no replay.  tests_passed -1 when unknown.
 */
double testrun_confidence(int passed, int replay_state, long lines, int iterations,
    long tests_passed);

/* template.c - fix templates for common code faults */

/*
 * Rewrite one source line so the fault a trace reported on it cannot
 * recur: lang "python" or "node", the exception name and message, the
 * line as it is in the file, and the 0-based columns in that line the
 * trace marked (-1 when unknown: Python 3.11+ carets give col/end_col and
 * op_col for binary operators, Node gives col).  Returns the new line
 * (malloc'd, caller frees) and *what says what changed, or NULL when no
 * template fits safely.
 */
char *template_fix(const char *lang, const char *exc, const char *msg, const char *line,
    int col, int end_col, int op_col, const char **what);

/* analyze.c, model.c - engines */

struct analyze_opts {
	const char *engine;		/* rules llm agent (analyze_engine()) */
	const char *repo;		/* source checkout, or NULL ($MEND_REPO) */
	const char *log_path;		/* application log to tail, or NULL */
	const char *log_cmd;		/* or a shell command printing it */
	int log_lines;			/* lines of log kept (200) */
	struct spool *sp;		/* for similar incidents, or NULL */
	const char *llm_url, *llm_model, *llm_key;	/* $MEND_LLM_* */
	double llm_timeout;		/* seconds per request (120) */
	int llm_attempts;		/* tries per request (4) */
	const char *agent;		/* $MEND_AGENT command template */
	double agent_timeout;		/* seconds (900) */
	size_t max_diff;		/* bytes (64 KiB) */
};

/* Defaults and the MEND_* environment. */
void analyze_opts_init(struct analyze_opts *o);
/* The engine: flag, else $MEND_ENGINE, else llm when $MEND_LLM_URL is
 * set, agent when $MEND_AGENT is, else rules. */
const char *analyze_engine(const char *flag);
/*
 * The context of incident record rec (borrowed) into *out: incident,
 * evidence_text, text, log, traces, trace, frames (mapped onto the repo:
 * "file"), source [{file,line,function,snippet}], commits, similar.  All
 * of it redacted.
 */
int analyze_context(jv *out, jv rec, const struct analyze_opts *o);
/* The rules engine's analysis of ctx (borrowed). */
int analyze_rules(jv *out, jv ctx, const struct analyze_opts *o);
/* The prompt for ctx (borrowed), untrusted text fenced; revise (borrowed)
 * is null or {diff, log} of a change that failed.  malloc'd. */
char *analyze_prompt(jv ctx, jv revise);
/* Check a model's reply: the JSON object in text with valid fields into
 * *out, or -1 with *why (malloc'd) saying what is wrong. */
int analyze_answer(jv *out, const char *text, size_t max_diff, char **why);
/* A diff may not leave the repo, touch .git or protected paths, or be
 * larger than max: 0 ok, -1 with *why (malloc'd). */
int analyze_diff_check(const char *diff, size_t max, char **why);
/* Engines: 0 with *out, 1 when they failed and rules should answer
 * (*why malloc'd says why), -1 on internal errors. */
int analyze_llm(jv *out, jv ctx, jv revise, const struct analyze_opts *o, char **why);
int analyze_agent(jv *out, jv ctx, jv revise, const struct analyze_opts *o, char **why);
/*
 * Analyze incident record rec (borrowed) with o->engine: *out is the
 * analysis record.  revise: rec carries a failed change (see analyze(1));
 * *cannot is set when the engine could not revise it.
 */
int analyze_record(jv *out, jv rec, const struct analyze_opts *o, int revise, int *cannot);

/* probe.c - concurrent HTTP checks (the libcurl multi wrapper for probe) */

struct prober;

struct probe_opts {
	int concurrency;	/* checks in flight at once; default 64 */
	int reuse;		/* share connections among checks (else one each) */
	double timeout;		/* seconds per check unless the target says; default 10 */
	const char *source;	/* "source" field of records (who probed); may be NULL */
	int threads;		/* threads sharing the checks; 0: one per CPU, up to 4 */
};

int prober_new(struct prober **out, const struct probe_opts *o);
void prober_free(struct prober *p);
/*
 * Add the target described by one line of a target list: "URL
 * [key=value ...]" or a JSON object with the same keys (url, name,
 * method, expect, timeout, contains, header, body, follow).  Returns 1
 * when added, 0 for a blank or comment line, -1 (message says why) for
 * a bad one.
 */
int prober_add_target(struct prober *p, const char *line, size_t len);
size_t prober_ntargets(const struct prober *p);
/* Queue one check of every target that has none in flight; returns how many. */
size_t prober_cycle(struct prober *p);
/*
 * Run the checks until none is left (returns 0) or until the monotonic
 * time `until` (0: no limit) passes (returns 1).  Each finished check is
 * handed to fn as a probe record: one line of compact JSON, without the
 * newline, NUL-terminated, valid only during the call.  After each batch
 * of finished checks fn is called with NULL (time to flush).  fn runs in
 * the prober's threads, one call at a time.  When fn returns -1, or on
 * a libcurl error, prober_run returns -1.
 */
int prober_run(struct prober *p, double until,
    int (*fn)(const char *line, size_t len, void *arg), void *arg);

/* detect.c - incidents from probe and error records */

struct detector;

struct detect_opts {
	int fail_after;		/* consecutive failures that open; default 2 */
	int recover_after;	/* consecutive successes that resolve; default 2 */
	double error_rate;	/* percent failing over the window that opens; 0 off */
	double window;		/* seconds; default 600 */
	int min_samples;	/* before rate and latency count; default 5 */
	double latency;		/* p95 milliseconds that opens; 0 off */
	int flap;		/* state changes in the window that mean flapping; 0 off */
	int quorum;		/* sources that must agree; default 1 */
	int evidence;		/* records kept as evidence; default 5 */
	const char *when;	/* jq program marking a record failing, or NULL */
};

/*
 * A detector over the spool sp (borrowed; it must outlive the detector).
 * Its state (windows, open incidents) is loaded from the spool's
 * "detect" namespace, so consecutive runs continue where the last one
 * stopped.
 */
int detector_new(struct detector **out, struct spool *sp, const struct detect_opts *o);
void detector_free(struct detector *d);
/*
 * Feed one input line (a JSON record).  Returns 0 when it was used or
 * ignored (records of other types), 1 when the line is bad (message
 * says why; the caller reports it with FILE:LINE), -1 on an internal
 * error.  Incidents it decides are held until detector_flush.
 */
int detector_feed(struct detector *d, const char *line, size_t len);
/* Incidents decided but not yet flushed, and since when (mend_mono). */
size_t detector_pending(const struct detector *d, double *since);
/* 1 when some state is not yet in the spool. */
int detector_dirty(const struct detector *d);
/*
 * Commit the pending incidents and the changed state in one spool
 * transaction, then hand each incident record to fn (consumed), in
 * order.  Nothing is handed over unless the commit succeeded.
 */
int detector_flush(struct detector *d, int (*fn)(jv rec, void *arg), void *arg);

/* otlp.c - OTLP/JSON to error records */

enum otlp_signal { OTLP_TRACES, OTLP_LOGS };

struct otlp_stats {
	long items;		/* spans or log records seen */
	long rejected;		/* of those, malformed and skipped */
	long bad_containers;	/* resource/scope entries of the wrong shape */
	long errors;		/* error records produced */
};

/*
 * Convert an OTLP/JSON export request (body, consumed) for signal `sig`
 * into `error` records: *records (caller's) is an array of them.  now
 * stands in for items without a time.  Malformed spans or log records
 * are counted in st->rejected and skipped.  Returns -1 when body is not
 * an export request at all.
 */
int otlp_errors(jv *records, struct otlp_stats *st, enum otlp_signal sig, jv body,
    double now);
/*
 * Decode a gzip body into a malloc'd, NUL-terminated *out (caller
 * frees); -1 when it is corrupt or inflates to more than max bytes.
 */
int otlp_gunzip(char **out, size_t *out_len, const char *in, size_t in_len, size_t max);

/* watch.c - deploy verdicts */

struct watch_opts {
	double window;		/* seconds after a deploy; default 300 */
	double baseline;	/* seconds before it; default 1800 */
	int min_checks;		/* on each side, for rate and latency; default 5 */
};
void watch_opts_init(struct watch_opts *o);

struct watcher;

/*
 * A watcher starting from state (consumed: the object of keys
 * watcher_changes returned over time, e.g. spool_state_all's "watch"
 * namespace, or jv_object()).  *out is the caller's.
 */
int watcher_new(struct watcher **out, jv state, const struct watch_opts *o);
void watcher_free(struct watcher *w);
/*
 * Feed one record (consumed): probe, error, deploy or pr; others are
 * ignored.  0 used or ignored, 1 bad record (message says why), -1
 * internal error.  Deploys whose window has passed are judged; take the
 * verdict records with watcher_take.
 */
int watcher_feed(struct watcher *w, jv rec);
/* The verdict records decided since the last call (an array, caller's). */
jv watcher_take(struct watcher *w);
/* State changed since the last call, {key: value or null to delete}. */
jv watcher_changes(struct watcher *w);
/* Deploys still waiting for their window. */
size_t watcher_pending(const struct watcher *w);
/*
 * Compare one monitor around time `at`: samples [[ts,ok,ms]] and errors
 * [[ts,signature]] (both consumed, may be null).  *out is the monitor
 * object of a verdict {monitor, before, after, worse, reason, new_errors}.
 */
int watch_judge(jv *out, const char *monitor, jv samples, jv errors, double at,
    const struct watch_opts *o);
/* exception type + innermost frame of an error record (borrowed); malloc'd. */
char *watch_error_signature(jv rec);

#endif
