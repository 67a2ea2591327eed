/*
 * exec.c - child processes: spawn without a shell, pipes, process groups
 * (so a timeout kills the whole tree a test suite or agent started),
 * resource limits, a scrubbed environment, and optionally no network.
 *
 * A failed exec is reported to the parent through a close-on-exec pipe,
 * so proc_spawn() can say "cannot run 'pytest': No such file or
 * directory" instead of the child exiting 127 in silence.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mend.h"

extern char **environ;

static void
setlim(int res, long v)
{
	struct rlimit rl;

	if (v <= 0)
		return;
	rl.rlim_cur = rl.rlim_max = (rlim_t)v;
	setrlimit(res, &rl);
}

/* In the child: report errno on the status pipe and die. */
static void __attribute__((noreturn))
child_fail(int fd, int stage)
{
	int msg[2] = { stage, errno };

	(void)!write(fd, msg, sizeof msg);
	_exit(127);
}

int
proc_spawn(struct proc *p, char *const argv[], const struct proc_opts *o)
{
	static const struct proc_opts none;
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 }, st[2];
	int msg[2];
	ssize_t n;
	pid_t pid, parent = getpid();

	if (!o)
		o = &none;
	p->pid = -1;
	p->in = p->out = p->err = -1;
	if ((!o->stdin_null && pipe2(in, O_CLOEXEC) < 0) || pipe2(out, O_CLOEXEC) < 0 ||
	    (o->stderr_pipe && !o->merge_stderr && pipe2(err, O_CLOEXEC) < 0) ||
	    pipe2(st, O_CLOEXEC) < 0) {
		mend_errno("cannot create pipe");
		goto fail;
	}
	if ((pid = fork()) < 0) {
		mend_errno("cannot fork");
		close(st[0]);
		close(st[1]);
		goto fail;
	}
	if (pid == 0) {
		sigset_t all;
		int fd0 = o->stdin_null ? open("/dev/null", O_RDONLY) : in[0];

		sigemptyset(&all);
		sigprocmask(SIG_SETMASK, &all, NULL);
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGCHLD, SIG_DFL);
		if (o->new_pgrp)
			setpgid(0, 0);
		/* The parent may have died before prctl: then we go too. */
		if (o->die_with_parent && (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 ||
		    getppid() != parent))
			_exit(127);
		if (dup2(fd0, 0) < 0 || dup2(out[1], 1) < 0)
			child_fail(st[1], 0);
		if (o->merge_stderr && dup2(out[1], 2) < 0)
			child_fail(st[1], 0);
		if (err[1] >= 0 && dup2(err[1], 2) < 0)
			child_fail(st[1], 0);
		if (o->cwd && chdir(o->cwd) < 0)
			child_fail(st[1], 1);
		setlim(RLIMIT_CPU, o->rlimit_cpu);
		setlim(RLIMIT_AS, o->rlimit_as);
		setlim(RLIMIT_FSIZE, o->rlimit_fsize);
		setlim(RLIMIT_NPROC, o->rlimit_nproc);
		if (o->no_network && unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0)
			child_fail(st[1], 2);
		if (o->env)
			execvpe(argv[0], argv, o->env);
		else
			execvp(argv[0], argv);
		child_fail(st[1], 3);
	}
	if (o->new_pgrp)
		setpgid(pid, pid);	/* both sides, so kill(-pid) works at once */
	close(st[1]);
	if (in[0] >= 0)
		close(in[0]);
	close(out[1]);
	if (err[1] >= 0)
		close(err[1]);
	do
		n = read(st[0], msg, sizeof msg);
	while (n < 0 && errno == EINTR);
	close(st[0]);
	if (n == (ssize_t)sizeof msg) {
		static const char *what[] = { "set up stdio for", "change directory for",
		    "isolate the network of", "run" };
		waitpid(pid, NULL, 0);
		if (in[1] >= 0)
			close(in[1]);
		close(out[0]);
		if (err[0] >= 0)
			close(err[0]);
		return mend_err("cannot %s '%s': %s", what[msg[0] & 3], argv[0],
		    strerror(msg[1]));
	}
	p->pid = pid;
	p->in = in[1];
	p->out = out[0];
	p->err = err[0];
	return 0;
fail:
	for (int i = 0; i < 2; i++) {
		if (in[i] >= 0)
			close(in[i]);
		if (out[i] >= 0)
			close(out[i]);
		if (err[i] >= 0)
			close(err[i]);
	}
	return -1;
}

void
proc_kill(const struct proc *p, int sig, int group)
{
	if (p->pid <= 0)
		return;
	if (!group || kill(-p->pid, sig) < 0)
		kill(p->pid, sig);
}

int
proc_wait(struct proc *p, int *status)
{
	pid_t r;

	if (p->in >= 0)
		close(p->in);
	if (p->out >= 0)
		close(p->out);
	if (p->err >= 0)
		close(p->err);
	p->in = p->out = p->err = -1;
	do
		r = waitpid(p->pid, status, 0);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return mend_errno("waitpid");
	p->pid = -1;
	return 0;
}

int
proc_exitcode(int status)
{
	if (WIFEXITED(status))
		return WEXITSTATUS(status);
	if (WIFSIGNALED(status))
		return 128 + WTERMSIG(status);
	return 255;
}

struct buf {
	char *p;
	size_t len, max;
};

/* Append, keeping at most max bytes: the tail, where errors are. */
static void
buf_add(struct buf *b, const char *s, size_t n)
{
	char *np = realloc(b->p, b->len + n + 1);

	if (!np)
		return;
	b->p = np;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	if (b->max && b->len > b->max) {
		memmove(b->p, b->p + b->len - b->max, b->max);
		b->len = b->max;
	}
	b->p[b->len] = '\0';
}

int
proc_run(struct proc_result *res, char *const argv[], const struct proc_opts *o,
    const char *input, size_t input_len, double timeout, size_t max_out)
{
	struct proc_opts opts = o ? *o : (struct proc_opts){ 0 };
	struct buf out = { NULL, 0, max_out }, err = { NULL, 0, max_out };
	struct proc p;
	double deadline = timeout > 0 ? mend_mono() + timeout : 0, killed_at = 0;
	size_t off = 0;
	int status = 0, exited = 0;
	void (*oldpipe)(int) = signal(SIGPIPE, SIG_IGN);

	memset(res, 0, sizeof *res);
	opts.new_pgrp = opts.new_pgrp || timeout > 0;
	opts.stdin_null = !input;
	if (proc_spawn(&p, argv, &opts) < 0) {
		signal(SIGPIPE, oldpipe);
		return -1;
	}
	if (p.in >= 0 && input_len == 0) {
		close(p.in);
		p.in = -1;
	}
	while (p.out >= 0 || p.err >= 0 || p.in >= 0) {
		struct pollfd fds[3];
		int nfds = 0, wait_ms = 100;
		char chunk[16384];

		if (p.in >= 0)
			fds[nfds++] = (struct pollfd){ .fd = p.in, .events = POLLOUT };
		if (p.out >= 0)
			fds[nfds++] = (struct pollfd){ .fd = p.out, .events = POLLIN };
		if (p.err >= 0)
			fds[nfds++] = (struct pollfd){ .fd = p.err, .events = POLLIN };
		if (poll(fds, (nfds_t)nfds, wait_ms) < 0 && errno != EINTR)
			break;
		for (int i = 0; i < nfds; i++) {
			ssize_t n;
			if (!fds[i].revents)
				continue;
			if (fds[i].fd == p.in) {
				n = write(p.in, input + off, input_len - off);
				if (n > 0)
					off += (size_t)n;
				if (n < 0 || off == input_len) {
					close(p.in);
					p.in = -1;
				}
				continue;
			}
			n = read(fds[i].fd, chunk, sizeof chunk);
			if (n > 0) {
				buf_add(fds[i].fd == p.out ? &out : &err, chunk, (size_t)n);
			} else if (n == 0 || errno != EINTR) {
				if (fds[i].fd == p.out) {
					close(p.out);
					p.out = -1;
				} else {
					close(p.err);
					p.err = -1;
				}
			}
		}
		if (!exited && waitpid(p.pid, &status, WNOHANG) == p.pid) {
			exited = 1;
			/* Grandchildren may hold the pipes open: give them a
			 * moment, then stop reading. */
			deadline = mend_mono() + 0.2;
			res->timed_out = 0;
		}
		if (deadline && mend_mono() > deadline) {
			if (exited)
				break;
			if (!killed_at) {
				res->timed_out = 1;
				proc_kill(&p, SIGTERM, 1);
				killed_at = mend_mono();
			} else if (mend_mono() - killed_at > 2) {
				proc_kill(&p, SIGKILL, 1);
			}
		}
	}
	if (!exited) {
		proc_wait(&p, &status);
	} else {
		if (p.in >= 0)
			close(p.in);
		if (p.out >= 0)
			close(p.out);
		if (p.err >= 0)
			close(p.err);
		if (opts.new_pgrp)
			kill(-p.pid, SIGKILL);	/* leftovers of a finished run */
	}
	signal(SIGPIPE, oldpipe);
	res->status = status;
	res->out = out.p ? out.p : strdup("");
	res->out_len = out.len;
	res->err = err.p ? err.p : strdup("");
	res->err_len = err.len;
	return 0;
}

void
proc_result_release(struct proc_result *res)
{
	free(res->out);
	free(res->err);
	memset(res, 0, sizeof *res);
}

/* Names of variables that carry secrets; matched case-insensitively. */
static const char *secret_names[] = {
	"*TOKEN*", "*SECRET*", "*PASSWORD*", "*PASSWD*", "*_KEY", "*_KEY_*",
	"*APIKEY*", "*API_KEY*", "*CREDENTIAL*", "*AUTH*", "*COOKIE*", "*SESSION*",
	"AWS_*", "AZURE_*", "GOOGLE_APPLICATION_CREDENTIALS", "*_PAT", "SSH_AUTH_SOCK",
	"MEND_WEBHOOKS", "MEND_LLM_*", "*_DSN", "DATABASE_URL",
};

static int
is_secret(const char *entry)
{
	const char *eq = strchr(entry, '=');
	char name[256];
	size_t n = eq ? (size_t)(eq - entry) : strlen(entry);

	if (n >= sizeof name)
		return 1;
	memcpy(name, entry, n);
	name[n] = '\0';
	for (size_t i = 0; i < sizeof secret_names / sizeof secret_names[0]; i++)
		if (fnmatch(secret_names[i], name, FNM_CASEFOLD) == 0)
			return 1;
	/* A URL with credentials in it, whatever the variable is called. */
	if (eq && strstr(eq, "://") && strchr(strstr(eq, "://"), '@') &&
	    strchr(strstr(eq, "://") + 3, ':'))
		return 1;
	return 0;
}

char **
proc_env_scrubbed(char *const *extra)
{
	size_t n = 0, m = 0, i, j = 0;
	char **env;

	while (environ[n])
		n++;
	while (extra && extra[m])
		m++;
	if (!(env = calloc(n + m + 1, sizeof *env)))
		return NULL;
	for (i = 0; i < n; i++)
		if (!is_secret(environ[i]) && !(env[j] = strdup(environ[i]))) {
			proc_env_free(env);
			return NULL;
		} else if (env[j]) {
			j++;
		}
	for (i = 0; i < m; i++)
		if (!(env[j++] = strdup(extra[i]))) {
			proc_env_free(env);
			return NULL;
		}
	return env;
}

void
proc_env_free(char **env)
{
	if (!env)
		return;
	for (char **e = env; *e; e++)
		free(*e);
	free(env);
}
