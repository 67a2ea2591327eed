/*
 * mend - the front end.  `mend CMD ARGS...` runs CMD from the libexec
 * directory (so `patch` never shadows GNU patch on PATH); `mend
 * --exec-path` prints that directory; `mend` alone lists the programs.
 *
 * The libexec directory is, in order: $MEND_EXEC_PATH, the directory of
 * this binary when the programs sit beside it (the source tree's bin/),
 * else the compiled-in LIBEXECDIR.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mend.h"

#ifndef MEND_LIBEXECDIR
#define MEND_LIBEXECDIR "/usr/local/libexec/mend"
#endif

static const struct {
	const char *name, *what;
} progs[] = {
	{ "probe", "check HTTP endpoints, print probe records" },
	{ "sample", "read memory, CPU, disk and /metrics as metric records" },
	{ "detect", "turn failing checks into incident records" },
	{ "enqueue", "commit records as jobs in the spool" },
	{ "work", "run a command for each job of a queue" },
	{ "analyze", "find the root cause of an incident" },
	{ "notify", "alert Slack, Discord or a webhook, with a fix link" },
	{ "trigger", "serve the one-click fix links" },
	{ "patch", "write the fix on a branch" },
	{ "testloop", "prove the fix with the tests and the failing request" },
	{ "openpr", "push the branch and open the pull request" },
	{ "watch", "open a revert when a deploy made things worse" },
	{ "otlp", "receive OpenTelemetry traces and logs as error records" },
	{ "logs", "follow log files and streams; stack traces as error records" },
	{ "kb", "search past incidents and their fixes" },
	{ "spool", "inspect and manage the spool" },
};

static void
usage(const char *why)
{
	mend_usage(why, "usage: mend [--exec-path | --version | -h] [CMD [ARG...]]\n");
}

static const char *
exec_path(const char *argv0)
{
	static char dir[PATH_MAX];
	char self[PATH_MAX], probe[PATH_MAX + 16];
	const char *env = getenv("MEND_EXEC_PATH");
	ssize_t n;
	char *slash;

	if (env && *env)
		return env;
	n = readlink("/proc/self/exe", self, sizeof self - 1);
	if (n > 0) {
		self[n] = '\0';
		if ((slash = strrchr(self, '/'))) {
			*slash = '\0';
			if (snprintf(probe, sizeof probe, "%s/enqueue", self) <
			    (int)sizeof probe && access(probe, X_OK) == 0) {
				snprintf(dir, sizeof dir, "%s", self);
				return dir;
			}
		}
	}
	(void)argv0;
	return MEND_LIBEXECDIR;
}

static int
list(const char *dir)
{
	char path[PATH_MAX];
	size_t i;

	printf("usage: mend CMD [ARG...]   (programs in %s)\n\n", dir);
	for (i = 0; i < sizeof progs / sizeof progs[0]; i++) {
		int n = snprintf(path, sizeof path, "%s/%s", dir, progs[i].name);
		printf("  %-9s %s%s\n", progs[i].name, progs[i].what,
		    n < (int)sizeof path && access(path, X_OK) == 0 ? "" : " (not installed)");
	}
	printf("\nexport PATH=\"$(mend --exec-path):$PATH\" to use the bare names.\n");
	return ferror(stdout) ? 1 : 0;
}

int
main(int argc, char **argv)
{
	const char *dir;
	char path[PATH_MAX];

	mend_setprog(argv[0]);
	dir = exec_path(argv[0]);
	if (argc < 2)
		return list(dir);
	if (!strcmp(argv[1], "--exec-path")) {
		printf("%s\n", dir);
		return 0;
	}
	if (!strcmp(argv[1], "--version"))
		cli_version();
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help"))
		return list(dir);
	if (argv[1][0] == '-')
		usage("unknown option");
	if (strchr(argv[1], '/') || !strcmp(argv[1], "mend"))
		mend_die(EX_USAGE, "'%s' is not a mend command", argv[1]);
	if (snprintf(path, sizeof path, "%s/%s", dir, argv[1]) >= (int)sizeof path ||
	    access(path, X_OK) != 0)
		mend_die(EX_USAGE, "'%s' is not a mend command (see 'mend')", argv[1]);
	/* Children find their siblings by name. */
	{
		const char *old = getenv("PATH");
		size_t n = strlen(dir) + (old ? strlen(old) : 0) + 2;
		char *p = malloc(n);
		if (p) {
			snprintf(p, n, "%s%s%s", dir, old ? ":" : "", old ? old : "");
			setenv("PATH", p, 1);
			free(p);
		}
	}
	execv(path, argv + 1);
	mend_die(EX_OSERR, "cannot run '%s': %s", path, strerror(errno));
}
