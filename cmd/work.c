/*
 * work - run a command for each job of a spool queue.
 *
 * One process, one event loop: it leases up to N ready jobs, starts CMD
 * for each with the payload on stdin, copies the children's stdout to
 * its own a whole line at a time (so lines of parallel children never
 * mix), keeps each lease alive while its child runs, and settles the job
 * from the exit status: 0 done, 64/65 dead, anything else retried with
 * backoff until the attempts run out.
 *
 * Waiting costs nothing: the loop sleeps in ppoll(2) on the children's
 * pipes and on an inotify descriptor that fires when any process commits
 * to the spool, with a timeout that is the next thing due (a lease to
 * renew, a delayed job becoming ready, a child's deadline).  Signals are
 * blocked except inside ppoll, so a SIGTERM or SIGCHLD is never lost
 * between a check and the sleep.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "mend.h"

#define RESULT_MAX (1024 * 1024)
#define KILL_GRACE 5.0		/* SIGTERM, then SIGKILL this much later */

struct child {
	int used;
	struct job job;
	struct proc p;
	char *input;
	size_t input_len, input_off;
	char *line;		/* a partial output line */
	size_t line_len, line_cap;
	char *result;		/* what the job printed, up to RESULT_MAX */
	size_t result_len;
	double renew_at, deadline, killed_at, exited_at;
	int status, exited, timed_out, lost;
};

static struct spool *sp;
static const char *queue = "incidents";
static char owner[300];
static char **cmd;
static int jobs_max = 1, drain;
static double lease_s = 60, timeout_s, backoff_s = 2;
static struct child *kids;
static volatile sig_atomic_t stopping, got_chld;
static int out_broken;

static void
usage(const char *why)
{
	mend_usage(why, "usage: work [-s SPOOL] [-q QUEUE] [-j N] [--drain] [--lease S]"
	    " [--timeout S] [--backoff S] -- CMD [ARG...]\n");
}

static void
on_signal(int sig)
{
	if (sig == SIGCHLD)
		got_chld = 1;
	else
		stopping = 1;
}

static int
running(void)
{
	int n = 0;

	for (int i = 0; i < jobs_max; i++)
		n += kids[i].used;
	return n;
}

/* Copy complete lines out; a line is written in one piece. */
static void
emit(struct child *c, const char *s, size_t n, int final)
{
	char *nl;

	if (c->result_len + n <= RESULT_MAX) {
		char *nb = realloc(c->result, c->result_len + n + 1);
		if (nb) {
			c->result = nb;
			memcpy(c->result + c->result_len, s, n);
			c->result_len += n;
			c->result[c->result_len] = '\0';
		}
	}
	if (c->line_len + n + 1 > c->line_cap) {
		size_t cap = (c->line_len + n + 1) * 2;
		char *nb = realloc(c->line, cap);
		if (!nb)
			return;
		c->line = nb;
		c->line_cap = cap;
	}
	memcpy(c->line + c->line_len, s, n);
	c->line_len += n;
	if (final && c->line_len > 0 && c->line[c->line_len - 1] != '\n')
		c->line[c->line_len++] = '\n';
	nl = memrchr(c->line, '\n', c->line_len);
	if (!nl)
		return;
	if (!out_broken) {
		size_t k = (size_t)(nl - c->line) + 1;
		if (fwrite(c->line, 1, k, stdout) != k || fflush(stdout) == EOF) {
			mend_warn("write error: %s", strerror(errno));
			out_broken = 1;
			stopping = 1;
		}
	}
	c->line_len -= (size_t)(nl - c->line) + 1;
	memmove(c->line, nl + 1, c->line_len);
}

static char **
child_env(const struct job *j)
{
	extern char **environ;
	size_t n = 0;
	char **env;

	while (environ[n])
		n++;
	if (!(env = calloc(n + 5, sizeof *env)))
		return NULL;
	n = 0;
	for (char **e = environ; *e; e++)
		if (strncmp(*e, "MEND_JOB_", 9) && strncmp(*e, "MEND_SPOOL=", 11))
			env[n++] = *e;
	if (asprintf(&env[n++], "MEND_JOB_ID=%lld", (long long)j->id) < 0 ||
	    asprintf(&env[n++], "MEND_JOB_QUEUE=%s", j->queue) < 0 ||
	    asprintf(&env[n++], "MEND_JOB_ATTEMPT=%d", j->attempts) < 0 ||
	    asprintf(&env[n++], "MEND_SPOOL=%s", spool_dir(sp)) < 0) {
		free(env);
		return NULL;
	}
	return env;
}

static void
free_env(char **env)
{
	size_t n = 0;

	if (!env)
		return;
	while (env[n])
		n++;
	for (size_t i = n - 4; i < n; i++)
		free(env[i]);
	free(env);
}

static void
release(struct child *c)
{
	job_release(&c->job);
	free(c->input);
	free(c->line);
	free(c->result);
	memset(c, 0, sizeof *c);
	c->p.in = c->p.out = c->p.err = -1;
}

static int
start(struct child *c)
{
	struct proc_opts o = { .new_pgrp = 1, .die_with_parent = 1 };
	char **env;
	double now = mend_mono();
	int rc;

	c->input = record_dump(c->job.payload);
	c->input_len = c->input ? strlen(c->input) : 0;
	if (c->input) {
		c->input[c->input_len++] = '\n';	/* replaces the NUL */
	}
	env = child_env(&c->job);
	o.env = env;
	rc = proc_spawn(&c->p, cmd, &o);
	free_env(env);
	if (rc < 0) {
		/* The command cannot run at all: no job can succeed. */
		mend_warn("%s", mend_errmsg());
		return -1;
	}
	fcntl(c->p.in, F_SETFL, O_NONBLOCK);
	c->used = 1;
	c->renew_at = now + lease_s / 3;
	c->deadline = timeout_s > 0 ? now + timeout_s : 0;
	return 0;
}

/* Settle a finished child's job. */
static void
settle(struct child *c)
{
	int code = proc_exitcode(c->status);
	const char *state = "done";
	char why[128];
	double retry = 0;
	int rc;

	emit(c, "", 0, 1);
	if (c->lost) {
		mend_warn("job %lld: lease lost; another worker owns it now",
		    (long long)c->job.id);
		release(c);
		return;
	}
	if (!c->timed_out && WIFEXITED(c->status) && code == 0) {
		rc = spool_job_done(sp, c->job.id, owner, c->result);
	} else {
		int permanent = !c->timed_out && WIFEXITED(c->status) &&
		    (code == EX_USAGE || code == EX_DATAERR);
		if (c->timed_out)
			snprintf(why, sizeof why, "timed out after %g s", timeout_s);
		else if (WIFSIGNALED(c->status))
			snprintf(why, sizeof why, "killed by signal %d", WTERMSIG(c->status));
		else
			snprintf(why, sizeof why, "exit status %d", code);
		rc = spool_job_fail(sp, c->job.id, owner, permanent, backoff_s, why,
		    &state, &retry);
		if (rc == 0 && !strcmp(state, "dead"))
			mend_warn("job %lld: %s: dead after %d attempt%s", (long long)c->job.id,
			    why, c->job.attempts, c->job.attempts == 1 ? "" : "s");
		else if (rc == 0)
			mend_warn("job %lld: %s: retry in %.1f s (attempt %d of %d)",
			    (long long)c->job.id, why, retry, c->job.attempts,
			    c->job.max_attempts);
	}
	if (rc < 0)
		mend_warn("job %lld: %s", (long long)c->job.id, mend_errmsg());
	release(c);
}

/* Lease and start jobs while there is room.  Returns how many started,
 * or -1 on a spool error. */
static int
fill(void)
{
	int started = 0;

	for (int i = 0; i < jobs_max && !stopping; i++) {
		struct child *c = &kids[i];
		int n;

		if (c->used)
			continue;
		n = spool_job_lease(sp, &c->job, queue, owner, lease_s);
		if (n < 0) {
			mend_warn("%s", mend_errmsg());
			return -1;
		}
		if (n == 0)
			break;
		if (start(c) < 0) {
			spool_job_fail(sp, c->job.id, owner, 0, backoff_s,
			    "command could not be started", NULL, NULL);
			release(c);
			return -1;
		}
		started++;
	}
	return started;
}

static void
reap(void)
{
	double now = mend_mono();

	got_chld = 0;
	for (int i = 0; i < jobs_max; i++) {
		struct child *c = &kids[i];
		if (c->used && !c->exited && waitpid(c->p.pid, &c->status, WNOHANG) == c->p.pid) {
			c->exited = 1;
			c->exited_at = now;
		}
	}
}

/* Timers: renew leases, enforce timeouts, give up on pipes that a
 * grandchild keeps open after the child exited. */
static void
tick(void)
{
	double now = mend_mono();

	for (int i = 0; i < jobs_max; i++) {
		struct child *c = &kids[i];
		if (!c->used)
			continue;
		if (!c->exited && !c->lost && now >= c->renew_at) {
			if (spool_job_renew(sp, c->job.id, owner, lease_s) < 0) {
				mend_warn("job %lld: %s: stopping its command",
				    (long long)c->job.id, mend_errmsg());
				c->lost = 1;
				proc_kill(&c->p, SIGKILL, 1);
			}
			c->renew_at = now + lease_s / 3;
		}
		if (!c->exited && c->deadline && now >= c->deadline) {
			if (!c->timed_out) {
				c->timed_out = 1;
				c->killed_at = now;
				proc_kill(&c->p, SIGTERM, 1);
			} else if (now - c->killed_at >= KILL_GRACE) {
				proc_kill(&c->p, SIGKILL, 1);
			}
		}
		if (c->exited && c->p.out >= 0 && now - c->exited_at > 1.0) {
			close(c->p.out);
			c->p.out = -1;
		}
		if (c->exited && c->p.out < 0) {
			if (c->p.in >= 0)
				close(c->p.in);
			c->p.in = -1;
			settle(c);
		}
	}
}

/* Seconds until the next timer of a running child is due. */
static double
next_due(double cap)
{
	double now = mend_mono(), t = cap;

	for (int i = 0; i < jobs_max; i++) {
		struct child *c = &kids[i];
		if (!c->used)
			continue;
		if (c->exited)
			t = t < 0.05 ? t : 0.05;
		if (!c->exited && c->renew_at - now < t)
			t = c->renew_at - now;
		if (c->deadline) {
			double d = c->timed_out ? c->killed_at + KILL_GRACE - now
			    : c->deadline - now;
			if (d < t)
				t = d;
		}
	}
	return t < 0 ? 0 : t;
}

static void
io(struct pollfd *fds, int nfds)
{
	char buf[65536];

	for (int k = 0; k < nfds; k++) {
		if (!fds[k].revents)
			continue;
		for (int i = 0; i < jobs_max; i++) {
			struct child *c = &kids[i];
			ssize_t n;
			if (!c->used)
				continue;
			if (fds[k].fd == c->p.in) {
				n = write(c->p.in, c->input + c->input_off,
				    c->input_len - c->input_off);
				if (n > 0)
					c->input_off += (size_t)n;
				if ((n < 0 && errno != EAGAIN) || c->input_off == c->input_len) {
					close(c->p.in);
					c->p.in = -1;
				}
			} else if (fds[k].fd == c->p.out) {
				n = read(c->p.out, buf, sizeof buf);
				if (n > 0) {
					emit(c, buf, (size_t)n, 0);
				} else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
					close(c->p.out);
					c->p.out = -1;
				}
			}
		}
	}
}

static int
loop(void)
{
	sigset_t none;
	int rc = 0, idle;

	sigemptyset(&none);
	for (;;) {
		struct pollfd fds[2 * 64 + 1];
		int nfds = 0, watch = -1;
		double wait;
		struct timespec ts;

		reap();
		tick();
		idle = 0;
		if (!stopping && running() < jobs_max) {
			int n = fill();
			if (n < 0) {
				rc = EX_TEMPFAIL;
				stopping = 1;
			}
			idle = n == 0 && running() == 0;
		}
		if (running() == 0 && (stopping || (drain && idle)))
			break;
		if (drain && running() == 0)
			continue;
		wait = next_due(1.0);
		if (!stopping && running() < jobs_max) {
			double next = spool_job_next(sp, queue);
			if (next >= 0 && next < wait)
				wait = next;
			if ((watch = spool_watch_fd(sp)) >= 0)
				fds[nfds++] = (struct pollfd){ .fd = watch, .events = POLLIN };
			else if (wait > 0.05)
				wait = 0.05;	/* no inotify: a gentle poll */
		}
		for (int i = 0; i < jobs_max; i++) {
			struct child *c = &kids[i];
			if (!c->used)
				continue;
			if (c->p.in >= 0)
				fds[nfds++] = (struct pollfd){ .fd = c->p.in, .events = POLLOUT };
			if (c->p.out >= 0)
				fds[nfds++] = (struct pollfd){ .fd = c->p.out, .events = POLLIN };
		}
		ts.tv_sec = (time_t)wait;
		ts.tv_nsec = (long)((wait - (double)ts.tv_sec) * 1e9);
		if (ppoll(fds, (nfds_t)nfds, &ts, &none) > 0) {
			io(fds, nfds);
			if (watch >= 0 && fds[0].revents)
				spool_wait(sp, 0);	/* drain the events */
		}
	}
	if (out_broken && !rc)
		rc = EX_IOERR;
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "spool", required_argument, NULL, 's' },
		{ "queue", required_argument, NULL, 'q' },
		{ "jobs", required_argument, NULL, 'j' },
		{ "drain", no_argument, NULL, 'D' },
		{ "lease", required_argument, NULL, 'L' },
		{ "timeout", required_argument, NULL, 'T' },
		{ "backoff", required_argument, NULL, 'B' },
		CLI_OPTIONS_END
	};
	struct sigaction sa;
	sigset_t block;
	char host[256] = "localhost", *end;
	int c, rc;

	mend_setprog(argv[0]);
	while ((c = cli_getopt(argc, argv, "+s:q:j:h", longopts, usage)) != -1) {
		switch (c) {
		case 'q':
			queue = optarg;
			break;
		case 'j':
			jobs_max = (int)strtol(optarg, &end, 10);
			if (*end || jobs_max < 1 || jobs_max > 64)
				usage("-j wants a number from 1 to 64");
			break;
		case 'D':
			drain = 1;
			break;
		case 'L':
			if (mend_parse_duration(&lease_s, optarg) < 0 || lease_s < 1)
				usage("--lease wants a duration of at least 1 s");
			break;
		case 'T':
			if (mend_parse_duration(&timeout_s, optarg) < 0)
				usage(mend_errmsg());
			break;
		case 'B':
			if (mend_parse_duration(&backoff_s, optarg) < 0)
				usage(mend_errmsg());
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage("no command: work [options] -- CMD [ARG...]");
	cmd = argv;
	if (!(kids = calloc((size_t)jobs_max, sizeof *kids)))
		mend_die(EX_OSERR, "out of memory");
	gethostname(host, sizeof host - 1);
	snprintf(owner, sizeof owner, "%s:%d", host, (int)getpid());
	srand((unsigned)(getpid() ^ (unsigned)time(NULL)));

	signal(SIGPIPE, SIG_IGN);
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGCHLD, &sa, NULL);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGCHLD);
	sigprocmask(SIG_BLOCK, &block, NULL);

	sp = cli_spool_open(EX_UNAVAILABLE);
	/* Jobs run at least once: a lease or ack lost to a power cut only
	 * makes a job run again, so these commits need not wait for fsync. */
	spool_set_durable(sp, 0);
	rc = loop();
	spool_close(sp);
	free(kids);
	return rc;
}
