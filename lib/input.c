/*
 * input.c - a filter's input: whole lines read from a descriptor, and
 * the signals that end reading.
 *
 * detect and logs read JSON lines (or log lines) from a pipe that may
 * stay open for days.  They read in large blocks and hand out each whole
 * line in place (no copy, no NUL); the caller decides what a line means.
 * A line longer than the buffer grows it (max 0) or, with a maximum, is
 * cut to max bytes and the rest of it dropped, so one runaway line costs
 * bounded memory.
 *
 * SIGTERM (PM2, systemd) and SIGINT set input_stop.  The handler is
 * installed without SA_RESTART, so a read blocked on a quiet pipe
 * returns and the program can save its state and exit 0.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mend.h"

volatile int input_stop;

static void
on_stop(int sig)
{
	(void)sig;
	input_stop = 1;
}

void
input_catch_stop(void)
{
	struct sigaction sa = { .sa_handler = on_stop };

	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
}

int
input_init(struct input *in, int fd, size_t cap, size_t max)
{
	memset(in, 0, sizeof *in);
	in->fd = fd;
	in->max = max;
	in->cap = max ? max + 1 : cap > 0 ? cap : 1 << 16;
	if (!(in->buf = malloc(in->cap)))
		return mend_err("out of memory");
	return 0;
}

void
input_release(struct input *in)
{
	free(in->buf);
	in->buf = NULL;
	in->start = in->len = in->cap = 0;
}

int
input_line(struct input *in, const char **line, size_t *len)
{
	for (;;) {
		char *nl = memchr(in->buf + in->start, '\n', in->len - in->start);
		size_t k;

		if (!nl && !(in->eof && in->start < in->len)) {
			if (!in->max || in->start > 0 || in->len < in->cap)
				return in->eof ? -1 : 0;
			/* Full, no newline, cannot grow: cut, drop the rest. */
			*line = in->buf;
			*len = in->skip ? 0 : in->len - 1;
			in->start = in->len;
			if (in->skip)
				continue;
			in->skip = 1;
			return 1;
		}
		k = nl ? (size_t)(nl - (in->buf + in->start)) : in->len - in->start;
		*line = in->buf + in->start;
		*len = k;
		in->start += k + (nl ? 1 : 0);
		if (in->skip) {
			in->skip = 0;
			continue;
		}
		return 1;
	}
}

int
input_read(struct input *in)
{
	ssize_t n;

	if (in->start > 0) {
		memmove(in->buf, in->buf + in->start, in->len - in->start);
		in->len -= in->start;
		in->start = 0;
	}
	if (in->len == in->cap) {
		char *nb;
		if (in->max) {
			/* input_line cuts a full buffer; drop it if it was not asked. */
			in->len = 0;
			in->skip = 1;
		} else if (!(nb = realloc(in->buf, in->cap * 2))) {
			mend_err("line too long");
			return -2;
		} else {
			in->buf = nb;
			in->cap *= 2;
		}
	}
	do
		n = read(in->fd, in->buf + in->len, in->cap - in->len);
	while (n < 0 && errno == EINTR && !input_stop);
	if (n < 0 && errno == EINTR)
		return 0;
	if (n < 0)
		return mend_err("%s", strerror(errno));
	if (n == 0)
		in->eof = 1;
	in->len += (size_t)n;
	return 1;
}
