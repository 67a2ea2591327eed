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

#include <stdarg.h>
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
/*
 * Every program's usage(): why NULL is --help (text on stdout, exit 0);
 * otherwise a usage error (why, when not "", as a warning; text on
 * stderr; exit 64).
 */
void mend_usage(const char *why, const char *text) __attribute__((noreturn));
/* An option's whole number of at least lo; else usage("bad WHAT 'S'"),
 * which must not return. */
long mend_arg_long(const char *s, const char *what, long lo, void (*usage)(const char *why));
void mend_die(int code, const char *fmt, ...)
    __attribute__((format(printf, 2, 3), noreturn));

/* cli.c - program glue: --help, --version, the spool option */

struct option;
struct spool;
/* getopt_long's value for --version (no short option). */
#define CLI_VERSION 0x7f00
/* The last entries of every program's long option table. */
#define CLI_OPTIONS_END \
	{ "help", no_argument, NULL, 'h' }, \
	{ "version", no_argument, NULL, CLI_VERSION }, \
	{ NULL, 0, NULL, 0 }
/*
 * getopt_long, answering what every program answers the same way: -h and
 * --help call usage(NULL) (usage on stdout, exit 0), --version prints
 * "PROG (mend) VERSION" and exits 0, an unknown option or a missing
 * argument calls usage("") (exit 64), and -s DIR (--spool DIR, in the
 * programs whose optstring has "s:") sets cli_spool.  Returns the
 * program's own options, and -1 at the end.  usage must not return.
 */
int cli_getopt(int argc, char **argv, const char *optstring, const struct option *longopts,
    void (*usage)(const char *why));
/* Print "PROG (mend) VERSION" on stdout and exit 0. */
void cli_version(void) __attribute__((noreturn));
/* -s DIR, --spool DIR: NULL when not given. */
extern const char *cli_spool;
/* The spool cli_spool names (NULL: $MEND_SPOOL, see spool_open), or exit
 * with `code` (EX_UNAVAILABLE, or what the program's page says) and the
 * reason. */
struct spool *cli_spool_open(int code);
struct stage_ctx;
/* A fix stage's main loop: st->sp from cli_spool_open(spool_code),
 * stage_run over the files, the spool closed; exit 74 when reading or
 * stdout failed, else the exit status is returned. */
int cli_stage_run(struct stage_ctx *st, int argc, char **argv, int (*handle)(jv rec, void *arg),
    int spool_code);

/* stage.c - one record through a fix stage (patch, testloop, openpr, watch) */

struct stage_ctx {
	struct spool *sp;	/* the incidents' timelines */
	const char *name;	/* "patch": the stage in refused entries */
	int worst;		/* the first failure's exit status; 0 while none */
};
/* Keep code as the exit status unless an earlier failure set one. */
void stage_fail(struct stage_ctx *st, int code);
/* A record (borrowed) refused for safety: "SUBJECT: WHAT: WHY" on stderr
 * and a refused entry on its timeline (spool_incident_refuse); exit 65. */
void stage_refuse(struct stage_ctx *st, jv rec, const char *subject, const char *what,
    const char *why);
/* rec (borrowed) on its incident's timeline, when it names one (a failure
 * there is warned as "SUBJECT: cannot record in the timeline"), then on
 * stdout; -1 when stdout fails. */
int stage_emit(struct stage_ctx *st, jv rec, const char *subject);
/* record_each over the files, handle(rec, st) for each; the exit status
 * (the first failure's, else record_each's), or -1 when reading failed. */
int stage_run(struct stage_ctx *st, int argc, char **argv, int (*handle)(jv rec, void *arg));

/* testloop.c - proving a patch: tests, fixer rounds, replay, confidence */

struct testloop_opts {
	const char *test, *fixer, *serve, *allow, *protect, *sandbox;
	int max_iter, no_network, network, regress, from_checks;
	double timeout, fixer_timeout, serve_timeout;
	long mem, max_lines;
	const char *sandbox_kind;	/* "bwrap" or "none" (proc_sandbox_kind) */
};
/* The options (copied) of this process's loop; its stage (stage.c),
 * whose spool the caller sets before the first record. */
struct stage_ctx *testloop_init(const struct testloop_opts *o);
/* One record (consumed): a patch (or, with from_checks, a pr whose checks
 * failed) is proven and its testrun record written to stdout and the
 * timeline; others pass through.  0, or -1 when stdout failed. */
int testloop_handle(jv rec, void *arg);

/* time.c */

/* Seconds since the epoch, with sub-second precision. */
double mend_now(void);
/* Monotonic seconds, for timeouts and intervals. */
double mend_mono(void);
/* RFC 3339 UTC with milliseconds into buf (at least 32 bytes); returns buf. */
char *mend_rfc3339(char *buf, size_t len, double t);
/* Parse RFC 3339 (Z or offset, optional fraction); -1 on error. */
int mend_parse_time(double *out, const char *s);
/* Days from 1970-01-01 to the date y-m-d (proleptic Gregorian, UTC): the
 * fast path of the time parsers, with no struct tm and no zone. */
long mend_days_from_civil(int y, int m, int d);
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

/* spool_queue.c - the job queues */

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

/* spool_incident.c - incidents, their timelines, the dashboard's queries */

/*
 * Incidents and their timeline.  spool_incident_append(rec) stores what a
 * stage produced: rec (borrowed) must carry incident.id; the incident is
 * created when new, its open/resolve state and times follow the
 * incident's event, and rec is appended to the timeline under its type.
 */
int spool_incident_append(struct spool *sp, jv rec);
/*
 * Append why a stage refused a record (borrowed) for safety:
 * {"type":"refused","incident":{"id"},"refused":{"stage","reason","ts"}}.
 * A record without incident.id has no timeline: 0, nothing stored.
 */
int spool_incident_refused(struct spool *sp, jv rec, const char *stage, const char *reason);
/* The same, said on stderr first as "SUBJECT: WHAT: WHY" (what: "refused",
 * "revert refused"); a failure to record it is said too. */
void spool_incident_refuse(struct spool *sp, jv rec, const char *stage, const char *subject,
    const char *what, const char *why);
/* The latest timeline record of `type` for incident id: 1, 0 none, -1. */
int spool_incident_latest(struct spool *sp, jv *out, const char *id, const char *type);
/* The incident row with its whole timeline: 1, 0 none, -1. */
int spool_incident_get(struct spool *sp, jv *out, const char *id);
/* All incidents (or only open ones), newest first, as an array. */
int spool_incidents(struct spool *sp, jv *out, int open_only);
/*
 * For trigger's dashboard (lib/dashboard.c).  spool_incidents_recent: the
 * open incidents and those resolved or updated since `since`, open first,
 * at most limit, each with "stages" (its timeline types, comma-separated)
 * and "seq" (its latest timeline entry).  spool_incident_spans: per
 * incident that was open at some time after since, {monitor, opened,
 * resolved (null while open)} in epoch seconds.  spool_timeline_since:
 * timeline entries after seq `after` as {seq, incident, type, state (the
 * incident's now), event}, oldest first, at most limit.
 * spool_timeline_last: the latest seq (0 when empty), -1 on error.
 */
int spool_incidents_recent(struct spool *sp, jv *out, double since, int limit);
int spool_incident_spans(struct spool *sp, jv *out, double since);
int spool_timeline_since(struct spool *sp, jv *out, int64_t after, int limit);
int64_t spool_timeline_last(struct spool *sp);

/* spool_state.c - per-stage state */

/*
 * Small durable state for stages (detector windows, used fix links).
 * Values are JSON.  get: 1 with *out (caller's), 0 with *out jv_null()
 * when absent, -1 on error (*out then jv_null() too).  put with jv_null()
 * deletes.  claim inserts only when absent: 1 inserted, 0 it existed
 * (single-use tokens).
 */
int spool_state_get(struct spool *sp, jv *out, const char *ns, const char *key);
int spool_state_put(struct spool *sp, const char *ns, const char *key, jv value);
int spool_state_claim(struct spool *sp, const char *ns, const char *key, jv value);
/* Every key of ns as an object {key: value}. */
int spool_state_all(struct spool *sp, jv *out, const char *ns);

/* spool_kb.c - the knowledge base */

/*
 * The knowledge base (FTS5): kb_add indexes a record (borrowed) under its
 * incident id, replacing what was there for the same id and type;
 * kb_search returns [{incident, score, summary, root_cause, fix}] best
 * first (score: higher is better, from BM25).
 */
int spool_kb_add(struct spool *sp, jv rec);
int spool_kb_search(struct spool *sp, jv *out, const char *query, int limit);

/* exec.c - child processes */

/*
 * What a sandboxed child may touch (exec.c's header comment says how it
 * is made).  root is the checkout: the child's cwd and PWD and the only
 * writable place; everything else is read-only, /tmp is private and
 * HOME is a private directory in it.  root/.git stays read-only unless
 * git_writable (a throwaway clone).  network shares the host's network;
 * without it the child has none, not even loopback.  hide: more
 * directories to hide behind an empty tmpfs (the user's HOME and
 * $MEND_SPOOL always are).  env: "NAME=VALUE" entries added to the
 * allow-listed environment (PATH, LANG, LC_*, TERM, TZ, HOME, PWD and
 * the names in MEND_SANDBOX_ENV).
 */
struct proc_sandbox {
	const char *root;
	int git_writable;
	int network;
	const char *const *hide;
	const char *const *env;
};

/*
 * How sandboxed children run in this process, decided on the first call
 * (later calls return the same): mode "auto" (bubblewrap where it works,
 * else none), "require" or "none"; NULL or "" reads MEND_SANDBOX, else
 * auto.  MEND_BWRAP names the bwrap program.  Returns "bwrap", or
 * "none" with *why (borrowed) saying why, for the caller's warning and
 * record; NULL with an error for a bad mode or a MEND_SANDBOX_ENV naming
 * one of mend's own credentials (errno EINVAL), or a required sandbox
 * that cannot run (errno ENOSYS).
 */
const char *proc_sandbox_kind(const char *mode, const char **why);

/*
 * Make this process non-dumpable (prctl PR_SET_DUMPABLE 0): code of the
 * same uid can then neither read its /proc/PID/environ nor ptrace it.
 * mend_setprog calls it, so every mend program does it first thing.
 */
void proc_harden(void);

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
	const struct proc_sandbox *sandbox;	/* NULL: none; else env and cwd from it */
	int out_fd;			/* > 0: stdout and stderr to this fd, no pipes */
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

/*
 * A socket (as socket(2), close-on-exec) in the network namespace of the
 * sandboxed child p, for talking to a service in a sandbox without a
 * network of its own: connect() reaches the sandbox's loopback.  The
 * child must run in bwrap; -1 with a message when it cannot be had.
 */
int proc_sandbox_socket(const struct proc *p, int domain, int type, int protocol);

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
/*
 * Run argv (cwd may be NULL) with input on stdin (NULL: /dev/null),
 * stdout and stderr merged into *out (malloc'd; out may be NULL, at most
 * 1 MiB kept): the exit code, 124 after a timeout, -1 when it could not
 * start.  Not sandboxed: for mend's own tools (git, the log command).
 */
int proc_capture(char **out, char *const argv[], const char *cwd, const char *input,
    double timeout);
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
	/* NULL: sockets as usual; else each connection's socket comes from
	 * open_socket(socket_arg, domain, type, protocol) (-1: failure). */
	int (*open_socket)(void *arg, int domain, int type, int protocol);
	void *socket_arg;
};

struct http_resp {
	long status;			/* 0 when no response came */
	char *body;			/* NUL-terminated */
	size_t body_len;
	double retry_after;		/* seconds from Retry-After, or -1 */
	long ratelimit_remaining;	/* x-ratelimit-remaining / RateLimit-Remaining, or -1 */
	double ratelimit_reset;		/* x-ratelimit-reset / RateLimit-Reset (epoch s), or -1 */
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

/* httpd.c - HTTP servers (libmicrohttpd): declared in lib/httpd.h, which
 * the servers include for libmicrohttpd's request types */

/* strbuf.c - growable strings */

/* Start from `struct strbuf b = { 0 };`.  Appends never fail loudly: an
 * allocation failure sets oom and later appends do nothing. */
struct strbuf {
	char *s;		/* NUL-terminated, NULL while empty */
	size_t len, cap;
	int oom;
};

void strbuf_addn(struct strbuf *b, const char *s, size_t n);
/* s NULL adds nothing. */
void strbuf_add(struct strbuf *b, const char *s);
void strbuf_addf(struct strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void strbuf_vaddf(struct strbuf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Empty again, keeping the memory (and any oom), for a buffer reused
 * line after line. */
void strbuf_reset(struct strbuf *b);
/* Drop the head so that at most max bytes remain: the tail, for output
 * whose end is what matters (a child's errors). */
void strbuf_keep_tail(struct strbuf *b, size_t max);
/* The string, now the caller's ("" when empty), the buffer emptied;
 * NULL (and the buffer released) when memory ran out. */
char *strbuf_take(struct strbuf *b);
void strbuf_release(struct strbuf *b);

/* input.c - a filter's input: whole lines, and the stop signals */

/* Set by SIGTERM and SIGINT once input_catch_stop() ran. */
extern volatile int input_stop;	/* an int is a sig_atomic_t here */
/* SIGTERM and SIGINT set input_stop, without SA_RESTART: a blocked read
 * returns early and the program can save and exit 0. */
void input_catch_stop(void);

struct input {
	int fd;
	char *buf;
	size_t start, len, cap;
	size_t max;		/* longest line kept whole; 0: the buffer grows */
	int eof;
	int skip;		/* dropping the rest of a cut line */
};

/* Read fd in blocks of cap bytes (max 0: growing) or keep lines of at
 * most max bytes (max > 0), cutting longer ones.  0 or -1. */
int input_init(struct input *in, int fd, size_t cap, size_t max);
/* The next whole line (or the last, unterminated one at the end), in
 * place and without its newline, valid until the next input_read: 1;
 * 0 when input_read must come first; -1 at the end of the input. */
int input_line(struct input *in, const char **line, size_t *len);
/* Read once, blocking: 1 (something read, or the end seen); 0 when a
 * stop signal interrupted it; -1 on a read error, -2 when a line did not
 * fit in memory (message either way). */
int input_read(struct input *in);
void input_release(struct input *in);

/* file.c - reading files */

/* The last `max` bytes of a file, NUL-terminated, malloc'd; *len (may be
 * NULL) their length.  NULL with a message when it cannot be read. */
char *file_read(const char *path, size_t max, size_t *len);
/* The first size - 1 bytes (at most) of a file into buf, NUL-terminated:
 * their number, or -1 (errno set, no message) when it cannot be read. */
ssize_t file_read_head(char *buf, size_t size, const char *path);

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
 *   {lang, exception, message, frames, top_frame, cause}
 * lang: python node java go ruby rust php dotnet c.  frames is innermost
 * first, each {path, line, function, in_app} (path/line/function null
 * when unknown; Python 3.11+ frames also carry code, col, end_col and
 * op_col from the caret line).  top_frame is the frame that raised
 * it (frames[0] but past Go panic and sanitizer runtime frames; Rust's
 * "panicked at" location) or null.  cause is the underlying exception (a
 * trace) or null: Java's "Caused by", .NET's inner exception, the
 * exception Python was handling when the reported one was raised.  Common log prefixes (journald, pm2, docker compose,
 * kubectl timestamps) are ignored.
 */
int trace_parse(jv *out, const char *text);
/* The deepest cause of trace t (consumed); t itself when it has none. */
jv trace_root(jv t);
/* The innermost in-app frame of t (consumed), or jv_null(). */
jv trace_app_frame(jv t);
/* Library or application code?  A guess from the path and function. */
int trace_in_app(const char *lang, const char *path, const char *function);
/*
 * Put the summary of trace t (consumed; null for none) on analysis record
 * a: exception, message, top_frame (the frame that raised it: past panic
 * and sanitizer machinery), root_frame (the root cause's top_frame) and
 * chain, [{exception, message, top_frame}] from the top level to the root.
 */
jv trace_fields(jv a, jv t);

/* logline.c - one log line, whatever collector wrote it */

/* Formats (logline_format's names: auto plain json journal docker cri
 * pm2 kubectl) and the levels told apart. */
enum { LOGF_AUTO, LOGF_PLAIN, LOGF_JSON, LOGF_JOURNAL, LOGF_DOCKER, LOGF_CRI, LOGF_PM2,
	LOGF_KUBECTL };
enum { LOGL_OTHER, LOGL_ERROR, LOGL_FATAL };

/*
 * A line with its collector's wrapping taken off.  text/len is the
 * application's own line (a structured line's message), borrowed from
 * the input or from buf; stack (a structured line's multi-line stack,
 * or NULL) borrows from json.  All valid until the next logline_parse.
 * Start with logline_init, end with logline_release.
 */
struct logline {
	const char *text;
	size_t len;
	char stream[128];	/* docker/CRI stream, journald unit, pm2 app, kubectl pod/c */
	char service[128];	/* the service it names, "" when none */
	char exception[128];	/* a structured line's error type */
	char trace_id[64];
	const char *stack;
	double ts;		/* seconds since the epoch, 0 when the line has none */
	int level;		/* LOGL_* */
	int partial;		/* a piece: the next piece of the stream continues it */
	jv json;
	struct strbuf buf, raw;
};
void logline_init(struct logline *l);
void logline_release(struct logline *l);
/* LOGF_* for a name, -1 with a message when unknown. */
int logline_format(const char *name);
/* Parse one line (no newline needed) as format; -1 (message says why)
 * when a forced format does not fit it. */
int logline_parse(struct logline *l, int format, const char *line, size_t len);
/* The level of a plain text line (LOGL_*). */
int logline_level(const char *s, size_t n);
/* A time at the start of s (RFC 3339, or with a space for the T and no
 * zone: local time) into *out; the length it takes, 0 when none. */
size_t logline_time(double *out, const char *s, size_t n);

/* logs.c - log lines to error records */

struct logs_opts {
	const char *monitor;	/* every record's monitor, or NULL: from the stream */
	double gap;		/* quiet seconds that end a trace (1) */
	double interval;	/* seconds an error-line count runs before it is sent (10) */
	size_t max_lines;	/* lines kept of one trace (200) */
	size_t max_bytes;	/* bytes kept of one trace (64 KiB) */
	size_t max_line;	/* bytes kept of one line, pieces joined (16 KiB) */
	size_t max_streams;	/* streams tracked at once (1024) */
};
void logs_opts_init(struct logs_opts *o);

struct logs;

int logs_new(struct logs **out, const struct logs_opts *o);
void logs_free(struct logs *g);
/*
 * Feed one parsed line (borrowed) read from src (a file name, "-" for
 * standard input) at byte offset off of it (-1: unknown), at wall time
 * now, monotonic time mono.  Lines of one stream (src and the line's
 * stream) are grouped: a stack trace of any of trace_parse's languages
 * becomes one error record when the trace ends (a line that does not
 * continue it, a quiet gap, logs_end); error and fatal lines outside
 * traces are counted per stream and sent every interval.
 */
int logs_feed(struct logs *g, const char *src, const struct logline *l, long long off,
    double now, double mono);
/* End the traces quiet for the gap and send the counts due, as of mono. */
int logs_tick(struct logs *g, double mono);
/* End everything of src (NULL: of every source) now: the end of input. */
int logs_end(struct logs *g, const char *src, double mono);
/* Forget what is held of src (logs_held says where to read it again);
 * its error-line count is sent. */
void logs_drop(struct logs *g, const char *src);
/* The records decided so far, oldest first (an array, the caller's). */
jv logs_take(struct logs *g);
/* The monotonic time logs_tick has something to do, 0 when never. */
double logs_deadline(const struct logs *g);
/*
 * 1 when lines of src are held (an unfinished trace, line or lookbehind),
 * with *off the smallest offset logs_feed was given for them: where a
 * restart must read src again so that nothing is lost.  0 when none.
 */
int logs_held(const struct logs *g, const char *src, long long *off);
/* The monitor a file's lines get when they name none: its base name
 * without .log and a pm2-style -out/-error (malloc'd). */
char *logs_monitor_of(const char *path);

/* tail.c - following files by name, like tail -F */

/* Where reading a file stopped: its identity and the offset past the
 * last whole line handed out. */
struct tail_pos {
	dev_t dev;
	ino_t ino;
	long long off;
};
struct tailer;
/* Called per line (without its newline) of file i at offset off; -1 stops. */
typedef int tail_line_fn(void *arg, size_t i, const char *line, size_t len, long long off);

/* Lines longer than max_line bytes are cut there.  Without use_inotify
 * (or when the system has none) tailer_fd is -1: the caller polls. */
int tailer_new(struct tailer **out, size_t max_line, int use_inotify);
void tailer_free(struct tailer *t);
/*
 * Follow path (which may not exist yet) from saved (NULL or off < 0:
 * none), else from its start, or its end with from_end.  A saved inode
 * no longer under path is looked for in path's directory and read to
 * its end first.
 */
int tailer_add(struct tailer *t, const char *path, const struct tail_pos *saved,
    int from_end);
size_t tailer_count(const struct tailer *t);
const char *tailer_path(const struct tailer *t, size_t i);
/* 1 with *pos while file i is open, 0 while it is missing. */
int tailer_pos(const struct tailer *t, size_t i, struct tail_pos *pos);
/*
 * Read file i, handing each whole line to fn, until its end (0), until
 * about budget bytes were read (1: call again), or until the name moved
 * to a new file or the file was truncated (2: the lines of the old one
 * are all out; call again to read on).  -1 on error.
 */
int tailer_read(struct tailer *t, size_t i, size_t budget, tail_line_fn *fn, void *arg);
/* The inotify descriptor to poll (readable when a watched directory
 * changed; drain it with tailer_drain), or -1: poll on a timer. */
int tailer_fd(const struct tailer *t);
void tailer_drain(struct tailer *t);

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
	const char *agent;		/* MEND_AGENT: a fix can be written without a diff */
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

/* 1 when a fix job could produce a change: a diff, edits, or an agent. */
int notify_fixable(jv rec, const char *agent);
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
/*
 * 0 when a change may give path new_mode (old_mode 0: a new file;
 * new_mode 0: deleted or not said).  Symbolic links and submodules are
 * refused; so is any other mode change, or a new file that is not
 * 100644, unless an allow pattern matches path.  -1 with the reason.
 */
int guard_mode(const struct guard *g, const char *path, unsigned old_mode, unsigned new_mode);
/* 0 when `lines` changed lines are within the cap, else -1. */
int guard_size(const struct guard *g, long lines);

/* remote.c - the configured repository, and who may have its credentials */

struct remote_url {
	char *scheme;	/* "https" "http" "ssh" (scp-like too) "git" "file" (local paths) */
	char *host;	/* lower case; NULL for file */
	char *port;	/* NULL: the scheme's default */
	char *path;	/* file: resolved; else no leading or trailing '/', no ".git" */
};
/* Parse a remote URL, scp-like address or local path; release with remote_url_release. */
int remote_url_parse(struct remote_url *u, const char *url);
void remote_url_release(struct remote_url *u);
/* 1 when a and b name the same repository (same host and path, or the same
 * local directory), 0 when not, -1 when one does not parse. */
int remote_same_repo(const char *a, const char *b);
/* 1 when url has configured's scheme, host and port, 0 when not, -1 on error. */
int remote_same_server(const char *url, const char *configured);
/* A plain http:// URL? */
int remote_is_http(const char *url);
/* May credentials go over plain http: the flag, or MEND_ALLOW_HTTP=1. */
int remote_allow_http(int flag);
/* -1 (with the message to show) when token would go to url over plain
 * http without allow_http; else 0. */
int remote_token_ok(const char *url, const char *token, int allow_http);
/* The configured repository: the flag when given, else $MEND_REPO; NULL: none. */
const char *remote_configured(const char *flag);
/* The record fields that name a repository. */
extern const char *const remote_record_fields[];
/*
 * The repository for a record (borrowed): every field of it that names a
 * repository must name the configured one (may be NULL).  0 with *use
 * set to configured; -1 when refused (the message says why); -2 when
 * neither the configuration nor the record names one.
 */
int remote_for_record(const char **use, const char *configured, jv rec);

/* git.c - repositories (libgit2) */
struct repo;

/* Where the checkout of url lives under workroot (malloc'd). */
int repo_checkout_path(char **out, const char *url, const char *workroot);
/* 1 when workdir is that checkout (the same directory), 0 when not, -1 on error. */
int repo_is_checkout(const char *workdir, const char *url, const char *workroot);
/*
 * The checkout of url at path, cloned the first time, fetched
 * afterwards (origin set to url, for people; mend reads it never).  url
 * is the configured repository: every later fetch, listing and push of
 * this repo goes there (repo_set_remote).  token (may be NULL) is
 * offered as the HTTPS password, to url's server only, over plain http
 * only when allow_http.  *out is the caller's.
 */
int repo_clone_or_fetch(struct repo **out, const char *url, const char *path,
    const char *token, int allow_http);
/* An existing checkout. */
int repo_open(struct repo **out, const char *workdir);
void repo_free(struct repo *r);
int repo_set_token(struct repo *r, const char *token);
/*
 * The URL every network call of r uses (the configured repository; a
 * repo_open'ed checkout has none until this is called), and whether the
 * token may go over plain http.  The checkout's own remotes are never used.
 */
int repo_set_remote(struct repo *r, const char *url, int allow_http);
int repo_fetch(struct repo *r);
const char *repo_workdir(const struct repo *r);
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
/* Where the remote's branch points: 1 (out set), 0 no such branch, -1 error. */
int repo_remote_ref(struct repo *r, char out[41], const char *branch);
/* Commits in from..to, oldest first: [{commit, subject, author}]. */
int repo_shortlog(struct repo *r, jv *out, const char *from, const char *to);
/* git diff --stat text for from..to (malloc'd). */
int repo_diffstat(struct repo *r, char **out, const char *from, const char *to);
/* Force-push refs/heads/branch to the remote. */
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
/* f's slug and API URL, where not given, from the remote URL: they are
 * *slug and *api (malloc'd, else NULL; the caller frees both, also after
 * an error). */
int forge_fill(struct forge *f, char **slug, char **api, const char *remote_url);
/*
 * Open the pull request, or find the open one for the same head (then
 * created is 0).  0 ok; -1 error; -2 rate limited, try later.  Release
 * *pr with forge_pr_release.
 */
int forge_pr_open(struct forge_pr *pr, const struct forge *f, const struct forge_pr_req *q);
void forge_pr_release(struct forge_pr *pr);

/* checks.c - a pull request's checks and its merge, on the three forges */

struct forge_checks {
	const char *state;	/* "passed" "failed" "pending" "none" (static) */
	jv list;		/* [{name, state, url}] as last seen */
	char *log;		/* failed: the failing checks' output, capped, redacted */
	double waited;		/* seconds */
	int polls;
};
struct forge_checks_opts {
	double bound;		/* wait at most this long (s) */
	double interval;	/* between polls, at least (s) */
	double grace;		/* "none" only after this long without a check (s) */
	size_t log_cap;		/* bytes of log kept */
};
/*
 * Poll the checks of commit sha (pull request `number`, GitLab needs it)
 * until they are decided or o->bound runs out.  0 with *out filled (its
 * state "pending" when the bound ran out); -1 error.  Release with
 * forge_checks_release.
 */
int forge_checks_wait(struct forge_checks *out, const struct forge *f, long number,
    const char *sha, const struct forge_checks_opts *o);
void forge_checks_release(struct forge_checks *c);

struct forge_merge {
	int merged;		/* merged now or before */
	int already;		/* it was merged before this call */
	char *refused;		/* why it was not merged, or NULL */
	char *sha;		/* the merge commit, when the forge says */
};
/*
 * Merge pull request `number` if its head is still sha and nothing
 * forbids it (draft, closed, review asking for changes, missing required
 * approval, the forge's own refusal: then refused says why and the
 * return is 0).  An already merged one is reported, never merged again.
 * -1 error, -2 rate limited.  Release with forge_merge_release.
 */
int forge_merge(struct forge_merge *m, const struct forge *f, long number, const char *sha);
void forge_merge_release(struct forge_merge *m);

/* testrun.c - test commands, their output, the confidence of a fix */

/* The test command a checkout most likely uses (static string), or NULL. */
const char *testrun_detect(const char *workdir);
/* Does a file in workdir match the glob pattern (such as "test_*.py")? */
int testrun_has_glob(const char *workdir, const char *pattern);
/* Passed and failed test counts from a runner's output; -1 when unknown. */
void testrun_count(const char *log, long *passed, long *failed);
/* The output lines that name failed tests (at most 20), as an array. */
jv testrun_failures(const char *log);
/*
 * The confidence of a fix (testloop(1) documents the formula).
 * replay_state: 2 judged good after and failed before, 1 good after
 * only, 3 unproven after, 4 degraded after, 0 fails after, -1 no replay.
 * tests_passed -1 when unknown.  regress 1 when a regression test
 * failed before the fix and passes with it.
 */
double testrun_confidence(int passed, int replay_state, long lines, int iterations,
    long tests_passed, int regress);

/* shape.c - the shape of JSON answers; known-good answers; judging one */

#define SHAPE_BODY_MAX (64 * 1024)	/* larger answers get no shape */

/* {path: tokens} of a JSON value (consumed); shape.c's header says what. */
jv shape_of(jv value);
/* The shape of a JSON object or array body: 0 and *out, -1 not JSON (*out null). */
int shape_of_body(jv *out, const char *body, size_t len);
/*
 * Learn one answer that passed into a known-good record (consumed, null
 * to start one); shape (consumed) null when the answer was not JSON.
 * Returns the new record.
 */
jv shape_learn(jv known, const char *monitor, const char *url, long status, jv shape,
    const char *req_body);
/*
 * Judge an answer: {"verdict": "good"|"rejected"|"degraded"|"unproven"|
 * "failed", "reasons": [...]}.  known (a known-good record or null) and
 * peers (the known-good records of the same path) borrowed; shape
 * borrowed, null when the answer was not JSON.  strict (judging a fix):
 * a zero that is not a count is a loss even in an answer that says it
 * has nothing.
 */
jv shape_judge(jv known, jv peers, const char *method, const char *url, const char *req_body,
    long status, jv shape, int strict);
/* Path and query of a URL (borrowed from url). */
const char *shape_url_path(const char *url);
/* The known-good record of monitor and url in the spool (1 found, 0 not: *out null). */
int shape_known_get(struct spool *sp, jv *out, const char *monitor, const char *url);
/* Store it (consumed). */
int shape_known_put(struct spool *sp, const char *monitor, const char *url, jv known);
/*
 * For judging a request: *known the record of this URL (of monitor when
 * several), else the one record of its path marked "peer"; *peers every
 * record of the same path.  Both new references.
 */
int shape_known_find(struct spool *sp, jv *known, jv *peers, const char *monitor,
    const char *url);

/*
 * What an answer must keep, for a regression test: [{path, forbid:
 * [tokens], required}] -- per path of known (borrowed), the loss tokens
 * no known-good answer had there and the answer's shape (borrowed) has
 * not; required when every known-good answer had the path.
 */
jv shape_checks(jv known, jv shape);

/* regress.c - a regression test for a fix in the project's framework */

struct regress_req {
	const char *id;			/* the incident */
	const char *method, *path, *body;	/* the request (body may be NULL) */
	const char *serve;		/* shell command starting the service on $PORT */
	int want_4xx;			/* the right answer is a 4xx (a malformed request) */
	const char *why;		/* why a 4xx is right */
	jv checks;			/* shape_checks (borrowed), may be jv_null() */
	const struct regress_call *call;	/* instead of a request: call the function */
};

struct regress_test {
	char *path;			/* the file written, relative to the checkout */
	char *command;			/* runs just that test */
	const char *framework;		/* "unittest", "pytest", "node:test", "jest", "mocha" */
};

/* Write the test into the checkout wd; -1 when no writer fits the project. */
int regress_write(struct regress_test *t, const char *wd, const struct regress_req *q);
void regress_test_release(struct regress_test *t);

/* regress_call.c - the failing call from the frame, for a trace-only incident */

struct regress_call {
	char *file;			/* the module, relative to the checkout */
	const char *lang;		/* "python" or "node" */
	char *function, *param;		/* the failing function, the parameter rebuilt */
	long line;			/* the failing line */
	char *exception, *message;	/* what it raised in production */
	char *bad;			/* the value, in words: "empty", "None", ... */
	char *args;			/* the call's arguments, in the language */
	char *shown;			/* "summary(orders=[])", for people */
	char *module;			/* the import name (Python) or the file (Node) */
	char *target;			/* its name on the module; "" the module itself */
	char *raises;			/* the error the fix raises/throws, or NULL: it returns */
	int async;
};

/*
 * Plan a test calling the innermost application frame's function of rec
 * (a patch record; analysis.frames, exception, message) with the value
 * it failed on, read from the checkout wd (the code that failed); diff
 * the fix.  -1 with the reason when it cannot be sure.
 */
int regress_call_plan(struct regress_call *c, const char *wd, jv rec, const char *diff);
void regress_call_release(struct regress_call *c);
/* 1 when rec's incident came from an error record (a trace), not a request. */
int regress_from_trace(jv rec);

/* template.c - fix templates for common code faults */

/* One change to a file: line (1-based, of the original) replaced by text
 * (del 1), or text put before it (del 0); text is lines without the last
 * newline. */
struct template_change {
	long line;
	int del;
	char *text;
};
struct template_result {
	char *text;			/* the patched file, NULL when no template applied */
	char *name;			/* the template that applied */
	char *what;			/* what it changed, in words */
	char *assumes;			/* what the fix takes for granted that the code does not
					 * say (a parameter being required), or NULL */
	int frame;			/* template_apply_chain: the frame it changed */
	struct template_change *changes;	/* sorted by line */
	size_t nchanges;
	jv considered;			/* [{template, applied, reason}], the caller's to read */
};

/*
 * Try the fix templates on line `line` (1-based) of src, the file a trace
 * of lang (python node ruby go java php) pointed at with exception exc and
 * message msg; col, end_col, op_col are 0-based columns in that line the
 * trace marked (-1 unknown).  Returns 1 with r->text set when one applied,
 * else 0; either way r->considered lists the templates looked at and why
 * each was used or declined.  Release r with template_result_release.
 * The patched file is not parsed here: see syntax_check.
 */
int template_apply(struct template_result *r, const char *lang, const char *exc,
    const char *msg, const char *src, long line, int col, int end_col, int op_col);
void template_result_release(struct template_result *r);

/* One in-app frame of a trace for template_apply_chain: the file's text
 * (borrowed), the line (1-based), the function's name as the trace gives
 * it ("run", "Object.run"). */
struct template_frame {
	const char *file;
	const char *src;
	long line;
	const char *function;
};

/*
 * Follow the bad value from the innermost frame fr[0] (where it failed,
 * a helper) up through its callers fr[1..n-1] (innermost first, in-app
 * frames only) to what the request sent, and guard the call in the first
 * caller that can answer an HTTP error.  Returns 1 with r->text (the
 * patched text of fr[r->frame].file) set when it applied, else 0; either
 * way r->considered says why.  Python and Node.js only.
 */
int template_apply_chain(struct template_result *r, const char *lang, const char *exc,
    const char *msg, const struct template_frame *fr, int n);

/* syntax.c - does a patched file still parse (the language's own parser) */

/*
 * 1 when patched parses with lang's parser (python3, node --check, ruby
 * -c, gofmt -e, php -l, javac's parser through java), 0 when it does not,
 * -1 when that cannot be shown (no parser installed, or the parser rejects
 * the original too); *why (malloc'd) says why for 0 and -1.  file names
 * the file (its extension matters to node).
 */
int syntax_check(const char *lang, const char *file, const char *orig, const char *patched,
    char **why);

/*
 * The engines: rules.c, llm.c and agent.c each turn an incident's
 * context into an analysis; model.c holds what the llm and agent engines
 * share (the prompt, the checks an answer must pass).  They sit below
 * analyze.c, which gathers the context and chooses one, and borrow
 * nothing from it.
 */

struct engine_opts {
	const char *repo;		/* source checkout, or NULL */
	const char *llm_url, *llm_model, *llm_key;	/* $MEND_LLM_* */
	const char *llm_api_version;	/* Azure OpenAI: $MEND_LLM_API_VERSION */
	double llm_timeout;		/* seconds per request (120) */
	int llm_attempts;		/* tries per request (4) */
	const char *agent;		/* $MEND_AGENT, the agent's command */
	double agent_timeout;		/* seconds (agent_timeout_default()) */
	size_t max_diff;		/* bytes (64 KiB) */
};

/* What every engine is given. */
struct engine_ctx {
	jv ctx;		/* borrowed: the incident's context (analyze_context) */
	jv revise;	/* borrowed: null, or {diff, log} of a change that failed */
	const struct engine_opts *o;
};

/* Defaults and the MEND_* environment. */
void engine_opts_init(struct engine_opts *o);
/*
 * The engines.  0 with the analysis fields in *out (root_cause, category,
 * confidence, remediation, diff, ...).  1 when the engine failed and
 * rules should answer: *why (malloc'd) says why, and *out is what of the
 * failed run should still be kept (the agent's log), or null.  -1 on
 * internal errors.  engine_rules always answers.
 */
int engine_rules(jv *out, const struct engine_ctx *e);
int engine_llm(jv *out, const struct engine_ctx *e, char **why);
int engine_agent(jv *out, const struct engine_ctx *e, char **why);

/* model.c - what a model is told, and what its answer must be */

/* The prompt for ctx (borrowed), untrusted text fenced; revise (borrowed)
 * is null or {diff, log} of a change that failed.  Data sections are cut
 * to fence_max bytes (0: the default, 24 KiB).  malloc'd. */
char *model_prompt(jv ctx, jv revise, size_t fence_max);
/* The system message: fenced text is data; the answer's fields. */
extern const char model_system_prompt[];
/* Append one fenced section to b: "## title" and data between markers
 * tag (model_nonce) that data cannot fake, the end of data kept when it
 * is longer than max bytes. */
void model_fence(struct strbuf *b, const char *tag, const char *title, const char *data,
    size_t max);
/* A random fence marker "DATA-<16 hex>", malloc'd. */
char *model_nonce(void);
/* Check a model's reply: the last JSON object in text with valid fields
 * into *out, or -1 with *why (malloc'd) saying what is wrong. */
int model_answer(jv *out, const char *text, size_t max_diff, char **why);
/* The same for an agent's verdict, whose diff and edits are not its
 * word (the checkout's change is): they are dropped, never checked. */
int model_verdict(jv *out, const char *text, char **why);
/* A diff may not leave the repo, touch .git or protected paths, or be
 * larger than max: 0 ok, -1 with *why (malloc'd). */
int model_diff_check(const char *diff, size_t max, char **why);

/* agent.c - coding agents: the one way analyze and patch run one */

/*
 * The contract (mend(7) AGENTS).  The command is a shell command (sh -c)
 * run in a checkout of the repository, its working directory and PWD and
 * the only place it can write, in the sandbox, sharing the network.  The
 * task is in $MEND_TASK, and on standard input unless the command names
 * {prompt} or MEND_TASK; "{prompt}" in the command stands for
 * "$MEND_TASK".  $MEND_WORKDIR is the checkout.  The fix is what it
 * leaves edited in the checkout (git tells); its standard output may end
 * with a JSON verdict.
 */
struct agent_opts {
	const char *command;
	double timeout;			/* seconds; 0: agent_timeout_default() */
	const char *sandbox;		/* auto require none; NULL: $MEND_SANDBOX */
	int git_writable;		/* the checkout is a throwaway clone */
	const char *const *hide;	/* more directories to hide */
};

struct agent_result {
	char program[64];	/* what the command runs, for messages: "codex" */
	const char *sandbox;	/* "bwrap" or "none" (static) */
	int exit;		/* its exit code; 124 after a timeout */
	int timed_out;
	double timeout;		/* the timeout it had, seconds */
	double seconds;		/* how long it ran */
	char *out, *err;	/* standard output and error (tails), redacted */
};

/* $MEND_AGENT_TIMEOUT (a duration: "900", "15m"), else 900 seconds. */
double agent_timeout_default(void);
/* The program command runs, past VAR=value words and wrappers (env,
 * exec, nice, timeout, ...), without its directory. */
void agent_program(char *buf, size_t len, const char *command);
/*
 * Run the agent o->command in workdir with task.  0 when it ran (look at
 * r->exit, or agent_check), -1 when it could not start, -3 when the
 * sandbox is required and cannot run (errno ENOSYS).  Release r with
 * agent_result_release either way.
 */
int agent_run(struct agent_result *r, const struct agent_opts *o, const char *workdir,
    const char *task);
/* 0 when it exited 0; else -1 with a message that names the program:
 * "agent 'codex' timed out after 900 s", "agent 'codex' exited 1: ..." */
int agent_check(const struct agent_result *r);
/*
 * What the agent changed in workdir since commit base (NULL: HEAD), new
 * files and its own commits included, as a unified diff in *out
 * (malloc'd, "" when nothing).  git runs in the sandbox, as the agent did.
 */
int agent_diff(char **out, const char *workdir, const char *base, int git_writable);
/* The run for a record: {program, exit, timed_out, seconds, sandbox,
 * stdout, stderr} (the outputs' last 8 KiB). */
jv agent_result_json(const struct agent_result *r);
void agent_result_release(struct agent_result *r);
/* The task for fixing what analysis record rec (borrowed) found: the
 * agent's instructions and the analysis, fenced as data, redacted.
 * malloc'd. */
char *agent_task(jv rec);

/* analyze.c - from an incident to an analysis */

struct analyze_opts {
	const char *engine;		/* rules llm agent (analyze_engine()) */
	const char *log_path;		/* application log to tail, or NULL */
	const char *log_cmd;		/* or a shell command printing it */
	int log_lines;			/* lines of log kept (200) */
	struct spool *sp;		/* for similar incidents, or NULL */
	struct engine_opts e;		/* the engines' (e.repo: $MEND_REPO) */
};

/* Defaults and the MEND_* environment. */
void analyze_opts_init(struct analyze_opts *o);
/* The engine: flag, else $MEND_ENGINE, else llm when $MEND_LLM_URL is
 * set, agent when $MEND_AGENT is, else rules. */
const char *analyze_engine(const char *flag);
/*
 * The context of incident record rec (borrowed) into *out: incident,
 * evidence_text, text, log, traces, trace, exceptions, frames (mapped
 * onto the repo: "file"), source [{file,line,function,snippet}],
 * commits, similar.  All of it redacted.
 */
int analyze_context(jv *out, jv rec, const struct analyze_opts *o);
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
	const char *const *metric_rules;	/* over metric records (metricrule.c) */
	int nmetric_rules;
	int log_errors;		/* error lines (counted `error` records) in the window
				 * that open; default 10 */
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

/* sample.c - resource readings as metric records */

struct sample_target;

/*
 * Parse one target line ("URL|pid:N|process:NAME|unit:NAME|cgroup:DIR|
 * disk:PATH [name=M] [metrics=A,B*] [timeout=D]") into *out (caller
 * frees with sample_target_free).  1 for a blank or comment line, -1
 * with a message when malformed.
 */
int sample_target_parse(struct sample_target **out, const char *line);
void sample_target_free(struct sample_target *t);
/*
 * Read target t now: *out (caller's) is an array of metric records, the
 * last one "up" (0 with "error" when the target could not be read, and
 * then -1 is returned with the message too).
 */
int sample_read(jv *out, const struct sample_target *t, double ts);
/* The wanted samples of a Prometheus text exposition, as metric records. */
int sample_prometheus(jv *out, const struct sample_target *t, const char *text, double ts);

/* metricrule.c - detect's rules over metric records */

struct metricrules;

/*
 * Rules as text ("NAME > VALUE [for D]", "NAME < VALUE [for D]",
 * "rate(NAME) > VALUE [for D]", "growing(NAME) for D"); -1 with a
 * message naming a malformed one.  Free with metricrules_free.
 */
int metricrules_new(struct metricrules **out, const char *const *rules, int n,
    int recover_after, int evidence);
void metricrules_free(struct metricrules *m);
int metricrules_count(const struct metricrules *m);
/*
 * One metric record (borrowed): *incidents (caller's) is an array of the
 * incident records it opened or resolved.  1 for a bad record (message
 * set), -1 on an internal error.
 */
int metricrules_feed(struct metricrules *m, jv rec, jv *incidents);
/* Put the changed series in the spool (inside the caller's transaction);
 * metricrules_saved once it committed. */
int metricrules_save(struct metricrules *m, struct spool *sp);
void metricrules_saved(struct metricrules *m);
int metricrules_dirty(const struct metricrules *m);
/* A series saved under key ("x:...", o borrowed). */
int metricrules_load(struct metricrules *m, const char *key, jv o);

/* otlp_json.c - the OTLP/HTTP JSON encoding, read fast */

/*
 * Parse an OTLP/JSON export request for `sig` into *out (caller's), for
 * otlp_errors, less the spans and log records that cannot make a record
 * or a rejection, which are only counted in *skipped: the same records
 * as parsing all of it.  -1 (with jq's message) when text is not JSON.
 */
int otlp_json_decode(jv *out, long *skipped, enum otlp_signal sig, const char *text,
    size_t len);

/* otlp_pb.c - the OTLP/HTTP protobuf encoding */

/*
 * Decode a protobuf export request for `sig` into *out (caller's): the
 * jv document the OTLP/JSON encoding of the same request parses to, for
 * otlp_errors, less the items that cannot make a record (healthy spans,
 * log records below ERROR), which are only counted in *skipped.  -1 when
 * buf is not such a request.
 */
int otlp_pb_decode(jv *out, long *skipped, enum otlp_signal sig, const void *buf,
    size_t len);
/*
 * The protobuf Export*ServiceResponse: *out (caller frees), *len.  With
 * a message, a partial success naming `rejected` items.
 */
int otlp_pb_response(char **out, size_t *len, enum otlp_signal sig, long rejected,
    const char *message);
/* A google.rpc.Status with the gRPC code and message: *out (caller frees). */
int otlp_pb_status(char **out, size_t *len, int code, const char *message);

/* watch.c - deploy verdicts */

struct watch_opts {
	double window;		/* seconds after a deploy; default 300 */
	double baseline;	/* seconds before it; default 1800 */
	int min_checks;		/* on each side, for rate and latency; default 5 */
	double warmup;		/* seconds after a deploy not judged; default 60 */
	int warmup_fixed;	/* warmup was given: do not learn it from history */
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
 * object of a verdict {monitor, before, after, worse, verdict, reason,
 * warmup_s, tests, new_errors}.
 */
int watch_judge(jv *out, const char *monitor, jv samples, jv errors, double at,
    const struct watch_opts *o);
/* exception type + innermost frame of an error record (borrowed); malloc'd. */
char *watch_error_signature(jv rec);

/* dashboard.c - trigger's read-only incident pages */

/* s (may be NULL) escaped for HTML text and attribute values: the one
 * escaping function for every page mend serves. */
void html_escape(struct strbuf *b, const char *s);
/* printf, then html_escape. */
void html_escapef(struct strbuf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/*
 * Whole pages, appended to b.  Every string from the spool is redacted
 * and escaped.  queue is the fix queue (NULL: "fix").  dash_index: open
 * and recent incidents and the monitors.  dash_incident: one incident's
 * timeline; 1, 0 when there is no such incident, -1.  dash_status: the
 * public status page, for the monitors named in `public` (comma-
 * separated, may be NULL); nothing but name, state and uptime.
 */
int dash_index(struct strbuf *b, struct spool *sp, const char *queue, double now);
int dash_incident(struct strbuf *b, struct spool *sp, const char *queue, const char *id,
    double now);
int dash_status(struct strbuf *b, struct spool *sp, const char *public, double now);
/* Server-Sent Events for the timeline entries after *cursor (advanced):
 * "incident", "stage" or "resolved", data {incident, type, state}; the
 * number of events, or -1. */
int dash_events(struct strbuf *b, struct spool *sp, int64_t *cursor);
/* /dashboard.js */
extern const char dash_js[];

/* Access: DASH_ALLOW, DASH_DENY (not loopback, no token set) or
 * DASH_LOGIN (token set, no valid session cookie). */
enum { DASH_ALLOW = 0, DASH_DENY = 1, DASH_LOGIN = 2 };
struct sockaddr;
int dash_loopback(const struct sockaddr *sa);
int dash_access(const char *token, int loopback, const char *cookie, double now);
/* 0 when token (may be NULL: none) is usable, else -1 with why. */
int dash_token_ok(const char *token, const char *secret);
/* BASE/login?exp=EXP&sig=SIG into *out (malloc'd). */
int dash_login_link(char **out, const char *base, const char *token, long long exp);
/* SIGN_OK, SIGN_BAD, SIGN_EXPIRED (or -1), as sign_verify. */
int dash_login_verify(const char *token, const char *exp, const char *sig, double now);
/* The session cookie's value, "EXP.SIG", into out. */
int dash_session(char *out, size_t len, const char *token, long long exp);
#define DASH_COOKIE "mend_dashboard"

/* feed.c - the dashboard's live event streams */

/*
 * Server-Sent Event streams of the spool's timeline, woken by the
 * spool's commits.  The HTTP server is the caller's: it gives each stream
 * an opaque connection, and the feed calls ops.suspend(conn) (from
 * feed_read, on the caller's thread) when a stream has nothing to send
 * and ops.resume(conn) (from the watcher thread) when it may.
 */
struct feed;
struct feed_stream;
struct feed_ops {
	void (*suspend)(void *conn);
	void (*resume)(void *conn);
};
enum { FEED_END = -1, FEED_ERROR = -2 };
/* Start the watcher (its own handle on the spool at spool_dir); at most
 * max_streams streams at once. */
int feed_start(struct feed **out, const char *spool_dir, int max_streams,
    const struct feed_ops *ops);
/* A stream from timeline seq `from` on; NULL (with why) when full or
 * ending.  It is the feed's until feed_close. */
struct feed_stream *feed_open(struct feed *f, void *conn, int64_t from);
/* Up to max bytes of the stream into out, reading the spool through sp;
 * 0 after suspending it, FEED_END once feed_end was called, FEED_ERROR. */
ssize_t feed_read(struct feed *f, struct feed_stream *s, struct spool *sp, char *out,
    size_t max);
void feed_close(struct feed *f, struct feed_stream *s);
/* End every stream, wait a few seconds for the server to close them, stop
 * the watcher.  Then stop the server, then feed_free. */
void feed_end(struct feed *f);
void feed_free(struct feed *f);

#endif
