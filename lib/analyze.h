/*
 * analyze.h - what analyze.c and model.c share; private to lib/.
 */
#ifndef MEND_ANALYZE_H
#define MEND_ANALYZE_H

#include <stddef.h>

/* A growable string; sbuf_take hands the text over (never NULL). */
struct sbuf {
	char *p;
	size_t n, cap;
};

void sbuf_add(struct sbuf *b, const char *s, size_t n);
void sbuf_puts(struct sbuf *b, const char *s);
void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
char *sbuf_take(struct sbuf *b);

/* Run argv (cwd may be NULL) with input on stdin (NULL: /dev/null),
 * stdout and stderr merged into *out (malloc'd; out may be NULL); the
 * exit code, 124 on timeout, -1 when it could not start. */
int analyze_run(char **out, char *const argv[], const char *cwd, const char *input,
    double timeout);
/* Split s in place on blanks, quotes honoured; argv NULL-ended. */
int analyze_split_ws(char **argv, int max, char *s);
/* The last `max` bytes of a file, malloc'd; NULL with a message. */
char *read_file(const char *path, size_t max, size_t *len);
/* The last `lines` lines of s (a pointer into s). */
const char *tail_lines(const char *s, size_t len, int lines);

#endif
