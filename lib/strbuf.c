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

void
strbuf_addn(struct strbuf *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		char *ns;
		while (cap < b->len + n + 1)
			cap *= 2;
		if (!(ns = realloc(b->s, cap))) {
			b->oom = 1;
			return;
		}
		b->s = ns;
		b->cap = cap;
	}
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
strbuf_addf(struct strbuf *b, const char *fmt, ...)
{
	char *s;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->oom = 1;
		return;
	}
	strbuf_addn(b, s, (size_t)n);
	free(s);
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
