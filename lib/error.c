/*
 * error.c - the error message lib/ leaves for its caller, and the
 * diagnostics commands print.  lib/ code sets a message with mend_err()
 * and returns -1; main() decides whether to warn, skip or exit.  The
 * message is per thread so work's helper threads cannot clobber it.
 * What reaches stderr is redacted and escaped to one line first.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mend.h"

static __thread char errbuf[1024] = "no error";
const char *mend_prog = "mend";

int
mend_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof errbuf, fmt, ap);
	va_end(ap);
	return -1;
}

int
mend_errno(const char *fmt, ...)
{
	int saved = errno;
	size_t n;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(errbuf, sizeof errbuf, fmt, ap);
	va_end(ap);
	n = strlen(errbuf);
	snprintf(errbuf + n, sizeof errbuf - n, ": %s", strerror(saved));
	errno = saved;
	return -1;
}

const char *
mend_errmsg(void)
{
	return errbuf;
}

void
mend_setprog(const char *argv0)
{
	const char *s = strrchr(argv0, '/');

	mend_prog = s ? s + 1 : argv0;
	proc_harden();	/* every program calls this first */
}

/* Every diagnostic goes out redacted, on one line (lib/redact.c). */
static void
vwarn_(const char *fmt, va_list ap)
{
	char buf[2048], *line;
	int n = vsnprintf(buf, sizeof buf, fmt, ap);

	if (n < 0)
		n = 0;
	line = redact_log(buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
	fprintf(stderr, "%s: %s\n", mend_prog, line ? line : "(message withheld: out of memory)");
	free(line);
}

void
mend_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_(fmt, ap);
	va_end(ap);
}

void
mend_die(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vwarn_(fmt, ap);
	va_end(ap);
	exit(code);
}

void
mend_usage(const char *why, const char *text)
{
	if (why && *why)
		mend_warn("%s", why);
	fputs(text, why ? stderr : stdout);
	exit(why ? EX_USAGE : 0);
}

long
mend_arg_long(const char *s, const char *what, long lo, void (*usage)(const char *why))
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end || v < lo) {
		char msg[128];
		snprintf(msg, sizeof msg, "bad %s '%s'", what, s);
		usage(msg);
	}
	return v;
}
