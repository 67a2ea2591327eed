/*
 * testloop - prove a patch: run the project's tests in a sandbox, feed
 * failures back to the fixer for a revised change, replay the requests
 * that failed in production against the patched service, and score how
 * sure we are.
 *
 * For each `patch` record, in its checkout (holding the checkout's
 * lock): run the tests; when they fail, give the fixer (`analyze
 * --revise` unless --fixer) the record with the current diff, the
 * changed files and the tail of the output; apply the revised analysis
 * on the branch as a new commit and run again, up to --max-iterations
 * runs.  With --serve, an attempt passes only when the replayed
 * requests succeed too.  The branch keeps the last attempt either way.
 *
 * Tests and the service under replay run in lib/exec.c's sandbox (the
 * checkout the only writable place, their own PID namespace that dies
 * whole at the timeout, an allow-listed environment); the tests without
 * a network unless --network, the service with the host's network so
 * the replay can reach it.  Where the sandbox cannot run, a warning and
 * "sandbox": "none" in the record (or, with --sandbox=require, exit
 * 69).  The fixer is our own program and keeps the environment (it
 * needs its model key).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mend.h"

#define LOG_TAIL 8192
#define MAX_REPLAY 10
#define FILE_CAP 65536

static struct {
	const char *spool, *test, *fixer, *serve, *allow, *protect, *sandbox;
	int max_iter, no_network, network;
	double timeout, fixer_timeout, serve_timeout;
	long mem, max_lines;
} opt;

static struct spool *sp;
static int worst;
static const char *sandbox_kind;	/* "bwrap" or "none" */

/* why NULL: --help, on stdout, exit 0; else a usage error. */
static void
usage(const char *why)
{
	if (why && *why)
		mend_warn("%s", why);
	fprintf(why ? stderr : stdout,
	    "usage: testloop [-t CMD] [-n N] [--fixer CMD] [--serve CMD] [--timeout DUR]\n"
	    "                [--network | --no-network] [--sandbox MODE] [-s DIR] [FILE...]\n");
	exit(why ? EX_USAGE : 0);
}

static void
fail(int code)
{
	if (!worst)
		worst = code;
}

/* The last `max` bytes of s, from a line start. */
static jv
tail(const char *s, size_t len, size_t max)
{
	const char *p = s;

	if (len > max) {
		const char *nl;
		p = s + len - max;
		if ((nl = memchr(p, '\n', (size_t)(s + len - p))) && nl + 1 < s + len)
			p = nl + 1;
	}
	return jv_string_sized(p, (int)(s + len - p));
}

struct run {
	int ok, timed_out, code;
	long passed, failed;
	double secs;
	jv log;		/* tail */
	jv failures;
};

static int
run_tests(struct run *r, const char *wd, const char *cmd)
{
	char *argv[] = { "sh", "-c", (char *)cmd, NULL };
	const char *extra[] = { "CI=true", "MEND_TESTLOOP=1", NULL };
	const char *hide[] = { spool_dir(sp), NULL };
	struct proc_sandbox sb = { .root = wd, .network = opt.network, .hide = hide, .env = extra };
	struct proc_opts po = { 0 };
	struct proc_result res;
	double t0 = mend_mono();
	int rc;

	po.sandbox = &sb;
	po.new_pgrp = 1;
	po.merge_stderr = 1;
	po.stdin_null = 1;
	po.rlimit_cpu = (long)opt.timeout + 5;
	po.rlimit_as = opt.mem;
	po.rlimit_fsize = 1L << 30;
	po.rlimit_nproc = 1024;
	po.no_network = opt.no_network;
	rc = proc_run(&res, argv, &po, NULL, 0, opt.timeout, 1 << 20);
	if (rc < 0)
		return -1;
	r->secs = mend_mono() - t0;
	r->timed_out = res.timed_out;
	r->code = proc_exitcode(res.status);
	r->ok = !r->timed_out && r->code == 0;
	testrun_count(res.out, &r->passed, &r->failed);
	if (r->timed_out) {
		size_t n = res.out_len;
		char *p = realloc(res.out, n + 64);
		if (p) {
			res.out = p;
			res.out_len += (size_t)snprintf(p + n, 64,
			    "\n[testloop: killed after %.0f s]\n", opt.timeout);
		}
	}
	r->log = tail(res.out, res.out_len, LOG_TAIL);
	r->failures = testrun_failures(res.out);
	proc_result_release(&res);
	return 0;
}

/* ---- replay ---- */

struct replay {
	int n;
	char *method[MAX_REPLAY], *path[MAX_REPLAY];
};

static void
replay_release(struct replay *rp)
{
	int i;

	for (i = 0; i < rp->n; i++) {
		free(rp->method[i]);
		free(rp->path[i]);
	}
	rp->n = 0;
}

/* The failing requests of the incident's evidence: method and path+query. */
static void
replay_collect(struct replay *rp, jv rec)
{
	jv ev = record_get(rec, "incident.evidence");
	int i, j, n;

	rp->n = 0;
	if (jv_get_kind(ev) != JV_KIND_ARRAY) {
		jv_free(ev);
		return;
	}
	n = jv_array_length(jv_copy(ev));
	for (i = 0; i < n && rp->n < MAX_REPLAY; i++) {
		jv e = jv_array_get(jv_copy(ev), i);
		const char *url = record_str(e, "url"), *method = record_str(e, "method"), *p;
		double status = record_num(e, "status", -1);
		int failed = !record_bool(e, "ok", 1) || status == 0 || status >= 500;

		if (url && failed && (p = strstr(url, "://"))) {
			p = strchr(p + 3, '/');
			p = p ? p : "/";
			method = method && *method ? method : "GET";
			for (j = 0; j < rp->n; j++)
				if (!strcmp(rp->path[j], p) && !strcmp(rp->method[j], method))
					break;
			if (j == rp->n && (rp->path[rp->n] = strdup(p))) {
				if ((rp->method[rp->n] = strdup(method)))
					rp->n++;
				else
					free(rp->path[rp->n]);
			}
		}
		jv_free(e);
	}
	jv_free(ev);
}

static int
free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	socklen_t len = sizeof a;
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
	    getsockname(fd, (struct sockaddr *)&a, &len) == 0)
		port = ntohs(a.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

/* A socket in the service's network: its sandbox's, or ours without one. */
static int
service_socket(void *arg, int domain, int type, int protocol)
{
	const struct proc *p = arg;

	if (!opt.network && !strcmp(sandbox_kind, "bwrap"))
		return proc_sandbox_socket(p, domain, type, protocol);
	return socket(domain, type | SOCK_CLOEXEC, protocol);
}

static int
port_open(const struct proc *p, int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	int fd = service_socket((void *)p, AF_INET, SOCK_STREAM, 0), ok;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = fd >= 0 && connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
	if (fd >= 0)
		close(fd);
	return ok;
}

/*
 * Start the service in wd, replay every request, stop it.  *statuses
 * gets one status per request (0: no answer).  Returns 1 when all
 * answered below 400, 0 when one did not, -1 when the service did not
 * come up.
 */
static int
replay_run(const struct replay *rp, const char *wd, const char *logpath, jv *statuses)
{
	char portenv[32];
	const char *extra[] = { portenv, NULL }, *hide[] = { spool_dir(sp), NULL };
	char *argv[] = { "sh", "-c", (char *)opt.serve, NULL };
	/* In bwrap the service has a network of its own, which the replay
	 * joins (service_socket); without bwrap or with --network, the host's. */
	struct proc_sandbox sb = { .root = wd, .hide = hide, .env = extra,
		.network = opt.network || strcmp(sandbox_kind, "bwrap") != 0 };
	struct proc_opts po = { 0 };
	struct proc p;
	double deadline;
	int port = free_port(), i, all = 1, st, logfd;

	*statuses = jv_array();
	if (port < 0)
		return mend_errno("no free port");
	snprintf(portenv, sizeof portenv, "PORT=%d", port);
	if ((logfd = open(logpath, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return mend_errno("cannot open '%s'", logpath);
	po.sandbox = &sb;
	po.out_fd = logfd;
	po.new_pgrp = 1;
	po.stdin_null = 1;
	po.rlimit_as = opt.mem;
	i = proc_spawn(&p, argv, &po);
	close(logfd);
	if (i < 0)
		return -1;
	deadline = mend_mono() + opt.serve_timeout;
	while (!port_open(&p, port)) {
		if (waitpid(p.pid, &st, WNOHANG) == p.pid) {
			p.pid = -1;
			return mend_err("the service exited with %d before listening on port %d "
			    "(log: %s)", proc_exitcode(st), port, logpath);
		}
		if (mend_mono() > deadline) {
			proc_kill(&p, SIGKILL, 1);
			proc_wait(&p, &st);
			return mend_err("the service did not listen on port %d within %.0f s "
			    "(log: %s)", port, opt.serve_timeout, logpath);
		}
		usleep(20000);
	}
	for (i = 0; i < rp->n; i++) {
		struct http_req req = { 0 };
		struct http_resp resp = { 0 };
		char url[4200];

		snprintf(url, sizeof url, "http://127.0.0.1:%d%s", port, rp->path[i]);
		req.method = rp->method[i];
		req.url = url;
		req.open_socket = service_socket;
		req.socket_arg = &p;
		req.timeout_ms = 10000;
		if (http_do(&resp, &req) < 0)
			resp.status = 0;
		*statuses = jv_array_append(*statuses, jv_number((double)resp.status));
		if (resp.status < 100 || resp.status >= 400)
			all = 0;
		http_resp_release(&resp);
	}
	proc_kill(&p, SIGTERM, 1);
	for (i = 0; i < 100 && waitpid(p.pid, &st, WNOHANG) == 0; i++)
		usleep(20000);
	if (i == 100)
		proc_kill(&p, SIGKILL, 1);
	proc_kill(&p, SIGKILL, 1);	/* what the service left behind in its group */
	if (i == 100)
		proc_wait(&p, &st);
	return all;
}

/* ---- the fixer ---- */

/* The current content of the changed files, for the fixer to see. */
static jv
file_contents(const char *wd, jv files)
{
	jv out = jv_array();
	int i, n = jv_get_kind(files) == JV_KIND_ARRAY ? jv_array_length(jv_copy(files)) : 0;

	for (i = 0; i < n && i < 20; i++) {
		jv f = jv_array_get(jv_copy(files), i);
		char p[4096], buf[FILE_CAP];
		ssize_t len;
		int fd;

		if (jv_get_kind(f) == JV_KIND_STRING) {
			snprintf(p, sizeof p, "%s/%s", wd, jv_string_value(f));
			if ((fd = open(p, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) >= 0) {
				len = read(fd, buf, sizeof buf);
				close(fd);
				if (len >= 0)
					out = jv_array_append(out, JV_OBJECT(jv_string("path"), jv_copy(f),
					    jv_string("content"), jv_string_sized(buf, (int)len),
					    jv_string("truncated"), jv_bool(len == (ssize_t)sizeof buf)));
			}
		}
		jv_free(f);
	}
	return out;
}

/*
 * Ask the fixer for a revised analysis.  Returns 0 with *out the
 * revised analysis object, -1 when it failed or gave nothing usable.
 */
static int
ask_fixer(jv *out, jv rec)
{
	char *input = record_dump(rec), *argv[] = { "sh", "-c", (char *)opt.fixer, NULL };
	struct proc_opts po = { 0 };
	struct proc_result res;
	const char *p, *line;
	int rc;

	if (!input)
		return mend_err("out of memory");
	po.new_pgrp = 1;
	po.stderr_pipe = 0;
	rc = proc_run(&res, argv, &po, input, strlen(input), opt.fixer_timeout, 1 << 22);
	free(input);
	if (rc < 0)
		return -1;
	if (res.timed_out || proc_exitcode(res.status) != 0) {
		rc = mend_err("the fixer %s %d", res.timed_out ? "timed out, status"
		    : "exited with", proc_exitcode(res.status));
		proc_result_release(&res);
		return rc;
	}
	/* The last line that is an object with an analysis. */
	rc = mend_err("the fixer printed no analysis record");
	for (line = res.out; line && *line; line = p ? p + 1 : NULL) {
		jv v, a;
		p = strchr(line, '\n');
		if (record_parse(&v, line, p ? (size_t)(p - line) : strlen(line)) < 0)
			continue;
		a = record_get(v, "analysis");
		jv_free(v);
		if (jv_get_kind(a) == JV_KIND_OBJECT) {
			if (rc == 0)
				jv_free(*out);
			*out = a;
			rc = 0;
		} else
			jv_free(a);
	}
	proc_result_release(&res);
	return rc;
}

static int
guard_setup(struct guard *g, const char *wd)
{
	guard_init(g, wd);
	if (opt.max_lines >= 0)
		g->max_lines = opt.max_lines;
	return guard_protect(g, opt.protect) < 0 || guard_allow(g, opt.allow) < 0 ? -1 : 0;
}

/*
 * Apply a revised analysis as a new commit on branch.  A revision
 * replaces the change that failed, written against the base (analyze(1)'s
 * contract), so it is applied there first; a fixer that wrote its change
 * on top of the last attempt is served too.  A revision that yields the
 * tree that just failed is refused.  0 with *commit set, -1 when it did
 * not apply.
 */
static int
apply_revision(struct repo *r, jv analysis, const char *branch, const char *base,
    int attempt, char commit[41])
{
	struct guard g;
	jv files = jv_invalid();
	long lines;
	const char *how;
	char msg[2048], tip[41], old_tree[41] = "", new_tree[41];
	int rc;

	if (guard_setup(&g, repo_workdir(r)) < 0) {
		guard_release(&g);
		return -1;
	}
	if (repo_resolve(r, tip, branch) == 0)
		repo_commit_info(r, tip, NULL, old_tree);
	if (repo_checkout(r, base) < 0)
		rc = -1;
	else if ((rc = repo_apply_change(r, &g, analysis, &how)) < 0 && rc != -2) {
		char first[512];
		snprintf(first, sizeof first, "%s", mend_errmsg());
		if (repo_checkout(r, branch) == 0 && repo_apply_change(r, &g, analysis, &how) == 0) {
			rc = 0;
			mend_warn("the revision applies on top of the last attempt, not the base");
		} else {
			repo_checkout(r, branch);
			mend_err("%s", first);
		}
	}
	if (rc == -2)
		rc = mend_err("the revision has no diff or edits");
	if (rc == 0 && (rc = repo_stage_all(r, &g, &files, &lines)) == 0) {
		/* Staged against HEAD, which is the base when applied there. */
		if (jv_array_length(jv_copy(files)) == 0)
			rc = mend_err("the revision changes nothing");
		else
			rc = guard_size(&g, lines);
	}
	jv_free(files);
	guard_release(&g);
	if (rc == 0) {
		const char *cause = record_str(analysis, "root_cause");
		snprintf(msg, sizeof msg, "mend: revise the fix (attempt %d)\n\n%s%s\n", attempt,
		    cause ? "Root cause: " : "The tests failed with the previous attempt.",
		    cause ? cause : "");
		rc = repo_commit(r, commit, msg);
	}
	if (rc == 0 && repo_commit_info(r, commit, NULL, new_tree) == 0 &&
	    !strcmp(new_tree, old_tree))
		rc = mend_err("the revision is the change that just failed");
	if (rc == 0) {
		/* The commit may sit on the base; the branch moves to it either way. */
		rc = repo_branch_reset(r, branch, commit);
	} else {
		char keep[1024];
		snprintf(keep, sizeof keep, "%s", mend_errmsg());
		repo_checkout(r, branch);
		rc = mend_err("%s", keep);
	}
	return rc;
}

static int
handle(jv rec, void *arg)
{
	const char *wd, *branch, *base, *id, *test;
	struct repo *r = NULL;
	struct replay rp = { 0 };
	struct run run = { 0 };
	jv before = jv_null(), after = jv_null(), files = jv_invalid(), steps = jv_array();
	char commit[41], logpath[4200], *diff = NULL;
	int lockfd = -1, iter, passed = 0, replay_ok = -1, reproduced = -1, replay_state = 0;
	long lines = 0;
	double t0 = mend_mono();

	(void)arg;
	if (strcmp(record_type(rec), "patch")) {
		if (record_write(stdout, rec) < 0)
			mend_die(EX_IOERR, "%s", mend_errmsg());
		return 0;
	}
	id = record_str(rec, "incident.id");
	wd = record_str(rec, "patch.workdir");
	branch = record_str(rec, "patch.branch");
	base = record_str(rec, "patch.base_commit");
	if (!base)
		base = record_str(rec, "patch.base");
	if (!id || !wd || !branch || !base) {
		mend_warn("patch record without incident.id, patch.workdir, branch or base; skipped");
		fail(EX_DATAERR);
		goto out;
	}
	if (repo_lock(&lockfd, wd) < 0 || repo_open(&r, wd) < 0) {
		mend_warn("%s", mend_errmsg());
		fail(EX_TEMPFAIL);
		goto out;
	}
	if (repo_checkout(r, branch) < 0) {
		mend_warn("%s: %s", id, mend_errmsg());
		fail(EX_DATAERR);
		goto out;
	}
	test = opt.test ? opt.test : testrun_detect(wd);
	if (!test) {
		mend_warn("%s: no test command found in '%s' (use --test or MEND_TEST_CMD)", id, wd);
		fail(EX_USAGE);
		goto out;
	}
	snprintf(logpath, sizeof logpath, "%s/logs/serve-%s.log", spool_dir(sp), id);
	if (opt.serve) {
		char dir[4200];
		snprintf(dir, sizeof dir, "%s/logs", spool_dir(sp));
		mkdir(dir, 0700);
		replay_collect(&rp, rec);
		if (rp.n == 0)
			mend_warn("%s: no failing request in the evidence to replay", id);
	}
	if (rp.n > 0) {
		/* Before: the base must show the failure, or the replay proves little. */
		int b;
		if (repo_checkout(r, base) < 0 ||
		    (b = replay_run(&rp, wd, logpath, &before)) < 0) {
			mend_warn("%s: replay on the base: %s", id, mend_errmsg());
			b = -1;
		}
		reproduced = b < 0 ? -1 : b == 0;
		mend_warn("%s: replayed %d request%s on the base: %s", id, rp.n, rp.n == 1 ? "" : "s",
		    b < 0 ? "service did not start" : b ? "no failure (not reproduced)"
		    : "failure reproduced");
		if (repo_checkout(r, branch) < 0) {
			mend_warn("%s: %s", id, mend_errmsg());
			fail(EX_SOFTWARE);
			goto out;
		}
	}
	for (iter = 1; iter <= opt.max_iter; iter++) {
		jv step, revised = jv_invalid();

		if (iter > 1)
			record_clear(&run.log), record_clear(&run.failures);
		mend_warn("%s: attempt %d/%d: %s", id, iter, opt.max_iter, test);
		if (run_tests(&run, wd, test) < 0) {
			mend_warn("%s: cannot run the tests: %s", id, mend_errmsg());
			run.log = jv_string(mend_errmsg());
			run.failures = jv_array();
			run.ok = 0;
		}
		mend_warn("%s: attempt %d: tests %s in %.1f s%s", id, iter, run.ok ? "passed" : "failed",
		    run.secs, run.timed_out ? " (timed out)" : "");
		replay_ok = -1;
		if (run.ok && rp.n > 0) {
			jv_free(after);
			if ((replay_ok = replay_run(&rp, wd, logpath, &after)) < 0)
				mend_warn("%s: replay: %s", id, mend_errmsg());
			mend_warn("%s: attempt %d: replay %s", id, iter, replay_ok > 0 ? "passed"
			    : "failed");
		}
		step = JV_OBJECT(jv_string("iteration"), jv_number(iter),
		    jv_string("commit"), jv_null(), jv_string("tests_ok"), jv_bool(run.ok),
		    jv_string("exit"), jv_number(run.code), jv_string("seconds"),
		    jv_number((double)(long)(run.secs * 1000) / 1000));
		if (repo_resolve(r, commit, "HEAD") == 0)
			step = jv_object_set(step, jv_string("commit"), jv_string(commit));
		if (rp.n > 0 && run.ok)
			step = jv_object_set(step, jv_string("replay"), jv_copy(after));
		steps = jv_array_append(steps, step);
		passed = run.ok && (rp.n == 0 || replay_ok > 0);
		if (passed || iter == opt.max_iter)
			break;
		/* Revise: the fixer sees the record, the diff so far, the files and the failure. */
		free(diff);
		diff = NULL;
		jv_free(files);
		files = jv_invalid();
		if (repo_diff(r, base, commit, &diff, &files, &lines) < 0) {
			mend_warn("%s: %s", id, mend_errmsg());
			break;
		}
		{
			jv req = jv_copy(rec);
			req = record_set_str(req, "type", "testrun");
			req = record_set_str(req, "patch.diff", diff);
			req = record_set(req, "patch.contents", file_contents(wd, files));
			req = record_set(req, "testrun", JV_OBJECT(jv_string("passed"), jv_false(),
			    jv_string("iterations"), jv_number(iter),
			    jv_string("command"), jv_string(test),
			    jv_string("tests_passed"), run.passed < 0 ? jv_null() : jv_number(run.passed),
			    jv_string("tests_failed"), run.failed < 0 ? jv_null() : jv_number(run.failed),
			    jv_string("failures"), jv_copy(run.failures),
			    jv_string("replay"), rp.n > 0 && run.ok ? jv_copy(after) : jv_null(),
			    jv_string("log"), jv_copy(run.log)));
			mend_warn("%s: asking the fixer for a revision: %s", id, opt.fixer);
			if (ask_fixer(&revised, req) < 0) {
				mend_warn("%s: %s", id, mend_errmsg());
				jv_free(req);
				break;
			}
			jv_free(req);
		}
		if (apply_revision(r, revised, branch, base, iter + 1, commit) < 0) {
			mend_warn("%s: the revision does not apply: %s", id, mend_errmsg());
			jv_free(revised);
			break;
		}
		mend_warn("%s: revision committed as %.12s", id, commit);
		rec = record_set(rec, "analysis", revised);
		rec = record_set_str(rec, "patch.commit", commit);
	}
	if (iter > opt.max_iter)
		iter = opt.max_iter;
	jv_free(files);
	files = jv_invalid();
	free(diff);
	diff = NULL;
	if (repo_resolve(r, commit, "HEAD") == 0 && repo_diff(r, base, commit, NULL, &files,
	    &lines) == 0) {
		rec = record_set_str(rec, "patch.commit", commit);
		rec = record_set(rec, "patch.files", jv_copy(files));
		rec = record_set_num(rec, "patch.lines", (double)lines);
	}
	if (rp.n > 0)
		replay_state = replay_ok > 0 ? (reproduced > 0 ? 2 : 1) : 0;
	rec = record_set_str(rec, "type", "testrun");
	rec = record_set(rec, "testrun", JV_OBJECT(
	    jv_string("passed"), jv_bool(passed),
	    jv_string("iterations"), jv_number(iter),
	    jv_string("tests_passed"), run.passed < 0 ? jv_null() : jv_number(run.passed),
	    jv_string("tests_failed"), run.failed < 0 ? jv_null() : jv_number(run.failed),
	    jv_string("replayed"), jv_bool(rp.n > 0 && replay_ok > 0),
	    jv_string("confidence"), jv_number(testrun_confidence(passed, rp.n > 0 ? replay_state : -1,
		lines, iter, run.passed)),
	    jv_string("log"), jv_is_valid(run.log) ? jv_copy(run.log) : jv_string("")));
	rec = record_set_str(rec, "testrun.command", test);
	rec = record_set_str(rec, "testrun.sandbox", sandbox_kind);
	rec = record_set(rec, "testrun.failures", jv_is_valid(run.failures) ? jv_copy(run.failures)
	    : jv_array());
	rec = record_set(rec, "testrun.steps", steps);
	steps = jv_invalid();
	if (rp.n > 0) {
		jv reqs = jv_array();
		int i;
		for (i = 0; i < rp.n; i++)
			reqs = jv_array_append(reqs, jv_string_fmt("%s %s", rp.method[i], rp.path[i]));
		rec = record_set(rec, "testrun.replay", JV_OBJECT(jv_string("requests"), reqs,
		    jv_string("before"), jv_copy(before), jv_string("after"), jv_copy(after),
		    jv_string("reproduced"), reproduced < 0 ? jv_null() : jv_bool(reproduced)));
	}
	rec = record_set_num(rec, "testrun.seconds", (double)(long)((mend_mono() - t0) * 1000) / 1000);
	mend_warn("%s: %s after %d attempt%s, confidence %.2f", id, passed ? "passed" : "FAILED",
	    iter, iter == 1 ? "" : "s", record_num(rec, "testrun.confidence", 0));
	if (spool_incident_append(sp, rec) < 0)
		mend_warn("%s: cannot record in the timeline: %s", id, mend_errmsg());
	if (record_write(stdout, jv_copy(rec)) < 0)
		mend_die(EX_IOERR, "%s", mend_errmsg());
	if (!passed)
		fail(1);
out:
	replay_release(&rp);
	jv_free(before);
	jv_free(after);
	jv_free(files);
	jv_free(steps);
	if (jv_is_valid(run.log))
		jv_free(run.log);
	if (jv_is_valid(run.failures))
		jv_free(run.failures);
	free(diff);
	repo_free(r);
	if (lockfd >= 0)
		close(lockfd);
	jv_free(rec);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "test", required_argument, NULL, 't' },
		{ "max-iterations", required_argument, NULL, 'n' },
		{ "fixer", required_argument, NULL, 'F' },
		{ "fixer-timeout", required_argument, NULL, 'G' },
		{ "serve", required_argument, NULL, 'S' },
		{ "serve-timeout", required_argument, NULL, 'W' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "memory", required_argument, NULL, 'M' },
		{ "no-network", no_argument, NULL, 'N' },
		{ "network", no_argument, NULL, 'w' },
		{ "sandbox", required_argument, NULL, 'x' },
		{ "allow", required_argument, NULL, 'a' },
		{ "protect", required_argument, NULL, 'p' },
		{ "max-lines", required_argument, NULL, 'm' },
		{ "spool", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 }
	};
	int c, rc;
	char *end;
	double d;

	mend_setprog(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	opt.test = getenv("MEND_TEST_CMD");
	if (opt.test && !*opt.test)
		opt.test = NULL;
	opt.fixer = getenv("MEND_FIXER") && *getenv("MEND_FIXER") ? getenv("MEND_FIXER")
	    : "analyze --revise";
	opt.allow = getenv("MEND_ALLOW");
	opt.protect = getenv("MEND_PROTECT");
	opt.max_iter = 3;
	opt.timeout = 600;
	opt.fixer_timeout = 600;
	opt.serve_timeout = 15;
	opt.mem = 4L << 30;
	opt.max_lines = -1;
	while ((c = getopt_long(argc, argv, "t:n:s:h", longs, NULL)) != -1) {
		switch (c) {
		case 't': opt.test = optarg; break;
		case 'n':
			opt.max_iter = (int)strtol(optarg, &end, 10);
			if (*end || opt.max_iter < 1 || opt.max_iter > 20)
				usage("bad --max-iterations (1 to 20)");
			break;
		case 'F': opt.fixer = optarg; break;
		case 'G':
			if (mend_parse_duration(&opt.fixer_timeout, optarg) < 0)
				usage("bad --fixer-timeout");
			break;
		case 'S': opt.serve = *optarg ? optarg : NULL; break;
		case 'W':
			if (mend_parse_duration(&opt.serve_timeout, optarg) < 0)
				usage("bad --serve-timeout");
			break;
		case 'T':
			if (mend_parse_duration(&opt.timeout, optarg) < 0 || opt.timeout <= 0)
				usage("bad --timeout");
			break;
		case 'M':
			d = strtod(optarg, &end);
			if (*end == 'G' || *end == 'g')
				d *= 1 << 30, end++;
			else if (*end == 'M' || *end == 'm')
				d *= 1 << 20, end++;
			if (*end || d < 0)
				usage("bad --memory");
			opt.mem = (long)d;
			break;
		case 'N': opt.no_network = 1; break;
		case 'w': opt.network = 1; break;
		case 'x':
			if (strcmp(optarg, "auto") && strcmp(optarg, "require") && strcmp(optarg, "none"))
				usage("bad --sandbox (auto, require or none)");
			opt.sandbox = optarg;
			break;
		case 'a': opt.allow = optarg; break;
		case 'p': opt.protect = optarg; break;
		case 'm':
			opt.max_lines = strtol(optarg, &end, 10);
			if (*end || opt.max_lines < 0)
				usage("bad --max-lines");
			break;
		case 's': opt.spool = optarg; break;
		case 'h': usage(NULL); break;
		case 'V':
			printf("testloop (mend) %s\n", MEND_VERSION);
			return 0;
		default:
			usage("");
		}
	}
	argc -= optind;
	argv += optind;
	if (opt.network && opt.no_network)
		usage("--network and --no-network contradict each other");
	{
		const char *why;
		if (!(sandbox_kind = proc_sandbox_kind(opt.sandbox, &why)))
			mend_die(errno == EINVAL ? EX_USAGE : EX_UNAVAILABLE, "%s", mend_errmsg());
		if (why)
			mend_warn("warning: no sandbox: %s; tests and services run as this user, see "
			    "its processes and files%s (--sandbox=require refuses this)", why,
			    opt.network ? "" : ", and keep the network where the kernel refuses a "
			    "network namespace");
	}
	if (spool_open(&sp, opt.spool) < 0)
		mend_die(EX_CANTCREAT, "%s", mend_errmsg());
	rc = record_each(argc, argv, handle, NULL);
	spool_close(sp);
	if (rc < 0)
		mend_die(EX_IOERR, "%s", mend_errmsg());
	if (worst)
		return worst;
	return rc;
}
