/*
 * probe - check HTTP endpoints concurrently, print one probe record per
 * check.  Targets come from files or stdin, one "URL [key=value ...]"
 * (or JSON object) per line; see probe(1).
 *
 * Once by default; with -e S a cycle starts every S seconds on the
 * clock (not S seconds after the last one ended), and a target whose
 * previous check is still running is skipped for that cycle instead of
 * delaying the others.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mend.h"

static void
usage(const char *why)
{
	mend_usage(why, "usage: probe [-c N] [-t S] [-e S] [-n COUNT] [--reuse] "
	    "[-S NAME] [-j N] [FILE...]\n");
}

/* Records are flushed per batch of finished checks, not per record. */
static int
emit(const char *line, size_t len, void *arg)
{
	(void)arg;
	if (line ? fwrite(line, 1, len, stdout) != len || putchar('\n') == EOF
	    : fflush(stdout) == EOF) {
		if (errno == EPIPE)	/* the reader is gone: nothing to say */
			exit(EX_IOERR);
		mend_die(EX_IOERR, "write error: %s", strerror(errno));
	}
	return 0;
}

/* Read one target list; returns the number of bad lines, -1 when unreadable. */
static int
load(struct prober *p, const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	long lineno = 0;
	int bad = 0;

	if (!f) {
		mend_warn("cannot open '%s': %m", path);
		return -1;
	}
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (prober_add_target(p, line, (size_t)n) < 0) {
			mend_warn("%s:%ld: %s", path, lineno, mend_errmsg());
			bad++;
		}
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return bad;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "concurrency", required_argument, NULL, 'c' },
		{ "timeout", required_argument, NULL, 't' },
		{ "every", required_argument, NULL, 'e' },
		{ "count", required_argument, NULL, 'n' },
		{ "reuse", no_argument, NULL, 'r' },
		{ "source", required_argument, NULL, 'S' },
		{ "threads", required_argument, NULL, 'j' },
		CLI_OPTIONS_END
	};
	struct probe_opts o = { .concurrency = 64, .timeout = 10 };
	struct prober *p;
	double every = 0, next;
	long count = -1, cycle;
	int c, i, bad = 0, missing = 0;
	char host[256];
	char *end;

	mend_setprog(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	o.source = getenv("MEND_SOURCE");
	while ((c = cli_getopt(argc, argv, "c:t:e:n:S:j:h", longopts, usage)) != -1) {
		switch (c) {
		case 'c':
			o.concurrency = (int)strtol(optarg, &end, 10);
			if (*end || o.concurrency < 1 || o.concurrency > 100000)
				usage("bad concurrency");
			break;
		case 't':
			if (mend_parse_duration(&o.timeout, optarg) < 0 || o.timeout <= 0)
				usage("bad timeout");
			break;
		case 'e':
			if (mend_parse_duration(&every, optarg) < 0 || every <= 0)
				usage("bad interval");
			break;
		case 'n':
			count = strtol(optarg, &end, 10);
			if (*end || count < 1)
				usage("bad count");
			break;
		case 'r':
			o.reuse = 1;
			break;
		case 'S':
			o.source = optarg;
			break;
		case 'j':
			o.threads = (int)strtol(optarg, &end, 10);
			if (*end || o.threads < 1 || o.threads > 16)
				usage("bad thread count: 1 to 16");
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (!o.source || !*o.source) {
		if (gethostname(host, sizeof host) < 0)
			snprintf(host, sizeof host, "localhost");
		host[sizeof host - 1] = '\0';
		o.source = host;
	}
	if (count < 0)
		count = every > 0 ? LONG_MAX : 1;

	if (prober_new(&p, &o) < 0)
		mend_die(EX_SOFTWARE, "%s", mend_errmsg());
	if (argc == 0)
		bad += load(p, "-");
	for (i = 0; i < argc; i++) {
		int b = load(p, argv[i]);
		if (b < 0)
			missing = 1;
		else
			bad += b;
	}

	next = mend_mono();
	for (cycle = 0; cycle < count && prober_ntargets(p) > 0; cycle++) {
		int last = cycle + 1 == count;
		int rc;

		prober_cycle(p);
		if (every > 0) {
			next += every;
			/* Fell behind (suspended, overloaded): skip, do not burst. */
			if (next < mend_mono())
				next = mend_mono() + every - fmod(mend_mono() - next, every);
		}
		rc = prober_run(p, last || every <= 0 ? 0 : next, emit, NULL);
		if (rc < 0)
			mend_die(EX_SOFTWARE, "%s", mend_errmsg());
		if (!last && every > 0)
			mend_sleep(next - mend_mono(), NULL);
	}
	prober_free(p);
	if (missing)
		return EX_NOINPUT;
	return bad ? EX_DATAERR : 0;
}
