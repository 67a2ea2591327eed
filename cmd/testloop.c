/*
 * testloop - prove a patch: run the project's tests in a sandbox, feed
 * failures back to the fixer for a revised change, replay the requests
 * that failed in production against the patched service, and score how
 * sure we are.  This is its options; the loop is lib/testloop.c's, whose
 * header says how it works.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "mend.h"

static struct testloop_opts opt;

/* why NULL: --help, on stdout, exit 0; else a usage error. */
static void
usage(const char *why)
{
	mend_usage(why, "usage: testloop [-t CMD] [-n N] [--fixer CMD] [--serve CMD] [--timeout DUR]\n"
	    "                [--network | --no-network] [--sandbox MODE] [--no-regression-test]\n"
	    "                [--from-checks] [-s DIR] [FILE...]\n");
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
		{ "no-regression-test", no_argument, NULL, 'R' },
		{ "from-checks", no_argument, NULL, 'C' },
		{ "allow", required_argument, NULL, 'a' },
		{ "protect", required_argument, NULL, 'p' },
		{ "max-lines", required_argument, NULL, 'm' },
		{ "spool", required_argument, NULL, 's' },
		CLI_OPTIONS_END
	};
	int c;
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
	opt.regress = 1;
	opt.timeout = 600;
	opt.fixer_timeout = 600;
	opt.serve_timeout = 15;
	opt.mem = 4L << 30;
	opt.max_lines = -1;
	while ((c = cli_getopt(argc, argv, "t:n:s:h", longs, usage)) != -1) {
		switch (c) {
		case 't': opt.test = optarg; break;
		case 'n':
			opt.max_iter = (int)strtol(optarg, &end, 10);
			if (*end || opt.max_iter < 1 || opt.max_iter > 20)
				usage("bad --max-iterations (1 to 20)");
			break;
		case 'F': opt.fixer = optarg; break;
		case 'C': opt.from_checks = 1; break;
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
		case 'R': opt.regress = 0; break;
		case 'a': opt.allow = optarg; break;
		case 'p': opt.protect = optarg; break;
		case 'm':
			opt.max_lines = strtol(optarg, &end, 10);
			if (*end || opt.max_lines < 0)
				usage("bad --max-lines");
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (opt.network && opt.no_network)
		usage("--network and --no-network contradict each other");
	{
		const char *why;
		if (!(opt.sandbox_kind = proc_sandbox_kind(opt.sandbox, &why)))
			mend_die(errno == EINVAL ? EX_USAGE : EX_UNAVAILABLE, "%s", mend_errmsg());
		if (why)
			mend_warn("warning: no sandbox: %s; tests and services run as this user, see "
			    "its processes and files%s (--sandbox=require refuses this)", why,
			    opt.network ? "" : ", and keep the network where the kernel refuses a "
			    "network namespace");
	}
	return cli_stage_run(testloop_init(&opt), argc, argv, testloop_handle, EX_CANTCREAT);
}
