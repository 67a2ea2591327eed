/*
 * patch - write the fix of an analysis on a branch.
 *
 * For each `analysis` record: clone or fetch the repository into the
 * spool's work/, start from the remote's default branch (or --base),
 * apply analysis.diff (git apply, else hunks located by context) or
 * analysis.edits, or run --agent in the checkout, guard every touched
 * path, and commit on mend/fix-<incident>.  The work happens on a
 * detached HEAD; the branch moves only when the commit exists, so a
 * refused change leaves the branch as it was.  A re-run whose result is
 * the same tree on the same base keeps the existing commit.
 *
 * The repository is the configured one (--repo, MEND_REPO), never one a
 * record names: a record whose repo field names another, or any repo
 * when none is configured, is refused (exit 65, and the incident's
 * timeline says why), since the git token goes where the repository is.
 *
 * Records of other types pass through untouched.
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
	const char *repo, *base, *agent, *allow, *protect, *sandbox;
	int allow_http;
	long max_lines;
	double agent_timeout;
} opt;

static struct stage_ctx stage = { .name = "patch" };

/* why NULL: --help, on stdout, exit 0; else a usage error. */
static void
usage(const char *why)
{
	mend_usage(why, "usage: patch [-r URL|PATH] [-b BRANCH] [-s DIR] [--agent CMD]\n"
	    "             [--agent-timeout DURATION] [--allow GLOB] [--protect GLOB]\n"
	    "             [--max-lines N] [--allow-http] [--sandbox MODE]\n"
	    "             [FILE...]\n");
}

static char *
commit_message(jv rec)
{
	const char *id = record_str(rec, "incident.id");
	const char *summary = record_str(rec, "incident.summary");
	const char *cause = record_str(rec, "analysis.root_cause");
	const char *cat = record_str(rec, "analysis.category");
	const char *engine = record_str(rec, "analysis.engine");
	const char *url = record_str(rec, "incident.url");
	const char *since = record_str(rec, "incident.first_seen");
	double conf = record_num(rec, "analysis.confidence", -1);
	char *msg = NULL, title[100], *nl;
	size_t len = 0;
	FILE *f = open_memstream(&msg, &len);

	if (!f)
		return NULL;
	snprintf(title, sizeof title, "%s", cause && *cause ? cause
	    : summary && *summary ? summary : "fix the failure");
	if ((nl = strchr(title, '\n')))
		*nl = '\0';
	fprintf(f, "mend: %s\n\n", title);
	fprintf(f, "Incident %s", id);
	if (summary)
		fprintf(f, ": %s", summary);
	if (url)
		fprintf(f, " (%s)", url);
	if (since)
		fprintf(f, ", first seen %s", since);
	fprintf(f, ".\n");
	if (cause)
		fprintf(f, "\nRoot cause: %s\n", cause);
	if (cat || conf >= 0) {
		fprintf(f, "\nCategory %s", cat ? cat : "unknown");
		if (conf >= 0)
			fprintf(f, ", confidence %.2f", conf);
		if (engine)
			fprintf(f, " (engine %s)", engine);
		fprintf(f, ".\n");
	}
	fprintf(f, "\nMend-Incident: %s\n", id);
	fclose(f);
	return msg;
}

/*
 * Run the agent in the checkout (lib/agent.c: the contract analyze's
 * agent engine has too).  Its run goes in *log (the caller's) for the
 * record; -3 when the sandbox is required and cannot run, -1 when it
 * could not start or failed (the message names the program).
 */
static int
run_agent(struct repo *r, jv rec, jv *log)
{
	const char *hide[] = { spool_dir(stage.sp), NULL };
	struct agent_opts ao = { .command = opt.agent, .timeout = opt.agent_timeout,
		.sandbox = opt.sandbox, .hide = hide };
	struct agent_result res;
	char *task = agent_task(rec);
	int rc;

	*log = jv_null();
	if (!task)
		return mend_err("out of memory");
	mend_warn("running the agent in '%s'", repo_workdir(r));
	rc = agent_run(&res, &ao, repo_workdir(r), task);
	free(task);
	if (rc == 0) {
		*log = agent_result_json(&res);
		rc = agent_check(&res);
	}
	agent_result_release(&res);
	return rc;
}

static int
handle(jv rec, void *arg)
{
	const char *id, *url, *how = "agent";
	char *workroot = NULL, *path = NULL, *basename_ = NULL, *msg = NULL;
	char base_hex[41], branch[200], commit[41], old[41], ref[300], oparent[41], otree[41],
	    ntree[41];
	struct repo *r = NULL;
	struct guard g;
	jv analysis, edits, files = jv_invalid(), agent_log = jv_null();
	long lines = 0;
	int lockfd = -1, code = 0, rc, have_old, has_edits;

	(void)arg;
	if (strcmp(record_type(rec), "analysis")) {
		if (record_write(stdout, rec) < 0)
			mend_die(EX_IOERR, "%s", mend_errmsg());
		return 0;
	}
	id = record_str(rec, "incident.id");
	if (!id || !*id || strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
	    != strlen(id)) {
		mend_warn("analysis without a usable incident.id, skipped");
		jv_free(rec);
		stage_fail(&stage, EX_DATAERR);
		return 0;
	}
	if ((rc = remote_for_record(&url, opt.repo, rec)) == -2) {
		mend_warn("%s: no repository (use --repo or MEND_REPO)", id);
		jv_free(rec);
		stage_fail(&stage, EX_USAGE);
		return 0;
	} else if (rc < 0) {
		stage_refuse(&stage, rec, id, "refused", mend_errmsg());
		jv_free(rec);
		return 0;
	}
	analysis = record_get(rec, "analysis");
	edits = record_get(analysis, "edits");
	has_edits = jv_get_kind(edits) == JV_KIND_ARRAY && jv_array_length(jv_copy(edits)) > 0;
	jv_free(edits);
	if (!opt.agent && !(record_str(analysis, "diff") && *record_str(analysis, "diff")) &&
	    !has_edits) {
		mend_warn("%s: the analysis has no diff or edits and no --agent is set", id);
		code = EX_DATAERR;
		goto out;
	}
	if (asprintf(&workroot, "%s/work", spool_dir(stage.sp)) < 0) {
		workroot = NULL;
		code = EX_OSERR;
		goto out;
	}
	if (repo_checkout_path(&path, url, workroot) < 0) {
		mend_warn("%s: %s", id, mend_errmsg());
		code = EX_DATAERR;
		goto out;
	}
	if ((mkdir(workroot, 0700) < 0 && errno != EEXIST) || repo_lock(&lockfd, path) < 0) {
		mend_warn("%s", mend_errmsg());
		code = EX_TEMPFAIL;
		goto out;
	}
	if (remote_token_ok(url, forge_git_token(), opt.allow_http) < 0) {
		stage_refuse(&stage, rec, id, "refused", mend_errmsg());
		goto out;
	}
	if (repo_clone_or_fetch(&r, url, path, forge_git_token(), opt.allow_http) < 0) {
		mend_warn("%s", mend_errmsg());
		code = EX_TEMPFAIL;
		goto out;
	}
	if (opt.base)
		basename_ = strdup(opt.base);
	else if (repo_default_branch(r, &basename_) < 0) {
		mend_warn("%s", mend_errmsg());
		code = EX_UNAVAILABLE;
		goto out;
	}
	snprintf(ref, sizeof ref, "refs/remotes/origin/%s", basename_);
	if (repo_resolve(r, base_hex, ref) < 0) {
		mend_warn("base branch '%s': %s", basename_, mend_errmsg());
		code = EX_DATAERR;
		goto out;
	}
	snprintf(branch, sizeof branch, "mend/fix-%s", id);
	snprintf(ref, sizeof ref, "refs/heads/%s", branch);
	have_old = repo_resolve(r, old, ref) == 0;
	if (repo_checkout(r, base_hex) < 0) {
		mend_warn("%s", mend_errmsg());
		code = EX_SOFTWARE;
		goto out;
	}
	guard_init(&g, repo_workdir(r));
	if (opt.max_lines >= 0)
		g.max_lines = opt.max_lines;
	if (guard_protect(&g, opt.protect) < 0 || guard_allow(&g, opt.allow) < 0) {
		mend_warn("%s", mend_errmsg());
		guard_release(&g);
		code = EX_OSERR;
		goto out;
	}
	rc = repo_apply_change(r, &g, analysis, &how);
	if (rc == -2 && (rc = run_agent(r, rec, &agent_log)) == -3) {
		mend_warn("%s: agent not run: %s", id, mend_errmsg());
		guard_release(&g);
		repo_checkout(r, base_hex);
		code = EX_UNAVAILABLE;
		goto out;
	}
	if (rc == 0 && (rc = repo_stage_all(r, &g, &files, &lines)) == 0) {
		if (jv_array_length(jv_copy(files)) == 0 && jv_is_valid(agent_log) &&
		    record_str(agent_log, "program"))
			rc = mend_err("agent '%s' changed nothing in the checkout",
			    record_str(agent_log, "program"));
		else if (jv_array_length(jv_copy(files)) == 0)
			rc = mend_err("the change makes no difference (already applied?)");
		else
			rc = guard_size(&g, lines);
	}
	guard_release(&g);
	if (rc < 0) {
		char why[1024];
		snprintf(why, sizeof why, "change refused: %s", mend_errmsg());
		mend_warn("%s: %s", id, why);
		if (spool_incident_refused(stage.sp, rec, "patch", why) < 0)
			mend_warn("%s: cannot record in the timeline: %s", id, mend_errmsg());
		repo_checkout(r, base_hex);
		code = EX_DATAERR;
		goto out;
	}
	if (!(msg = redact_take(commit_message(rec))) || repo_commit(r, commit, msg) < 0) {
		mend_warn("%s: %s", id, msg ? mend_errmsg() : "out of memory");
		repo_checkout(r, base_hex);
		code = EX_SOFTWARE;
		goto out;
	}
	/* Same base, same tree as the branch already has: keep its commit. */
	if (have_old && repo_commit_info(r, old, oparent, otree) == 0 &&
	    repo_commit_info(r, commit, NULL, ntree) == 0 && !strcmp(oparent, base_hex) &&
	    !strcmp(otree, ntree))
		memcpy(commit, old, sizeof commit);
	if (repo_branch_reset(r, branch, commit) < 0) {
		mend_warn("%s", mend_errmsg());
		code = EX_SOFTWARE;
		goto out;
	}
	mend_warn("%s: committed %.12s on %s (%ld lines, applied with %s)", id, commit, branch,
	    lines, how);
	rec = record_set_str(rec, "type", "patch");
	rec = record_set_str(rec, "patch.repo", url);
	rec = record_set_str(rec, "patch.workdir", repo_workdir(r));
	rec = record_set_str(rec, "patch.branch", branch);
	rec = record_set_str(rec, "patch.base", basename_);
	rec = record_set_str(rec, "patch.base_commit", base_hex);
	rec = record_set_str(rec, "patch.commit", commit);
	rec = record_set(rec, "patch.files", files);
	files = jv_invalid();
	rec = record_set_num(rec, "patch.lines", (double)lines);
	rec = record_set_str(rec, "patch.applied", how);
	if (jv_get_kind(agent_log) == JV_KIND_OBJECT) {
		rec = record_set(rec, "patch.sandbox", record_get(agent_log, "sandbox"));
		rec = record_set(rec, "patch.agent", agent_log);
		agent_log = jv_null();
	}
	if (stage_emit(&stage, rec, id) < 0)
		mend_die(EX_IOERR, "%s", mend_errmsg());
out:
	if (code)
		stage_fail(&stage, code);
	jv_free(files);
	jv_free(agent_log);
	jv_free(analysis);
	jv_free(rec);
	repo_free(r);
	if (lockfd >= 0)
		close(lockfd);
	free(msg);
	free(basename_);
	free(path);
	free(workroot);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longs[] = {
		{ "repo", required_argument, NULL, 'r' },
		{ "base", required_argument, NULL, 'b' },
		{ "spool", required_argument, NULL, 's' },
		{ "agent", required_argument, NULL, 'A' },
		{ "agent-timeout", required_argument, NULL, 'T' },
		{ "allow", required_argument, NULL, 'a' },
		{ "protect", required_argument, NULL, 'p' },
		{ "max-lines", required_argument, NULL, 'm' },
		{ "allow-http", no_argument, NULL, 'H' },
		{ "sandbox", required_argument, NULL, 'x' },
		CLI_OPTIONS_END
	};
	int c;
	char *end;

	mend_setprog(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	opt.agent = getenv("MEND_AGENT");
	opt.allow = getenv("MEND_ALLOW");
	opt.protect = getenv("MEND_PROTECT");
	opt.max_lines = -1;
	opt.agent_timeout = agent_timeout_default();
	if (opt.agent && !*opt.agent)
		opt.agent = NULL;
	while ((c = cli_getopt(argc, argv, "r:b:s:h", longs, usage)) != -1) {
		switch (c) {
		case 'r': opt.repo = optarg; break;
		case 'b': opt.base = optarg; break;
		case 'A': opt.agent = *optarg ? optarg : NULL; break;
		case 'T':
			if (mend_parse_duration(&opt.agent_timeout, optarg) < 0)
				usage("bad --agent-timeout");
			break;
		case 'a': opt.allow = optarg; break;
		case 'p': opt.protect = optarg; break;
		case 'H': opt.allow_http = 1; break;
		case 'm':
			opt.max_lines = strtol(optarg, &end, 10);
			if (*end || opt.max_lines < 0)
				usage("bad --max-lines");
			break;
		case 'x':
			if (strcmp(optarg, "auto") && strcmp(optarg, "require") && strcmp(optarg, "none"))
				usage("bad --sandbox (auto, require or none)");
			opt.sandbox = optarg;
			break;
		}
	}
	argc -= optind;
	argv += optind;
	opt.repo = remote_configured(opt.repo);
	opt.allow_http = remote_allow_http(opt.allow_http);
	return cli_stage_run(&stage, argc, argv, handle, EX_CANTCREAT);
}
