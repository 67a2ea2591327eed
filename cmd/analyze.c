/*
 * analyze - read incident records, print analysis records.
 *
 * Each open incident gets its context gathered (evidence, log tail,
 * stack traces, source, commits, similar past incidents), one engine's
 * analysis, and then, in this order: the analysis is appended to the
 * incident's timeline and added to the knowledge base (both redacted),
 * and only then printed, so a printed analysis is always on record.
 * Resolve events and records that are not incidents pass through
 * untouched.  With --revise, every record carrying an incident is a
 * failed change to revise (see analyze(1)).  With --traces, the input is
 * plain text and the output its stack traces: a debugging aid.
 */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mend.h"

static struct analyze_opts opts;
static int revise, use_spool = 1, cannot_revise, failed, print_prompt;

static void
usage(const char *why)
{
	mend_usage(why, "usage: analyze [-e rules|llm|agent] [-r REPO] [-l LOG | -L CMD] [-n LINES]\n"
	    "               [--agent CMD] [--agent-timeout DURATION]\n"
	    "               [-s SPOOL | --no-spool] [--revise] [--prompt] [FILE...]\n"
	    "       analyze --traces [FILE...]\n");
}

static int
one(jv rec, void *arg)
{
	jv out;
	int cannot = 0;

	(void)arg;
	if (!record_has(rec, "incident") || (!revise && (strcmp(record_type(rec), "incident") ||
	    (record_str(rec, "incident.event") &&
	    strcmp(record_str(rec, "incident.event"), "open"))))) {
		if (record_write(stdout, rec) < 0)
			mend_die(EX_IOERR, "%s", mend_errmsg());
		return 0;
	}
	if (!record_str(rec, "incident.id")) {
		mend_warn("record without incident.id skipped");
		jv_free(rec);
		failed = EX_DATAERR;
		return 0;
	}
	if (print_prompt) {
		jv ctx;
		char *p;
		if (analyze_context(&ctx, rec, &opts) < 0)
			mend_die(EX_SOFTWARE, "%s", mend_errmsg());
		p = model_prompt(ctx, jv_null(), 0);
		fputs(p ? p : "", stdout);
		free(p);
		jv_free(ctx);
		jv_free(rec);
		return 0;
	}
	if (analyze_record(&out, rec, &opts, revise, &cannot) < 0) {
		mend_warn("incident %s: %s", record_str(rec, "incident.id"), mend_errmsg());
		jv_free(rec);
		failed = EX_SOFTWARE;
		return 0;
	}
	jv_free(rec);
	cannot_revise |= cannot;
	if (opts.sp) {
		/* What is stored is redacted; the diff is the repository's own
		 * text and must stay applicable. */
		jv stored = redact_record(jv_copy(out), NULL);
		if (spool_incident_append(opts.sp, stored) < 0 || spool_kb_add(opts.sp, stored) < 0) {
			mend_warn("cannot record the analysis in the spool: %s", mend_errmsg());
			jv_free(stored);
			jv_free(out);
			failed = EX_TEMPFAIL;
			return -1;
		}
		jv_free(stored);
	}
	if (record_write(stdout, out) < 0)
		mend_die(EX_IOERR, "%s", mend_errmsg());
	return 0;
}

static int
traces(int argc, char **argv)
{
	char *stdin_only[] = { "-" };
	int i, rc = 0;

	if (argc == 0) {
		argc = 1;
		argv = stdin_only;
	}
	for (i = 0; i < argc; i++) {
		FILE *f = strcmp(argv[i], "-") ? fopen(argv[i], "r") : stdin;
		char *buf = NULL;
		size_t cap = 0;
		jv t, rec;

		if (!f) {
			mend_warn("cannot open '%s'", argv[i]);
			rc = EX_NOINPUT;
			continue;
		}
		if (getdelim(&buf, &cap, '\0', f) < 0) {
			free(buf);
			buf = strdup("");
		}
		if (f != stdin)
			fclose(f);
		if (trace_parse(&t, buf) < 0)
			mend_die(EX_SOFTWARE, "%s", mend_errmsg());
		free(buf);
		rec = jv_object();
		rec = record_set_str(rec, "type", "traces");
		rec = record_set_str(rec, "file", argv[i]);
		rec = jv_object_set(rec, jv_string("traces"), t);
		if (record_write(stdout, rec) < 0)
			mend_die(EX_IOERR, "%s", mend_errmsg());
	}
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "engine", required_argument, NULL, 'e' },
		{ "repo", required_argument, NULL, 'r' },
		{ "log", required_argument, NULL, 'l' },
		{ "log-cmd", required_argument, NULL, 'L' },
		{ "log-lines", required_argument, NULL, 'n' },
		{ "spool", required_argument, NULL, 's' },
		{ "no-spool", no_argument, NULL, 'N' },
		{ "revise", no_argument, NULL, 'R' },
		{ "traces", no_argument, NULL, 'T' },
		{ "prompt", no_argument, NULL, 'P' },
		{ "agent", required_argument, NULL, 'A' },
		{ "agent-timeout", required_argument, NULL, 'W' },
		CLI_OPTIONS_END
	};
	const char *engine = NULL;
	int c, rc, only_traces = 0;
	char *end;

	mend_setprog(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	analyze_opts_init(&opts);
	while ((c = cli_getopt(argc, argv, "e:r:l:L:n:s:h", longopts, usage)) != -1) {
		switch (c) {
		case 'e':
			engine = optarg;
			break;
		case 'r':
			opts.e.repo = optarg;
			break;
		case 'l':
			opts.log_path = optarg;
			break;
		case 'L':
			opts.log_cmd = optarg;
			break;
		case 'n':
			opts.log_lines = (int)strtol(optarg, &end, 10);
			if (*end || opts.log_lines <= 0)
				usage("--log-lines wants a positive number");
			break;
		case 'N':
			use_spool = 0;
			break;
		case 'R':
			revise = 1;
			break;
		case 'T':
			only_traces = 1;
			break;
		case 'P':
			print_prompt = 1;
			break;
		case 'A':
			opts.e.agent = *optarg ? optarg : NULL;
			break;
		case 'W':
			if (mend_parse_duration(&opts.e.agent_timeout, optarg) < 0 ||
			    opts.e.agent_timeout <= 0)
				usage("bad --agent-timeout");
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (only_traces)
		return traces(argc, argv);
	if (opts.log_path && opts.log_cmd)
		usage("--log and --log-cmd exclude each other");
	/* --agent chooses the agent engine as MEND_AGENT does. */
	opts.engine = analyze_engine(engine ? engine : opts.e.agent && !getenv("MEND_ENGINE") &&
	    !getenv("MEND_LLM_URL") ? "agent" : NULL);
	if (strcmp(opts.engine, "rules") && strcmp(opts.engine, "llm") &&
	    strcmp(opts.engine, "agent"))
		usage("the engine is rules, llm or agent");
	if (opts.e.repo && access(opts.e.repo, R_OK | X_OK) < 0)
		mend_die(EX_NOINPUT, "cannot read repository '%s'", opts.e.repo);
	if (use_spool && !print_prompt)
		opts.sp = cli_spool_open(EX_TEMPFAIL);
	rc = record_each(argc, argv, one, NULL);
	if (opts.sp)
		spool_close(opts.sp);
	if (rc < 0)
		return failed ? failed : EX_SOFTWARE;
	if (failed)
		return failed;
	if (rc)
		return rc;
	return revise && cannot_revise ? EX_UNAVAILABLE : 0;
}
