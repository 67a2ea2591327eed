/*
 * checks.c - after the pull request: wait for its checks and merge it,
 * on GitHub, GitLab and Gitea/Forgejo, over their REST APIs (forge.c's
 * forge_call: headers, token, rate-limit retries).
 *
 * What counts as a check, per forge:
 *
 *   GitHub  check runs of the commit (GET /repos/O/R/commits/SHA/check-runs:
 *           status queued|in_progress|...|completed, conclusion) and its
 *           commit statuses (GET .../commits/SHA/status: statuses[].state
 *           pending|success|failure|error).
 *   GitLab  the merge request's pipeline for the commit (GET
 *           /projects/ID/merge_requests/IID/pipelines, the newest whose
 *           sha is the commit) and its jobs; a failed job's log is its
 *           trace (GET /projects/ID/jobs/JOB/trace).
 *   Gitea   the commit's statuses (GET /repos/O/R/commits/SHA/status:
 *           statuses[].status; Gitea Actions reports through them).
 *
 * The verdict is "failed" as soon as one check failed (no need to wait
 * for the rest: no merge follows and the fix can be revised), "passed"
 * when every check finished well, "pending" when the bound ran out
 * first, and "none" when the forge reported no check at all for the
 * grace period (a CI may take a while to register its first check
 * after a push).  Between polls the wait honours Retry-After and, when
 * the rate limit is spent, its reset time; a wait that would pass the
 * bound ends it.
 *
 * Merging asks the forge first and merges only the tested commit: an
 * already merged pull request is reported as such (so a re-run never
 * merges twice), a draft, a closed one, a moved head, a review asking
 * for changes or a missing required approval refuse the merge with the
 * reason.  The merge call itself carries the commit (GitHub and GitLab
 * "sha", Gitea "head_commit_id"), so a push racing the merge fails it
 * (409) instead of merging untested code.
 *
 * Logs of failed checks are untrusted text: they are capped and pass
 * through redact() before they are handed over.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mend.h"
#include "forge.h"

#define TRACE_TAIL 4000		/* bytes of a GitLab job's trace, from its end */

void
forge_checks_release(struct forge_checks *c)
{
	free(c->log);
	c->log = NULL;
	record_clear(&c->list);
}

void
forge_merge_release(struct forge_merge *m)
{
	free(m->refused);
	free(m->sha);
	m->refused = m->sha = NULL;
}

static int
vget(jv *out, const struct forge *f, int text, struct http_resp *last, const char *what,
    const char *fmt, va_list ap)
{
	struct http_resp resp = { 0 };
	char *url = NULL;
	int rc;

	if (vasprintf(&url, fmt, ap) < 0)
		return mend_err("out of memory");
	rc = forge_call(&resp, f, "GET", url, jv_invalid());
	free(url);

	if (last) {
		last->retry_after = resp.retry_after;
		last->ratelimit_remaining = resp.ratelimit_remaining;
		last->ratelimit_reset = resp.ratelimit_reset;
	}
	if (rc < 0)
		return rc;
	if (resp.status != 200) {
		forge_api_error(&resp, what);
		http_resp_release(&resp);
		return -1;
	}
	if (text)
		*out = jv_string_sized(resp.body, (int)resp.body_len);
	else if (record_parse(out, resp.body, resp.body_len) < 0) {
		http_resp_release(&resp);
		return mend_err("%s: the answer is not JSON", what);
	}
	http_resp_release(&resp);
	return 0;
}

/* GET the URL fmt makes into *out (parsed JSON, or the raw text when
 * text is set); what says what failed. */
static int
get(jv *out, const struct forge *f, int text, struct http_resp *last, const char *what,
    const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vget(out, f, text, last, what, fmt, ap);
	va_end(ap);
	return rc;
}

/* GET as get() does, and the array at field of the answer (an empty one
 * when it has none) into *out. */
static int
get_list(jv *out, const struct forge *f, struct http_resp *last, const char *what,
    const char *field, const char *fmt, ...)
{
	jv v = jv_invalid(), a;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vget(&v, f, 0, last, what, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return rc;
	a = record_get(v, field);
	jv_free(v);
	if (jv_get_kind(a) != JV_KIND_ARRAY) {
		jv_free(a);
		a = jv_array();
	}
	*out = a;
	return 0;
}

/* The tail of s, at most max bytes, from a line start. */
static const char *
tail_of(const char *s, size_t max)
{
	size_t n = strlen(s);
	const char *p, *nl;

	if (n <= max)
		return s;
	p = s + n - max;
	return (nl = strchr(p, '\n')) && nl[1] ? nl + 1 : p;
}

/* A check for the record: {name, state, url}. */
static jv
check(const char *name, const char *state, const char *url)
{
	return JV_OBJECT(jv_string("name"), jv_string(name ? name : "?"), jv_string("state"),
	    jv_string(state), jv_string("url"), record_strornull(url));
}

struct poll {
	int failed, pending, total;
	jv list;
	struct strbuf log;
};

/*
 * Count a check and list it.  A failed one whose log is wanted (log set)
 * gets its header in the log: 1, and the caller adds the details.
 */
static int
tally(struct poll *p, const char *name, const char *state, const char *url, int log)
{
	int failed = !strcmp(state, "failed");

	p->total++;
	if (failed)
		p->failed++;
	else if (!strcmp(state, "pending"))
		p->pending++;
	p->list = jv_array_append(p->list, check(name, state, url));
	if (!failed || !log)
		return 0;
	strbuf_addf(&p->log, "%s== %s%s%s ==\n", p->log.len ? "\n" : "", name ? name : "?",
	    url ? " " : "", url ? url : "");
	return 1;
}

/* GitHub: a check run's status and conclusion, or a commit status's state. */
static const char *
github_state(const char *status, const char *conclusion)
{
	if (status && strcmp(status, "completed"))
		return "pending";	/* queued, in_progress, waiting, requested, pending */
	if (!conclusion)
		return "pending";
	if (!strcmp(conclusion, "success") || !strcmp(conclusion, "neutral") ||
	    !strcmp(conclusion, "skipped"))
		return "passed";
	if (!strcmp(conclusion, "pending"))
		return "pending";
	return "failed";	/* failure error timed_out cancelled action_required stale ... */
}

/*
 * The commit's combined status (GitHub and Gitea: GET .../commits/SHA/status).
 * Each status's state is in `field`: "state" on GitHub, "status" on Gitea
 * (its CommitStatus), where "warning" passes too.
 */
static int
poll_statuses(struct poll *p, const struct forge *f, const char *sha, struct http_resp *hint,
    const char *field)
{
	jv a;
	int rc;

	if ((rc = get_list(&a, f, hint, "cannot read the commit status", "statuses",
	    "%s/repos/%s/commits/%s/status", f->api, f->slug, sha)) < 0)
		return rc;
	jv_array_foreach(a, i, s1) {
		const char *state = record_str(s1, field), *s;
		s = !state || !strcmp(state, "pending") ? "pending" : !strcmp(state, "success") ||
		    !strcmp(state, "warning") ? "passed" : "failed";
		if (tally(p, record_str(s1, "context"), s, record_str(s1, "target_url"), 1))
			strbuf_addf(&p->log, "%s: %s\n", state, record_str(s1, "description") ?
			    record_str(s1, "description") : "(no description)");
		jv_free(s1);
	}
	jv_free(a);
	return 0;
}

static int
poll_github(struct poll *p, const struct forge *f, const char *sha, struct http_resp *hint)
{
	jv a;
	int rc;

	if ((rc = get_list(&a, f, hint, "cannot read the check runs", "check_runs",
	    "%s/repos/%s/commits/%s/check-runs?per_page=100", f->api, f->slug, sha)) < 0)
		return rc;
	jv_array_foreach(a, i, r) {
		const char *s = github_state(record_str(r, "status"), record_str(r, "conclusion"));
		const char *u = record_str(r, "details_url") ? record_str(r, "details_url")
		    : record_str(r, "html_url");
		if (tally(p, record_str(r, "name"), s, u, 1)) {
			strbuf_addf(&p->log, "conclusion: %s\n", record_str(r, "conclusion"));
			if (record_str(r, "output.title"))
				strbuf_addf(&p->log, "%s\n", record_str(r, "output.title"));
			if (record_str(r, "output.summary"))
				strbuf_addf(&p->log, "%s\n", record_str(r, "output.summary"));
			if (record_str(r, "output.text"))
				strbuf_addf(&p->log, "%s\n", tail_of(record_str(r, "output.text"),
				    TRACE_TAIL));
		}
		jv_free(r);
	}
	jv_free(a);
	return poll_statuses(p, f, sha, hint, "state");
}

/* A GitLab pipeline's or job's status as a verdict. */
static const char *
gitlab_state(const char *status)
{
	if (!status)
		return "pending";
	if (!strcmp(status, "success") || !strcmp(status, "skipped"))
		return "passed";
	if (!strcmp(status, "failed") || !strcmp(status, "canceled"))
		return "failed";
	return "pending";	/* created waiting_for_resource preparing pending running manual scheduled */
}

static int
poll_gitlab(struct poll *p, const struct forge *f, long iid, const char *sha,
    struct http_resp *hint)
{
	char *es = forge_enc(f->slug);
	jv list = jv_invalid(), pipe = jv_invalid(), jobs = jv_invalid();
	int rc, i, n;

	if (!es)
		return mend_err("out of memory");
	if ((rc = get(&list, f, 0, hint, "cannot list the merge request's pipelines",
	    "%s/projects/%s/merge_requests/%ld/pipelines", f->api, es, iid)) < 0)
		goto out;
	/* Newest first: the first pipeline of the tested commit. */
	n = jv_get_kind(list) == JV_KIND_ARRAY ? jv_array_length(jv_copy(list)) : 0;
	for (i = 0; i < n && !jv_is_valid(pipe); i++) {
		jv e = jv_array_get(jv_copy(list), i);
		if (record_str(e, "sha") && !strcmp(record_str(e, "sha"), sha))
			pipe = e;
		else
			jv_free(e);
	}
	if (!jv_is_valid(pipe))
		goto out;	/* no pipeline for the commit (yet) */
	if ((rc = get(&jobs, f, 0, hint, "cannot list the pipeline's jobs",
	    "%s/projects/%s/pipelines/%.0f/jobs?per_page=100", f->api, es,
	    record_num(pipe, "id", 0))) < 0)
		goto out;
	n = jv_get_kind(jobs) == JV_KIND_ARRAY ? jv_array_length(jv_copy(jobs)) : 0;
	for (i = 0; i < n; i++) {
		jv j = jv_array_get(jv_copy(jobs), i), trace = jv_invalid();
		const char *s = gitlab_state(record_str(j, "status"));
		/* A cancelled job counts as failed; only a failed one has a log. */
		if (tally(p, record_str(j, "name"), s, record_str(j, "web_url"),
		    record_str(j, "status") && !strcmp(record_str(j, "status"), "failed"))) {
			if (record_str(j, "failure_reason"))
				strbuf_addf(&p->log, "failure_reason: %s\n", record_str(j, "failure_reason"));
			if (get(&trace, f, 1, hint, "cannot read the job's trace",
			    "%s/projects/%s/jobs/%.0f/trace", f->api, es, record_num(j, "id", 0)) == 0)
				strbuf_addf(&p->log, "%s\n", tail_of(jv_string_value(trace), TRACE_TAIL));
			else
				strbuf_addf(&p->log, "(no trace: %s)\n", mend_errmsg());
			record_clear(&trace);
		}
		jv_free(j);
	}
	/* The pipeline itself, when it has no jobs to judge by. */
	if (n == 0)
		tally(p, "pipeline", gitlab_state(record_str(pipe, "status")),
		    record_str(pipe, "web_url"), 0);
	rc = 0;
out:
	free(es);
	jv_free(list);
	record_clear(&pipe);
	record_clear(&jobs);
	return rc;
}

/* Seconds to wait before the next poll: the interval, or what the forge asks. */
static double
next_wait(const struct http_resp *hint, double interval)
{
	double w = interval;

	if (hint->retry_after > w)
		w = hint->retry_after;
	if (hint->ratelimit_remaining == 0 && hint->ratelimit_reset > 0 &&
	    hint->ratelimit_reset - mend_now() + 1 > w)
		w = hint->ratelimit_reset - mend_now() + 1;
	return w;
}

int
forge_checks_wait(struct forge_checks *out, const struct forge *f, long number, const char *sha,
    const struct forge_checks_opts *o)
{
	double t0 = mend_mono(), w;
	int rc;

	memset(out, 0, sizeof *out);
	out->list = jv_array();
	for (;;) {
		struct poll p = { 0 };
		struct http_resp hint = { 0 };

		hint.retry_after = -1;
		hint.ratelimit_remaining = -1;
		hint.ratelimit_reset = -1;
		p.list = jv_array();
		out->polls++;
		rc = !strcmp(f->kind, "github") ? poll_github(&p, f, sha, &hint)
		    : !strcmp(f->kind, "gitlab") ? poll_gitlab(&p, f, number, sha, &hint)
		    : poll_statuses(&p, f, sha, &hint, "status");
		out->waited = mend_mono() - t0;
		if (rc == -1) {
			jv_free(p.list);
			strbuf_release(&p.log);
			return -1;
		}
		if (rc == 0) {
			jv_free(out->list);
			out->list = p.list;
			p.list = jv_invalid();
			out->state = p.failed ? "failed" : p.pending ? "pending" : p.total ? "passed"
			    : "none";
			if (p.failed) {
				char *cut = strndup(p.log.s ? p.log.s : "", o->log_cap);
				out->log = cut ? redact_take(cut) : NULL;
			}
		} else if (!out->state)
			out->state = "pending";	/* rate limited, nothing known yet */
		jv_free(p.list);
		strbuf_release(&p.log);
		if (rc == 0 && (p.failed || (!p.pending && p.total)))
			return 0;
		if (rc == 0 && !p.total && out->waited >= o->grace)
			return 0;	/* "none" */
		w = next_wait(&hint, rc == -2 && hint.ratelimit_reset < 0 ? 2 * o->interval
		    : o->interval);
		if (out->waited + w > o->bound) {
			/* The bound: one last look at it, unless the forge asked for longer. */
			if (out->waited >= o->bound || w > o->interval)
				break;
			w = o->bound - out->waited;
		}
		mend_sleep(w, NULL);
	}
	if (!strcmp(out->state, "none"))
		out->state = "pending";	/* nothing yet, but not for the whole grace */
	return 0;
}

/* ---- merging ---- */

static int
refuse(struct forge_merge *m, const char *fmt, const char *arg)
{
	if (asprintf(&m->refused, fmt, arg ? arg : "") < 0)
		m->refused = NULL;
	return 0;
}

/* Whether a review asks for changes (GitHub, Gitea): its author's latest says so. */
static int
changes_requested(char **who, jv reviews)
{
	int i, j, n = jv_get_kind(reviews) == JV_KIND_ARRAY ? jv_array_length(jv_copy(reviews)) : 0;

	for (i = 0; i < n; i++) {
		jv r = jv_array_get(jv_copy(reviews), i);
		const char *s = record_str(r, "state"), *u = record_str(r, "user.login");
		int latest = 1;
		for (j = i + 1; j < n && u && latest; j++) {
			jv r2 = jv_array_get(jv_copy(reviews), j);
			const char *s2 = record_str(r2, "state");
			/* A comment does not undo a request for changes; an approval does. */
			if (record_str(r2, "user.login") && !strcmp(record_str(r2, "user.login"), u) &&
			    s2 && strcmp(s2, "COMMENTED") && strcmp(s2, "COMMENT"))
				latest = 0;
			jv_free(r2);
		}
		if (latest && s && (!strcmp(s, "CHANGES_REQUESTED") || !strcmp(s, "REQUEST_CHANGES"))) {
			*who = strdup(u ? u : "a reviewer");
			jv_free(r);
			return 1;
		}
		jv_free(r);
	}
	return 0;
}

int
forge_merge(struct forge_merge *m, const struct forge *f, long number, const char *sha)
{
	int gl = !strcmp(f->kind, "gitlab"), gh = !strcmp(f->kind, "github"), rc;
	char *es = forge_enc(f->slug), *base = NULL, *url = NULL, *who = NULL;
	const char *head, *title;
	struct http_resp resp = { 0 };
	jv pr = jv_invalid(), x = jv_invalid(), body;

	memset(m, 0, sizeof *m);
	if (!es)
		return mend_err("out of memory");
	if ((gl ? asprintf(&base, "%s/projects/%s/merge_requests/%ld", f->api, es, number)
	    : asprintf(&base, "%s/repos/%s/pulls/%ld", f->api, f->slug, number)) < 0) {
		free(es);
		return mend_err("out of memory");
	}
	free(es);
	if ((rc = get(&pr, f, 0, NULL, "cannot read the pull request", "%s", base)) < 0)
		goto out;
	head = gl ? record_str(pr, "sha") : record_str(pr, "head.sha");
	title = record_str(pr, "title");
	if (gl ? record_str(pr, "state") && !strcmp(record_str(pr, "state"), "merged")
	    : record_bool(pr, "merged", 0)) {
		m->merged = m->already = 1;
		m->sha = record_str(pr, "merge_commit_sha") ?
		    strdup(record_str(pr, "merge_commit_sha")) : NULL;
		goto out;
	}
	if (record_str(pr, "state") && strcmp(record_str(pr, "state"), gl ? "opened" : "open")) {
		rc = refuse(m, "the pull request is %s", record_str(pr, "state"));
		goto out;
	}
	if (record_bool(pr, "draft", 0) || record_bool(pr, "work_in_progress", 0) ||
	    (!gh && title && (!strncasecmp(title, "WIP:", 4) || !strncasecmp(title, "Draft:", 6)))) {
		rc = refuse(m, "the pull request is a draft%s", "");
		goto out;
	}
	if (head && strcmp(head, sha)) {
		rc = refuse(m, "the pull request's head moved to %.12s, not the tested commit", head);
		goto out;
	}
	/* Reviews: a request for changes, a missing required approval. */
	if (gl) {
		if ((rc = get(&x, f, 0, NULL, "cannot read the approvals", "%s/approvals",
		    base)) < 0)
			goto out;
		if (!record_bool(x, "approved", 1) || record_num(x, "approvals_left", 0) > 0) {
			char n[32];
			snprintf(n, sizeof n, "%.0f", record_num(x, "approvals_left", 1));
			rc = refuse(m, "a required review is missing (%s approvals left)", n);
			goto out;
		}
	} else {
		if (gh && record_str(pr, "mergeable_state") &&
		    !strcmp(record_str(pr, "mergeable_state"), "blocked")) {
			rc = refuse(m, "a required review is missing (mergeable_state %s)", "blocked");
			goto out;
		}
		if ((rc = get(&x, f, 0, NULL, "cannot read the reviews", "%s/reviews", base)) < 0)
			goto out;
		if (changes_requested(&who, x)) {
			rc = refuse(m, "%s requested changes", who);
			goto out;
		}
	}
	if (asprintf(&url, "%s/merge", base) < 0) {
		url = NULL;
		rc = mend_err("out of memory");
		goto out;
	}
	body = gl ? JV_OBJECT(jv_string("sha"), jv_string(sha))
	    : gh ? JV_OBJECT(jv_string("sha"), jv_string(sha), jv_string("merge_method"),
	    jv_string("merge")) : JV_OBJECT(jv_string("Do"), jv_string("merge"),
	    jv_string("head_commit_id"), jv_string(sha));
	if ((rc = forge_call(&resp, f, gh || gl ? "PUT" : "POST", url, body)) < 0)
		goto out;
	if (resp.status == 200) {
		jv v;
		m->merged = 1;
		if (resp.body_len && record_parse(&v, resp.body, resp.body_len) == 0) {
			const char *s = record_str(v, gl ? "merge_commit_sha" : "sha");
			m->sha = s ? strdup(s) : NULL;
			jv_free(v);
		}
	} else if (resp.status == 405 || resp.status == 406 || resp.status == 409 ||
	    resp.status == 422 || resp.status == 403) {
		/* Not mergeable, conflicts, head moved, protection: the forge's own words. */
		forge_api_error(&resp, "the forge refused the merge");
		rc = refuse(m, "%s", mend_errmsg());
	} else {
		forge_api_error(&resp, "cannot merge");
		rc = -1;
	}
out:
	http_resp_release(&resp);
	jv_free(pr);
	jv_free(x);
	free(base);
	free(url);
	free(who);
	return rc;
}
