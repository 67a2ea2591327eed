/*
 * kb - the knowledge base of past incidents: what was seen, what the
 * cause was, what fixed it, searchable with SQLite FTS5 (BM25 ranking).
 *
 *   kb add [-p] [FILE...]       index records (incident, analysis, pr ...)
 *   kb search [-n N] TEXT...    print the best matches
 *
 * Records are redacted before they are stored.  Adding a record for an
 * incident already known merges it into that incident's entry, so the
 * analysis, and later the merged PR, of one incident make one document.
 */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "mend.h"

static struct spool *sp;
static int pass, skipped;

static void
usage(const char *why)
{
	mend_usage(why, "usage: kb [-s SPOOL] add [-p] [FILE...]\n"
	    "       kb [-s SPOOL] search [-n N] TEXT...\n");
}

static int
add_one(jv rec, void *arg)
{
	jv red;

	(void)arg;
	if (!record_str(rec, "incident.id")) {
		skipped++;
		if (pass && record_write(stdout, rec) < 0)
			mend_die(EX_IOERR, "%s", mend_errmsg());
		if (!pass)
			jv_free(rec);
		return 0;
	}
	red = redact_jv(jv_copy(rec), NULL);
	if (spool_kb_add(sp, red) < 0) {
		jv_free(red);
		jv_free(rec);
		return -1;
	}
	jv_free(red);
	if (pass) {
		if (record_write(stdout, rec) < 0)
			mend_die(EX_IOERR, "%s", mend_errmsg());
	} else
		jv_free(rec);
	return 0;
}

static int
cmd_add(int argc, char **argv)
{
	int c, rc;

	optind = 1;
	while ((c = getopt(argc, argv, "p")) != -1)
		if (c == 'p')
			pass = 1;
		else
			usage("");
	argc -= optind;
	argv += optind;
	rc = record_each(argc, argv, add_one, NULL);
	if (rc < 0)
		mend_die(EX_TEMPFAIL, "cannot add to the knowledge base: %s", mend_errmsg());
	if (skipped)
		mend_warn("%d record%s without incident.id not added", skipped, skipped == 1 ? "" : "s");
	return rc;
}

static int
cmd_search(int argc, char **argv)
{
	char *query = NULL, *end;
	size_t len = 0;
	int c, i, limit = 5;
	jv res;

	optind = 1;
	while ((c = getopt(argc, argv, "n:")) != -1)
		if (c == 'n') {
			limit = (int)strtol(optarg, &end, 10);
			if (*end || limit <= 0 || limit > 1000)
				usage("-n wants a number from 1 to 1000");
		} else
			usage("");
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage("search wants some text");
	for (i = 0; i < argc; i++) {
		size_t n = strlen(argv[i]);
		char *q = realloc(query, len + n + 2);
		if (!q)
			mend_die(EX_OSERR, "out of memory");
		query = q;
		memcpy(query + len, argv[i], n);
		len += n;
		query[len++] = ' ';
		query[len] = '\0';
	}
	if (spool_kb_search(sp, &res, query, limit) < 0)
		mend_die(EX_TEMPFAIL, "cannot search the knowledge base: %s", mend_errmsg());
	jv_array_foreach(res, k, m) {
		jv out = jv_object_set(jv_object(), jv_string("type"), jv_string("match"));
		(void)k;
		out = record_set_str(out, "query", query);
		jv_object_foreach(m, key, val)
			out = jv_object_set(out, key, val);
		jv_free(m);
		if (record_write(stdout, out) < 0)
			mend_die(EX_IOERR, "%s", mend_errmsg());
	}
	jv_free(res);
	free(query);
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "spool", required_argument, NULL, 's' },
		CLI_OPTIONS_END
	};
	int c, rc;

	mend_setprog(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	/* "+": options after the subcommand belong to it. */
	while ((c = cli_getopt(argc, argv, "+s:h", longopts, usage)) != -1) {
		switch (c) {
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage("add or search?");
	if (strcmp(argv[0], "add") && strcmp(argv[0], "search"))
		usage("the subcommands are add and search");
	sp = cli_spool_open(EX_TEMPFAIL);
	rc = !strcmp(argv[0], "add") ? cmd_add(argc, argv) : cmd_search(argc, argv);
	spool_close(sp);
	return rc;
}
