/*
 * watch - after a deploy, compare the window after it with the baseline
 * before it; open a revert pull request when it made things worse.
 *
 * Reads probe and error records mixed with deploy records (and pr
 * records that carry the merged commit), judges each deploy with
 * lib/watch.c once --window of records after it has gone by, and prints
 * one verdict record per deploy.  The watcher's state lives in the
 * spool's "watch" namespace and is committed before a verdict is
 * printed, so runs from cron continue one another and never judge a
 * deploy twice.
 *
 * With --revert, a worse verdict (or a worse verdict record on input)
 * becomes a branch mend/revert-SHA12 on the remote's default branch
 * holding the revert of the deploy's commit, pushed, and a pull request
 * opened as openpr(1) opens one.  An existing branch is not rebuilt and
 * an open pull request is found again, so a re-run duplicates nothing.
 * The repository is the configured one (--repo, MEND_REPO); a deploy
 * record's repo must name it, as in patch(1).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mend.h"

static struct {
	const char *repo, *forge, *api, *slug;
	int revert, allow_http;
} opt;

static struct stage_ctx stage = { .name = "watch" };
static struct watcher *w;

/* why NULL: --help, on stdout, exit 0; else a usage error. */
static void
usage(const char *why)
{
	mend_usage(why, "usage: watch [-s DIR] [--window DUR] [--baseline DUR] [--warmup DUR] [--min-checks N]\n"
	    "             [--revert] [--repo URL|PATH] [--forge github|gitea|gitlab|none]\n"
	    "             [--api-url URL] [--slug OWNER/NAME] [--allow-http] [FILE...]\n");
}

/* A revert refused for safety: say why, on stderr and in the timeline; exit 65. */
static void
refuse(jv rec, const char *commit, const char *why)
{
	char subject[13];

	snprintf(subject, sizeof subject, "%.12s", commit);
	stage_refuse(&stage, rec, subject, "revert refused", why);
}

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

static char *
revert_body(jv rec, const char *commit, const char *branch)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);
	jv ms = record_get(rec, "verdict.monitors");
	int i, n = jv_get_kind(ms) == JV_KIND_ARRAY ? jv_array_length(jv_copy(ms)) : 0;

	if (!f) {
		jv_free(ms);
		return NULL;
	}
	fprintf(f, "## Why\n\n%s\n\n", record_str(rec, "verdict.summary") ?
	    record_str(rec, "verdict.summary") : "The deploy made things worse.");
	fprintf(f, "Deployed at %s; %.0f s after it compared with the %.0f s before:\n\n",
	    record_str(rec, "deploy.ts") ? record_str(rec, "deploy.ts") : "?",
	    record_num(rec, "verdict.window_s", 0), record_num(rec, "verdict.baseline_s", 0));
	fprintf(f, "| monitor | checks before/after | failure rate before/after | "
	    "p95 ms before/after | worse |\n|---|---|---|---|---|\n");
	for (i = 0; i < n; i++) {
		jv m = jv_array_get(jv_copy(ms), i);
		fprintf(f, "| `%s` | %.0f / %.0f | %.0f%% / %.0f%% | ", record_str(m, "monitor") ?
		    record_str(m, "monitor") : "?", record_num(m, "before.checks", 0),
		    record_num(m, "after.checks", 0), record_num(m, "before.fail_rate", 0) * 100,
		    record_num(m, "after.fail_rate", 0) * 100);
		if (record_has(m, "before.p95_ms"))
			fprintf(f, "%.0f", record_num(m, "before.p95_ms", 0));
		else
			fputc('-', f);
		fputs(" / ", f);
		if (record_has(m, "after.p95_ms"))
			fprintf(f, "%.0f", record_num(m, "after.p95_ms", 0));
		else
			fputc('-', f);
		fprintf(f, " | %s |\n", record_bool(m, "worse", 0) ? "**yes**" : "no");
		jv_free(m);
	}
	fprintf(f, "\n## The change\n\nThis reverts commit %s.\n", commit);
	fprintf(f, "\n## How to reject it\n\nClose this pull request and delete the branch `%s`. "
	    "Nothing changes until it is merged.\n\n---\nOpened by mend watch.\n", branch);
	jv_free(ms);
	if (fclose(f) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* Open the revert of a worse verdict record (borrowed); print its pr record. */
static void
revert(jv rec)
{
	const char *commit = record_str(rec, "deploy.commit"), *url, *kind, *tok;
	char *workroot = NULL, *path = NULL, *base = NULL, *msg = NULL, *title = NULL,
	    *body = NULL, *slug = NULL, *api = NULL;
	char branch[128], ref[300], base_hex[41], new_hex[41], remote_at[41];
	struct repo *r = NULL;
	struct forge_pr pr = { 0 };
	int lockfd = -1, had, rc;
	jv out = jv_invalid();

	if (!commit || strlen(commit) < 7) {
		mend_warn("verdict without deploy.commit; no revert");
		stage_fail(&stage, EX_DATAERR);
		return;
	}
	if ((rc = remote_for_record(&url, opt.repo, rec)) == -2) {
		mend_warn("%.12s: no repository to revert in (use --repo or MEND_REPO)", commit);
		stage_fail(&stage, EX_USAGE);
		return;
	} else if (rc < 0) {
		refuse(rec, commit, mend_errmsg());
		return;
	}
	kind = opt.forge ? opt.forge : forge_detect(url);
	if (!kind) {
		mend_warn("%.12s: cannot tell the forge of '%s' (use --forge)", commit, url);
		stage_fail(&stage, EX_USAGE);
		return;
	}
	tok = strcmp(kind, "none") ? forge_token(kind) : env("MEND_GIT_TOKEN");
	if (remote_token_ok(url, forge_git_token(), opt.allow_http) < 0 ||
	    remote_token_ok(url, tok, opt.allow_http) < 0) {
		refuse(rec, commit, mend_errmsg());
		return;
	}
	snprintf(branch, sizeof branch, "mend/revert-%.12s", commit);
	if (asprintf(&workroot, "%s/work", spool_dir(stage.sp)) < 0) {
		workroot = NULL;
		stage_fail(&stage, EX_OSERR);
		goto out;
	}
	if (repo_checkout_path(&path, url, workroot) < 0) {
		mend_warn("%.12s: %s", commit, mend_errmsg());
		stage_fail(&stage, EX_UNAVAILABLE);
		goto out;
	}
	if ((mkdir(workroot, 0700) < 0 && errno != EEXIST) || repo_lock(&lockfd, path) < 0 ||
	    repo_clone_or_fetch(&r, url, path, forge_git_token(), opt.allow_http) < 0) {
		mend_warn("%.12s: %s", commit, mend_errmsg());
		stage_fail(&stage, EX_TEMPFAIL);
		goto out;
	}
	if (repo_default_branch(r, &base) < 0) {
		mend_warn("%.12s: %s", commit, mend_errmsg());
		stage_fail(&stage, EX_UNAVAILABLE);
		goto out;
	}
	repo_set_token(r, tok);
	if (!strcmp(kind, "gitlab"))
		setenv("MEND_GIT_USER", "oauth2", 0);
	had = repo_remote_ref(r, remote_at, branch);
	if (had < 0) {
		mend_warn("%.12s: %s", commit, mend_errmsg());
		stage_fail(&stage, EX_TEMPFAIL);
		goto out;
	}
	if (had) {
		/* Built and pushed before: never rebuilt, so a re-run changes nothing. */
		memcpy(new_hex, remote_at, sizeof new_hex);
		mend_warn("%.12s: %s is already on the remote", commit, branch);
	} else {
		snprintf(ref, sizeof ref, "refs/remotes/origin/%s", base);
		if (repo_resolve(r, base_hex, ref) < 0) {
			mend_warn("base branch '%s': %s", base, mend_errmsg());
			stage_fail(&stage, EX_DATAERR);
			goto out;
		}
		if (asprintf(&msg, "Revert %.12s: the deploy made things worse\n\n%s\n\n"
		    "This reverts commit %s.\n", commit, record_str(rec, "verdict.summary") ?
		    record_str(rec, "verdict.summary") : "", commit) < 0 || !(msg = redact_take(msg))) {
			msg = NULL;
			stage_fail(&stage, EX_OSERR);
			goto out;
		}
		if (repo_revert(r, new_hex, branch, base_hex, commit, msg) < 0) {
			mend_warn("%.12s: %s", commit, mend_errmsg());
			stage_fail(&stage, EX_DATAERR);
			goto out;
		}
		if (repo_push(r, branch) < 0) {
			mend_warn("%.12s: %s", commit, mend_errmsg());
			stage_fail(&stage, EX_TEMPFAIL);
			goto out;
		}
		mend_warn("%.12s: pushed %s (%.12s)", commit, branch, new_hex);
	}
	if (asprintf(&title, "Revert %.12s: the deploy made things worse", commit) < 0 ||
	    !(body = redact_take(revert_body(rec, commit, branch)))) {
		stage_fail(&stage, EX_OSERR);
		goto out;
	}
	out = JV_OBJECT(jv_string("type"), jv_string("pr"));
	if (record_has(rec, "incident"))
		out = record_set(out, "incident", record_get(rec, "incident"));
	out = record_set(out, "deploy", record_get(rec, "deploy"));
	out = record_set(out, "verdict", record_get(rec, "verdict"));
	if (!strcmp(kind, "none")) {
		out = record_set(out, "pr", JV_OBJECT(jv_string("forge"), jv_string("none"),
		    jv_string("url"), jv_string(url), jv_string("number"), jv_null(),
		    jv_string("branch"), jv_string(branch), jv_string("created"), jv_bool(!had),
		    jv_string("draft"), jv_false(), jv_string("title"), jv_string(title)));
	} else {
		struct forge f = { kind, opt.api, opt.slug, forge_token(kind) };
		struct forge_pr_req q = { 0 };

		if (forge_fill(&f, &slug, &api, url) < 0) {
			mend_warn("%.12s: %s", commit, mend_errmsg());
			stage_fail(&stage, EX_USAGE);
			goto out;
		}
		q.head = branch;
		q.base = base;
		q.title = title;
		q.body = body;
		if ((rc = forge_pr_open(&pr, &f, &q)) < 0) {
			mend_warn("%.12s: %s", commit, mend_errmsg());
			stage_fail(&stage, rc == -2 ? EX_TEMPFAIL : EX_UNAVAILABLE);
			goto out;
		}
		mend_warn("%.12s: %s pull request #%ld: %s", commit, pr.created ? "opened"
		    : "found the open", pr.number, pr.url ? pr.url : "");
		out = record_set(out, "pr", JV_OBJECT(jv_string("forge"), jv_string(kind),
		    jv_string("url"), record_strornull(pr.url), jv_string("number"),
		    jv_number((double)pr.number), jv_string("branch"), jv_string(branch),
		    jv_string("created"), jv_bool(pr.created), jv_string("draft"), jv_bool(pr.draft),
		    jv_string("title"), jv_string(title)));
	}
	out = record_set(out, "pr.revert", jv_true());
	out = record_set_str(out, "pr.reverts", commit);
	out = record_set_str(out, "pr.commit", new_hex);
	out = record_set_str(out, "pr.base", base);
	if (record_str(out, "incident.id") && spool_incident_append(stage.sp, out) < 0)
		mend_warn("%.12s: cannot record in the timeline: %s", commit, mend_errmsg());
	if (record_write(stdout, jv_copy(out)) < 0)
		mend_die(EX_IOERR, "%s", mend_errmsg());
out:
	jv_free(out);
	forge_pr_release(&pr);
	repo_free(r);
	if (lockfd >= 0)
		close(lockfd);
	free(workroot);
	free(path);
	free(base);
	free(msg);
	free(title);
	free(body);
	free(slug);
	free(api);
}

/* Commit the watcher's changed state in one transaction. */
static int
save(void)
{
	jv ch = watcher_changes(w);
	int rc = 0;

	if (jv_object_length(jv_copy(ch)) == 0) {
		jv_free(ch);
		return 0;
	}
	if (spool_begin(stage.sp) < 0) {
		jv_free(ch);
		return -1;
	}
	jv_object_foreach(ch, k, v) {
		if (rc == 0 && spool_state_put(stage.sp, "watch", jv_string_value(k), jv_copy(v)) < 0)
			rc = -1;
		jv_free(k);
		jv_free(v);
	}
	jv_free(ch);
	if (rc < 0) {
		spool_rollback(stage.sp);
		return -1;
	}
	return spool_commit(stage.sp);
}

/* Print what the watcher decided, state saved first. */
static void
flush(void)
{
	jv vs = watcher_take(w);
	int i, n = jv_array_length(jv_copy(vs));

	if (n == 0) {
		jv_free(vs);
		return;
	}
	if (save() < 0)
		mend_die(EX_TEMPFAIL, "cannot save the state: %s", mend_errmsg());
	for (i = 0; i < n; i++) {
		jv v = jv_array_get(jv_copy(vs), i);
		if (record_str(v, "incident.id") && spool_incident_append(stage.sp, v) < 0)
			mend_warn("cannot record the verdict in the timeline: %s", mend_errmsg());
		mend_warn("%s", record_str(v, "verdict.summary"));
		if (record_write(stdout, jv_copy(v)) < 0)
			mend_die(EX_IOERR, "%s", mend_errmsg());
		if (opt.revert && record_bool(v, "verdict.worse", 0))
			revert(v);
		jv_free(v);
	}
	jv_free(vs);
}

static int
read_file(const char *name)
{
	struct record_reader *rr;
	jv rec;
	int rc, bad = 0;

	if (record_reader_open(&rr, name) < 0) {
		mend_warn("%s", mend_errmsg());
		return EX_NOINPUT;
	}
	while ((rc = record_read(rr, &rec)) == 1) {
		if (!strcmp(record_type(rec), "verdict")) {
			/* A verdict on input: only a retry of its revert. */
			if (opt.revert && record_bool(rec, "verdict.worse", 0))
				revert(rec);
			jv_free(rec);
			continue;
		}
		rc = watcher_feed(w, rec);
		if (rc < 0)
			mend_die(EX_SOFTWARE, "%s", mend_errmsg());
		if (rc == 1) {
			mend_warn("%s:%ld: %s", record_reader_name(rr), record_reader_line(rr),
			    mend_errmsg());
			bad = 1;
		}
		flush();
	}
	if (rc < 0)
		mend_warn("%s", mend_errmsg());
	if (record_reader_bad(rr))
		bad = 1;
	record_reader_free(rr);
	return rc < 0 ? EX_IOERR : bad ? EX_DATAERR : 0;
}

int
main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "spool", required_argument, NULL, 's' },
		{ "window", required_argument, NULL, 'w' },
		{ "baseline", required_argument, NULL, 'b' },
		{ "min-checks", required_argument, NULL, 'm' },
		{ "warmup", required_argument, NULL, 'W' },
		{ "revert", no_argument, NULL, 'R' },
		{ "repo", required_argument, NULL, 'r' },
		{ "forge", required_argument, NULL, 'f' },
		{ "api-url", required_argument, NULL, 'A' },
		{ "slug", required_argument, NULL, 'S' },
		{ "allow-http", no_argument, NULL, 'H' },
		CLI_OPTIONS_END
	};
	struct watch_opts wo;
	int c, i, rc, code = 0;
	long n;
	char *end;
	jv state;

	mend_setprog(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	watch_opts_init(&wo);
	opt.forge = env("MEND_FORGE");
	opt.api = env("MEND_FORGE_API");
	while ((c = cli_getopt(argc, argv, "s:w:b:m:r:f:h", longs, usage)) != -1) {
		switch (c) {
		case 'w':
			if (mend_parse_duration(&wo.window, optarg) < 0 || wo.window <= 0)
				usage("bad --window");
			break;
		case 'b':
			if (mend_parse_duration(&wo.baseline, optarg) < 0 || wo.baseline <= 0)
				usage("bad --baseline");
			break;
		case 'W':
			if (mend_parse_duration(&wo.warmup, optarg) < 0 || wo.warmup < 0)
				usage("bad --warmup");
			wo.warmup_fixed = 1;
			break;
		case 'm':
			n = strtol(optarg, &end, 10);
			if (*end || end == optarg || n < 1 || n > 1000000)
				usage("bad --min-checks");
			wo.min_checks = (int)n;
			break;
		case 'R': opt.revert = 1; break;
		case 'r': opt.repo = optarg; break;
		case 'f': opt.forge = optarg; break;
		case 'A': opt.api = optarg; break;
		case 'S': opt.slug = optarg; break;
		case 'H': opt.allow_http = 1; break;
		}
	}
	argc -= optind;
	argv += optind;
	if (forge_opts_check(opt.forge, opt.slug, &opt.api) < 0)
		usage(mend_errmsg());
	opt.repo = remote_configured(opt.repo);
	opt.allow_http = remote_allow_http(opt.allow_http);
	stage.sp = cli_spool_open(EX_UNAVAILABLE);
	if (spool_state_all(stage.sp, &state, "watch") < 0)
		mend_die(EX_TEMPFAIL, "%s", mend_errmsg());
	if (watcher_new(&w, state, &wo) < 0)
		mend_die(EX_OSERR, "%s", mend_errmsg());
	if (argc == 0)
		code = read_file("-");
	for (i = 0; i < argc; i++)
		if ((rc = read_file(argv[i])) && (!code || code == EX_DATAERR))
			code = rc;
	if (save() < 0)
		mend_die(EX_TEMPFAIL, "cannot save the state: %s", mend_errmsg());
	if (watcher_pending(w))
		mend_warn("%zu deploy%s waiting for %.0f s of records after it",
		    watcher_pending(w), watcher_pending(w) == 1 ? "" : "s", wo.window);
	watcher_free(w);
	spool_close(stage.sp);
	if (stage.worst && (!code || code == EX_DATAERR) && stage.worst != EX_DATAERR)
		return stage.worst;
	return code ? code : stage.worst;
}
