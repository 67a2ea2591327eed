/*
 * redact - take secrets out of text or records: the filter form of
 * lib/redact.c, the door every other mend program sends text through.
 *
 *   redact [FILE...]          text: each line redacted, NUL bytes and all
 *   redact --json [FILE...]   records: every string redacted, values under
 *                             secret-looking keys replaced (analysis.diff
 *                             and analysis.edits are kept, as in the spool)
 *
 * Text goes a line at a time, so `tail -f log | redact` works; a PEM
 * private key block is gathered whole before it is redacted.
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mend.h"

static int json, write_failed;

static void
usage(const char *why)
{
	mend_usage(why, "usage: redact [--json] [FILE...]\n");
}

static int
on_record(jv rec, void *arg)
{
	(void)arg;
	if (record_write(stdout, redact_record(rec, NULL)) < 0) {
		write_failed = 1;
		return -1;
	}
	return 0;
}

static int
put(struct strbuf *b)
{
	size_t n;
	char *r;

	if (b->oom)
		return mend_err("out of memory");
	if (!b->len)
		return 0;
	if (!(r = redact_mem(b->s, b->len, &n, NULL)))
		return -1;
	if (fwrite(r, 1, n, stdout) != n) {
		free(r);
		write_failed = 1;
		return mend_errno("write error");
	}
	free(r);
	b->len = 0;
	return 0;
}

static int
text(FILE *f)
{
	struct strbuf b = { 0 };
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int in_key = 0, rc = 0;

	while ((n = getline(&line, &cap, f)) > 0) {
		strbuf_addn(&b, line, (size_t)n);
		if (!in_key && memmem(line, (size_t)n, "-----BEGIN ", 11) &&
		    memmem(line, (size_t)n, "PRIVATE KEY", 11) &&
		    !memmem(line, (size_t)n, "-----END ", 9))
			in_key = 1;
		else if (in_key && memmem(line, (size_t)n, "-----END ", 9))
			in_key = 0;
		if (!in_key && (rc = put(&b)) < 0)
			break;
		if (!in_key && fflush(stdout) == EOF) {
			rc = mend_errno("write error");
			write_failed = 1;
			break;
		}
	}
	if (rc == 0)
		rc = put(&b);
	free(line);
	strbuf_release(&b);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "json", no_argument, NULL, 'j' },
		CLI_OPTIONS_END
	};
	int c, i, rc = 0;

	mend_setprog(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	while ((c = cli_getopt(argc, argv, "jh", longopts, usage)) != -1) {
		switch (c) {
		case 'j': json = 1; break;
		}
	}
	argc -= optind;
	argv += optind;

	if (json) {
		rc = record_each(argc, argv, on_record, NULL);
		if (write_failed)
			mend_die(EX_IOERR, "%s", mend_errmsg());
		if (rc < 0)
			mend_die(EX_SOFTWARE, "%s", mend_errmsg());
		return rc;
	}
	if (argc == 0 && text(stdin) < 0)
		mend_die(write_failed ? EX_IOERR : EX_SOFTWARE, "%s", mend_errmsg());
	for (i = 0; i < argc; i++) {
		FILE *f = strcmp(argv[i], "-") ? fopen(argv[i], "r") : stdin;
		if (!f) {
			mend_warn("cannot open '%s': %m", argv[i]);
			rc = EX_NOINPUT;
			continue;
		}
		if (text(f) < 0)
			mend_die(write_failed ? EX_IOERR : EX_SOFTWARE, "%s", mend_errmsg());
		if (f != stdin)
			fclose(f);
	}
	if (fflush(stdout) == EOF)
		mend_die(EX_IOERR, "write error");
	return rc;
}
