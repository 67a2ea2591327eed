/*
 * detect - turn probe and error records into incident records.  All the
 * rules live in lib/detect.c; this is the input loop and the batching.
 *
 * Incidents are committed to the spool before they are printed.  To
 * keep a long stream fast, commits are batched: pending incidents (and
 * changed state) are flushed as soon as the input has nothing more to
 * read right now, when 1000 are waiting or a second has passed, and at
 * the end; changed state alone is flushed after a second of idle input.
 * Lines are read with read(2) so poll(2) can tell when input is idle.
 * SIGTERM or SIGINT stops the reading; what was read is saved first.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mend.h"

#define FLUSH_COUNT 1000
#define FLUSH_AFTER 1.0

static void
usage(const char *why)
{
	mend_usage(why, "usage: detect [-s DIR] [--fail-after N] [--recover-after N] "
	    "[--error-rate PCT]\n\t[--window S] [--min-samples N] [--latency MS] "
	    "[--flap K] [--quorum N]\n\t[--when JQ] [--evidence N] [--metric RULE]... "
	    "[--log-errors N] "
	    "[FILE...]\n");
}

static int
emit(jv rec, void *arg)
{
	(void)arg;
	if (record_write(stdout, rec) < 0)
		mend_die(EX_IOERR, "%s", mend_errmsg());
	return 0;
}

static void
flush(struct detector *d)
{
	if (detector_flush(d, emit, NULL) < 0)
		mend_die(EX_TEMPFAIL, "cannot save to the spool: %s", mend_errmsg());
}

/* Feed one input to the detector; returns the number of bad lines. */
static long
run(struct detector *d, int fd, const char *name)
{
	struct input in;
	double last_flush = mend_mono();
	long lineno = 0, bad = 0;

	if (input_init(&in, fd, 1 << 20, 0) < 0)
		mend_die(EX_OSERR, "out of memory");
	for (;;) {
		const char *line;
		size_t len;
		double since;
		int rc;

		while ((rc = input_line(&in, &line, &len)) == 1) {
			lineno++;
			rc = detector_feed(d, line, len);
			if (rc < 0)
				mend_die(EX_SOFTWARE, "%s", mend_errmsg());
			if (rc > 0) {
				mend_warn("%s:%ld: %s", name, lineno, mend_errmsg());
				bad++;
			}
			if (detector_pending(d, &since) >= FLUSH_COUNT ||
			    (detector_pending(d, &since) && mend_mono() - since >= FLUSH_AFTER)) {
				flush(d);
				last_flush = mend_mono();
			}
		}
		if (rc < 0 || input_stop)
			break;
		/* Need more input: flush first if none is waiting. */
		if (detector_pending(d, NULL) || detector_dirty(d)) {
			struct pollfd pfd = { .fd = fd, .events = POLLIN };
			int wait = 0;
			if (!detector_pending(d, NULL)) {
				double left = FLUSH_AFTER - (mend_mono() - last_flush);
				wait = left > 0 ? (int)(left * 1000) + 1 : 0;
			}
			if (poll(&pfd, 1, wait) == 0 && !input_stop) {
				flush(d);
				last_flush = mend_mono();
			}
		}
		if (input_stop)
			break;
		rc = input_read(&in);
		if (rc == 0)
			break;
		if (rc == -2)
			mend_die(EX_OSERR, "%s:%ld: line too long", name, lineno + 1);
		if (rc < 0)
			mend_die(EX_IOERR, "read error on '%s': %s", name, mend_errmsg());
	}
	input_release(&in);
	return bad;
}

int
main(int argc, char **argv)
{
	enum { O_FAIL = 256, O_RECOVER, O_RATE, O_WINDOW, O_MIN, O_LATENCY, O_FLAP,
		O_QUORUM, O_WHEN, O_EVIDENCE, O_METRIC, O_LOG_ERRORS, O_VERSION };
	static const struct option longopts[] = {
		{ "spool", required_argument, NULL, 's' },
		{ "fail-after", required_argument, NULL, O_FAIL },
		{ "recover-after", required_argument, NULL, O_RECOVER },
		{ "error-rate", required_argument, NULL, O_RATE },
		{ "window", required_argument, NULL, O_WINDOW },
		{ "min-samples", required_argument, NULL, O_MIN },
		{ "latency", required_argument, NULL, O_LATENCY },
		{ "flap", required_argument, NULL, O_FLAP },
		{ "quorum", required_argument, NULL, O_QUORUM },
		{ "when", required_argument, NULL, O_WHEN },
		{ "evidence", required_argument, NULL, O_EVIDENCE },
		{ "metric", required_argument, NULL, O_METRIC },
		{ "log-errors", required_argument, NULL, O_LOG_ERRORS },
		CLI_OPTIONS_END
	};
	struct detect_opts o = { .fail_after = 2, .recover_after = 2, .error_rate = 0,
		.window = 600, .min_samples = 5, .flap = 4, .quorum = 1, .evidence = 5, .log_errors = 10 };
	struct detector *d;
	struct spool *sp;
	const char *metric[32];
	long bad = 0;
	int c, i, missing = 0, nmetric = 0;
	char *end;

	mend_setprog(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	input_catch_stop();
	while ((c = cli_getopt(argc, argv, "s:h", longopts, usage)) != -1) {
		switch (c) {
		case O_FAIL:
			o.fail_after = (int)mend_arg_long(optarg, "--fail-after", 1, usage);
			break;
		case O_RECOVER:
			o.recover_after = (int)mend_arg_long(optarg, "--recover-after", 1, usage);
			break;
		case O_RATE:
			o.error_rate = strtod(optarg, &end);
			if (*end || end == optarg || o.error_rate < 0 || o.error_rate > 100)
				usage("bad --error-rate: want a percentage, 0 to turn it off");
			break;
		case O_WINDOW:
			if (mend_parse_duration(&o.window, optarg) < 0 || o.window <= 0)
				usage("bad --window");
			break;
		case O_MIN:
			o.min_samples = (int)mend_arg_long(optarg, "--min-samples", 1, usage);
			break;
		case O_LATENCY:
			o.latency = strtod(optarg, &end);
			if (*end || end == optarg || o.latency < 0)
				usage("bad --latency: want milliseconds");
			break;
		case O_FLAP:
			o.flap = (int)mend_arg_long(optarg, "--flap", 0, usage);
			break;
		case O_QUORUM:
			o.quorum = (int)mend_arg_long(optarg, "--quorum", 1, usage);
			break;
		case O_WHEN:
			o.when = optarg;
			break;
		case O_METRIC:
			if (nmetric == sizeof metric / sizeof *metric)
				usage("too many --metric rules");
			metric[nmetric++] = optarg;
			break;
		case O_EVIDENCE:
			o.evidence = (int)mend_arg_long(optarg, "--evidence", 1, usage);
			if (o.evidence > 100)
				usage("bad --evidence: at most 100");
			break;
		case O_LOG_ERRORS:
			o.log_errors = (int)mend_arg_long(optarg, "--log-errors", 1, usage);
			break;
		}
	}
	argc -= optind;
	argv += optind;
	o.metric_rules = metric;
	o.nmetric_rules = nmetric;

	sp = cli_spool_open(EX_UNAVAILABLE);
	if (detector_new(&d, sp, &o) < 0) {
		int code = (o.when && strstr(mend_errmsg(), "jq")) ||
		    strstr(mend_errmsg(), "metric rule") ? EX_USAGE : EX_UNAVAILABLE;
		mend_die(code, "%s", mend_errmsg());
	}
	if (argc == 0) {
		bad += run(d, 0, "-");
	} else {
		for (i = 0; i < argc && !input_stop; i++) {
			int fd = strcmp(argv[i], "-") ? open(argv[i], O_RDONLY | O_CLOEXEC) : 0;
			if (fd < 0) {
				mend_warn("cannot open '%s': %s", argv[i], strerror(errno));
				missing = 1;
				continue;
			}
			bad += run(d, fd, argv[i]);
			if (fd != 0)
				close(fd);
		}
	}
	flush(d);
	detector_free(d);
	spool_close(sp);
	if (missing)
		return EX_NOINPUT;
	return bad ? EX_DATAERR : 0;
}
