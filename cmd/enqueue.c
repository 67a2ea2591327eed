/*
 * enqueue - commit records as jobs in a spool queue.
 *
 * A record is printed (with its job) only after the transaction holding
 * its job has committed.  To be fast without breaking that promise,
 * records are added in one transaction while more input is already
 * waiting, and the batch is committed, then printed, when the input
 * would block or the batch is full.  A live pipeline therefore sees each
 * record at once; a file of a million lines is committed in large
 * batches.
 */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mend.h"

#define BATCH_MAX 1000

static struct spool *sp;
static struct job_opts opts;
static struct jqexpr *keyexpr;
/* Output lines of the records added in the open transaction. */
static struct strbuf pending;
static int npending;
static int bad_key;

static void
usage(const char *why)
{
	mend_usage(why, "usage: enqueue [-s SPOOL] [-q QUEUE] [--key JQ] [--delay S]"
	    " [--priority N] [--attempts N] [FILE...]\n");
}

/* The dedup key of rec, malloc'd, or NULL for none. */
static char *
job_key(jv rec, const char *where, long line)
{
	jv v;
	char *k = NULL;
	int n;

	if (!keyexpr) {
		const char *id = record_str(rec, "incident.id");
		const char *ev = record_str(rec, "incident.event");
		if (!strcmp(record_type(rec), "incident") && id && ev &&
		    asprintf(&k, "%s:%s", id, ev) < 0)
			k = NULL;
		return k;
	}
	n = jqexpr_eval(keyexpr, &v, rec);
	if (n < 0) {
		mend_warn("%s:%ld: --key: %s", where, line, mend_errmsg());
		bad_key = 1;
		return NULL;
	}
	if (n == 0)
		return NULL;
	if (jv_get_kind(v) == JV_KIND_STRING)
		k = strdup(jv_string_value(v));
	else if (jv_get_kind(v) != JV_KIND_NULL)
		k = record_dump(v);
	jv_free(v);
	return k;
}

/* Commit the open batch, then print it. */
static int
flush(void)
{
	if (npending == 0)
		return 0;
	if (spool_commit(sp) < 0) {
		mend_warn("cannot commit to spool: %s", mend_errmsg());
		return EX_TEMPFAIL;
	}
	if (pending.oom) {
		mend_warn("out of memory");
		return EX_OSERR;
	}
	if (fwrite(pending.s, 1, pending.len, stdout) != pending.len ||
	    fflush(stdout) == EOF) {
		mend_errno("write error");
		mend_warn("%s", mend_errmsg());
		return EX_IOERR;
	}
	pending.len = 0;
	npending = 0;
	return 0;
}

/*
 * The output line: the record's own text with the job spliced in before
 * its closing brace, which saves dumping every record again.  A record
 * that already has a "job" (from another queue) is rebuilt instead.
 */
static int
pend(jv rec, const char *text, size_t len, jv job)
{
	char *js = record_dump(job);

	if (!js) {
		jv_free(rec);
		jv_free(job);
		return -1;
	}
	if (!record_has(rec, "job") && len >= 2 && text[len - 1] == '}') {
		while (len > 1 && (text[len - 2] == ' ' || text[len - 2] == '\t'))
			len--;
		strbuf_addn(&pending, text, len - 1);
		if (text[len - 2] != '{')
			strbuf_add(&pending, ",");
		strbuf_addf(&pending, "\"job\":%s}\n", js);
	} else {
		char *all;
		rec = jv_object_set(rec, jv_string("job"), jv_copy(job));
		all = record_dump(rec);
		strbuf_addf(&pending, "%s\n", all ? all : "");
		free(all);
	}
	free(js);
	jv_free(rec);
	jv_free(job);
	npending++;
	return pending.oom ? -1 : 0;
}

static int
add(jv rec, const char *where, long line, const char *text, size_t len)
{
	char *key = job_key(rec, where, line);
	struct job_opts o = opts;
	jv job;
	int rc;

	if (npending == 0 && spool_begin(sp) < 0) {
		free(key);
		jv_free(rec);
		mend_warn("%s", mend_errmsg());
		return EX_TEMPFAIL;
	}
	o.key = key;
	o.text = text;
	o.text_len = len;
	rc = spool_job_add(sp, &job, &o, jv_copy(rec));
	free(key);
	if (rc < 0) {
		jv_free(rec);
		spool_rollback(sp);
		mend_warn("cannot add job: %s", mend_errmsg());
		return EX_TEMPFAIL;
	}
	if (pend(rec, text, len, job) < 0) {
		spool_rollback(sp);
		mend_warn("out of memory");
		return EX_OSERR;
	}
	return 0;
}

static int
run(const char *path)
{
	struct record_reader *r;
	const char *text;
	size_t len;
	jv rec;
	int n, rc = 0;

	if (record_reader_open(&r, path) < 0) {
		mend_warn("%s", mend_errmsg());
		return EX_NOINPUT;
	}
	for (;;) {
		/* Input would block: make what we have durable and visible. */
		if (!record_reader_ready(r) && (rc = flush()))
			break;
		if ((n = record_read(r, &rec)) <= 0) {
			if (n < 0) {
				mend_warn("%s", mend_errmsg());
				rc = EX_IOERR;
			}
			break;
		}
		text = record_reader_text(r, &len);
		if ((rc = add(rec, record_reader_name(r), record_reader_line(r), text, len)))
			break;
		if (npending >= BATCH_MAX && (rc = flush()))
			break;
	}
	if (!rc)
		rc = flush();
	if (!rc && record_reader_bad(r))
		rc = EX_DATAERR;
	record_reader_free(r);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "spool", required_argument, NULL, 's' },
		{ "queue", required_argument, NULL, 'q' },
		{ "key", required_argument, NULL, 'k' },
		{ "delay", required_argument, NULL, 'd' },
		{ "priority", required_argument, NULL, 'p' },
		{ "attempts", required_argument, NULL, 'a' },
		CLI_OPTIONS_END
	};
	char *end;
	int c, i, rc = 0, worst = 0;

	mend_setprog(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	opts.queue = "incidents";
	while ((c = cli_getopt(argc, argv, "s:q:h", longopts, usage)) != -1) {
		switch (c) {
		case 'q':
			opts.queue = optarg;
			break;
		case 'k':
			if (jqexpr_compile(&keyexpr, optarg) < 0)
				usage(mend_errmsg());
			break;
		case 'd':
			if (mend_parse_duration(&opts.delay, optarg) < 0)
				usage(mend_errmsg());
			break;
		case 'p':
			opts.priority = (int)strtol(optarg, &end, 10);
			if (*end || end == optarg)
				usage("--priority wants a whole number");
			break;
		case 'a':
			opts.max_attempts = (int)strtol(optarg, &end, 10);
			if (*end || opts.max_attempts < 1)
				usage("--attempts wants a number of at least 1");
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (!*opts.queue)
		usage("empty queue name");
	sp = cli_spool_open(EX_UNAVAILABLE);
	for (i = 0; i < (argc ? argc : 1); i++) {
		rc = run(argc ? argv[i] : "-");
		if (rc && rc != EX_DATAERR && rc != EX_NOINPUT)
			break;
		if (rc > worst)
			worst = rc;
	}
	strbuf_release(&pending);
	jqexpr_free(keyexpr);
	spool_close(sp);
	if (!rc && bad_key)
		rc = EX_DATAERR;
	return rc ? rc : worst;
}
