/*
 * cli.c - program glue: what every mend program does the same way with
 * its command line, written once (mblaze's tools share one such
 * convention).
 *
 * A program's option table ends with CLI_OPTIONS_END (--help and
 * --version); its loop calls cli_getopt instead of getopt_long, which
 * answers those two and an unknown option itself and hands back only
 * the program's own options; -s DIR (--spool DIR) it keeps for
 * cli_spool_open.  Like mend_usage and mend_die (error.c),
 * these are main()'s helpers and may exit; nothing else in lib/ calls
 * them.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "mend.h"

void
cli_version(void)
{
	printf("%s (mend) %s\n", mend_prog, MEND_VERSION);
	exit(fflush(stdout) == EOF ? EX_IOERR : 0);
}

const char *cli_spool;

int
cli_getopt(int argc, char **argv, const char *optstring, const struct option *longopts,
    void (*usage)(const char *why))
{
	int c;

	for (;;) {
		switch ((c = getopt_long(argc, argv, optstring, longopts, NULL))) {
		case 'h':
			usage(NULL);	/* --help: stdout, exit 0 */
			break;
		case CLI_VERSION:
			cli_version();
		case '?':
		case ':':
			usage("");	/* getopt_long said why */
			break;
		case 's':	/* every program's -s is --spool */
			cli_spool = optarg;
			break;
		default:
			return c;
		}
	}
}

struct spool *
cli_spool_open(int code)
{
	struct spool *sp;

	if (spool_open(&sp, cli_spool) < 0)
		mend_die(code, "%s", mend_errmsg());
	return sp;
}

int
cli_stage_run(struct stage_ctx *st, int argc, char **argv, int (*handle)(jv rec, void *arg),
    int spool_code)
{
	int rc;

	st->sp = cli_spool_open(spool_code);
	rc = stage_run(st, argc, argv, handle);
	spool_close(st->sp);
	st->sp = NULL;
	if (rc < 0)
		mend_die(EX_IOERR, "%s", mend_errmsg());
	return rc;
}
