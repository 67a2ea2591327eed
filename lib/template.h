/*
 * template.h - what the fix templates share (template*.c only; the
 * public entry points are in mend.h).  template.c holds the scanner, the
 * context and the entry points; template_LANG.c one language's
 * templates; template_chain.c the templates that follow the call chain.
 */
#ifndef MEND_TEMPLATE_H
#define MEND_TEMPLATE_H

/* What a byte of a masked line is. */
#define CODE 'c'
#define STR 's'
#define CMT '#'

/* Comment and string syntax of a language family. */
enum { M_PY, M_JS, M_RB, M_PHP, M_C };

/* ---- the file, its changes, what was considered ---- */

struct change {
	long line;	/* 0-based index of the original line */
	int del;	/* 1: the line is replaced; 0: the text goes before it */
	char *text;	/* the lines to add, '\n'-separated, no final newline */
};

#define MAX_CHANGES 4
#define MAX_NAMES 48

struct tctx {
	const char *lang, *exc, *msg;
	int mode;
	char *buf;		/* the file's lines, NUL-terminated each */
	char **v;
	long n;
	long ln;		/* the failing line, 0-based */
	const char *s;		/* its text */
	char *m;		/* its mask */
	int col, end_col, op_col;
	jv considered;		/* [{template, applied, reason}] */
	struct change ch[MAX_CHANGES];
	int nch;
	char *what;
	/* the request: names that hold what a request sent */
	const char *names[MAX_NAMES];
	char *owned[MAX_NAMES];
	int nnames, nowned;
	const char *const *pats;	/* substrings that read the request */
	long fn;		/* the enclosing function's first line, or -1 */
};

/* A Node.js handler: its request and response names, where it starts. */
struct jsh {
	char req[32], res[32];
	long start;
	int nested;	/* a function between the handler and the line */
	int express;
};

/* ---- scanning a line (template.c) ---- */

int tpl_idch(int c);
/* Mark each byte of s as CODE, STR or CMT; -1 when unsure. */
int tpl_mask_line(const char *s, char *m, int mode);
/* The matching closer/opener of the bracket at i (mask-aware), or -1. */
long tpl_match_fwd(const char *s, const char *m, long i);
long tpl_match_back(const char *s, const char *m, long i);
/* Start of the primary expression ending before q; end of the one at p. */
long tpl_lscan(const char *s, const char *m, long q);
long tpl_rscan(const char *s, const char *m, long p);
char *tpl_dupn(const char *s, long a, long b);
int tpl_has_call(const char *s, long a, long b);
int tpl_is_keyword(const char *w);
int tpl_is_keyword_n(const char *s, size_t n);
char *tpl_quoted_after(const char *msg, const char *after);
int tpl_ind(const char *s);
int tpl_blank_line(const char *s);
int tpl_starts_word(const char *s, const char *w);
const char *tpl_find_word(const char *text, const char *w);
int tpl_plain_name(const char *s);
char *tpl_fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

/* ---- the context (template.c) ---- */

int tpl_consider(struct tctx *t, const char *name, int applied, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
int tpl_change(struct tctx *t, long line, int del, char *text);
int tpl_put(struct tctx *t, long line, int del, char *body);
void tpl_changes_drop(struct tctx *t);
void tpl_assume(struct tctx *t, const char *what);
void tpl_assume_empty_body(struct tctx *t);
void tpl_assume_that(struct tctx *t, const char *what);
int tpl_returned_value(const struct tctx *t, long a, long e);
void tpl_add_name(struct tctx *t, const char *s, size_t n);
int tpl_from_request(const struct tctx *t, const char *text);
int tpl_only_reads(const char *rhs);
void tpl_derive(struct tctx *t, long from, long to);
char *tpl_block(const struct tctx *t, const char *body);
const char *tpl_assigned(const struct tctx *t, const char *name, size_t n);
int tpl_is_lookup(const char *rhs);
long tpl_head_above(const struct tctx *t, int (*is_head)(const char *));
int tctx_open(struct tctx *t, const char *lang, const char *exc, const char *msg,
    const char *src, long line);
void tctx_close(struct tctx *t);
int tctx_finish(struct tctx *t, struct template_result *r, const char *src);

/* ---- each language's templates: 1 when one applied ---- */

int tpl_python(struct tctx *t);		/* template_py.c */
int tpl_node(struct tctx *t);		/* template_js.c */
int tpl_ruby(struct tctx *t);		/* template_rb.c */
int tpl_go(struct tctx *t);		/* template_go.c */
int tpl_java(struct tctx *t);		/* template_java.c */
int tpl_php(struct tctx *t);		/* template_php.c */

/* What template_chain.c uses of the Python and Node.js ones. */
extern const char *const py_req_pats[];
long py_def(const struct tctx *t, long ln);
int py_simple(const struct tctx *t);
void py_route_params(struct tctx *t, long def);
int py_flask(const struct tctx *t);
int py_handler_def(const struct tctx *t);
char *py_respond(struct tctx *t, int code, const char *msg, const char **why);
int js_header(const char *s, char out[][32], int max);
int js_handler(struct tctx *t, struct jsh *h);
char *js_respond(const struct jsh *h, int code, const char *msg);
const char *tpl_last_part(const char *s);

/* ---- the call chain in Ruby, Go, Java and PHP (template_caller.c) ---- */

enum { CF_MISSING, CF_LOOKUP, CF_SHORT };

/* What failed in the helper, in its own names: the value x (its root a
 * parameter), and the condition that was true of it, with "{X}" for x
 * and "{Q}" for the qualifier of the helper's constants ("Posts::"). */
struct cfail {
	int kind;		/* CF_MISSING 400, CF_LOOKUP 404, CF_SHORT 400 */
	char x[160];
	char cond[160];
	const char *tname;	/* the template's name */
};

/* One language's part of following the chain. */
struct chain_lang {
	/* what failed at t's line: 0, or -1 with the reason considered */
	int (*start)(struct tctx *t, struct cfail *c);
	/* the parameters of the function around t's line; its header line */
	int (*params)(struct tctx *t, char out[][32], int max, long *hdr);
	/* can the function at hdr answer HTTP: nonzero, with t's request
	 * names derived (t->pats, t->names, t->fn) */
	int (*answers)(struct tctx *t, long hdr);
	/* the guard before t's line: answer code with msg when cond holds */
	char *(*guard)(struct tctx *t, int how, int code, const char *cond, const char *msg);
};
extern const struct chain_lang rb_chain, go_chain, java_chain, php_chain;
int tpl_chain_more(struct template_result *r, const char *lang, const char *exc,
    const char *msg, const struct template_frame *fr, int n);
int tpl_call_args(const char *s, const char *m, long o, char **out, int max);	/* template_chain.c */
int tpl_pure_expr(const char *x);
void tpl_root_of(const char *x, char *out, size_t n);
int tpl_split_params(const char *s, long o, long c, char out[][32], int max, int go);
int tpl_header_params(const char *s, long o, char out[][32], int max, int go);

#endif
