/*
 * logs - read application logs (files, followed like tail -F, or
 * standard input) and print `error` records: one per stack trace, and a
 * count of error lines per stream.  Parsing is lib/logline.c, grouping
 * lib/logs.c, following lib/tail.c; this is the loop around them.
 *
 * Positions are saved in the spool (namespace "logs", one key per file:
 * device, inode, offset) at most once a second and at exit, and never
 * past a line that is still held for a trace not yet finished, so a
 * restart neither skips nor repeats.  The loop sleeps in poll(2) on
 * inotify and standard input until a line comes, a trace's quiet gap
 * ends, or a count is due.  SIGTERM or SIGINT: finish every trace, print,
 * save, exit 0.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mend.h"

#define READ_BUDGET (1 << 20)	/* bytes of one file before looking at the others */
#define SAVE_EVERY 1.0

static void
usage(const char *why)
{
	mend_usage(why, "usage: logs [-fn] [-s DIR] [-F FORMAT] [-m MONITOR] [--gap S] "
	    "[--interval S]\n\t[--from-end] [--poll S] [--max-lines N] [--max-bytes N] "
	    "[--max-line N]\n\t[FILE...]\n");
}

struct run {
	struct logs *g;
	struct logline l;
	struct tailer *t;
	struct spool *sp;
	int format;
	char **keys;		/* absolute paths: the spool's keys */
	struct tail_pos *saved;
	long long *cap;		/* a position not to save past, -1: none */
	long *lineno;
	long bad;
	double last_save;
	double now, mono;	/* the time of the lines being read */
};

static double
seconds(const char *s, const char *what)
{
	double v;
	char msg[128];

	if (mend_parse_duration(&v, s) < 0 || v <= 0) {
		snprintf(msg, sizeof msg, "bad %s '%s'", what, s);
		usage(msg);
	}
	return v;
}

static void
emit(struct run *r)
{
	jv recs = logs_take(r->g);
	int i, n = jv_array_length(jv_copy(recs));

	for (i = 0; i < n; i++)
		if (record_write(stdout, jv_array_get(jv_copy(recs), i)) < 0)
			mend_die(EX_IOERR, "%s", mend_errmsg());
	jv_free(recs);
}

static int
feed(struct run *r, const char *src, long *lineno, const char *line, size_t len,
    long long off)
{
	(*lineno)++;
	if (logline_parse(&r->l, r->format, line, len) < 0) {
		mend_warn("%s:%ld: %s", src, *lineno, mend_errmsg());
		r->bad++;
		return 0;
	}
	return logs_feed(r->g, src, &r->l, off, r->now, r->mono);
}

static int
on_line(void *arg, size_t i, const char *line, size_t len, long long off)
{
	struct run *r = arg;

	return feed(r, tailer_path(r->t, i), &r->lineno[i], line, len, off);
}

/* The spool key of a file: its absolute path, as given (not resolved:
 * a symlink switched to a new target is a rotation too). */
static char *
abs_key(const char *path)
{
	char cwd[PATH_MAX];
	struct strbuf b = { 0 };

	if (path[0] != '/' && getcwd(cwd, sizeof cwd)) {
		strbuf_add(&b, cwd);
		strbuf_add(&b, "/");
	}
	strbuf_add(&b, path);
	return strbuf_take(&b);
}

static int
pos_load(struct run *r, size_t i, struct tail_pos *pos)
{
	jv v;

	pos->off = -1;
	if (!r->sp)
		return 0;
	if (spool_state_get(r->sp, &v, "logs", r->keys[i]) < 0)
		return -1;
	if (jv_get_kind(v) == JV_KIND_OBJECT) {
		pos->dev = (dev_t)record_num(v, "dev", 0);
		pos->ino = (ino_t)record_num(v, "ino", 0);
		pos->off = (long long)record_num(v, "off", -1);
	}
	jv_free(v);
	return 0;
}

/* Save each file's position, but not past what is still held. */
static void
save(struct run *r, int force)
{
	size_t i, n = tailer_count(r->t);
	int begun = 0;

	if (!r->sp || (!force && mend_mono() - r->last_save < SAVE_EVERY))
		return;
	r->last_save = mend_mono();
	for (i = 0; i < n; i++) {
		struct tail_pos p;
		long long held;
		jv v;

		if (!tailer_pos(r->t, i, &p))
			continue;
		if (logs_held(r->g, tailer_path(r->t, i), &held) && held >= 0 && held < p.off)
			p.off = held;
		if (r->cap[i] >= 0 && r->cap[i] < p.off)
			p.off = r->cap[i];
		if (p.dev == r->saved[i].dev && p.ino == r->saved[i].ino &&
		    p.off == r->saved[i].off)
			continue;
		if (!begun && spool_begin(r->sp) < 0)
			goto fail;
		begun = 1;
		v = jv_object();
		v = jv_object_set(v, jv_string("dev"), jv_number((double)p.dev));
		v = jv_object_set(v, jv_string("ino"), jv_number((double)p.ino));
		v = jv_object_set(v, jv_string("off"), jv_number((double)p.off));
		if (spool_state_put(r->sp, "logs", r->keys[i], v) < 0)
			goto fail;
		r->saved[i] = p;
	}
	if (begun && spool_commit(r->sp) < 0)
		goto fail;
	return;
fail:
	mend_warn("cannot save positions: %s", mend_errmsg());
	if (begun)
		spool_rollback(r->sp);
	memset(r->saved, 0, n * sizeof *r->saved);
}

/*
 * At exit: a trace still being written (its file changed within the gap)
 * is not printed cut short but left for the next run, which reads it
 * again from its first line.
 */
static void
keep_fresh(struct run *r, double gap)
{
	size_t i, n = tailer_count(r->t);
	double now = mend_now();

	if (!r->sp)
		return;
	for (i = 0; i < n; i++) {
		const char *path = tailer_path(r->t, i);
		struct stat st;
		long long held;

		if (stat(path, &st) < 0 || now - ((double)st.st_mtim.tv_sec +
		    st.st_mtim.tv_nsec / 1e9) >= gap || !logs_held(r->g, path, &held) || held < 0)
			continue;
		r->cap[i] = held;
		logs_drop(r->g, path);
	}
}

/* Read every file as far as it goes now; 1 when something was read. */
static int
read_files(struct run *r)
{
	size_t i, n = tailer_count(r->t);
	int more = 0;

	for (i = 0; i < n && !input_stop; i++) {
		int rc;
		r->now = mend_now();
		r->mono = mend_mono();
		rc = tailer_read(r->t, i, READ_BUDGET, on_line, r);
		if (rc < 0)
			mend_die(EX_IOERR, "%s", mend_errmsg());
		if (rc == 2 && logs_end(r->g, tailer_path(r->t, i), mend_mono()) < 0)
			mend_die(EX_SOFTWARE, "%s", mend_errmsg());
		if (rc > 0)
			more = 1;
		emit(r);
	}
	return more;
}

/* Read standard input once (it was readable); feed its whole lines. */
static void
read_stdin(struct run *r, struct input *in, long *lineno)
{
	const char *line;
	size_t len;
	int rc;

	r->now = mend_now();
	r->mono = mend_mono();
	if ((rc = input_read(in)) == 0)
		return;
	if (rc < 0)
		mend_die(EX_IOERR, "read error on standard input: %s", mend_errmsg());
	while (input_line(in, &line, &len) == 1)
		if (feed(r, "-", lineno, line, len, -1) < 0)
			mend_die(EX_SOFTWARE, "%s", mend_errmsg());
	emit(r);
}

int
main(int argc, char **argv)
{
	enum { O_GAP = 256, O_INTERVAL, O_FROM_END, O_POLL, O_MAX_LINES, O_MAX_BYTES,
		O_MAX_LINE, O_VERSION };
	static const struct option longopts[] = {
		{ "follow", no_argument, NULL, 'f' },
		{ "no-state", no_argument, NULL, 'n' },
		{ "spool", required_argument, NULL, 's' },
		{ "format", required_argument, NULL, 'F' },
		{ "monitor", required_argument, NULL, 'm' },
		{ "gap", required_argument, NULL, O_GAP },
		{ "interval", required_argument, NULL, O_INTERVAL },
		{ "from-end", no_argument, NULL, O_FROM_END },
		{ "poll", required_argument, NULL, O_POLL },
		{ "max-lines", required_argument, NULL, O_MAX_LINES },
		{ "max-bytes", required_argument, NULL, O_MAX_BYTES },
		{ "max-line", required_argument, NULL, O_MAX_LINE },
		CLI_OPTIONS_END
	};
	struct logs_opts o;
	struct run r;
	struct input in;
	long stdin_lineno = 0;
	double poll_every = 0;
	int c, i, follow = 0, nostate = 0, from_end = 0, use_stdin = 0, missing = 0;
	size_t nfiles = 0;

	mend_setprog(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	input_catch_stop();
	memset(&r, 0, sizeof r);
	logline_init(&r.l);
	logs_opts_init(&o);
	while ((c = cli_getopt(argc, argv, "fns:F:m:h", longopts, usage)) != -1) {
		switch (c) {
		case 'f':
			follow = 1;
			break;
		case 'n':
			nostate = 1;
			break;
		case 'F':
			if ((r.format = logline_format(optarg)) < 0)
				usage(mend_errmsg());
			break;
		case 'm':
			o.monitor = optarg;
			break;
		case O_GAP:
			o.gap = seconds(optarg, "--gap");
			break;
		case O_INTERVAL:
			o.interval = seconds(optarg, "--interval");
			break;
		case O_FROM_END:
			from_end = 1;
			break;
		case O_POLL:
			poll_every = seconds(optarg, "--poll");
			break;
		case O_MAX_LINES:
			o.max_lines = (size_t)mend_arg_long(optarg, "--max-lines", 1, usage);
			break;
		case O_MAX_BYTES:
			o.max_bytes = (size_t)mend_arg_long(optarg, "--max-bytes", 256, usage);
			break;
		case O_MAX_LINE:
			o.max_line = (size_t)mend_arg_long(optarg, "--max-line", 256, usage);
			break;
		}
	}
	argc -= optind;
	argv += optind;

	if (logs_new(&r.g, &o) < 0 || tailer_new(&r.t, o.max_line, poll_every <= 0) < 0)
		mend_die(EX_OSERR, "%s", mend_errmsg());
	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "-"))
			nfiles++;
		else
			use_stdin = 1;
	if (argc == 0)
		use_stdin = 1;
	if (nfiles && !nostate)
		r.sp = cli_spool_open(EX_UNAVAILABLE);
	if (r.sp)
		spool_set_durable(r.sp, 0);
	if (!(r.keys = calloc(nfiles + 1, sizeof *r.keys)) ||
	    !(r.saved = calloc(nfiles + 1, sizeof *r.saved)) ||
	    !(r.lineno = calloc(nfiles + 1, sizeof *r.lineno)) ||
	    !(r.cap = calloc(nfiles + 1, sizeof *r.cap)) ||
	    input_init(&in, 0, 0, o.max_line) < 0)
		mend_die(EX_OSERR, "out of memory");
	for (i = 0; i < argc; i++) {
		size_t k = tailer_count(r.t);
		struct tail_pos pos;
		if (!strcmp(argv[i], "-"))
			continue;
		if (!(r.keys[k] = abs_key(argv[i])) || pos_load(&r, k, &pos) < 0)
			mend_die(EX_UNAVAILABLE, "%s", mend_errmsg());
		r.saved[k] = pos;
		r.cap[k] = -1;
		if (tailer_add(r.t, argv[i], &pos, from_end) < 0)
			mend_die(EX_NOINPUT, "%s", mend_errmsg());
		if (!follow && !tailer_pos(r.t, k, &pos)) {
			mend_warn("cannot open '%s': No such file or directory", argv[i]);
			missing = 1;
		}
	}

	while (!input_stop) {
		struct pollfd pfd[2];
		int npfd = 0, more = 0, wait_ms = -1;
		double now, deadline;

		if (nfiles)
			more = read_files(&r);
		if (input_stop)
			break;
		now = mend_mono();
		if (logs_tick(r.g, now) < 0)
			mend_die(EX_SOFTWARE, "%s", mend_errmsg());
		emit(&r);
		save(&r, 0);
		if (!follow && !more && (!use_stdin || in.eof))
			break;
		if (follow && !more && !nfiles && use_stdin && in.eof)
			break;
		if (more)
			continue;
		deadline = logs_deadline(r.g);
		if (deadline > 0)
			wait_ms = deadline <= now ? 0 : (int)((deadline - now) * 1000) + 1;
		if (nfiles && follow) {
			/* With inotify, a look now and then all the same (a
			 * file system that does not report changes). */
			int recheck = tailer_fd(r.t) < 0 ?
			    (int)((poll_every > 0 ? poll_every : 1) * 1000) : 2000;
			if (wait_ms < 0 || recheck < wait_ms)
				wait_ms = recheck;
		}
		if (r.sp && nfiles && (wait_ms < 0 || wait_ms > (int)(SAVE_EVERY * 1000)))
			wait_ms = (int)(SAVE_EVERY * 1000);
		if (nfiles && follow && tailer_fd(r.t) >= 0) {
			pfd[npfd].fd = tailer_fd(r.t);
			pfd[npfd++].events = POLLIN;
		}
		if (use_stdin && !in.eof) {
			pfd[npfd].fd = 0;
			pfd[npfd++].events = POLLIN;
		}
		if (npfd == 0 && wait_ms < 0)
			break;
		if (poll(pfd, (nfds_t)npfd, wait_ms) < 0 && errno != EINTR)
			mend_die(EX_OSERR, "poll: %s", strerror(errno));
		for (i = 0; i < npfd; i++) {
			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			if (pfd[i].fd == 0)
				read_stdin(&r, &in, &stdin_lineno);
			else
				tailer_drain(r.t);
		}
	}
	keep_fresh(&r, o.gap);
	if (logs_end(r.g, NULL, mend_mono()) < 0)
		mend_die(EX_SOFTWARE, "%s", mend_errmsg());
	emit(&r);
	save(&r, 1);
	logs_free(r.g);
	tailer_free(r.t);
	logline_release(&r.l);
	if (r.sp)
		spool_close(r.sp);
	for (i = 0; (size_t)i < nfiles; i++)
		free(r.keys[i]);
	free(r.keys);
	free(r.saved);
	free(r.lineno);
	free(r.cap);
	input_release(&in);
	if (missing)
		return EX_NOINPUT;
	return r.bad ? EX_DATAERR : 0;
}
