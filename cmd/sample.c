/*
 * sample - read resource metrics (a /metrics endpoint, a process, a
 * systemd unit's cgroup, a disk) and print one `metric` record per
 * reading; see sample(1).  Once by default; with -e S a cycle starts
 * every S seconds on the clock, -n N cycles.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mend.h"

#define MAX_TARGETS 1024

static struct sample_target *targets[MAX_TARGETS];
static int ntargets;
static void
usage(const char *why)
{
	mend_usage(why, "usage: sample [-e S] [-n COUNT] [FILE...]\n");
}

/* Read one target list; returns the number of bad lines, -1 when unreadable. */
static int
load(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0;
	int bad = 0;

	if (!f) {
		mend_warn("cannot open '%s': %s", path, strerror(errno));
		return -1;
	}
	while (getline(&line, &cap, f) > 0) {
		struct sample_target *t;
		int rc;

		lineno++;
		if ((rc = sample_target_parse(&t, line)) < 0) {
			mend_warn("%s:%ld: %s", path, lineno, mend_errmsg());
			bad++;
		} else if (rc == 0) {
			if (ntargets == MAX_TARGETS) {
				mend_warn("%s:%ld: more than %d targets", path, lineno, MAX_TARGETS);
				sample_target_free(t);
				bad++;
			} else
				targets[ntargets++] = t;
		}
	}
	free(line);
	if (f != stdin)
		fclose(f);
	return bad;
}

static void
cycle(void)
{
	double ts = mend_now();
	int i;

	for (i = 0; i < ntargets && !input_stop; i++) {
		jv recs;

		sample_read(&recs, targets[i], ts);	/* a failure is an up 0 record */
		jv_array_foreach(recs, k, r) {
			(void)k;
			if (record_write(stdout, r) < 0)
				mend_die(EX_IOERR, "%s", mend_errmsg());
		}
		jv_free(recs);
	}
	if (fflush(stdout) == EOF)
		mend_die(EX_IOERR, "write error: %s", strerror(errno));
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "every", required_argument, NULL, 'e' },
		{ "count", required_argument, NULL, 'n' },
		CLI_OPTIONS_END
	};
	double every = 0, next;
	long count = 0, done = 0;
	int c, i, bad = 0;
	char *end;

	mend_setprog(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	input_catch_stop();
	while ((c = cli_getopt(argc, argv, "e:n:h", longopts, usage)) != -1) {
		switch (c) {
		case 'e':
			if (mend_parse_duration(&every, optarg) < 0 || every <= 0)
				usage("bad -e: want a duration such as 10s");
			break;
		case 'n':
			count = strtol(optarg, &end, 10);
			if (*end || end == optarg || count < 1)
				usage("bad -n: want a count of at least 1");
			break;
		}
	}
	argc -= optind;
	argv += optind;

	if (argc == 0)
		bad = load("-");
	for (i = 0; i < argc; i++) {
		int n = load(argv[i]);

		if (n < 0)
			return EX_NOINPUT;
		bad += n;
	}
	if (ntargets == 0)
		mend_die(bad ? EX_DATAERR : EX_USAGE, "no targets");
	if (!every && !count)
		count = 1;
	next = mend_now();
	while (!input_stop) {
		cycle();
		if (count && ++done >= count)
			break;
		if (!every)
			every = 10;
		next += every;
		if (next > mend_now())
			mend_sleep(next - mend_now(), &input_stop);
		else
			next = mend_now();	/* a slow cycle: start again from now */
	}
	for (i = 0; i < ntargets; i++)
		sample_target_free(targets[i]);
	return bad ? EX_DATAERR : 0;
}
