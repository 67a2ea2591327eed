/*
 * strbuf.c - a growable string, for messages and pages built piece by
 * piece.  An allocation failure is remembered (oom) instead of reported
 * at every call; strbuf_take() says it once, by returning NULL.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mend.h"

/* Room for n more bytes and the NUL: 0, or -1 with oom set. */
static int
grow(struct strbuf *b, size_t n)
{
	size_t cap;
	char *ns;

	if (b->oom)
		return -1;
	if (b->len + n + 1 <= b->cap)
		return 0;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + n + 1)
		cap *= 2;
	if (!(ns = realloc(b->s, cap))) {
		b->oom = 1;
		return -1;
	}
	b->s = ns;
	b->cap = cap;
	return 0;
}

void
strbuf_addn(struct strbuf *b, const char *s, size_t n)
{
	if (grow(b, n) < 0)
		return;
	memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
strbuf_add(struct strbuf *b, const char *s)
{
	if (s)
		strbuf_addn(b, s, strlen(s));
}

void
strbuf_vaddf(struct strbuf *b, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	/* Format straight into the free space; when it does not fit, grow
	 * to the size vsnprintf said and format again. */
	if (grow(b, 64) < 0)
		return;
	va_copy(again, ap);
	n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, ap);
	if (n >= 0 && (size_t)n >= b->cap - b->len && grow(b, (size_t)n) == 0)
		n = vsnprintf(b->s + b->len, b->cap - b->len, fmt, again);
	va_end(again);
	if (n < 0) {
		b->s[b->len] = '\0';
		b->oom = 1;
		return;
	}
	if (b->oom) {
		b->s[b->len] = '\0';
		return;
	}
	b->len += (size_t)n;
}

void
strbuf_addf(struct strbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(b, fmt, ap);
	va_end(ap);
}

void
strbuf_reset(struct strbuf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

void
strbuf_keep_tail(struct strbuf *b, size_t max)
{
	if (b->len <= max)
		return;
	memmove(b->s, b->s + b->len - max, max);
	b->len = max;
	b->s[max] = '\0';
}

char *
strbuf_take(struct strbuf *b)
{
	char *s;

	if (b->oom) {
		strbuf_release(b);
		return NULL;
	}
	s = b->s ? b->s : strdup("");
	b->s = NULL;
	b->len = b->cap = 0;
	return s;
}

void
strbuf_release(struct strbuf *b)
{
	free(b->s);
	memset(b, 0, sizeof *b);
}
