/*
 * testloop.c - proving a patch (the testloop program): run the project's tests in a sandbox, feed
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
 *
 * One testloop per process: testloop_init takes the options and gives
 * the stage (its spool set by the caller), testloop_handle is
 * record_each's callback.  Nothing here exits:
 * a write error on stdout stops the loop (-1), the exit status of the
 * rest is the first failure's (stage.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
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

static struct testloop_opts opt;
static struct stage_ctx stage = { .name = "testloop" };

struct stage_ctx *
testloop_init(const struct testloop_opts *o)
{
	opt = *o;
	return &stage;
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
	const char *hide[] = { spool_dir(stage.sp), NULL };
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

/*
 * A request to replay: method, path+query, the body the probe sent (or
 * NULL), and what the spool knows of its good answers (shape.c).
 */
struct replay {
	int n;
	char *method[MAX_REPLAY], *path[MAX_REPLAY], *body[MAX_REPLAY];
	jv known[MAX_REPLAY], peers[MAX_REPLAY];
	jv judged;		/* the last run's verdicts, one per request */
	jv shapes;		/* the last run's answer shapes, for the regression test */
};

static void
replay_release(struct replay *rp)
{
	int i;

	for (i = 0; i < rp->n; i++) {
		free(rp->method[i]);
		free(rp->path[i]);
		free(rp->body[i]);
		jv_free(rp->known[i]);
		jv_free(rp->peers[i]);
	}
	rp->n = 0;
	record_clear(&rp->judged);
	record_clear(&rp->shapes);
}

/* The failing requests of the incident's evidence: method and path+query. */
static void
replay_collect(struct replay *rp, jv rec)
{
	jv ev = record_get(rec, "incident.evidence");
	int i, j, n;

	rp->n = 0;
	rp->judged = rp->shapes = jv_invalid();
	if (jv_get_kind(ev) != JV_KIND_ARRAY) {
		jv_free(ev);
		return;
	}
	n = jv_array_length(jv_copy(ev));
	for (i = 0; i < n && rp->n < MAX_REPLAY; i++) {
		jv e = jv_array_get(jv_copy(ev), i);
		const char *url = record_str(e, "url"), *method = record_str(e, "method"), *p;
		const char *body = record_str(e, "request_body");
		double status = record_num(e, "status", -1);
		int failed = !record_bool(e, "ok", 1) || status == 0 || status >= 500;

		if (url && failed && strstr(url, "://")) {
			p = shape_url_path(url);
			method = method && *method ? method : "GET";
			for (j = 0; j < rp->n; j++)
				if (!strcmp(rp->path[j], p) && !strcmp(rp->method[j], method))
					break;
			if (j == rp->n && (rp->path[rp->n] = strdup(p))) {
				if ((rp->method[rp->n] = strdup(method))) {
					rp->body[rp->n] = body ? strdup(body) : NULL;
					if (shape_known_find(stage.sp, &rp->known[rp->n], &rp->peers[rp->n],
					    record_str(e, "monitor"), url) < 0) {
						mend_warn("%s", mend_errmsg());
						record_clear(&rp->known[rp->n]);
						record_clear(&rp->peers[rp->n]);
						rp->known[rp->n] = jv_null();
						rp->peers[rp->n] = jv_array();
					}
					rp->n++;
				} else
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

	if (!opt.network && !strcmp(opt.sandbox_kind, "bwrap"))
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

/* How bad a verdict is, for the worst of several. */
static int
verdict_rank(const char *v)
{
	return !strcmp(v, "failed") ? 4 : !strcmp(v, "degraded") ? 3 : !strcmp(v, "unproven") ? 2
	    : 1;
}

/* The worst verdict of the last run ("failed" when none). */
static const char *
replay_verdict(const struct replay *rp)
{
	const char *w = NULL;
	int i, n = jv_is_valid(rp->judged) ? jv_array_length(jv_copy(rp->judged)) : 0;

	for (i = 0; i < n; i++) {
		jv j = jv_array_get(jv_copy(rp->judged), i);
		const char *v = record_str(j, "verdict");
		if (v && (!w || verdict_rank(v) > verdict_rank(w)))
			w = v;
		jv_free(j);
	}
	return !w ? "failed" : !strcmp(w, "failed") ? "failed" : !strcmp(w, "degraded")
	    ? "degraded" : !strcmp(w, "unproven") ? "unproven" : !strcmp(w, "rejected")
	    ? "rejected" : "good";
}

/*
 * Start the service in wd, replay every request, stop it.  *statuses
 * gets one status per request (0: no answer), rp->judged the verdict
 * of each answer (shape.c: against the known-good answers).  Returns 1
 * when none failed (a 5xx, no answer, a 4xx to a good request), 0 when
 * one did, -1 when the service did not come up.
 */
static int
replay_run(struct replay *rp, const char *wd, const char *logpath, jv *statuses)
{
	char portenv[32];
	const char *extra[] = { portenv, NULL }, *hide[] = { spool_dir(stage.sp), NULL };
	char *argv[] = { "sh", "-c", (char *)opt.serve, NULL };
	/* In bwrap the service has a network of its own, which the replay
	 * joins (service_socket); without bwrap or with --network, the host's. */
	struct proc_sandbox sb = { .root = wd, .hide = hide, .env = extra,
		.network = opt.network || strcmp(opt.sandbox_kind, "bwrap") != 0 };
	struct proc_opts po = { 0 };
	struct proc p;
	double deadline;
	int port = free_port(), i, all = 1, st, logfd;

	*statuses = jv_array();
	record_clear(&rp->judged);
	record_clear(&rp->shapes);
	rp->judged = jv_array();
	rp->shapes = jv_array();
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
		jv shape, j;
		const char *v;

		req.method = rp->method[i];
		req.url = url;
		req.open_socket = service_socket;
		req.socket_arg = &p;
		req.timeout_ms = 10000;
		if (rp->body[i]) {
			req.body = rp->body[i];
			req.body_len = strlen(rp->body[i]);
		}
		if (http_do(&resp, &req) < 0)
			resp.status = 0;
		*statuses = jv_array_append(*statuses, jv_number((double)resp.status));
		shape_of_body(&shape, resp.body, resp.body_len);
		j = shape_judge(rp->known[i], rp->peers[i], rp->method[i], rp->path[i], rp->body[i],
		    resp.status, shape, 1);
		v = record_str(j, "verdict");
		if (!v || !strcmp(v, "failed"))
			all = 0;
		rp->judged = jv_array_append(rp->judged, j);
		rp->shapes = jv_array_append(rp->shapes, shape);
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

/* ---- the regression test ---- */

static int
guard_setup(struct guard *g, const char *wd)
{
	guard_init(g, wd);
	if (opt.max_lines >= 0)
		g->max_lines = opt.max_lines;
	return guard_protect(g, opt.protect) < 0 || guard_allow(g, opt.allow) < 0 ? -1 : 0;
}

static void
run_release(struct run *run)
{
	record_clear(&run->log);
	record_clear(&run->failures);
}

/*
 * Plan the failing call from the frame (regress_call.c) on the code that
 * failed (the base) and the fix (base..HEAD); 0, or -1 with the reason.
 */
static int
call_plan(struct regress_call *c, struct repo *r, const char *wd, const char *branch,
    const char *base, jv rec)
{
	char head[41], *diff = NULL;
	int rc = -1;

	if (repo_resolve(r, head, "HEAD") == 0 && repo_diff(r, base, head, &diff, NULL, NULL) == 0 &&
	    repo_checkout(r, base) == 0) {
		rc = regress_call_plan(c, wd, rec, diff);
		if (repo_checkout(r, branch) < 0) {
			regress_call_release(c);
			rc = -1;
		}
	}
	free(diff);
	return rc;
}

/*
 * Write a regression test for the first replayed request (regress.c), or
 * with no request (a trace-only incident, rp->n 0) for the failing call
 * from the frame (regress_call.c); run it with the fix (it must pass) and
 * on the base (it should fail: a call, with the exception the trace
 * shows), and commit it on the branch when it passes.  *verified:
 * committed and failing without the fix.  Returns what happened, for the
 * record.
 */
static jv
regression_step(struct repo *r, const char *wd, const char *branch, const char *base,
    const char *id, struct replay *rp, jv rec, int *verified)
{
	struct regress_req q = { 0 };
	struct regress_call call = { 0 };
	struct regress_test t = { 0 };
	struct run before = { 0 }, after = { 0 };
	jv j = rp->n ? jv_array_get(jv_copy(rp->judged), 0) : jv_null();
	jv shape = rp->n ? jv_array_get(jv_copy(rp->shapes), 0) : jv_null();
	jv reasons = record_get(j, "reasons"), out = jv_object(), why = jv_null();
	const char *v = record_str(j, "verdict");
	char commit[41], msg[1024];
	int same = 1;

	*verified = 0;
	if (rp->n == 0) {
		/* A trace-only incident: no request, maybe the call from the frame. */
		out = record_set_str(out, "kind", "call");
		if (call_plan(&call, r, wd, branch, base, rec) < 0) {
			out = record_set(out, "written", jv_false());
			out = record_set(out, "why", jv_string_fmt("the incident came from a stack "
			    "trace (an error record), not a failing HTTP request, and the failing call "
			    "cannot be rebuilt from its frame: %s", mend_errmsg()));
			goto release;
		}
		q.id = id;
		q.call = &call;
		q.checks = jv_null();
		out = record_set(out, "call", jv_string_fmt("%s%s%s", !strcmp(call.lang, "python") ?
		    call.module : call.file, !strcmp(call.lang, "python") ? "." : ": ", call.shown));
		out = record_set_str(out, "exception", call.exception);
		if (call.raises)
			out = record_set_str(out, "raises", call.raises);
		goto write;
	}
	out = record_set_str(out, "kind", "request");
	q.id = id;
	q.method = rp->method[0];
	q.path = rp->path[0];
	q.body = rp->body[0];
	q.serve = opt.serve;
	q.want_4xx = v && !strcmp(v, "rejected");
	if (q.want_4xx && jv_array_length(jv_copy(reasons)) > 1)
		why = jv_array_get(jv_copy(reasons), 1);
	q.why = jv_get_kind(why) == JV_KIND_STRING ? jv_string_value(why) : NULL;
	q.checks = q.want_4xx ? jv_array() : shape_checks(rp->known[0], shape);
	out = record_set(out, "request", jv_string_fmt("%s %s", q.method, q.path));
write:
	if (regress_write(&t, wd, &q) < 0) {
		out = record_set(out, "written", jv_false());
		out = record_set_str(out, "why", mend_errmsg());
		goto release;
	}
	out = record_set_str(out, "path", t.path);
	out = record_set_str(out, "framework", t.framework);
	out = record_set_str(out, "command", t.command);
	mend_warn("%s: regression test %s: %s", id, t.path, t.command);
	if (run_tests(&after, wd, t.command) < 0)
		after.ok = 0;
	if (!after.ok) {
		char p[4200];
		snprintf(p, sizeof p, "%s/%s", wd, t.path);
		unlink(p);
		out = record_set(out, "written", jv_false());
		out = record_set(out, "passes_after", jv_false());
		out = record_set_str(out, "why", "the test fails with the fix; not added");
		out = record_set(out, "log", jv_is_valid(after.log) ? jv_copy(after.log) : jv_null());
		goto release;
	}
	/* Without the fix: the base, with the test written into it. */
	if (repo_checkout(r, base) == 0) {
		struct regress_test t2;
		if (regress_write(&t2, wd, &q) == 0) {
			if (run_tests(&before, wd, t2.command) < 0)
				before.ok = 1;	/* unknown: not proven to fail */
			regress_test_release(&t2);
		} else {
			before.ok = 1;
		}
	} else {
		before.ok = 1;
	}
	/* A call must fail the way the trace shows, or it reproduces something else. */
	if (q.call && !before.ok)
		same = jv_get_kind(before.log) == JV_KIND_STRING &&
		    strstr(jv_string_value(before.log), call.exception) != NULL;
	regress_test_release(&t);
	if (repo_checkout(r, branch) < 0 || regress_write(&t, wd, &q) < 0) {
		out = record_set(out, "written", jv_false());
		out = record_set_str(out, "why", mend_errmsg());
		goto release;
	}
	{
		struct guard g;
		jv files = jv_invalid();
		long lines;
		int rc = guard_setup(&g, wd);
		if (rc == 0)
			rc = repo_stage_all(r, &g, &files, &lines);
		guard_release(&g);
		jv_free(files);
		if (q.call)
			snprintf(msg, sizeof msg, "mend: regression test calling %s in %s\n\n"
			    "In production %s raised %s: %s\nwhen %s was %s.\n"
			    "The test makes that call; it %s without the fix\nand passes with it.\n",
			    call.function, call.file, call.function, call.exception, call.message,
			    call.param, call.bad,
			    before.ok ? "also passes" : same ? "fails the same way" :
			    "fails (but not with that exception)");
		else
			snprintf(msg, sizeof msg, "mend: regression test for %s %s\n\n"
			    "It %s without the fix and passes with it.\n", q.method, q.path,
			    before.ok ? "also passes" : "fails");
		if (rc == 0) {
			char *shown_msg = redact(msg, NULL);	/* a query may carry a token */

			rc = repo_commit(r, commit, shown_msg ? shown_msg : "mend: regression test\n");
			free(shown_msg);
		}
		if (rc < 0) {
			out = record_set(out, "written", jv_false());
			out = record_set_str(out, "why", mend_errmsg());
			repo_checkout(r, branch);
			goto release;
		}
	}
	out = record_set(out, "written", jv_true());
	out = record_set_str(out, "commit", commit);
	out = record_set(out, "passes_after", jv_true());
	out = record_set(out, "fails_before", jv_bool(!before.ok));
	if (q.call) {
		out = record_set(out, "same_failure", jv_bool(!before.ok && same));
		out = record_set(out, "proves", jv_string_fmt("%s no longer raises %s when %s is %s%s%s; "
		    "it does not prove what the service answers the request that reached it "
		    "(nothing was replayed)", call.function, call.exception, call.param, call.bad,
		    call.raises ? ": it raises " : "", call.raises ? call.raises : ""));
	}
	*verified = !before.ok && same;
	mend_warn("%s: regression test committed as %.12s; it %s without the fix", id, commit,
	    before.ok ? "PASSES" : "fails");
release:
	regress_test_release(&t);
	regress_call_release(&call);
	run_release(&before);
	run_release(&after);
	jv_free(q.checks);
	jv_free(why);
	jv_free(reasons);
	jv_free(j);
	jv_free(shape);
	return out;
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
	/* The fixer may be any command: it sees the record as a model would. */
	jv shown = redact_record(jv_copy(rec), NULL);
	char *input = record_dump(shown), *argv[] = { "sh", "-c", (char *)opt.fixer, NULL };
	struct proc_opts po = { 0 };
	struct proc_result res;
	const char *p, *line;
	int rc;

	jv_free(shown);
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
		char *shown_msg;

		snprintf(msg, sizeof msg, "mend: revise the fix (attempt %d)\n\n%s%s\n", attempt,
		    cause ? "Root cause: " : "The tests failed with the previous attempt.",
		    cause ? cause : "");
		shown_msg = redact(msg, NULL);	/* commit messages leave with the push */
		rc = repo_commit(r, commit, shown_msg ? shown_msg : "mend: revise the fix\n");
		free(shown_msg);
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

/*
 * What the applied fix template takes for granted that the code does not
 * say (analysis.templates[].assumes: a parameter being required), or
 * NULL.  A fix that assumes is kept below the ready threshold, however
 * well it replays: the replay cannot tell a required parameter from an
 * optional one.
 */
static const char *
assumption(jv rec)
{
	jv ts = record_get(rec, "analysis.templates");
	const char *r = NULL;
	int i, n = jv_get_kind(ts) == JV_KIND_ARRAY ? jv_array_length(jv_copy(ts)) : 0;

	for (i = 0; i < n && !r; i++) {
		jv e = jv_array_get(jv_copy(ts), i);
		if (record_bool(e, "applied", 0) && record_str(e, "assumes")) {
			static char buf[1024];	/* the record's string dies with e */
			snprintf(buf, sizeof buf, "%s", record_str(e, "assumes"));
			r = buf;
		}
		jv_free(e);
	}
	jv_free(ts);
	return r;
}

#define ASSUMED_MAX	0.8	/* the confidence of a fix that assumes: a draft */
#define CALL_MAX	0.85	/* proved by a call from the frame, not a replay: a draft */

/*
 * Ask the fixer for a revision of the change at commit, given the
 * failure (a testrun object, consumed), and commit it on the branch as
 * attempt `attempt`.  0 with *rec carrying the revised analysis and
 * commit (and commit[] the new one), -1 when there was none (said on
 * stderr).
 */
static int
revise(jv *rec, struct repo *r, const char *id, const char *branch, const char *base,
    int attempt, char commit[41], jv failure)
{
	char *diff = NULL;
	jv files = jv_invalid(), revised = jv_invalid(), req;
	long lines = 0;
	int rc;

	if (repo_diff(r, base, commit, &diff, &files, &lines) < 0) {
		mend_warn("%s: %s", id, mend_errmsg());
		jv_free(failure);
		return -1;
	}
	req = jv_copy(*rec);
	req = record_del(req, "pr");
	req = record_set_str(req, "type", "testrun");
	req = record_set_str(req, "patch.diff", diff);
	req = record_set(req, "patch.contents", file_contents(repo_workdir(r), files));
	req = record_set(req, "testrun", failure);
	free(diff);
	jv_free(files);
	mend_warn("%s: asking the fixer for a revision: %s", id, opt.fixer);
	rc = ask_fixer(&revised, req);
	jv_free(req);
	if (rc < 0) {
		mend_warn("%s: %s", id, mend_errmsg());
		return -1;
	}
	if (apply_revision(r, revised, branch, base, attempt, commit) < 0) {
		mend_warn("%s: the revision does not apply: %s", id, mend_errmsg());
		jv_free(revised);
		return -1;
	}
	mend_warn("%s: revision committed as %.12s", id, commit);
	*rec = record_set(*rec, "analysis", revised);
	*rec = record_set_str(*rec, "patch.commit", commit);
	return 0;
}

/*
 * --from-checks: a `pr` record whose checks failed on the forge goes back
 * to the fixer once per incident, with the checks' log as the failure,
 * the way a failed local test does.  "Once" is a claim in the spool
 * (state "checks-feedback", key the incident), taken before the fixer
 * runs, so a re-run or a second failure never loops.  Returns 1 when
 * the record was revised (*rec is now a patch-like record the tests
 * run on, with testrun.from_checks set), 0 when it is to pass through
 * as it is, -1 when the fixer gave nothing (the record passes through).
 */
static int
from_checks(jv *rec, struct repo *r, const char *id, const char *branch, const char *base)
{
	jv detail = record_get(*rec, "pr.checks_detail"), failed = jv_array(), claim;
	char commit[41], prev[41], ts[40];
	int i, n, rc;

	if (!record_str(*rec, "pr.checks") || strcmp(record_str(*rec, "pr.checks"), "failed")) {
		jv_free(detail);
		jv_free(failed);
		return 0;
	}
	n = jv_get_kind(detail) == JV_KIND_ARRAY ? jv_array_length(jv_copy(detail)) : 0;
	for (i = 0; i < n; i++) {
		jv c = jv_array_get(jv_copy(detail), i);
		if (record_str(c, "state") && !strcmp(record_str(c, "state"), "failed"))
			failed = jv_array_append(failed, jv_string(record_str(c, "name") ?
			    record_str(c, "name") : "?"));
		jv_free(c);
	}
	jv_free(detail);
	mend_rfc3339(ts, sizeof ts, mend_now());
	claim = JV_OBJECT(jv_string("ts"), jv_string(ts), jv_string("commit"),
	    record_strornull(record_str(*rec, "patch.commit")), jv_string("pr"),
	    record_strornull(record_str(*rec, "pr.url")));
	if ((rc = spool_state_claim(stage.sp, "checks-feedback", id, claim)) <= 0) {
		if (rc < 0)
			mend_warn("%s: %s", id, mend_errmsg());
		else
			mend_warn("%s: the checks failed, and their log went back to the fixer once "
			    "already; no further round", id);
		jv_free(failed);
		return rc < 0 ? -1 : 0;
	}
	if (repo_resolve(r, commit, "HEAD") < 0) {
		mend_warn("%s: %s", id, mend_errmsg());
		jv_free(failed);
		return -1;
	}
	snprintf(prev, sizeof prev, "%s", commit);
	mend_warn("%s: the checks failed on the forge (%s); asking for one more revision", id,
	    record_str(*rec, "pr.url") ? record_str(*rec, "pr.url") : "?");
	if (revise(rec, r, id, branch, base, (int)record_num(*rec, "testrun.iterations", 1) + 1,
	    commit, JV_OBJECT(jv_string("passed"), jv_false(),
	    jv_string("iterations"), jv_number(record_num(*rec, "testrun.iterations", 1)),
	    jv_string("command"), jv_string("the forge's checks"),
	    jv_string("tests_passed"), jv_null(), jv_string("tests_failed"),
	    jv_number(jv_array_length(jv_copy(failed))),
	    jv_string("failures"), jv_copy(failed),
	    jv_string("log"), record_get(*rec, "pr.checks_log"))) < 0) {
		jv_free(failed);
		return -1;
	}
	*rec = record_set(*rec, "from_checks", JV_OBJECT(jv_string("failed"), failed,
	    jv_string("commit"), jv_string(prev), jv_string("pr"),
	    record_get(*rec, "pr.url"), jv_string("ts"), jv_string(ts)));
	*rec = record_del(*rec, "pr");
	*rec = record_set_str(*rec, "type", "patch");
	return 1;
}

/* What the confidence does not prove, in words, for the pull request. */
static jv
unproven(const struct replay *rp, int passed, int reproduced, const char *verdict, jv regress,
    long tests_passed, int iter, const char *assumes)
{
	jv out = jv_array();
	int i, n;

	if (!passed)
		return jv_array_append(out, jv_string("the fix did not pass"));
	if (tests_passed == 0)
		out = jv_array_append(out, jv_string("the output shows no test ran"));
	if (iter > 1)
		out = jv_array_append(out, jv_string_fmt("it took %d attempts", iter));
	if (rp->n == 0 && jv_is_valid(regress) && record_str(regress, "call") &&
	    record_bool(regress, "written", 0))
		out = jv_array_append(out, jv_string_fmt("the incident came from a stack trace: no "
		    "request was replayed; the regression test calls %s directly, which proves the "
		    "function no longer fails that way, not what the service answers",
		    record_str(regress, "call")));
	else if (rp->n == 0) {
		out = jv_array_append(out, jv_string("the failing request was not replayed "
		    "against the patched service (no --serve)"));
	} else {
		if (reproduced <= 0)
			out = jv_array_append(out, jv_string("the request did not fail on the base, "
			    "so its replay proves little"));
		n = jv_is_valid(rp->judged) ? jv_array_length(jv_copy(rp->judged)) : 0;
		for (i = 0; i < n && verdict && (!strcmp(verdict, "degraded") ||
		    !strcmp(verdict, "unproven")); i++) {
			jv j = jv_array_get(jv_copy(rp->judged), i), rs = record_get(j, "reasons");
			const char *v = record_str(j, "verdict");
			int k, m = jv_get_kind(rs) == JV_KIND_ARRAY ? jv_array_length(jv_copy(rs)) : 0;
			for (k = 0; v && (!strcmp(v, "degraded") || !strcmp(v, "unproven")) && k < m;
			    k++) {
				jv r = jv_array_get(jv_copy(rs), k);
				out = jv_array_append(out, jv_string_fmt("%s %s: %s",
				    !strcmp(v, "degraded") ? "the patched answer looks degraded:"
				    : "the patched answer is unproven:", rp->path[i], jv_string_value(r)));
				jv_free(r);
			}
			jv_free(rs);
			jv_free(j);
		}
	}
	if (assumes)
		out = jv_array_append(out, jv_string_fmt("the fix assumes %s", assumes));
	if (jv_is_valid(regress) && !record_bool(regress, "written", 0))
		out = jv_array_append(out, jv_string_fmt("no regression test: %s",
		    record_str(regress, "why") ? record_str(regress, "why") : "not written"));
	else if (jv_is_valid(regress) && !record_bool(regress, "fails_before", 0))
		out = jv_array_append(out, jv_string("the regression test passes without the fix "
		    "too"));
	else if (jv_is_valid(regress) && record_has(regress, "same_failure") &&
	    !record_bool(regress, "same_failure", 0))
		out = jv_array_append(out, jv_string_fmt("the regression test fails without the fix, "
		    "but not with the %s the trace shows", record_str(regress, "exception")));
	return out;
}

/* Why no regression test was written for a request-less incident that
 * did not come from a trace (one from a trace gets the call from its frame). */
static jv
no_request_why(void)
{
	return jv_string(opt.serve ? "the evidence holds no failing request to replay" :
	    "no failing request was replayed (--serve)");
}

int
testloop_handle(jv rec, void *arg)
{
	const char *wd, *branch, *base, *id, *test;
	struct repo *r = NULL;
	struct replay rp = { 0 };
	struct run run = { 0 };
	jv before = jv_null(), after = jv_null(), files = jv_invalid(), steps = jv_array();
	char commit[41], logpath[4200], *diff = NULL;
	int lockfd = -1, iter, passed = 0, replay_ok = -1, reproduced = -1, replay_state = 0;
	int regress_ok = 0, ret = 0;
	long all = 0;
	const char *verdict = NULL;
	jv regress = jv_invalid();
	long lines = 0;
	double t0 = mend_mono();

	(void)arg;
	if (strcmp(record_type(rec), "patch") && (!opt.from_checks ||
	    strcmp(record_type(rec), "pr") || !record_str(rec, "pr.checks") ||
	    strcmp(record_str(rec, "pr.checks"), "failed"))) {
		return record_write(stdout, rec);
	}
	id = record_str(rec, "incident.id");
	wd = record_str(rec, "patch.workdir");
	branch = record_str(rec, "patch.branch");
	base = record_str(rec, "patch.base_commit");
	if (!base)
		base = record_str(rec, "patch.base");
	if (!id || !wd || !branch || !base) {
		mend_warn("patch record without incident.id, patch.workdir, branch or base; skipped");
		stage_fail(&stage, EX_DATAERR);
		goto out;
	}
	if (repo_lock(&lockfd, wd) < 0 || repo_open(&r, wd) < 0) {
		mend_warn("%s", mend_errmsg());
		stage_fail(&stage, EX_TEMPFAIL);
		goto out;
	}
	if (repo_checkout(r, branch) < 0) {
		mend_warn("%s: %s", id, mend_errmsg());
		stage_fail(&stage, EX_DATAERR);
		goto out;
	}
	if (!strcmp(record_type(rec), "pr")) {
		int fc = from_checks(&rec, r, id, branch, base);
		if (fc <= 0) {
			if (fc < 0)
				stage_fail(&stage, 1);
			if (record_write(stdout, jv_copy(rec)) < 0)
				ret = -1;
			goto out;
		}
		/* rec is the revised patch now; the record's strings moved with it. */
		id = record_str(rec, "incident.id");
		wd = record_str(rec, "patch.workdir");
		branch = record_str(rec, "patch.branch");
		base = record_str(rec, "patch.base_commit") ? record_str(rec, "patch.base_commit")
		    : record_str(rec, "patch.base");
	}
	test = opt.test ? opt.test : testrun_detect(wd);
	if (!test) {
		mend_warn("%s: no test command found in '%s' (use --test or MEND_TEST_CMD)", id, wd);
		stage_fail(&stage, EX_USAGE);
		goto out;
	}
	snprintf(logpath, sizeof logpath, "%s/logs/serve-%s.log", spool_dir(stage.sp), id);
	if (opt.serve) {
		char dir[4200];
		snprintf(dir, sizeof dir, "%s/logs", spool_dir(stage.sp));
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
			stage_fail(&stage, EX_SOFTWARE);
			goto out;
		}
	}
	for (iter = 1; iter <= opt.max_iter; iter++) {
		jv step;

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
		if (revise(&rec, r, id, branch, base, iter + 1, commit, JV_OBJECT(
		    jv_string("passed"), jv_false(),
		    jv_string("iterations"), jv_number(iter),
		    jv_string("command"), jv_string(test),
		    jv_string("tests_passed"), run.passed < 0 ? jv_null() : jv_number(run.passed),
		    jv_string("tests_failed"), run.failed < 0 ? jv_null() : jv_number(run.failed),
		    jv_string("failures"), jv_copy(run.failures),
		    jv_string("replay"), rp.n > 0 && run.ok ? jv_copy(after) : jv_null(),
		    jv_string("log"), jv_copy(run.log))) < 0)
			break;
	}
	if (iter > opt.max_iter)
		iter = opt.max_iter;
	jv_free(files);
	files = jv_invalid();
	free(diff);
	diff = NULL;
	/* The size of the fix itself, before a regression test joins it. */
	if (repo_resolve(r, commit, "HEAD") == 0 &&
	    repo_diff(r, base, commit, NULL, &files, &lines) == 0)
		record_clear(&files);
	if (rp.n > 0) {
		verdict = replay_ok >= 0 ? replay_verdict(&rp) : "failed";
		replay_state = replay_ok <= 0 ? 0 : !strcmp(verdict, "degraded") ? 4 :
		    !strcmp(verdict, "unproven") ? 3 : reproduced > 0 ? 2 : 1;
	}
	if (passed && rp.n > 0 && opt.regress && replay_state > 0 && replay_state != 4)
		regress = regression_step(r, wd, branch, base, id, &rp, rec, &regress_ok);
	else if (passed && rp.n == 0 && opt.regress && regress_from_trace(rec))
		regress = regression_step(r, wd, branch, base, id, &rp, rec, &regress_ok);
	else if (opt.regress)
		regress = JV_OBJECT(jv_string("written"), jv_false(), jv_string("why"),
		    !passed ? jv_string("the fix did not pass") : rp.n == 0 ? no_request_why() :
		    jv_string(replay_state == 4 ? "the patched answer lost data; a test would pin that" :
		    "the replay did not pass"));
	if (repo_resolve(r, commit, "HEAD") == 0 && repo_diff(r, base, commit, NULL, &files,
	    &all) == 0) {
		rec = record_set_str(rec, "patch.commit", commit);
		rec = record_set(rec, "patch.files", jv_copy(files));
		rec = record_set_num(rec, "patch.lines", (double)all);
	}
	rec = record_set_str(rec, "type", "testrun");
	rec = record_set(rec, "testrun", JV_OBJECT(
	    jv_string("passed"), jv_bool(passed),
	    jv_string("iterations"), jv_number(iter),
	    jv_string("tests_passed"), run.passed < 0 ? jv_null() : jv_number(run.passed),
	    jv_string("tests_failed"), run.failed < 0 ? jv_null() : jv_number(run.failed),
	    jv_string("replayed"), jv_bool(rp.n > 0 && replay_ok > 0),
	    jv_string("confidence"), jv_number(testrun_confidence(passed, rp.n > 0 ? replay_state : -1,
		lines, iter, run.passed, regress_ok)),
	    jv_string("log"), jv_is_valid(run.log) ? jv_copy(run.log) : jv_string("")));
	if (assumption(rec) && record_num(rec, "testrun.confidence", 0) > ASSUMED_MAX)
		rec = record_set_num(rec, "testrun.confidence", ASSUMED_MAX);
	if (rp.n == 0 && record_num(rec, "testrun.confidence", 0) > CALL_MAX)
		rec = record_set_num(rec, "testrun.confidence", CALL_MAX);	/* the formula gives 0.83 */
	rec = record_set(rec, "testrun.judgment", rp.n > 0 && jv_is_valid(rp.judged) ?
	    JV_OBJECT(jv_string("verdict"), jv_string(verdict), jv_string("answers"),
	    jv_copy(rp.judged)) : jv_null());
	rec = record_set(rec, "testrun.regression_test", jv_is_valid(regress) ? jv_copy(regress)
	    : jv_null());
	rec = record_set(rec, "testrun.unproven", unproven(&rp, passed, reproduced, verdict,
	    regress, run.passed, iter, assumption(rec)));
	if (record_has(rec, "from_checks")) {
		/* The round the forge's failed checks asked for: in the record and the timeline. */
		rec = record_set(rec, "testrun.from_checks", record_get(rec, "from_checks"));
		rec = record_del(rec, "from_checks");
	}
	rec = record_set_str(rec, "testrun.command", test);
	rec = record_set_str(rec, "testrun.sandbox", opt.sandbox_kind);
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
	if (stage_emit(&stage, rec, id) < 0) {
		ret = -1;
		goto out;
	}
	if (!passed)
		stage_fail(&stage, 1);
out:
	record_clear(&regress);
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
	return ret;
}
