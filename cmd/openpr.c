/*
 * openpr - push the fix branch and open the pull request.
 *
 * For each `testrun` record: refuse unless it passed (--allow-failing
 * opens a draft that says so), push patch.branch from the checkout to
 * the configured repository with libgit2, then open the pull request on
 * the forge, or find the one already open for the branch (created:
 * false).  With the `none` forge it only pushes and prints a
 * request-pull style summary.
 *
 * The push goes to the configured repository (--repo, MEND_REPO), never
 * to a remote of the checkout: the tests that ran in the checkout could
 * have rewritten its configuration (remote.origin.pushurl, insteadOf).
 * A record whose patch.repo is another repository, or any record when
 * none is configured, is refused (exit 65, the reason in the incident's
 * timeline), and so is a patch.workdir other than the spool's checkout
 * of that repository (what is pushed must be what patch(1) wrote there),
 * and a branch outside mend/, which is all patch(1) writes: the push is
 * forced.
 *
 * The body is written for the reviewer: what users saw and since when,
 * the root cause, the evidence, the change, the proof (tests, replay),
 * the confidence, and how to reject it.  Evidence URLs lose their
 * credentials and secret-looking query parameters.
 */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mend.h"

static struct {
	const char *forge, *api, *slug, *remote;
	int draft, allow_failing, allow_http, wait_checks, merge;
	double draft_below, merge_min;
	struct forge_checks_opts checks;
} opt;

static struct stage_ctx stage = { .name = "openpr" };

/* why NULL: --help, on stdout, exit 0; else a usage error. */
static void
usage(const char *why)
{
	mend_usage(why, "usage: openpr [-r URL|PATH] [--forge github|gitea|gitlab|none] [--api-url URL]\n"
	    "              [--slug OWNER/NAME] [--draft] [--draft-below C] [--allow-failing]\n"
	    "              [--allow-http] [--wait-checks[=DUR]] [--checks-interval DUR]\n"
	    "              [--checks-grace DUR] [--merge] [--merge-min-confidence C]\n"
	    "              [-s DIR] [FILE...]\n");
}

/* A URL without user:password@ and with secret-looking query values masked. */
static void
clean_url(FILE *f, const char *url)
{
	static const char *const secret[] = { "token", "key", "secret", "password", "passwd",
		"auth", "sig", "signature", "session", "code", NULL };
	const char *p = strstr(url, "://"), *at, *slash, *q;

	if (p && (slash = strchr(p + 3, '/'), at = strchr(p + 3, '@')) &&
	    (!slash || at < slash)) {
		fprintf(f, "%.*s", (int)(p + 3 - url), url);
		url = at + 1;
	}
	if (!(q = strchr(url, '?'))) {
		fputs(url, f);
		return;
	}
	fprintf(f, "%.*s?", (int)(q - url), url);
	for (q++; *q; ) {
		size_t n = strcspn(q, "&"), k = strcspn(q, "=&");
		int i, hide = 0;
		for (i = 0; secret[i]; i++)
			if (k < 64 && memmem(q, k, secret[i], strlen(secret[i])) != NULL)
				hide = 1;
		if (hide && k < n)
			fprintf(f, "%.*s=REDACTED", (int)k, q);
		else
			fprintf(f, "%.*s", (int)n, q);
		q += n;
		if (*q == '&')
			fputc(*q++, f);
	}
}

/* Text (at most max bytes of it) with secrets redacted (lib/redact.c). */
static void
put_clean(FILE *f, const char *s, size_t max)
{
	char *cut = strndup(s, max), *clean = cut ? redact(cut, NULL) : NULL;

	fputs(clean ? clean : "[text withheld: out of memory]", f);
	free(clean);
	free(cut);
}

static const char *
or_(const char *s, const char *dflt)
{
	return s ? s : dflt;
}

static char *
pr_body(jv rec, const char *diffstat, int passed)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	jv ev = record_get(rec, "incident.evidence"), rp;
	const char *s;
	int i, n;

	if (!f) {
		jv_free(ev);
		return NULL;
	}
	if (!passed)
		fprintf(f, "> **The tests did not pass.** This draft was opened with "
		    "--allow-failing for a human to finish; do not merge it as is.\n\n");
	else if (record_num(rec, "testrun.confidence", 0) < opt.draft_below)
		fprintf(f, "> **Draft: confidence %.2f is below the %.2f a ready pull request needs.** "
		    "See \"What is not proven\" below before merging.\n\n",
		    record_num(rec, "testrun.confidence", 0), opt.draft_below);
	fprintf(f, "## What users saw\n\n%s", or_(record_str(rec, "incident.summary"), "A failure"));
	if ((s = record_str(rec, "incident.monitor")))
		fprintf(f, " (monitor `%s`", s);
	if ((s = record_str(rec, "incident.url"))) {
		fprintf(f, "%s`", record_str(rec, "incident.monitor") ? ", " : " (");
		clean_url(f, s);
		fputc('`', f);
	}
	if (record_str(rec, "incident.monitor") || record_str(rec, "incident.url"))
		fputc(')', f);
	if ((s = record_str(rec, "incident.first_seen")))
		fprintf(f, ", since %s", s);
	if ((s = record_str(rec, "incident.last_seen")))
		fprintf(f, ", last seen %s", s);
	fprintf(f, ".\n\n## Root cause\n\n");
	put_clean(f, or_(record_str(rec, "analysis.root_cause"), "(no root cause given)"), 4000);
	fputc('\n', f);
	if (record_str(rec, "analysis.category") || record_has(rec, "analysis.confidence"))
		fprintf(f, "\nCategory `%s`, analysis confidence %.2f (engine `%s`).\n",
		    or_(record_str(rec, "analysis.category"), "unknown"),
		    record_num(rec, "analysis.confidence", 0),
		    or_(record_str(rec, "analysis.engine"), "?"));
	if (jv_get_kind(ev) == JV_KIND_ARRAY && (n = jv_array_length(jv_copy(ev))) > 0) {
		fprintf(f, "\n## Evidence\n\n```\n");
		for (i = n > 5 ? n - 5 : 0; i < n; i++) {
			jv e = jv_array_get(jv_copy(ev), i);
			const char *u = record_str(e, "url"), *m = record_str(e, "message");
			fprintf(f, "%s %s ", or_(record_str(e, "ts"), "-"),
			    or_(record_str(e, "method"), ""));
			if (u)
				clean_url(f, u);
			if (record_has(e, "status"))
				fprintf(f, " -> %.0f", record_num(e, "status", 0));
			if ((s = record_str(e, "error")))
				fprintf(f, " (%s)", s);
			if (m) {
				fputc(' ', f);
				put_clean(f, m, 200);
			}
			fputc('\n', f);
			jv_free(e);
		}
		fprintf(f, "```\n");
	}
	fprintf(f, "\n## The change\n\nBranch `%s` on `%s`:\n\n```\n%s```\n",
	    record_str(rec, "patch.branch"), or_(record_str(rec, "patch.base"), "?"),
	    diffstat ? diffstat : "");
	fprintf(f, "\n## Proof\n\n");
	fprintf(f, "- Tests: `%s` %s", or_(record_str(rec, "testrun.command"), "?"),
	    passed ? "passed" : "**failed**");
	if (record_has(rec, "testrun.tests_passed") &&
	    record_num(rec, "testrun.tests_passed", -1) >= 0)
		fprintf(f, " (%.0f passed, %.0f failed)", record_num(rec, "testrun.tests_passed", 0),
		    record_num(rec, "testrun.tests_failed", 0));
	fprintf(f, " after %.0f attempt%s.\n", record_num(rec, "testrun.iterations", 1),
	    record_num(rec, "testrun.iterations", 1) == 1 ? "" : "s");
	rp = record_get(rec, "testrun.replay");
	if (jv_get_kind(rp) == JV_KIND_OBJECT) {
		jv reqs = record_get(rp, "requests"), before = record_get(rp, "before"),
		    after = record_get(rp, "after");
		n = jv_get_kind(reqs) == JV_KIND_ARRAY ? jv_array_length(jv_copy(reqs)) : 0;
		fprintf(f, "- Replay of the failing request%s against the service:\n", n == 1 ? ""
		    : "s");
		for (i = 0; i < n; i++) {
			jv r = jv_array_get(jv_copy(reqs), i);
			jv b = jv_get_kind(before) == JV_KIND_ARRAY ? jv_array_get(jv_copy(before), i)
			    : jv_invalid();
			jv a = jv_get_kind(after) == JV_KIND_ARRAY ? jv_array_get(jv_copy(after), i)
			    : jv_invalid();
			fprintf(f, "  - `%s`: before ", jv_get_kind(r) == JV_KIND_STRING
			    ? jv_string_value(r) : "?");
			if (jv_get_kind(b) == JV_KIND_NUMBER)
				fprintf(f, "%.0f", jv_number_value(b));
			else
				fprintf(f, "-");
			fprintf(f, ", after ");
			if (jv_get_kind(a) == JV_KIND_NUMBER)
				fprintf(f, "%.0f", jv_number_value(a));
			else
				fprintf(f, "-");
			{
				jv j;
				j = record_get(rec, "testrun.judgment.answers");
				if (jv_get_kind(j) == JV_KIND_ARRAY && i < jv_array_length(jv_copy(j))) {
					jv one = jv_array_get(jv_copy(j), i), rs = record_get(one, "reasons");
					int k, m = jv_get_kind(rs) == JV_KIND_ARRAY ?
					    jv_array_length(jv_copy(rs)) : 0;
					fprintf(f, ", judged **%s**", or_(record_str(one, "verdict"), "?"));
					for (k = 0; k < m; k++) {
						jv r1 = jv_array_get(jv_copy(rs), k);
						fprintf(f, "%s", k ? "; " : ": ");
						put_clean(f, jv_get_kind(r1) == JV_KIND_STRING ?
						    jv_string_value(r1) : "", 300);
						jv_free(r1);
					}
					jv_free(rs);
					jv_free(one);
				}
				jv_free(j);
			}
			fputc('\n', f);
			jv_free(r);
			jv_free(a);
			jv_free(b);
		}
		jv_free(reqs);
		jv_free(before);
		jv_free(after);
	} else if (record_str(rec, "testrun.regression_test.call"))
		fprintf(f, "- No replay: the incident came from a stack trace, with no request "
		    "to replay.\n");
	else
		fprintf(f, "- No replay (testloop ran without --serve).\n");
	jv_free(rp);
	rp = record_get(rec, "testrun.regression_test");
	if (jv_get_kind(rp) == JV_KIND_OBJECT && record_bool(rp, "written", 0) &&
	    record_str(rp, "call"))
		fprintf(f, "- Regression test `%s` (%s, `%s`): added; it calls `%s`, the call that "
		    "raised %s in production, and %s without the fix and passes with it: %s.\n",
		    or_(record_str(rp, "path"), "?"), or_(record_str(rp, "framework"), "?"),
		    or_(record_str(rp, "command"), "?"), record_str(rp, "call"),
		    or_(record_str(rp, "exception"), "?"), record_bool(rp, "same_failure", 0) ?
		    "fails that way" : record_bool(rp, "fails_before", 0) ?
		    "fails (**not with that exception**)" : "**also passes**",
		    or_(record_str(rp, "proves"), "?"));
	else if (jv_get_kind(rp) == JV_KIND_OBJECT && record_bool(rp, "written", 0))
		fprintf(f, "- Regression test `%s` (%s, `%s`): added; it %s without the fix and "
		    "passes with it.\n", or_(record_str(rp, "path"), "?"),
		    or_(record_str(rp, "framework"), "?"), or_(record_str(rp, "command"), "?"),
		    record_bool(rp, "fails_before", 0) ? "fails" : "**also passes**");
	else if (jv_get_kind(rp) == JV_KIND_OBJECT)
		fprintf(f, "- No regression test: %s.\n", or_(record_str(rp, "why"), "not written"));
	jv_free(rp);
	fprintf(f, "- Confidence: **%.2f** (testloop(1) gives the formula).\n",
	    record_num(rec, "testrun.confidence", 0));
	rp = record_get(rec, "testrun.unproven");
	if (jv_get_kind(rp) == JV_KIND_ARRAY && (n = jv_array_length(jv_copy(rp))) > 0) {
		fprintf(f, "\n## What is not proven\n\n");
		for (i = 0; i < n; i++) {
			jv u = jv_array_get(jv_copy(rp), i);
			fprintf(f, "- ");
			put_clean(f, jv_get_kind(u) == JV_KIND_STRING ? jv_string_value(u) : "", 400);
			fputc('\n', f);
			jv_free(u);
		}
	}
	jv_free(rp);
	fprintf(f, "\n## How to reject it\n\nClose this pull request and delete the branch "
	    "`%s`. Nothing changes until it is merged; mend will not reopen it for incident "
	    "`%s` unless the fix job is run again.\n",
	    record_str(rec, "patch.branch"), record_str(rec, "incident.id"));
	fprintf(f, "\n---\nOpened by mend for incident `%s`.\n", record_str(rec, "incident.id"));
	jv_free(ev);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

static char *
pr_title(jv rec)
{
	const char *cause = record_str(rec, "analysis.root_cause");
	const char *sum = record_str(rec, "incident.summary");
	char *t = NULL;
	size_t n;

	if (asprintf(&t, "mend: %s", cause && *cause ? cause : sum && *sum ? sum
	    : "fix the failure") < 0)
		return NULL;
	n = strcspn(t, "\n");
	if (n > 100)
		n = 100;
	t[n] = '\0';
	return t;
}

/* `git request-pull`-like text for the none forge. */
static char *
request_pull(struct repo *r, jv rec, const char *url, const char *diffstat)
{
	const char *base = record_str(rec, "patch.base_commit"),
	    *commit = record_str(rec, "patch.commit"), *branch = record_str(rec, "patch.branch");
	char *out = NULL;
	size_t len = 0;
	FILE *f;
	jv log;
	int i, n;

	if (repo_shortlog(r, &log, base, commit) < 0)
		return NULL;
	if (!(f = open_memstream(&out, &len))) {
		jv_free(log);
		return NULL;
	}
	fprintf(f, "The following changes since commit %s:\n\n  (%s)\n\nare available in the "
	    "Git repository at:\n\n  %s %s\n\nfor you to fetch changes up to %s:\n\n",
	    base, record_str(rec, "patch.base") ? record_str(rec, "patch.base") : "base", url,
	    branch, commit);
	fprintf(f, "----------------------------------------------------------------\n");
	n = jv_array_length(jv_copy(log));
	for (i = 0; i < n; i++) {
		jv c = jv_array_get(jv_copy(log), i);
		fprintf(f, "      %s\n", record_str(c, "subject"));
		jv_free(c);
	}
	fprintf(f, "\n%s", diffstat ? diffstat : "");
	jv_free(log);
	fclose(f);
	return out;
}

/*
 * After the pull request: wait for its checks, then merge when asked and
 * nothing forbids it.  The verdicts go into rec's "pr".
 */
static jv
after_pr(jv rec, const struct forge *f, long number, const char *id, int passed, double conf,
    int draft)
{
	struct forge_checks ck = { 0 };
	struct forge_merge m = { 0 };
	char why[600] = "";
	int rc;

	ck.list = jv_invalid();
	if (!f) {
		/* The none forge: no checks to ask about, nothing to merge. */
		rec = record_set_str(rec, "pr.checks", "none");
		rec = record_set(rec, "pr.checks_detail", jv_array());
		rec = record_set(rec, "pr.merged", jv_false());
		rec = record_set(rec, "pr.merge_refused", opt.merge ?
		    jv_string("the none forge has no pull request to merge") : jv_null());
		return rec;
	}
	mend_warn("%s: waiting up to %.0f s for the checks of %.12s", id, opt.checks.bound,
	    record_str(rec, "patch.commit"));
	if ((rc = forge_checks_wait(&ck, f, number, record_str(rec, "patch.commit"),
	    &opt.checks)) < 0) {
		mend_warn("%s: checks: %s", id, mend_errmsg());
		rec = record_set_str(rec, "pr.checks_error", mend_errmsg());
		ck.state = "pending";
		stage_fail(&stage, EX_TEMPFAIL);
	}
	mend_warn("%s: checks %s after %.0f s (%d poll%s)", id, ck.state, ck.waited, ck.polls,
	    ck.polls == 1 ? "" : "s");
	rec = record_set_str(rec, "pr.checks", ck.state);
	rec = record_set(rec, "pr.checks_detail", jv_is_valid(ck.list) ? jv_copy(ck.list)
	    : jv_array());
	rec = record_set_num(rec, "pr.checks_waited_s", (double)(long)(ck.waited * 10) / 10);
	rec = record_set(rec, "pr.checks_log", record_strornull(ck.log));
	rec = record_set(rec, "pr.merged", jv_false());
	rec = record_set(rec, "pr.merge_refused", jv_null());
	if (!opt.merge)
		goto out;
	if (strcmp(ck.state, "passed"))
		snprintf(why, sizeof why, "the checks %s", !strcmp(ck.state, "failed") ? "failed"
		    : !strcmp(ck.state, "none") ? "are none: nothing proved the change on the forge"
		    : "are still pending");
	else if (!passed)
		snprintf(why, sizeof why, "the tests did not pass");
	else if (conf < opt.merge_min)
		snprintf(why, sizeof why, "confidence %.2f is below --merge-min-confidence %.2f",
		    conf, opt.merge_min);
	else if (draft)
		snprintf(why, sizeof why, "the pull request is a draft");
	else if ((rc = forge_merge(&m, f, number, record_str(rec, "patch.commit"))) < 0) {
		mend_warn("%s: merge: %s", id, mend_errmsg());
		snprintf(why, sizeof why, "%.500s", mend_errmsg());
		stage_fail(&stage, rc == -2 ? EX_TEMPFAIL : EX_UNAVAILABLE);
	} else if (m.refused)
		snprintf(why, sizeof why, "%.590s", m.refused);
	if (m.merged) {
		mend_warn("%s: %s #%ld%s%.12s", id, m.already ? "already merged" : "merged", number,
		    m.sha ? " as " : "", m.sha ? m.sha : "");
		rec = record_set(rec, "pr.merged", jv_true());
		rec = record_set(rec, "pr.merge_commit", record_strornull(m.sha));
	} else {
		mend_warn("%s: not merged: %s", id, why);
		rec = record_set_str(rec, "pr.merge_refused", why);
	}
out:
	forge_checks_release(&ck);
	forge_merge_release(&m);
	return rec;
}

/*
 * The incident's pull request was merged for this very commit (its
 * timeline says so): a re-run reports that and does nothing else.
 */
static int
already_merged(jv *rec, const char *id, const char *commit)
{
	jv prev;

	if (spool_incident_latest(stage.sp, &prev, id, "pr") != 1)
		return 0;
	if (!record_bool(prev, "pr.merged", 0) || !record_str(prev, "patch.commit") ||
	    strcmp(record_str(prev, "patch.commit"), commit)) {
		jv_free(prev);
		return 0;
	}
	mend_warn("%s: pull request %s was merged already; nothing to do", id,
	    record_str(prev, "pr.url") ? record_str(prev, "pr.url") : "");
	*rec = record_set(*rec, "pr", record_get(prev, "pr"));
	*rec = record_set(*rec, "pr.created", jv_false());
	*rec = record_set_str(*rec, "type", "pr");
	jv_free(prev);
	return 1;
}

static int
handle(jv rec, void *arg)
{
	const char *wd, *branch, *commit, *base, *id, *kind, *url, *tok;
	struct repo *r = NULL;
	struct forge_pr pr = { 0 };
	char *slug = NULL, *api = NULL, *body = NULL, *workroot = NULL, *title = NULL,
	    *stat = NULL, *summary = NULL, remote_at[41];
	int lockfd = -1, passed, draft, had, rc;
	double conf;

	(void)arg;
	if (strcmp(record_type(rec), "testrun")) {
		if (record_write(stdout, rec) < 0)
			mend_die(EX_IOERR, "%s", mend_errmsg());
		return 0;
	}
	id = record_str(rec, "incident.id");
	wd = record_str(rec, "patch.workdir");
	branch = record_str(rec, "patch.branch");
	commit = record_str(rec, "patch.commit");
	base = record_str(rec, "patch.base");
	passed = record_bool(rec, "testrun.passed", 0);
	conf = record_num(rec, "testrun.confidence", 0);
	if (!id || !wd || !branch || !commit || !base) {
		mend_warn("testrun record without incident.id or patch fields; skipped");
		stage_fail(&stage, EX_DATAERR);
		goto out;
	}
	if (already_merged(&rec, id, commit)) {
		if (record_write(stdout, jv_copy(rec)) < 0)
			mend_die(EX_IOERR, "%s", mend_errmsg());
		goto out;
	}
	if (!passed && !opt.allow_failing) {
		mend_warn("%s: the tests did not pass; no pull request (--allow-failing opens a draft)",
		    id);
		stage_fail(&stage, EX_DATAERR);
		goto out;
	}
	if ((rc = remote_for_record(&url, opt.remote, rec)) == -2) {
		mend_warn("%s: no repository to push to (use --repo or MEND_REPO)", id);
		stage_fail(&stage, EX_USAGE);
		goto out;
	} else if (rc < 0) {
		stage_refuse(&stage, rec, id, "refused", mend_errmsg());
		goto out;
	}
	if (strncmp(branch, "mend/", 5) || strlen(branch) == 5) {
		char why[600];
		snprintf(why, sizeof why, "patch.branch '%.500s' is not a branch of mend's "
		    "(mend/...); openpr force-pushes only those", branch);
		stage_refuse(&stage, rec, id, "refused", why);
		goto out;
	}
	if (asprintf(&workroot, "%s/work", spool_dir(stage.sp)) < 0) {
		workroot = NULL;
		mend_warn("out of memory");
		stage_fail(&stage, EX_OSERR);
		goto out;
	}
	if ((rc = repo_is_checkout(wd, url, workroot)) < 0) {
		mend_warn("%s: %s", id, mend_errmsg());
		stage_fail(&stage, EX_TEMPFAIL);
		goto out;
	} else if (rc == 0) {
		char why[1200];
		snprintf(why, sizeof why, "patch.workdir '%.500s' is not the spool's checkout of "
		    "'%.500s'", wd, url);
		stage_refuse(&stage, rec, id, "refused", why);
		goto out;
	}
	kind = opt.forge ? opt.forge : forge_detect(url);
	if (!kind) {
		mend_warn("%s: cannot tell the forge of '%s' (use --forge)", id, url);
		stage_fail(&stage, EX_USAGE);
		goto out;
	}
	tok = strcmp(kind, "none") ? forge_token(kind) : getenv("MEND_GIT_TOKEN");
	if (remote_token_ok(url, tok, opt.allow_http) < 0) {
		stage_refuse(&stage, rec, id, "refused", mend_errmsg());
		goto out;
	}
	if (repo_lock(&lockfd, wd) < 0 || repo_open(&r, wd) < 0 ||
	    repo_set_remote(r, url, opt.allow_http) < 0 || repo_set_token(r, tok) < 0) {
		mend_warn("%s", mend_errmsg());
		stage_fail(&stage, EX_TEMPFAIL);
		goto out;
	}
	/* GitLab takes a token as the password of user "oauth2". */
	if (!strcmp(kind, "gitlab"))
		setenv("MEND_GIT_USER", "oauth2", 0);
	had = repo_remote_ref(r, remote_at, branch);
	if (had < 0) {
		mend_warn("%s: %s", id, mend_errmsg());
		stage_fail(&stage, EX_TEMPFAIL);
		goto out;
	}
	if (had && !strcmp(remote_at, commit))
		mend_warn("%s: %s is already on the remote", id, branch);
	else if (repo_push(r, branch) < 0) {
		mend_warn("%s: %s", id, mend_errmsg());
		stage_fail(&stage, EX_TEMPFAIL);
		goto out;
	} else
		mend_warn("%s: pushed %s (%.12s)", id, branch, commit);
	repo_diffstat(r, &stat, record_str(rec, "patch.base_commit") ?
	    record_str(rec, "patch.base_commit") : base, commit);
	draft = opt.draft || !passed || conf < opt.draft_below;
	if (!strcmp(kind, "none")) {
		summary = redact_take(request_pull(r, rec, url, stat));
		/* The body a forge would get, for whoever sends the request. */
		body = pr_body(rec, stat, passed);
		rec = record_set(rec, "pr", JV_OBJECT(jv_string("forge"), jv_string("none"),
		    jv_string("url"), jv_string(url), jv_string("number"), jv_null(),
		    jv_string("branch"), jv_string(branch), jv_string("created"),
		    jv_bool(!(had && !strcmp(remote_at, commit))), jv_string("draft"), jv_bool(draft),
		    jv_string("summary"), summary ? jv_string(summary) : jv_null(),
		    jv_string("body"), body ? jv_string(body) : jv_null()));
		if (opt.wait_checks)
			rec = after_pr(rec, NULL, 0, id, passed, conf, draft);
	} else {
		struct forge f = { kind, opt.api, opt.slug, forge_token(kind) };
		struct forge_pr_req q = { 0 };

		if (forge_fill(&f, &slug, &api, url) < 0) {
			mend_warn("%s: %s", id, mend_errmsg());
			stage_fail(&stage, EX_USAGE);
			goto out;
		}
		if (!(title = redact_take(pr_title(rec))) ||
		    !(body = redact_take(pr_body(rec, stat, passed)))) {
			mend_warn("out of memory");
			stage_fail(&stage, EX_OSERR);
			goto out;
		}
		q.head = branch;
		q.base = base;
		q.title = title;
		q.body = body;
		q.draft = draft;
		if ((rc = forge_pr_open(&pr, &f, &q)) < 0) {
			mend_warn("%s: %s", id, mend_errmsg());
			stage_fail(&stage, rc == -2 ? EX_TEMPFAIL : EX_UNAVAILABLE);
			goto out;
		}
		mend_warn("%s: %s pull request #%ld: %s", id, pr.created ? "opened" : "found the open",
		    pr.number, pr.url ? pr.url : "");
		rec = record_set(rec, "pr", JV_OBJECT(jv_string("forge"), jv_string(kind),
		    jv_string("url"), record_strornull(pr.url), jv_string("number"),
		    jv_number((double)pr.number), jv_string("branch"), jv_string(branch),
		    jv_string("created"), jv_bool(pr.created), jv_string("draft"),
		    jv_bool(pr.created ? draft : pr.draft), jv_string("title"), jv_string(title)));
		if (opt.wait_checks)
			rec = after_pr(rec, &f, pr.number, id, passed, conf,
			    pr.created ? draft : pr.draft || draft);
	}
	rec = record_set_str(rec, "type", "pr");
	if (stage_emit(&stage, rec, id) < 0)
		mend_die(EX_IOERR, "%s", mend_errmsg());
out:
	forge_pr_release(&pr);
	repo_free(r);
	if (lockfd >= 0)
		close(lockfd);
	free(workroot);
	free(slug);
	free(api);
	free(body);
	free(title);
	free(stat);
	free(summary);
	jv_free(rec);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "forge", required_argument, NULL, 'f' },
		{ "api-url", required_argument, NULL, 'A' },
		{ "slug", required_argument, NULL, 'S' },
		{ "repo", required_argument, NULL, 'r' },
		{ "remote", required_argument, NULL, 'r' },
		{ "allow-http", no_argument, NULL, 'H' },
		{ "draft", no_argument, NULL, 'd' },
		{ "draft-below", required_argument, NULL, 'D' },
		{ "allow-failing", no_argument, NULL, 'F' },
		{ "wait-checks", optional_argument, NULL, 'w' },
		{ "checks-interval", required_argument, NULL, 'I' },
		{ "checks-grace", required_argument, NULL, 'G' },
		{ "merge", no_argument, NULL, 'm' },
		{ "merge-min-confidence", required_argument, NULL, 'M' },
		{ "spool", required_argument, NULL, 's' },
		CLI_OPTIONS_END
	};
	int c;
	char *end;

	mend_setprog(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	opt.forge = getenv("MEND_FORGE") && *getenv("MEND_FORGE") ? getenv("MEND_FORGE") : NULL;
	opt.api = getenv("MEND_FORGE_API") && *getenv("MEND_FORGE_API") ? getenv("MEND_FORGE_API")
	    : NULL;
	opt.draft_below = 0.9;
	opt.merge_min = 0.9;
	opt.checks.bound = 1800;
	opt.checks.interval = 15;
	opt.checks.grace = 60;
	opt.checks.log_cap = 8192;
	while ((c = cli_getopt(argc, argv, "f:r:s:dh", longs, usage)) != -1) {
		switch (c) {
		case 'f': opt.forge = optarg; break;
		case 'A': opt.api = optarg; break;
		case 'S': opt.slug = optarg; break;
		case 'r': opt.remote = optarg; break;
		case 'd': opt.draft = 1; break;
		case 'D':
			opt.draft_below = strtod(optarg, &end);
			if (*end || opt.draft_below < 0 || opt.draft_below > 1)
				usage("bad --draft-below (0 to 1)");
			break;
		case 'F': opt.allow_failing = 1; break;
		case 'w':
			opt.wait_checks = 1;
			if (optarg && (mend_parse_duration(&opt.checks.bound, optarg) < 0 ||
			    opt.checks.bound < 0))
				usage("bad --wait-checks duration");
			break;
		case 'I':
			if (mend_parse_duration(&opt.checks.interval, optarg) < 0 ||
			    opt.checks.interval <= 0)
				usage("bad --checks-interval");
			break;
		case 'G':
			if (mend_parse_duration(&opt.checks.grace, optarg) < 0)
				usage("bad --checks-grace");
			break;
		case 'm': opt.merge = 1; break;
		case 'M':
			opt.merge_min = strtod(optarg, &end);
			if (*end || end == optarg || opt.merge_min < 0 || opt.merge_min > 1)
				usage("bad --merge-min-confidence (0 to 1)");
			break;
		case 'H': opt.allow_http = 1; break;
		}
	}
	argc -= optind;
	argv += optind;
	if (opt.merge && !opt.wait_checks)
		usage("--merge needs --wait-checks: nothing is merged before its checks pass");
	if (forge_opts_check(opt.forge, opt.slug, &opt.api) < 0)
		usage(mend_errmsg());
	opt.remote = remote_configured(opt.remote);
	opt.allow_http = remote_allow_http(opt.allow_http);
	return cli_stage_run(&stage, argc, argv, handle, EX_CANTCREAT);
}
