/*
 * exec.c - child processes: spawn without a shell, pipes, process groups
 * (so a timeout kills the whole tree a test suite or agent started),
 * resource limits, a scrubbed environment, and the sandbox.
 *
 * A failed exec is reported to the parent through a close-on-exec pipe,
 * so proc_spawn() can say "cannot run 'pytest': No such file or
 * directory" instead of the child exiting 127 in silence.
 *
 * The sandbox is for everything mend runs that it did not write: the
 * project's tests, the service under replay, coding agents.  A caller
 * asks for it with proc_opts.sandbox; this file is the only place that
 * knows how it is made.  With bubblewrap (bwrap) the child gets its own
 * user, PID, mount, IPC, UTS and (unless the caller shares it) network
 * namespace: a read-only view of the file system with the checkout the
 * only writable place (its .git read-only unless the caller says it is
 * a throwaway clone), a private tmpfs on /tmp, /run, the user's home
 * and the spool, a fresh /proc that shows none of mend's processes,
 * and no capabilities.  The namespace's init is bwrap, which dies with
 * its parent: killing the bwrap process kills every process inside,
 * including those that called setsid() and ignore SIGTERM.
 *
 * Whether bwrap works is decided once per process (proc_sandbox_kind):
 * where it is missing or the kernel refuses user namespaces, children
 * run without it ("none") and the caller warns and records that; in
 * "require" mode it is an error instead.  Sandboxed or not, the child's
 * environment is an allow-list (PATH, LANG, LC_*, TERM, TZ, the names
 * in MEND_SANDBOX_ENV, and what the caller adds), never ours.
 */
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
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

/*
 * How the child is started, once proc_spawn has worked out the sandbox:
 * its cwd and environment, and netns: 0 keep the network, 1 a new
 * network namespace or fail, 2 a new one where the kernel allows.
 */
struct launch {
	const char *cwd;
	char *const *env;
	int netns;
};

static int
spawn(struct proc *p, char *const argv[], const struct proc_opts *o, const struct launch *l)
{
	int in[2] = { -1, -1 }, out[2] = { -1, -1 }, err[2] = { -1, -1 }, st[2];
	int msg[2];
	ssize_t n;
	pid_t pid, parent = getpid();

	p->pid = -1;
	p->in = p->out = p->err = -1;
	if ((!o->stdin_null && pipe2(in, O_CLOEXEC) < 0) ||
	    (o->out_fd <= 0 && pipe2(out, O_CLOEXEC) < 0) ||
	    (o->stderr_pipe && !o->merge_stderr && o->out_fd <= 0 && pipe2(err, O_CLOEXEC) < 0) ||
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
		if (o->out_fd > 0) {
			if (dup2(fd0, 0) < 0 || dup2(o->out_fd, 1) < 0 || dup2(o->out_fd, 2) < 0)
				child_fail(st[1], 0);
		} else if (dup2(fd0, 0) < 0 || dup2(out[1], 1) < 0) {
			child_fail(st[1], 0);
		}
		if (o->merge_stderr && out[1] >= 0 && dup2(out[1], 2) < 0)
			child_fail(st[1], 0);
		if (err[1] >= 0 && dup2(err[1], 2) < 0)
			child_fail(st[1], 0);
		if (l->cwd && chdir(l->cwd) < 0)
			child_fail(st[1], 1);
		setlim(RLIMIT_CPU, o->rlimit_cpu);
		setlim(RLIMIT_AS, o->rlimit_as);
		setlim(RLIMIT_FSIZE, o->rlimit_fsize);
		setlim(RLIMIT_NPROC, o->rlimit_nproc);
		if (l->netns && unshare(CLONE_NEWUSER | CLONE_NEWNET) < 0 && l->netns == 1)
			child_fail(st[1], 2);
		if (l->env)
			execvpe(argv[0], argv, l->env);
		else
			execvp(argv[0], argv);
		child_fail(st[1], 3);
	}
	if (o->new_pgrp)
		setpgid(pid, pid);	/* both sides, so kill(-pid) works at once */
	close(st[1]);
	if (in[0] >= 0)
		close(in[0]);
	if (out[1] >= 0)
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
		if (out[0] >= 0)
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

/* ---- the sandbox ---- */

/* A growing NULL-ended vector of malloc'd strings; oom remembered. */
struct strvec {
	char **v;
	size_t n, cap;
	int oom;
};

static void
sv_push(struct strvec *sv, const char *s)
{
	char *d;

	if (sv->oom)
		return;
	if (sv->n + 2 > sv->cap) {
		size_t cap = sv->cap ? sv->cap * 2 : 32;
		char **nv = realloc(sv->v, cap * sizeof *nv);
		if (!nv) {
			sv->oom = 1;
			return;
		}
		sv->v = nv;
		sv->cap = cap;
	}
	if (!(d = strdup(s))) {
		sv->oom = 1;
		return;
	}
	sv->v[sv->n++] = d;
	sv->v[sv->n] = NULL;
}

static void
sv_release(struct strvec *sv)
{
	for (size_t i = 0; i < sv->n; i++)
		free(sv->v[i]);
	free(sv->v);
	memset(sv, 0, sizeof *sv);
}

/* Set "NAME=VALUE" in an environment vector, replacing NAME. */
static void
sv_setenv(struct strvec *sv, const char *entry)
{
	size_t k = strcspn(entry, "=");

	for (size_t i = 0; i < sv->n; i++)
		if (!strncmp(sv->v[i], entry, k) && sv->v[i][k] == '=') {
			char *d = strdup(entry);
			if (!d) {
				sv->oom = 1;
				return;
			}
			free(sv->v[i]);
			sv->v[i] = d;
			return;
		}
	sv_push(sv, entry);
}

/* mend's own credentials: never in a sandbox, even when a user lists them. */
static const char *const own_secrets[] = {
	"MEND_FORGE_TOKEN", "MEND_GIT_TOKEN", "GITHUB_TOKEN", "GH_TOKEN", "GITLAB_TOKEN",
	"GITEA_TOKEN", "MEND_TRIGGER_SECRET", "MEND_WEBHOOKS", NULL
};

/* The names every sandboxed child may see (fnmatch patterns). */
static const char *const env_allowed[] = { "PATH", "LANG", "LC_*", "TERM", "TZ", NULL };

/*
 * Check MEND_SANDBOX_ENV ("NAME,NAME"): names only, none of ours.
 * 0, or -1 with a message.
 */
static int
sandbox_env_check(void)
{
	const char *list = getenv("MEND_SANDBOX_ENV"), *p;

	for (p = list; p && *p; p += strcspn(p, ",")) {
		size_t n;
		p += strspn(p, ", ");
		if (!*p)
			break;
		n = strcspn(p, ",");
		for (size_t i = 0; i < n; i++)
			if (!(p[i] == '_' || (p[i] >= 'A' && p[i] <= 'Z') ||
			    (p[i] >= 'a' && p[i] <= 'z') || (i > 0 && p[i] >= '0' && p[i] <= '9')))
				return mend_err("MEND_SANDBOX_ENV: '%.*s' is not a variable name",
				    (int)n, p);
		for (int i = 0; own_secrets[i]; i++)
			if (strlen(own_secrets[i]) == n && !strncmp(p, own_secrets[i], n))
				return mend_err("MEND_SANDBOX_ENV: '%s' is mend's own credential and "
				    "never reaches code mend runs; remove it from the list",
				    own_secrets[i]);
	}
	return 0;
}

static int
env_listed(const char *entry)
{
	const char *list = getenv("MEND_SANDBOX_ENV"), *p;
	size_t k = strcspn(entry, "=");
	char name[256];

	if (k >= sizeof name)
		return 0;
	memcpy(name, entry, k);
	name[k] = '\0';
	for (int i = 0; own_secrets[i]; i++)
		if (!strcmp(name, own_secrets[i]))
			return 0;
	for (int i = 0; env_allowed[i]; i++)
		if (fnmatch(env_allowed[i], name, 0) == 0)
			return 1;
	for (p = list; p && *p; p += strcspn(p, ",")) {
		p += strspn(p, ", ");
		if (strcspn(p, ",") == k && !strncmp(p, name, k))
			return 1;
	}
	return 0;
}

#define SANDBOX_HOME "/tmp/home"

static struct {
	int decided;
	const char *kind;	/* "bwrap" or "none" */
	char why[PATH_MAX + 1024];	/* why "none" */
	char bwrap[PATH_MAX];
} sbx;

/* The first line of s, trimmed, at most 300 bytes. */
static void
first_line(char *dst, size_t len, const char *s)
{
	size_t n = strcspn(s, "\n");

	snprintf(dst, len, "%.*s", (int)(n > 300 ? 300 : n), s);
}

/* NULL with errno e (the message is set): the caller tells usage from unavailable. */
static const char *
kind_error(int e)
{
	errno = e;
	return NULL;
}

const char *
proc_sandbox_kind(const char *mode, const char **why)
{
	char *probe[] = { sbx.bwrap, "--unshare-all", "--die-with-parent", "--ro-bind", "/", "/",
		"--proc", "/proc", "--dev", "/dev", "--", "true", NULL };
	char path[PATH_MAX + 8], *probe_env[] = { path, NULL };
	struct proc_opts po = { 0 };
	struct proc_result res;
	const char *b;
	int require = 0;

	if (why)
		*why = NULL;
	if (sbx.decided) {
		if (why && !strcmp(sbx.kind, "none"))
			*why = sbx.why;
		return sbx.kind;
	}
	if (!mode || !*mode)
		mode = getenv("MEND_SANDBOX");
	if (!mode || !*mode)
		mode = "auto";
	if (!strcmp(mode, "require"))
		require = 1;
	else if (strcmp(mode, "auto") && strcmp(mode, "none"))
		return mend_err("bad sandbox mode '%s' (auto, require or none)", mode),
		    kind_error(EINVAL);
	if (sandbox_env_check() < 0)
		return kind_error(EINVAL);
	b = getenv("MEND_BWRAP");
	snprintf(sbx.bwrap, sizeof sbx.bwrap, "%s", b && *b ? b : "bwrap");
	if (!strcmp(mode, "none")) {
		snprintf(sbx.why, sizeof sbx.why, "the sandbox is turned off (none)");
	} else {
		/* The probe runs bwrap as the sandboxes will, with PATH only. */
		snprintf(path, sizeof path, "PATH=%s", getenv("PATH") ? getenv("PATH") : "/usr/bin:/bin");
		po.env = probe_env;
		po.stderr_pipe = 1;
		if (proc_run(&res, probe, &po, NULL, 0, 30, 4096) < 0) {
			snprintf(sbx.why, sizeof sbx.why, "%s", mend_errmsg());
		} else {
			if (res.status == 0) {
				sbx.kind = "bwrap";
			} else {
				char line[400];
				first_line(line, sizeof line, res.err);
				snprintf(sbx.why, sizeof sbx.why, "'%s' does not work here (exit %d%s%s)",
				    sbx.bwrap, proc_exitcode(res.status), *line ? ": " : "", line);
			}
			proc_result_release(&res);
		}
	}
	if (!sbx.kind && require)
		return mend_err("the sandbox is required but %s", sbx.why), kind_error(ENOSYS);
	if (!sbx.kind)
		sbx.kind = "none";
	sbx.decided = 1;
	if (why && !strcmp(sbx.kind, "none"))
		*why = sbx.why;
	return sbx.kind;
}

static int
is_dir(const char *p)
{
	struct stat st;

	return p && *p == '/' && p[1] && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/*
 * The sandbox's mounts, kept as triples (op, source or "", target) and
 * made in the order bwrap needs: a mount on a directory covers every
 * mount made earlier below it, so each is made after those on the
 * directories above it (by depth; at equal depth, in the order added).
 * So MEND_SANDBOX_RO may name a directory in the hidden home, and a
 * directory to hide may lie in one MEND_SANDBOX_RO lets in.
 */
static void
mount_add(struct strvec *m, const char *op, const char *src, const char *dst)
{
	sv_push(m, op);
	sv_push(m, src ? src : "");
	sv_push(m, dst);
}

/* Components of an absolute path: "/" 0, "/a//b/" 2. */
static size_t
depth(const char *p)
{
	size_t n = 0;

	for (; *p; p++)
		if (*p != '/' && (p[1] == '/' || p[1] == '\0'))
			n++;
	return n;
}

/* The order of the n triples of m, parents first, into idx. */
static void
mount_order(size_t *idx, const struct strvec *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t j = i, d = depth(m->v[3 * i + 2]);
		/* Insertion sort: stable, and there are a dozen. */
		for (; j > 0 && depth(m->v[3 * idx[j - 1] + 2]) > d; j--)
			idx[j] = idx[j - 1];
		idx[j] = i;
	}
}

/*
 * Hide a directory behind an empty tmpfs (what it holds may be secret);
 * remember it in ro, to make that tmpfs read-only once the mount points
 * in it exist.
 */
static void
hide(struct strvec *m, struct strvec *ro, const char *dir)
{
	if (is_dir(dir)) {
		mount_add(m, "--tmpfs", NULL, dir);
		sv_push(ro, dir);
	}
}

/* Is path dir or below it? */
static int
under(const char *path, const char *dir)
{
	size_t n = dir ? strlen(dir) : 0;

	while (n > 1 && dir[n - 1] == '/')
		n--;
	return n > 1 && !strncmp(path, dir, n) && (path[n] == '/' || path[n] == '\0');
}

/*
 * Let back in, read-only, directories of list (sep-separated): all of
 * them (MEND_SANDBOX_RO), or those in the hidden temporary places (PATH
 * entries: programs a script put in /tmp).  PATH entries in the home
 * directory stay hidden: a toolchain there (pyenv, nvm, cargo) needs
 * more than its bin directory, which would be half a program, and the
 * home holds credentials; the user lets such a directory in with
 * MEND_SANDBOX_RO.  Nothing in a directory of secret (the spool) is let
 * in.
 */
static void
let_in(struct strvec *m, const char *list, int sep, int all, const char *const *secret)
{
	static const char *const hidden[] = { "/tmp", "/var/tmp", "/run", NULL };
	char seps[2] = { (char)sep, '\0' };

	for (const char *p = list; p && *p; p += strcspn(p, seps)) {
		char dir[PATH_MAX];
		size_t n;
		int in = all;
		p += strspn(p, seps);
		n = strcspn(p, seps);
		if (*p != '/' || n >= sizeof dir)
			continue;
		memcpy(dir, p, n);
		dir[n] = '\0';
		for (int i = 0; !in && hidden[i]; i++)
			in = under(dir, hidden[i]);
		for (int i = 0; in && secret[i]; i++)
			in = !under(dir, secret[i]);
		if (in)
			mount_add(m, "--ro-bind-try", dir, dir);
	}
}

/* bwrap's arguments for sandbox s around argv; root is absolute. */
static void
bwrap_argv(struct strvec *a, const struct proc_sandbox *s, const char *root,
    char *const argv[])
{
	char git[PATH_MAX + 8];
	const char *secret[64];
	struct strvec m = { 0 }, ro = { 0 };
	struct stat st;
	size_t n = 0, *idx;

	sv_push(a, sbx.bwrap);
	sv_push(a, "--unshare-all");
	if (s->network)
		sv_push(a, "--share-net");
	sv_push(a, "--die-with-parent");
	sv_push(a, "--new-session");
	sv_push(a, "--ro-bind");
	sv_push(a, "/");
	sv_push(a, "/");
	sv_push(a, "--dev");
	sv_push(a, "/dev");
	sv_push(a, "--proc");
	sv_push(a, "/proc");
	/* The spool and the caller's: nothing let in shows what is in them. */
	if (is_dir(getenv("MEND_SPOOL")))
		secret[n++] = getenv("MEND_SPOOL");
	for (const char *const *h = s->hide; h && *h && n < 63; h++)
		if (is_dir(*h))
			secret[n++] = *h;
	secret[n] = NULL;
	mount_add(&m, "--tmpfs", NULL, "/tmp");
	hide(&m, &ro, "/var/tmp");
	/* /run holds sockets (docker, dbus) a read-only mount does not close. */
	hide(&m, &ro, "/run");
	if (s->network)
		mount_add(&m, "--ro-bind-try", "/run/systemd/resolve", "/run/systemd/resolve");
	hide(&m, &ro, getenv("HOME"));
	let_in(&m, getenv("PATH"), ':', 0, secret);
	let_in(&m, getenv("MEND_SANDBOX_RO"), ':', 1, secret);
	for (size_t i = 0; secret[i]; i++)
		hide(&m, &ro, secret[i]);
	mount_add(&m, "--dir", NULL, SANDBOX_HOME);
	mount_add(&m, "--bind", root, root);
	snprintf(git, sizeof git, "%s/.git", root);
	if (!s->git_writable && lstat(git, &st) == 0)
		mount_add(&m, "--ro-bind", git, git);
	n = m.n / 3;
	if (m.oom || !(idx = calloc(n ? n : 1, sizeof *idx))) {
		a->oom = 1;
	} else {
		mount_order(idx, &m, n);
		for (size_t i = 0; i < n; i++) {
			char **t = m.v + 3 * idx[i];
			sv_push(a, t[0]);
			if (*t[1])
				sv_push(a, t[1]);
			sv_push(a, t[2]);
		}
		free(idx);
	}
	/* Innermost first: a read-only tmpfs takes no more mount points. */
	for (size_t i = ro.n; i-- > 0;) {
		size_t k = i;
		/* The deepest of those left (ro is short). */
		for (size_t j = 0; j < i; j++)
			if (depth(ro.v[j]) > depth(ro.v[k]))
				k = j;
		sv_push(a, "--remount-ro");
		sv_push(a, ro.v[k]);
		if (k != i) {
			char *t = ro.v[k];
			ro.v[k] = ro.v[i];
			ro.v[i] = t;
		}
	}
	a->oom |= ro.oom;
	sv_release(&ro);
	sv_release(&m);
	sv_push(a, "--chdir");
	sv_push(a, root);
	sv_push(a, "--");
	for (; *argv; argv++)
		sv_push(a, *argv);
}

/* The allow-listed environment of a sandboxed child. */
static void
sandbox_env(struct strvec *e, const struct proc_sandbox *s, const char *root, int bwrap)
{
	char buf[PATH_MAX + 8];

	for (char **v = environ; *v; v++)
		if (env_listed(*v))
			sv_push(e, *v);
	if (bwrap) {
		sv_setenv(e, "HOME=" SANDBOX_HOME);
		sv_setenv(e, "TMPDIR=/tmp");
	} else if (getenv("HOME")) {
		snprintf(buf, sizeof buf, "HOME=%s", getenv("HOME"));
		sv_setenv(e, buf);
	}
	snprintf(buf, sizeof buf, "PWD=%s", root);
	sv_setenv(e, buf);
	for (const char *const *x = s->env; x && *x; x++)
		if (strchr(*x, '='))
			sv_setenv(e, *x);
}

/*
 * The host PID of bwrap's child, the sandbox's init: the one process
 * outside mend's namespaces we can name.  0 while it does not exist.
 */
static pid_t
sandbox_init(pid_t bwrap)
{
	char path[64], buf[64];

	snprintf(path, sizeof path, "/proc/%d/task/%d/children", (int)bwrap, (int)bwrap);
	if (file_read_head(buf, sizeof buf, path) <= 0)
		return 0;
	return (pid_t)strtol(buf, NULL, 10);
}

/*
 * A socket in the network namespace of p's sandbox.  A helper process
 * joins the sandbox's user namespace (ours: we made it, so we may) and
 * then its network namespace, makes the socket and hands it over on a
 * socketpair; a socket keeps the namespace it was made in, so its
 * connect() reaches the sandbox's loopback.  The helper is a fork: only
 * a single-threaded process may join a user namespace.
 */
int
proc_sandbox_socket(const struct proc *p, int domain, int type, int protocol)
{
	char path[64], byte = 0, cbuf[CMSG_SPACE(sizeof(int))];
	struct iovec iov = { &byte, 1 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
		.msg_controllen = sizeof cbuf };
	struct cmsghdr *cm;
	int sv[2], userfd, netfd, fd = -1, st;
	pid_t init = p->pid > 0 ? sandbox_init(p->pid) : 0, h;

	if (init <= 0)
		return mend_err("the sandbox has no process yet");
	snprintf(path, sizeof path, "/proc/%d/ns/user", (int)init);
	if ((userfd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return mend_errno("cannot open '%s'", path);
	snprintf(path, sizeof path, "/proc/%d/ns/net", (int)init);
	if ((netfd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		close(userfd);
		return mend_errno("cannot open '%s'", path);
	}
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0) {
		close(userfd);
		close(netfd);
		return mend_errno("cannot create a socket pair");
	}
	if ((h = fork()) == 0) {
		int s;
		close(sv[0]);
		if (setns(userfd, CLONE_NEWUSER) < 0 || setns(netfd, CLONE_NEWNET) < 0 ||
		    (s = socket(domain, type | SOCK_CLOEXEC, protocol)) < 0)
			_exit(1);
		cm = CMSG_FIRSTHDR(&mh);
		cm->cmsg_level = SOL_SOCKET;
		cm->cmsg_type = SCM_RIGHTS;
		cm->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(cm), &s, sizeof s);
		_exit(sendmsg(sv[1], &mh, 0) == 1 ? 0 : 1);
	}
	close(sv[1]);
	close(userfd);
	close(netfd);
	if (h < 0) {
		close(sv[0]);
		return mend_errno("cannot fork");
	}
	if (recvmsg(sv[0], &mh, MSG_CMSG_CLOEXEC) == 1 && (cm = CMSG_FIRSTHDR(&mh)) &&
	    cm->cmsg_type == SCM_RIGHTS)
		memcpy(&fd, CMSG_DATA(cm), sizeof fd);
	close(sv[0]);
	while (waitpid(h, &st, 0) < 0 && errno == EINTR)
		;
	if (fd < 0)
		return mend_err("cannot join the sandbox's network");
	return fd;
}

void
proc_harden(void)
{
	/* The secrets in our environment and memory stay ours; children
	 * become dumpable again when they exec. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
}

int
proc_spawn(struct proc *p, char *const argv[], const struct proc_opts *o)
{
	static const struct proc_opts none;
	const struct proc_sandbox *s;
	struct launch l;
	struct strvec a = { 0 }, e = { 0 };
	char root[PATH_MAX];
	const char *kind;
	int rc;

	if (!o)
		o = &none;
	l.cwd = o->cwd;
	l.env = o->env;
	l.netns = o->no_network;
	if (!(s = o->sandbox))
		return spawn(p, argv, o, &l);
	p->pid = -1;
	p->in = p->out = p->err = -1;
	if (!(kind = proc_sandbox_kind(NULL, NULL)))
		return -1;
	if (!s->root || !realpath(s->root, root))
		return mend_errno("cannot use '%s' as the sandbox's checkout",
		    s->root ? s->root : "(none)");
	sandbox_env(&e, s, root, !strcmp(kind, "bwrap"));
	if (!strcmp(kind, "bwrap")) {
		bwrap_argv(&a, s, root, argv);
		l.cwd = root;
		l.netns = 0;
	} else {
		l.cwd = root;
		/* No namespaces for a sandbox: still no network where we can. */
		l.netns = o->no_network ? 1 : s->network ? 0 : 2;
	}
	if (a.oom || e.oom) {
		sv_release(&a);
		sv_release(&e);
		return mend_err("out of memory");
	}
	l.env = e.v;
	rc = spawn(p, a.v ? a.v : argv, o, &l);
	sv_release(&a);
	sv_release(&e);
	return rc;
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

int
proc_run(struct proc_result *res, char *const argv[], const struct proc_opts *o,
    const char *input, size_t input_len, double timeout, size_t max_out)
{
	struct proc_opts opts = o ? *o : (struct proc_opts){ 0 };
	struct strbuf out = { 0 }, err = { 0 };
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
				/* Keep at most max_out bytes: the tail, where errors are. */
				struct strbuf *b = fds[i].fd == p.out ? &out : &err;
				strbuf_addn(b, chunk, (size_t)n);
				if (max_out)
					strbuf_keep_tail(b, max_out);
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
	res->out_len = out.len;
	res->err_len = err.len;
	/* Out of memory, the output is lost: an empty string, as before. */
	if (!(res->out = strbuf_take(&out))) {
		res->out_len = 0;
		res->out = strdup("");
	}
	if (!(res->err = strbuf_take(&err))) {
		res->err_len = 0;
		res->err = strdup("");
	}
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

int
proc_capture(char **out, char *const argv[], const char *cwd, const char *input, double timeout)
{
	struct proc_opts po = { 0 };
	struct proc_result res = { 0 };
	int code;

	po.cwd = cwd;
	po.new_pgrp = 1;
	po.stdin_null = input == NULL;
	po.merge_stderr = 1;
	if (proc_run(&res, argv, &po, input, input ? strlen(input) : 0, timeout, 1 << 20) < 0)
		return -1;
	code = res.timed_out ? 124 : proc_exitcode(res.status);
	if (out)
		*out = res.out ? res.out : strdup("");
	else
		free(res.out);
	res.out = NULL;
	proc_result_release(&res);
	return code;
}
