/*
 * template.c - fix templates: change the code a stack trace points at so
 * the request that failed fails cleanly, or the fault cannot recur, and
 * say which templates were looked at and why each was or was not used.
 *
 * A wrong fix is worse than none.  A template never puts an invented
 * value (0, None, undefined, {}, nil) where the code expected a real one.
 * It answers the request with a clean HTTP error when the bad value came
 * from the request (400 for a missing or malformed parameter or body,
 * 404 when nothing was found for what the request asked), or it says
 * what the data itself says (the average of an empty list is unknown:
 * None; a nil Go map is made before its first write).  Anything
 * else is refused with the reason.  "From the request" is followed
 * through the enclosing function: names assigned from request.args,
 * req.query, r.URL, $_GET, params... and from such names, top to bottom.
 *
 *   Python (Flask abort, or http.server send_error in a do_* method)
 *     py-param-400      int('')/float('x')/int(None)/None + 1 on a parameter -> try/except, 400
 *     py-json-400       json.loads of the request body -> try/except ValueError, 400
 *     py-field-400      KeyError on the request's JSON -> try/except KeyError, 400
 *     py-body-400       None from request.get_json(silent=True) -> if None: 400
 *     py-lookup-404     KeyError/None from a lookup keyed by the request -> guard, 404
 *     py-index-400      IndexError on a path segment/list parameter -> 400
 *     py-average-empty  sum(x)/len(x), statistics.mean(x) of an empty list -> None
 *     py-key-get, py-none-iterate, py-unbound-local: always refused, with why
 *   Node (Express res.status().json(), or http res.writeHead/end)
 *     node-json-400     const x = JSON.parse(body) -> try/catch, 400
 *     node-field-400    undefined read/destructure of the request's body -> 400
 *     node-lookup-404   undefined read of a lookup keyed by the request -> 404
 *     node-array-400    x.map is not a function, x from the request -> 400
 *     node-param-400    new Array(n), RangeError, n from the request -> 400
 *   Ruby ruby-lookup-404 (Sinatra halt, Rack triple); Go go-nil-map,
 *   go-index-400; Java java-lookup-404 (HttpExchange, servlet); PHP
 *   php-param-400 ($_GET/$_POST in a plain script).
 *
 * Only text is looked at: lines are scanned with a mask hiding strings
 * and comments; a line the mask cannot follow is left alone.  Whether
 * the patched file still parses is for the caller to check (syntax.c).
 * This does not handle statements spread over several lines, files
 * with CRLF line ends, or frameworks other than those named above.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mend.h"

#define CODE 'c'
#define STR 's'
#define CMT '#'

static int
idch(int c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

/* Comment and string syntax of a language family. */
enum { M_PY, M_JS, M_RB, M_PHP, M_C };

/* Mark each byte of s as code, string or comment; -1 when unsure. */
static int
mask_line(const char *s, char *m, int mode)
{
	size_t i, n = strlen(s);
	char q = 0;
	int hash = mode == M_PY || mode == M_RB || mode == M_PHP;
	int slash = mode == M_JS || mode == M_C || mode == M_PHP;

	for (i = 0; i < n; i++) {
		char c = s[i];
		if (q) {
			m[i] = STR;
			if (c == '\\' && i + 1 < n) {
				m[++i] = STR;
				continue;
			}
			if (c == q)
				q = 0;
			continue;
		}
		if (c == '"' || c == '\'' ||
		    ((mode == M_JS || mode == M_C) && c == '`')) {
			if (mode == M_PY && i + 2 < n && s[i + 1] == c && s[i + 2] == c)
				return -1;	/* triple quotes */
			q = c;
			m[i] = STR;
			continue;
		}
		if ((hash && c == '#') || (slash && c == '/' && s[i + 1] == '/')) {
			memset(m + i, CMT, n - i);
			m[n] = '\0';
			return 0;
		}
		m[i] = CODE;
	}
	m[n] = '\0';
	return q ? -1 : 0;
}

/* The matching closer of the opener at i (mask-aware), or -1. */
static long
match_fwd(const char *s, const char *m, long i)
{
	int depth = 0;
	long k;

	for (k = i; s[k]; k++) {
		if (m[k] != CODE)
			continue;
		if (strchr("([{", s[k]))
			depth++;
		else if (strchr(")]}", s[k]) && --depth == 0)
			return k;
	}
	return -1;
}

static long
match_back(const char *s, const char *m, long i)
{
	int depth = 0;
	long k;

	for (k = i; k >= 0; k--) {
		if (m[k] != CODE)
			continue;
		if (strchr(")]}", s[k]))
			depth++;
		else if (strchr("([{", s[k]) && --depth == 0)
			return k;
	}
	return -1;
}

/* Start of the primary expression that ends just before q, or q. */
static long
lscan(const char *s, const char *m, long q)
{
	long i = q;

	while (i > 0) {
		char c = s[i - 1];
		if (m[i - 1] == STR) {
			while (i > 0 && m[i - 1] == STR)
				i--;
			continue;
		}
		if (m[i - 1] != CODE)
			break;
		if (c == ')' || c == ']' || c == '}') {
			long o = match_back(s, m, i - 1);
			if (o < 0)
				return q;
			i = o;
			continue;
		}
		if (idch((unsigned char)c) || c == '.') {
			i--;
			continue;
		}
		break;
	}
	/* A keyword is not an operand ("return(x)" is not handled). */
	return i;
}

/* End (exclusive) of the trailers after position p: .name (..) [..] */
static long
trailers(const char *s, const char *m, long p)
{
	for (;;) {
		if (m[p] != CODE)
			return p;
		if (s[p] == '.' && idch((unsigned char)s[p + 1]) && !isdigit((unsigned char)s[p + 1])) {
			p++;
			while (idch((unsigned char)s[p]))
				p++;
			continue;
		}
		if (s[p] == '(' || s[p] == '[') {
			long c = match_fwd(s, m, p);
			if (c < 0)
				return p;
			p = c + 1;
			continue;
		}
		return p;
	}
}

/* End (exclusive) of the primary expression starting at p (spaces skipped
 * by the caller), or p when there is none. */
static long
rscan(const char *s, const char *m, long p)
{
	long i = p;

	if (m[i] == STR) {
		while (m[i] == STR)
			i++;
		return trailers(s, m, i);
	}
	if (m[i] != CODE)
		return p;
	if (s[i] == '-' || s[i] == '+' || s[i] == '~')
		i++;
	if (idch((unsigned char)s[i])) {
		while (idch((unsigned char)s[i]) || (s[i] == '.' && isdigit((unsigned char)s[i + 1])))
			i++;
	} else if (s[i] == '(' || s[i] == '[' || s[i] == '{') {
		long c = match_fwd(s, m, i);
		if (c < 0)
			return p;
		i = c + 1;
	} else
		return p;
	return trailers(s, m, i);
}

static char *
dupn(const char *s, long a, long b)
{
	return strndup(s + a, (size_t)(b - a));
}

static int
has_call(const char *s, long a, long b)
{
	return memchr(s + a, '(', (size_t)(b - a)) != NULL;
}

static int
is_keyword(const char *w)
{
	static const char *const kw[] = { "return", "not", "in", "and", "or", "if", "else",
		"lambda", "await", "yield", "is", "del", "assert", "raise", "for", "while",
		"print", NULL };
	int i;

	for (i = 0; kw[i]; i++)
		if (!strcmp(w, kw[i]))
			return 1;
	return 0;
}

/*
 * Replace s[a..b) with "(EXPR if COND else ALT)"; the parentheses are
 * left out when the expression is all that follows "return " or "= ".
 */
static char *
wrap(const char *s, const char *m, long a, long b, const char *expr, const char *cond,
    const char *alt)
{
	long k = a, e = b;
	int bare = 0;
	size_t n;
	char *out;

	while (k > 0 && s[k - 1] == ' ')
		k--;
	while (s[e] == ' ' || s[e] == '\t' || s[e] == '\r')
		e++;
	if ((s[e] == '\0' || m[e] == CMT) &&
	    ((k >= 6 && !strncmp(s + k - 6, "return", 6) && (k == 6 || !idch((unsigned char)s[k - 7]))) ||
	    (k >= 1 && s[k - 1] == '=' && (k < 2 || !strchr("=!<>+-*/%&|^:", s[k - 2])))))
		bare = 1;
	n = strlen(s) + strlen(expr) + strlen(cond) + strlen(alt) + 32;
	if (!(out = malloc(n)))
		return NULL;
	snprintf(out, n, "%.*s%s%s if %s else %s%s%s", (int)a, s, bare ? "" : "(", expr, cond,
	    alt, bare ? "" : ")", s + b);
	return out;
}


struct sub {
	long open, close, base;		/* '[' ']' and where the subscripted expr starts */
};

/* Subscripts being read (not assigned, not deleted, not slices). */
static int
subscripts(const char *s, const char *m, struct sub *out, int max)
{
	long i;
	int n = 0;

	for (i = 1; s[i] && n < max; i++) {
		long c, k, b;
		char prev = s[i - 1];

		if (s[i] != '[' || m[i] != CODE)
			continue;
		if (!(idch((unsigned char)prev) || prev == ')' || prev == ']' || m[i - 1] == STR))
			continue;
		if ((c = match_fwd(s, m, i)) < 0)
			return n;
		/* slices */
		for (k = i + 1; k < c; k++)
			if (m[k] == CODE && s[k] == ':')
				break;
		b = lscan(s, m, i);
		if (k < c || b == i)
			continue;
		{	/* the base must not be a keyword or a list literal */
			char *w = dupn(s, b, i);
			int bad = w && is_keyword(w);
			free(w);
			if (bad)
				continue;
		}
		/* stores: "x[k] = v", "x[k] += v" (a load too, but no simple fix) */
		k = c + 1;
		while (s[k] == ' ')
			k++;
		if ((s[k] == '=' && s[k + 1] != '=') || (s[k] && strchr("+-*/%&|^@", s[k]) &&
		    s[k + 1] == '='))
			continue;
		if (b >= 4 && !strncmp(s + b - 4, "del ", 4))
			continue;
		out[n].open = i;
		out[n].close = c;
		out[n].base = b;
		n++;
	}
	return n;
}

/* Pick the subscript the carets mark (its ']' at end_col - 1), else the
 * only one, else -1. */
static int
pick_sub(const struct sub *v, int n, int end_col)
{
	int i;

	if (end_col > 0)
		for (i = 0; i < n; i++)
			if (v[i].close == end_col - 1)
				return i;
	return n == 1 ? 0 : -1;
}

static int
literal_eq(const char *a, size_t an, const char *b)
{
	size_t bn = strlen(b);

	while (an && isspace((unsigned char)*a))
		a++, an--;
	while (an && isspace((unsigned char)a[an - 1]))
		an--;
	if (an >= 2 && bn >= 2 && (a[0] == '"' || a[0] == '\'') && (b[0] == '"' || b[0] == '\''))
		return an == bn && !strncmp(a + 1, b + 1, an - 2);
	return an == bn && !strncmp(a, b, an);
}

/* The quoted name in a message: "... attribute 'name'" -> name. */
static char *
quoted_after(const char *msg, const char *after)
{
	const char *p = strstr(msg, after), *e;

	if (!p)
		return NULL;
	p += strlen(after);
	if (*p != '\'' && *p != '"')
		return NULL;
	if (!(e = strchr(p + 1, *p)))
		return NULL;
	return strndup(p + 1, (size_t)(e - p - 1));
}


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

static int
consider(struct tctx *t, const char *name, int applied, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Record a template that was looked at; an applied one's reason says
 * what it changed.  Returns applied. */
static int
consider(struct tctx *t, const char *name, int applied, const char *fmt, ...)
{
	char *r = NULL;
	va_list ap;
	jv e = jv_object();

	va_start(ap, fmt);
	if (vasprintf(&r, fmt, ap) < 0)
		r = NULL;
	va_end(ap);
	e = jv_object_set(e, jv_string("template"), jv_string(name));
	e = jv_object_set(e, jv_string("applied"), jv_bool(applied));
	e = jv_object_set(e, jv_string("reason"), jv_string(r ? r : ""));
	t->considered = jv_array_append(t->considered, e);
	if (applied) {
		free(t->what);
		t->what = r;
	} else
		free(r);
	return applied;
}

/* Queue a change; text (malloc'd) becomes the context's. */
static int
change(struct tctx *t, long line, int del, char *text)
{
	if (!text || t->nch == MAX_CHANGES) {
		free(text);
		return -1;
	}
	t->ch[t->nch].line = line;
	t->ch[t->nch].del = del;
	t->ch[t->nch].text = text;
	t->nch++;
	return 0;
}

static void
changes_drop(struct tctx *t)
{
	while (t->nch > 0)
		free(t->ch[--t->nch].text);
}

static char *
fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));

static char *
fmt(const char *f, ...)
{
	char *r = NULL;
	va_list ap;

	va_start(ap, f);
	if (vasprintf(&r, f, ap) < 0)
		r = NULL;
	va_end(ap);
	return r;
}

/* The last template considered (the one that applied) assumes what the
 * code does not say: that the request must send what it read without a
 * default.  testloop keeps such a fix below ready. */
static void
assume(struct tctx *t, const char *what)
{
	int n = jv_array_length(jv_copy(t->considered));
	jv last = jv_array_get(jv_copy(t->considered), n - 1);
	char *as = fmt("that a request where %s is the client's error: the code reads it "
	    "without a default, but whether it is required is the author's call", what);

	if (jv_get_kind(last) == JV_KIND_OBJECT) {
		last = jv_object_set(last, jv_string("assumes"), jv_string(as ? as : what));
		t->considered = jv_array_set(t->considered, n - 1, last);
	} else
		jv_free(last);
	free(as);
}

static int
ind(const char *s)
{
	int n = 0;

	while (s[n] == ' ' || s[n] == '\t')
		n++;
	return n;
}

static int
blank_line(const char *s)
{
	return s[ind(s)] == '\0';
}

/* Does the stripped line start with word w (followed by a non-name)? */
static int
starts_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	s += ind(s);
	return !strncmp(s, w, n) && !idch((unsigned char)s[n]);
}

/* Where word w occurs in text as a whole name, or NULL. */
static const char *
find_word(const char *text, const char *w)
{
	size_t n = strlen(w);
	const char *p = text;

	if (!n)
		return NULL;
	while ((p = strstr(p, w))) {
		if ((p == text || (!idch((unsigned char)p[-1]) && p[-1] != '$')) &&
		    !idch((unsigned char)p[n]))
			return p;
		p += n;
	}
	return NULL;
}

static void
add_name(struct tctx *t, const char *s, size_t n)
{
	char *w;
	int i;

	if (t->nnames == MAX_NAMES || !n)
		return;
	for (i = 0; i < t->nnames; i++)
		if (strlen(t->names[i]) == n && !strncmp(t->names[i], s, n))
			return;
	if (!(w = strndup(s, n)))
		return;
	t->owned[t->nowned++] = w;
	t->names[t->nnames++] = w;
}

/* Does text read the request: a request pattern, or a name holding
 * something the request sent? */
static int
from_request(const struct tctx *t, const char *text)
{
	int i;

	for (i = 0; t->pats && t->pats[i]; i++) {
		const char *p = strstr(text, t->pats[i]);
		if (p && (p == text || !idch((unsigned char)p[-1])))
			return 1;
	}
	for (i = 0; i < t->nnames; i++)
		if (find_word(text, t->names[i]))
			return 1;
	return 0;
}

static int
is_decl_word(const char *w, size_t n)
{
	static const char *const kw[] = { "const", "let", "var", "final", "my", "auto", NULL };
	int i;

	for (i = 0; kw[i]; i++)
		if (strlen(kw[i]) == n && !strncmp(w, kw[i], n))
			return 1;
	return 0;
}

/* Is rhs a lookup in a mapping that is not the request's ("USERS[id]",
 * "NAMES.get(id)")?  What it finds is data, not what the request sent. */
static int
lookup_result(const struct tctx *t, const char *rhs)
{
	const char *a = strchr(rhs, '['), *b = strstr(rhs, ".get("), *lk;
	char *base;
	int r;

	lk = a && (!b || a < b) ? a : b;
	if (!lk)
		return 0;
	/* a comprehension over what the request sent reads it, it looks nothing up */
	if ((rhs[strspn(rhs, " ")] == '{' || rhs[strspn(rhs, " ")] == '[') && strstr(rhs, " for "))
		return 0;
	/* the base with its "[" or ".get(": "env[" is a request pattern */
	if (!(base = strndup(rhs, (size_t)(lk - rhs) + (*lk == '[' ? 1 : 5))))
		return 0;
	r = !from_request(t, base);
	free(base);
	return r;
}

/* Does rhs only read and convert (no call that computes something new
 * from the request, like a geocoder's answer)? */
static int
only_reads(const char *rhs)
{
	static const char *const ok[] = { "int", "float", "str", "bool", "Number", "parseInt",
		"parseFloat", "String", "Boolean", "parse", "trim", "split", "Split", "toLowerCase",
		"toUpperCase", "strip", "lower", "upper", "get", "get_json", "getlist", "get_data",
		"loads", "decode", "read", "Query", "Get", "Atoi", "ParseInt", "ParseFloat",
		"TrimPrefix", "TrimSpace", "PathValue", "FormValue", "substring", "getPath",
		"getRequestURI", "getQuery", "getParameter", "getPathInfo", "getRequestBody",
		"readAllBytes", "intval", "floatval", "json_decode", "file_get_contents", "parse_qs",
		"urlparse", "urlsplit", "URL", "to_i", "to_f", "fetch", "dig", "list", "len",
		"concat", "toString", "Trim", "TrimSuffix", "Fields", "length", "size", "items",
		"keys", "values", NULL };
	const char *p;
	char q = 0;

	for (p = rhs; *p; p++) {
		const char *b;
		int i, found = 0;
		if (q) {
			if (*p == '\\' && p[1])
				p++;
			else if (*p == q)
				q = 0;
			continue;
		}
		if (*p == '"' || *p == '\'' || *p == '`') {
			q = *p;
			continue;
		}
		if (*p != '(' || p == rhs || !idch((unsigned char)p[-1]))
			continue;
		for (b = p; b > rhs && idch((unsigned char)b[-1]); b--)
			;
		for (i = 0; ok[i]; i++)
			if (strlen(ok[i]) == (size_t)(p - b) && !strncmp(b, ok[i], (size_t)(p - b)))
				found = 1;
		if (!found)
			return 0;
	}
	return 1;
}

/*
 * Names assigned, in lines [from, to), from what the request sent (or
 * from names that were): "x = request.args...", "const { a } = req.body",
 * "id := r.URL...", "$q = $_GET[...]".  Top to bottom, so chains count.
 */
static void
derive(struct tctx *t, long from, long to)
{
	long i;

	for (i = from < 0 ? 0 : from; i < to && i < t->n; i++) {
		const char *s = t->v[i];
		char *m = malloc(strlen(s) + 1);
		long k, eq = -1;

		if (!m)
			return;
		if (mask_line(s, m, t->mode) < 0) {
			free(m);
			continue;
		}
		/* Request bodies gathered chunk by chunk: req.on('data', ...). */
		if (strstr(s, ".on('data'") || strstr(s, ".on(\"data\"")) {
			long j;
			for (j = i; j < i + 4 && j < to; j++) {
				const char *p = t->v[j];
				const char *q;
				for (q = p; (q = strstr(q, ".push(")); q += 6) {
					const char *b;
					for (b = q; b > p && idch((unsigned char)b[-1]); b--)
						;
					add_name(t, b, (size_t)(q - b));
				}
				for (q = p; (q = strstr(q, "+=")); q += 2) {
					const char *e = q, *b;
					while (e > p && e[-1] == ' ')
						e--;
					for (b = e; b > p && idch((unsigned char)b[-1]); b--)
						;
					add_name(t, b, (size_t)(e - b));
				}
			}
		}
		for (k = 1; s[k]; k++)
			if (m[k] == CODE && s[k] == '=' && s[k + 1] != '=' && s[k + 1] != '>' &&
			    !strchr("=!<>+-*/%&|^.?", s[k - 1])) {
				eq = k;
				break;
			}
		if (eq > 0 && from_request(t, s + eq + 1) && !lookup_result(t, s + eq + 1) &&
		    only_reads(s + eq + 1)) {
			long a = ind(s), e = eq - (s[eq - 1] == ':');
			int many = 0;
			for (k = a; k < e; k++)
				if (strchr("{[,", s[k]))
					many = 1;
			if (many || (t->mode == M_PY && starts_word(s, "for"))) {
				for (k = a; k < e; ) {
					long b = k;
					while (k < e && (idch((unsigned char)s[k]) || s[k] == '$'))
						k++;
					if (k > b && !is_decl_word(s + b, (size_t)(k - b)) &&
					    !isdigit((unsigned char)s[b]))
						add_name(t, s + b, (size_t)(k - b));
					if (k == b)
						k++;
				}
			} else {
				long b;
				while (e > a && s[e - 1] == ' ')
					e--;
				for (b = e; b > a && (idch((unsigned char)s[b - 1]) || s[b - 1] == '$'); b--)
					;
				/* "self.x = ..." and "obj.x = ..." are not names */
				if (e > b && (b == a || s[b - 1] == ' ') && !isdigit((unsigned char)s[b]))
					add_name(t, s + b, (size_t)(e - b));
			}
		}
		free(m);
	}
}

/* One level of the file's indentation. */
static const char *
unit_of(const struct tctx *t)
{
	long i;

	for (i = 0; i < t->n; i++)
		if (t->v[i][0] == '\t')
			return "\t";
	if (t->mode == M_JS || t->mode == M_RB)
		return "  ";
	return "    ";
}

/*
 * Lines at the failing line's indentation: each line of body may start
 * with '>'s, one more level of indentation each.
 */
static char *
block(const struct tctx *t, const char *body)
{
	struct strbuf b = { 0 };
	const char *p = body, *u = unit_of(t);
	int base = ind(t->s);

	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		int lvl = 0;
		while (n && *p == '>') {
			lvl++;
			p++;
			n--;
		}
		strbuf_addf(&b, "%.*s", base, t->s);
		while (lvl-- > 0)
			strbuf_add(&b, u);
		strbuf_addn(&b, p, n);
		if (nl)
			strbuf_add(&b, "\n");
		p = nl ? nl + 1 : p + n;
	}
	return strbuf_take(&b);
}
static int
is_keyword_n(const char *s, size_t n)
{
	char w[16];

	if (n >= sizeof w)
		return 0;
	memcpy(w, s, n);
	w[n] = '\0';
	return is_keyword(w);
}

static char
line_at(const char *s, long i)
{
	while (s[i] == ' ')
		i++;
	return s[i] ? s[i] : 'x';
}


/* A name fit to quote in a message we write into code: [A-Za-z0-9_.-]. */
static int
plain_name(const char *s)
{
	if (!*s || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!idch((unsigned char)*s) && *s != '-' && *s != '.')
			return 0;
	return 1;
}

/* The first quoted string in s[a..b) (mask m), malloc'd, or NULL. */
static char *
first_literal(const char *s, const char *m, long a, long b)
{
	long k, e;

	for (k = a; k < b; k++)
		if (m[k] == STR) {
			for (e = k + 1; e < b && m[e] == STR; e++)
				;
			if (e - k >= 2)
				return dupn(s, k + 1, e - 1);
			return NULL;
		}
	return NULL;
}

/* The first call in the line whose name is not in allowed, malloc'd, or
 * NULL when every call is allowed. */
static char *
other_call(const struct tctx *t, const char *const *allowed)
{
	const char *s = t->s;
	long k;

	for (k = 1; s[k]; k++) {
		long e = k, b;
		int i, ok = 0;
		if (s[k] != '(' || t->m[k] != CODE)
			continue;
		while (e > 0 && s[e - 1] == ' ')
			e--;
		for (b = e; b > 0 && idch((unsigned char)s[b - 1]); b--)
			;
		if (b == e)
			continue;	/* a parenthesised expression */
		if (is_keyword_n(s + b, (size_t)(e - b)))
			continue;
		for (i = 0; allowed[i]; i++)
			if (strlen(allowed[i]) == (size_t)(e - b) && !strncmp(s + b, allowed[i],
			    (size_t)(e - b)))
				ok = 1;
		if (!ok)
			return dupn(s, b, e);
	}
	return NULL;
}

/* ---- Python ---- */

static const char *const py_req_pats[] = { "request.", "self.path", "self.rfile",
	"self.headers", NULL };

/* The def that line ln is in (0-based), or -1. */
static long
py_def(const struct tctx *t, long ln)
{
	int cur = ind(t->v[ln]);
	long i;

	for (i = ln - 1; i >= 0 && cur > 0; i--) {
		const char *s = t->v[i];
		if (blank_line(s) || ind(s) >= cur || s[ind(s)] == '#')
			continue;
		cur = ind(s);
		if (starts_word(s, "def") || starts_word(s, "async"))
			return i;
	}
	return -1;
}

/* One whole simple statement on one line (so it can go inside a try). */
static int
py_simple(const struct tctx *t)
{
	static const char *const kw[] = { "if", "elif", "else", "for", "while", "with", "def",
		"class", "try", "except", "finally", "async", "lambda", "yield", "global",
		"nonlocal", "import", "from", "pass", "break", "continue", "raise", "del", "case",
		"match", NULL };
	const char *s = t->s;
	long e = (long)strlen(s), k, p;
	int depth = 0, i;

	while (e > 0 && (t->m[e - 1] == CMT || strchr(" \t\r", s[e - 1])))
		e--;
	if (e == 0 || strchr(":\\,([{", s[e - 1]) || strchr(")]}@", s[ind(s)]))
		return 0;
	for (k = 0; k < e; k++)
		if (t->m[k] == CODE) {
			if (strchr("([{", s[k]))
				depth++;
			else if (strchr(")]}", s[k]))
				depth--;
		}
	for (i = 0; kw[i]; i++)
		if (starts_word(s, kw[i]))
			return 0;
	for (p = t->ln - 1; p >= 0 && blank_line(t->v[p]); p--)
		;
	if (p >= 0) {
		const char *q = t->v[p];
		size_t n = strlen(q);
		while (n && strchr(" \t\r", q[n - 1]))
			n--;
		if (n && strchr("\\,([{", q[n - 1]))
			return 0;
	}
	return depth == 0;
}

/* A Flask view's URL parameters: "@app.route('/u/<int:uid>')" -> uid. */
static void
py_route_params(struct tctx *t, long def)
{
	long i;

	for (i = def - 1; i >= 0 && t->v[i][ind(t->v[i])] == '@'; i--) {
		const char *p = t->v[i];
		while ((p = strchr(p, '<'))) {
			const char *e = strchr(p, '>'), *c;
			if (!e)
				break;
			for (c = e; c > p && c[-1] != ':' && c[-1] != '<'; c--)
				;
			add_name(t, c, (size_t)(e - c));
			p = e;
		}
	}
}

static int
py_flask(const struct tctx *t)
{
	long i;

	for (i = 0; i < t->n; i++)
		if (starts_word(t->v[i], "from") && strstr(t->v[i], "flask import"))
			return 1;
		else if (!strcmp(t->v[i], "import flask"))
			return 2;
	return 0;
}

/* An http.server handler method: "def do_GET(self):". */
static int
py_handler_def(const struct tctx *t)
{
	const char *s;

	if (t->fn < 0)
		return 0;
	s = t->v[t->fn] + ind(t->v[t->fn]);
	return !strncmp(s, "def do_", 7) && isupper((unsigned char)s[7]) && strstr(s, "(self");
}

/*
 * How this code answers an HTTP error, as block() lines one level deeper
 * than the failing line: Flask's abort() (imported when it is not), or
 * send_error() and return in an http.server handler method.  NULL with
 * *why when there is no known way.  May queue the import change.
 */
static char *
py_respond(struct tctx *t, int code, const char *msg, const char **why)
{
	int fl = py_flask(t);
	long i;

	if (fl == 2)
		return fmt(">flask.abort(%d, description=\"%s\")", code, msg);
	if (fl == 1) {
		long imp = -1;
		for (i = 0; i < t->n; i++) {
			const char *s = t->v[i];
			if (!starts_word(s, "from") || !strstr(s, "flask import"))
				continue;
			if (find_word(strstr(s, "import"), "abort"))
				return fmt(">abort(%d, description=\"%s\")", code, msg);
			if (imp < 0 && !strchr(s, '(') && !strchr(s, '\\') && !strchr(s, '#') &&
			    !strstr(s, " as "))
				imp = i;
		}
		if (imp < 0) {
			*why = "Flask's abort is not imported and the import line cannot be extended safely";
			return NULL;
		}
		{
			const char *s = t->v[imp];
			size_t n = strlen(s);
			while (n && strchr(" \t\r", s[n - 1]))
				n--;
			if (change(t, imp, 1, fmt("%.*s, abort", (int)n, s)) < 0) {
				*why = "out of memory";
				return NULL;
			}
		}
		return fmt(">abort(%d, description=\"%s\")", code, msg);
	}
	if (py_handler_def(t))
		return fmt(">self.send_error(%d, \"%s\")\n>return", code, msg);
	*why = "neither a Flask app nor an http.server do_* method: no known way to answer an HTTP "
	    "error from here";
	return NULL;
}

/* Replace the failing statement with try/except EXC answering code. */
static int
py_try(struct tctx *t, const char *excs, int code, const char *msg, const char **why)
{
	char *resp = py_respond(t, code, msg, why), *body;
	int rc;

	if (!resp)
		return -1;
	body = fmt("try:\n>%s\nexcept %s:\n%s", t->s + ind(t->s), excs, resp);
	free(resp);
	if (!body)
		return -1;
	rc = change(t, t->ln, 1, block(t, body));
	free(body);
	return rc;
}

/* Put a guard before the failing line: "if COND:" answering code. */
static int
py_guard(struct tctx *t, const char *cond, int code, const char *msg, const char **why)
{
	char *resp = py_respond(t, code, msg, why), *body;
	int rc;

	if (!resp)
		return -1;
	body = fmt("if %s:\n%s", cond, resp);
	free(resp);
	if (!body)
		return -1;
	rc = change(t, t->ln, 0, block(t, body));
	free(body);
	return rc;
}

static const char *const py_plain_calls[] = { "int", "float", "str", "bool", "len", "min",
	"max", "abs", "round", "get", "getlist", "get_json", "get_data", "strip", "lower",
	"upper", "split", "loads", "load", "read", "decode", "parse_qs", "urlparse",
	"urlsplit", "jsonify", NULL };

/* int('')/float('x')/int(None)/None + 1 where the value is a request
 * parameter: answer 400. */
static int
py_param(struct tctx *t, const char *tname)
{
	const char *s = t->s, *why = NULL, *conv;
	char *param = NULL, *bad, *msg;
	long k, a = -1, c = -1;

	for (k = 0; s[k] && a < 0; k++) {
		const char *const cv[] = { "int(", "float(", NULL };
		int i;
		if (t->m[k] != CODE || (k > 0 && (idch((unsigned char)s[k - 1]) || s[k - 1] == '.')))
			continue;
		for (i = 0; cv[i]; i++)
			if (!strncmp(s + k, cv[i], strlen(cv[i]))) {
				long o = k + (long)strlen(cv[i]) - 1, cl = match_fwd(s, t->m, o);
				char *arg = cl > o ? dupn(s, o + 1, cl) : NULL;
				if (arg && from_request(t, arg)) {
					a = o + 1;
					c = cl;
				}
				free(arg);
			}
	}
	conv = strstr(t->msg ? t->msg : "", "float") ? "a number" : "an integer";
	if (a < 0 && strstr(t->msg ? t->msg : "", "unsupported operand") && from_request(t, s)) {
		a = 0;
		c = (long)strlen(s);
		conv = "a number";
	}
	if (a < 0)
		return consider(t, tname, 0, "the value that failed to convert at line %ld does not "
		    "come from the request; any default for it would be invented", t->ln + 1);
	if (!py_simple(t))
		return consider(t, tname, 0, "line %ld is not a whole simple statement", t->ln + 1);
	if ((bad = other_call(t, py_plain_calls))) {
		consider(t, tname, 0, "the statement also calls %s(); catching its errors could "
		    "hide a different fault", bad);
		free(bad);
		return 0;
	}
	param = first_literal(s, t->m, a, c);
	if (!param || !plain_name(param)) {
		free(param);
		param = NULL;
	}
	msg = param ? fmt("parameter '%s' is missing or not %s", param, conv) :
	    fmt("a parameter is missing or not %s", conv);
	if (py_try(t, "(TypeError, ValueError)", 400, msg, &why) < 0) {
		changes_drop(t);
		consider(t, tname, 0, "%s", why ? why : "out of memory");
		free(msg);
		free(param);
		return 0;
	}
	consider(t, tname, 1, "answer 400 when %s", msg);
	free(msg);
	free(param);
	return 1;
}

/* The collection X in "len(X)", or the X a name was assigned "len(X)"
 * (fn = "len") in the function; the one of "sum(X)" / "sum(.. in X)". */
static char *
coll_of(const struct tctx *t, const char *e, const char *fn)
{
	size_t fl = strlen(fn), n = strlen(e);
	long i;

	while (n && e[n - 1] == ' ')
		n--;
	while (*e == ' ')
		e++, n--;
	if (n > fl + 2 && !strncmp(e, fn, fl) && e[fl] == '(' && e[n - 1] == ')') {
		const char *in = NULL, *p;
		for (p = e; (p = strstr(p, " in ")) && p < e + n; p++)
			in = p;
		if (in)
			return strndup(in + 4, (size_t)(e + n - 1 - in - 4));
		return strndup(e + fl + 1, n - fl - 2);
	}
	/* a name: its assignment in this function */
	for (i = 0; i < (long)n; i++)
		if (!idch((unsigned char)e[i]))
			return NULL;
	for (i = t->ln - 1; i > t->fn && i >= 0; i--) {
		const char *s = t->v[i] + ind(t->v[i]);
		if (!strncmp(s, e, n) && !strncmp(s + n, " = ", 3))
			return coll_of(t, s + n + 3, fn);
	}
	return NULL;
}

/* Find the division the trace marks (or the only one that can be zero):
 * the dividend starts at *L, the operator at *pos, the divisor is
 * [*R, *Rend). */
static int
zero_split(const char *s, const char *m, int op_col, long *Lp, long *posp, long *oplenp,
    long *Rp, long *Rendp)
{
	long ops[16], i, pos = -1, L, R, Rend, oplen;
	int n = 0, k;

	for (i = 1; s[i] && n < 16; i++) {
		if (m[i] != CODE || (s[i] != '/' && s[i] != '%'))
			continue;
		if (s[i] == '/' && s[i + 1] == '/') {
			ops[n++] = i++;
			continue;
		}
		ops[n++] = i;
	}
	if (op_col >= 0) {
		for (k = 0; k < n; k++)
			if (ops[k] == op_col)
				pos = ops[k];
	} else {
		/* Drop divisors that are non-zero number literals. */
		int keep = 0;
		for (k = 0; k < n; k++) {
			long p = ops[k] + (s[ops[k] + 1] == '/' ? 2 : 1);
			while (s[p] == ' ')
				p++;
			if (isdigit((unsigned char)s[p]) && strtod(s + p, NULL) != 0)
				continue;
			keep++;
			pos = ops[k];
		}
		if (keep != 1)
			pos = -1;
	}
	if (pos < 0)
		return -1;
	oplen = s[pos] == '/' && s[pos + 1] == '/' ? 2 : 1;
	if (s[pos + oplen] == '=')		/* x /= y */
		return -1;
	i = pos;
	while (i > 0 && s[i - 1] == ' ')
		i--;
	L = lscan(s, m, i);
	if (L == i || (s[pos] == '%' && m[L] == STR))	/* "%s" % x is formatting */
		return -1;
	/* * / // % are left-associative: a * b / c divides (a * b). */
	for (;;) {
		long j = L, l2;
		while (j > 0 && s[j - 1] == ' ')
			j--;
		if (j < 2 || m[j - 1] != CODE || !strchr("*/%@", s[j - 1]) ||
		    (s[j - 1] == '*' && s[j - 2] == '*') || s[j - 2] == '=')
			break;
		j -= (s[j - 1] == '/' && s[j - 2] == '/') ? 2 : 1;
		while (j > 0 && s[j - 1] == ' ')
			j--;
		if ((l2 = lscan(s, m, j)) == j)
			break;
		L = l2;
	}
	R = pos + oplen;
	while (s[R] == ' ')
		R++;
	Rend = rscan(s, m, R);
	if (Rend == R)
		return -1;
	*Lp = L;
	*posp = pos;
	*oplenp = oplen;
	*Rp = R;
	*Rendp = Rend;
	return 0;
}

/* Widen [*a, *b) over calls that would choke on None in its place
 * ("round(x / n, 2)"), then check that what is left is a whole value (an
 * argument, an item, an assignment, a return), not an operand: 0 or -1. */
static int
widen_none(const char *s, const char *m, long *a, long *b)
{
	static const char *const wrap_calls[] = { "round", "abs", "float", "int", NULL };
	long k, e;

	for (;;) {
		long o, nb, c;
		int i, hit = 0;
		for (k = *a; k > 0 && s[k - 1] == ' '; k--)
			;
		if (k == 0 || s[k - 1] != '(' || m[k - 1] != CODE)
			break;
		o = k - 1;
		for (nb = o; nb > 0 && idch((unsigned char)s[nb - 1]); nb--)
			;
		for (i = 0; wrap_calls[i]; i++)
			if ((long)strlen(wrap_calls[i]) == o - nb && !strncmp(s + nb, wrap_calls[i],
			    (size_t)(o - nb)) && (nb == 0 || (s[nb - 1] != '.' && !idch((unsigned char)s[nb - 1]))))
				hit = 1;
		if (!hit || (c = match_fwd(s, m, o)) < 0)
			break;
		*a = nb;
		*b = c + 1;
	}
	for (e = *b; s[e] == ' '; e++)
		;
	for (k = *a; k > 0 && s[k - 1] == ' '; k--)
		;
	if (s[e] && m[e] != CMT && !strchr(",)]}", s[e]))
		return -1;
	if (k > 0 && !strchr("=([,:{", s[k - 1]) && !(k >= 6 && !strncmp(s + k - 6, "return", 6)))
		return -1;
	if (k > 1 && s[k - 1] == '=' && strchr("=!<>+-*/%&|^", s[k - 2]))
		return -1;
	return 0;
}

/* ZeroDivisionError: an average of nothing (sum(x) / len(x), x empty) is
 * unknown: None, never an invented 0; a divisor the request sent answers
 * 400; anything else is refused. */
static int
py_zero(struct tctx *t)
{
	const char *s = t->s, *m = t->m, *why = NULL;
	long L, pos, oplen, R, Rend;
	char *num, *den, *cn = NULL, *cd = NULL;
	int done = 0;

	if (zero_split(s, m, t->op_col, &L, &pos, &oplen, &R, &Rend) < 0)
		return consider(t, "py-average-empty", 0, "cannot tell which division at line %ld "
		    "divided by zero", t->ln + 1);
	num = dupn(s, L, pos);
	den = dupn(s, R, Rend);
	if (num && den) {
		cd = coll_of(t, den, "len");
		cn = coll_of(t, num, "sum");
	}
	if (cd && cn && !strcmp(cd, cn) && !has_call(cd, 0, (long)strlen(cd))) {
		long a = L, b = Rend;
		char *expr, *res;
		if (widen_none(s, m, &a, &b) < 0) {
			consider(t, "py-average-empty", 0, "the average of %s is used in arithmetic or a "
			    "comparison: None would fail there, and a number would be invented", cd);
			goto out;
		}
		expr = dupn(s, a, b);
		res = expr ? wrap(s, m, a, b, expr, den, "None") : NULL;
		free(expr);
		if (res && change(t, t->ln, 1, res) == 0)
			done = consider(t, "py-average-empty", 1, "the average of an empty %s is "
			    "unknown: answer None (null), not an invented 0", cd);
	} else if (den && from_request(t, den)) {
		consider(t, "py-average-empty", 0, "the divisor %s is not the length of the "
		    "summed collection", den);
		if (!py_simple(t))
			consider(t, "py-param-400", 0, "line %ld is not a whole simple statement",
			    t->ln + 1);
		else {
			char *msg = plain_name(den) ? fmt("parameter '%s' must not be zero", den) :
			    strdup("a parameter must not be zero");
			if (py_try(t, "ZeroDivisionError", 400, msg, &why) < 0) {
				changes_drop(t);
				consider(t, "py-param-400", 0, "%s", why ? why : "out of memory");
			} else
				done = consider(t, "py-param-400", 1, "answer 400 when %s", msg);
			free(msg);
		}
	} else
		consider(t, "py-average-empty", 0, "the divisor %s is not the length of the summed "
		    "collection nor a request parameter: any value for %s == 0 would be invented",
		    den ? den : "?", den ? den : "it");
out:
	free(num);
	free(den);
	free(cn);
	free(cd);
	return done;
}

/* StatisticsError: the mean of no data points is unknown, like an average
 * of nothing: None. */
static int
py_stats(struct tctx *t)
{
	const char *s = t->s, *p;
	const char *const fns[] = { "mean(", "fmean(", NULL };
	int i;

	for (i = 0; fns[i]; i++)
		for (p = s; (p = strstr(p, fns[i])); p++) {
			long a = p - s, o = a + (long)strlen(fns[i]) - 1, c, b;
			char *arg;
			if (t->m[a] != CODE || (a > 0 && idch((unsigned char)s[a - 1])))
				continue;
			if ((c = match_fwd(s, t->m, o)) < 0)
				continue;
			b = lscan(s, t->m, a);
			arg = dupn(s, o + 1, c);
			/* the data must be a list (a generator is always true) */
			{
				long k;
				int list = 0;
				for (k = t->ln - 1; k > t->fn && k >= 0 && arg && plain_name(arg); k--) {
					const char *q = t->v[k] + ind(t->v[k]);
					size_t n = strlen(arg);
					if (!strncmp(q, arg, n) && !strncmp(q + n, " = ", 3)) {
						list = q[n + 3] == '[' || !strncmp(q + n + 3, "list(", 5) ||
						    !strncmp(q + n + 3, "sorted(", 7);
						break;
					}
				}
				long wa = b, wb = c + 1;
				if (list && widen_none(s, t->m, &wa, &wb) < 0) {
					consider(t, "py-average-empty", 0, "the mean of %s is used in arithmetic "
					    "or a comparison: None would fail there, and a number would be "
					    "invented", arg);
					free(arg);
					return 0;
				}
				if (list) {
					char *expr = dupn(s, wa, wb);
					char *res = expr ? wrap(s, t->m, wa, wb, expr, arg, "None") : NULL;
					free(expr);
					if (res && change(t, t->ln, 1, res) == 0) {
						consider(t, "py-average-empty", 1, "the mean of an empty %s is "
						    "unknown: answer None (null), not an invented 0", arg);
						free(arg);
						return 1;
					}
				}
			}
			consider(t, "py-average-empty", 0, "cannot show that %s is a list built in this "
			    "function; only the mean of an empty list is answered None", arg ? arg : "?");
			free(arg);
			return 0;
		}
	return consider(t, "py-average-empty", 0, "no mean() at line %ld: what a median or "
	    "a spread of no data should be is the author's choice", t->ln + 1);
}

/* JSONDecodeError: the body of a request is empty or broken -> 400; a
 * file or another service's answer has no safe default. */
static int
py_json(struct tctx *t)
{
	const char *s = t->s, *p = strstr(s, "json.load"), *why = NULL;
	char *bad;

	if (!p)
		return consider(t, "py-json-400", 0, "no json.loads() at line %ld", t->ln + 1);
	if (strstr(s, "open(") || strstr(s, "read_text") || strstr(s, "urlopen") ||
	    strstr(s, "requests."))
		return consider(t, "py-json-400", 0, "the JSON is read from a file or another "
		    "service, not the request: what an empty or broken one should mean is the "
		    "author's choice");
	if (!from_request(t, p))
		return consider(t, "py-json-400", 0, "cannot tell that the JSON at line %ld is the "
		    "request's body", t->ln + 1);
	if (!py_simple(t))
		return consider(t, "py-json-400", 0, "line %ld is not a whole simple statement",
		    t->ln + 1);
	if ((bad = other_call(t, py_plain_calls))) {
		consider(t, "py-json-400", 0, "the statement also calls %s(); catching its errors "
		    "could hide a different fault", bad);
		free(bad);
		return 0;
	}
	if (py_try(t, "ValueError", 400, "the request body is not valid JSON", &why) < 0) {
		changes_drop(t);
		return consider(t, "py-json-400", 0, "%s", why ? why : "out of memory");
	}
	return consider(t, "py-json-400", 1, "answer 400 when the request body is empty or not "
	    "valid JSON");
}

/* Is the key expression of a lookup something the request sent? */
static int
py_key_from_request(struct tctx *t, const char *key)
{
	return from_request(t, key);
}

/* KeyError: a field missing from the request's body -> 400; an unknown id
 * from the request looked up in a mapping -> 404; else refuse. */
static int
py_key(struct tctx *t)
{
	struct sub v[16];
	const char *s = t->s, *m = t->m, *why = NULL;
	int n = subscripts(s, m, v, 16), k, pick = -1, lit = 0, nv = 0;
	char *base, *key, *msg;
	int done = 0;

	if (t->end_col > 0)
		pick = pick_sub(v, n, t->end_col);
	if (pick < 0 && t->msg)
		for (k = 0; k < n; k++)
			if (literal_eq(s + v[k].open + 1, (size_t)(v[k].close - v[k].open - 1), t->msg))
				pick = lit++ ? -1 : k;
	if (pick < 0 && !lit)
		for (k = 0; k < n; k++)
			if (!strchr("'\"0123456789", line_at(s, v[k].open + 1)))
				pick = nv++ ? -1 : k;
	if (pick < 0 || lit > 1 || nv > 1)
		return consider(t, "py-field-400", 0, "cannot tell which lookup at line %ld failed",
		    t->ln + 1);
	base = dupn(s, v[pick].base, v[pick].open);
	key = dupn(s, v[pick].open + 1, v[pick].close);
	if (!base || !key) {
		free(base);
		free(key);
		return 0;
	}
	if (strstr(base, "environ") || strstr(base, "ENV"))
		consider(t, "py-key-get", 0, "%s is missing from the environment: set it where "
		    "the service starts; a default in code would hide the missing setting", t->msg);
	else if (from_request(t, base)) {
		char *lk = first_literal(s, m, v[pick].open + 1, v[pick].close), *bad;
		int all = 1;
		for (k = 0; k < n; k++) {
			char *b2 = dupn(s, v[k].base, v[k].open);
			if (b2 && !from_request(t, b2))
				all = 0;
			free(b2);
		}
		msg = lk && plain_name(lk) ? fmt("field '%s' is missing", lk) :
		    strdup("a field is missing");
		if (!all)
			consider(t, "py-field-400", 0, "line %ld also looks up keys outside the request; "
			    "a 400 could hide a different fault", t->ln + 1);
		else if (!py_simple(t))
			consider(t, "py-field-400", 0, "line %ld is not a whole simple statement",
			    t->ln + 1);
		else if ((bad = other_call(t, py_plain_calls))) {
			consider(t, "py-field-400", 0, "the statement also calls %s(); catching its "
			    "errors could hide a different fault", bad);
			free(bad);
		} else if (py_try(t, "KeyError", 400, msg, &why) < 0) {
			changes_drop(t);
			consider(t, "py-field-400", 0, "%s", why ? why : "out of memory");
		} else {
			done = consider(t, "py-field-400", 1, "answer 400 when the request's %s", msg);
			assume(t, msg);
		}
		free(msg);
		free(lk);
	} else if (py_key_from_request(t, key) && !has_call(key, 0, (long)strlen(key)) &&
	    !has_call(base, 0, (long)strlen(base))) {
		char *cond = fmt("%s not in %s", key, base);
		if (py_guard(t, cond, 404, "not found", &why) < 0) {
			changes_drop(t);
			consider(t, "py-lookup-404", 0, "%s", why ? why : "out of memory");
		} else
			done = consider(t, "py-lookup-404", 1, "answer 404 when the requested %s is not "
			    "in %s", key, base);
		free(cond);
	} else {
		const char *q = s + v[pick].close + 1;
		long b = v[pick].base;
		while (*q == ' ')
			q++;
		while (b > 0 && s[b - 1] == ' ')
			b--;
		if ((*q && strchr("+-*/%@<>&|^", *q)) || (b > 0 && m[b - 1] == CODE &&
		    strchr("+-*/%@<>&|^~", s[b - 1])))
			consider(t, "py-key-get", 0, "%s[%s] is used in arithmetic: .get() would give "
			    "None and fail again, and a number for a missing key would be invented",
			    base, key);
		else
			consider(t, "py-key-get", 0, "%s.get(%s) would answer None where the code "
			    "expects a value: an invented default; neither the key nor the mapping comes "
			    "from the request, so it is not a 400 or a 404 either", base, key);
	}
	free(base);
	free(key);
	return done;
}

/* The text of the assignment to name in the function before line ln
 * (the right-hand side, borrowed), or NULL. */
static const char *
assigned(const struct tctx *t, const char *name, size_t n)
{
	long i;

	for (i = t->ln - 1; i > t->fn && i >= 0; i--) {
		const char *s = t->v[i] + ind(t->v[i]);
		const char *p = s;
		if (!strncmp(p, "const ", 6) || !strncmp(p, "let ", 4) || !strncmp(p, "var ", 4))
			p = strchr(p, ' ') + 1;
		else if (t->mode == M_C && t->lang[0] == 'j') {
			/* Java: "Type name = ..." */
			const char *sp = strchr(p, ' ');
			if (sp && !strncmp(sp + 1, name, n) && !strncmp(sp + 1 + n, " = ", 3))
				p = sp + 1;
		}
		if (t->mode == M_PHP && *p == '$')
			p++;
		if (!strncmp(p, name, n) && (!strncmp(p + n, " = ", 3) || !strncmp(p + n, " := ", 4)))
			return strchr(p + n, '=') + 1 + (p[n + 1] == ':');
	}
	return NULL;
}

/* A right-hand side that looks a key up: d[k], d.get(k), find(..), .first() */
static int
is_lookup(const char *rhs)
{
	static const char *const pats[] = { "[", ".get(", "find", ".first(", ".one_or_none(",
		"filter_by(", ".detect", "find_by", "Find", "Get(", "lookup", "Lookup", NULL };
	int i;

	for (i = 0; pats[i]; i++)
		if (strstr(rhs, pats[i]))
			return 1;
	return 0;
}

/* None where an object was expected.  The None came from looking up what
 * the request asked for (404), or the request's body is missing (400);
 * anything else: answering None in its place would be invented. */
static int
py_none(struct tctx *t, const char *attr)
{
	const char *s = t->s, *why = NULL, *rhs;
	long pos = -1, b, i;
	char *obj = NULL, *cond;
	int done = 0;

	if (attr) {
		size_t al = strlen(attr);
		int n = 0;
		for (i = 1; s[i]; i++)
			if (s[i] == '.' && t->m[i] == CODE && !strncmp(s + i + 1, attr, al) &&
			    !idch((unsigned char)s[i + 1 + al]) && (idch((unsigned char)s[i - 1]) ||
			    s[i - 1] == ')' || s[i - 1] == ']')) {
				if (t->end_col > 0 && i + 1 + (long)al == t->end_col) {
					pos = i;
					n = 1;
					break;
				}
				pos = n++ ? -1 : i;
			}
		if (n != 1)
			pos = -1;
	} else {
		struct sub v[16];
		int n = subscripts(s, t->m, v, 16), k = pick_sub(v, n, t->end_col);
		pos = k >= 0 ? v[k].open : -1;
	}
	if (pos < 0)
		return consider(t, "py-lookup-404", 0, "cannot tell which value at line %ld was None",
		    t->ln + 1);
	b = lscan(s, t->m, pos);
	obj = dupn(s, b, pos);
	if (!obj || b == pos || !plain_name(obj) || strchr(obj, '.')) {
		consider(t, "py-lookup-404", 0, "the None at line %ld is %s, not a variable: "
		    "answering None in its place would be an invented default", t->ln + 1,
		    obj && *obj ? obj : "an expression");
		free(obj);
		return 0;
	}
	rhs = assigned(t, obj, strlen(obj));
	if (rhs && from_request(t, rhs) && strstr(rhs, "request.") && !is_lookup(rhs + 0)) {
		cond = fmt("%s is None", obj);
		if (py_guard(t, cond, 400, "the request has no JSON body", &why) < 0) {
			changes_drop(t);
			consider(t, "py-body-400", 0, "%s", why ? why : "out of memory");
		} else
			done = consider(t, "py-body-400", 1, "answer 400 when the request has no JSON "
			    "body (%s is None)", obj);
		free(cond);
	} else if (rhs && is_lookup(rhs) && from_request(t, rhs)) {
		cond = fmt("%s is None", obj);
		if (py_guard(t, cond, 404, "not found", &why) < 0) {
			changes_drop(t);
			consider(t, "py-lookup-404", 0, "%s", why ? why : "out of memory");
		} else
			done = consider(t, "py-lookup-404", 1, "answer 404 when nothing is found for "
			    "the request (%s is None)", obj);
		free(cond);
	} else
		consider(t, "py-lookup-404", 0, "%s is None but %s: answering None in its place "
		    "would be an invented default", obj, !rhs ? "is not assigned in this function" :
		    "does not come from looking up what the request asked for");
	free(obj);
	return done;
}

/* IndexError on what the request sent (a path segment, a list parameter):
 * 400; anything else would invent the missing element. */
static int
py_index(struct tctx *t)
{
	struct sub v[16];
	int n = subscripts(t->s, t->m, v, 16), k = pick_sub(v, n, t->end_col);
	char *base, *bad;
	const char *why = NULL;
	int done = 0;

	if (k < 0)
		return consider(t, "py-index-400", 0, "cannot tell which index at line %ld was out "
		    "of range", t->ln + 1);
	base = dupn(t->s, v[k].base, v[k].open);
	if (!base || !from_request(t, base))
		consider(t, "py-index-400", 0, "%s does not come from the request: a value for the "
		    "missing element would be invented", base ? base : "the sequence");
	else if (!py_simple(t))
		consider(t, "py-index-400", 0, "line %ld is not a whole simple statement", t->ln + 1);
	else if ((bad = other_call(t, py_plain_calls))) {
		consider(t, "py-index-400", 0, "the statement also calls %s(); catching its errors "
		    "could hide a different fault", bad);
		free(bad);
	} else if (py_try(t, "IndexError", 400, "the request is missing a part", &why) < 0) {
		changes_drop(t);
		consider(t, "py-index-400", 0, "%s", why ? why : "out of memory");
	} else
		done = consider(t, "py-index-400", 1, "answer 400 when the request lacks the part "
		    "%s is indexed for", base);
	free(base);
	return done;
}

/* UnboundLocalError: say where the variable is (and is not) assigned. */
static int
py_unbound(struct tctx *t)
{
	char *var = quoted_after(t->msg ? t->msg : "", "local variable ");
	struct strbuf b = { 0 };
	long i;
	int n = 0;

	if (!var)
		var = quoted_after(t->msg ? t->msg : "", "access local variable ");
	if (!var)
		return consider(t, "py-unbound-local", 0, "the message names no variable");
	for (i = t->fn + 1; i < t->n && i >= 0; i++) {
		const char *s = t->v[i];
		if (i > t->fn && i != t->ln && ind(s) <= (t->fn >= 0 ? ind(t->v[t->fn]) : -1) &&
		    !blank_line(s))
			break;
		if (find_word(s, var) && strstr(s, "=") && strstr(s, var) < strchr(s, '=') &&
		    strchr(s, '=')[1] != '=' && n++ < 4)
			strbuf_addf(&b, "%s%ld", n > 1 ? ", " : "", i + 1);
	}
	{
		char *lines = strbuf_take(&b);
		consider(t, "py-unbound-local", 0, "%s is assigned only on some paths (line%s %s); "
		    "the value it should have on the others is the author's choice", var,
		    n > 1 ? "s" : "", lines && *lines ? lines : "none in this function");
		free(lines);
	}
	free(var);
	return 0;
}

static int
python(struct tctx *t)
{
	const char *e = t->exc, *msg = t->msg ? t->msg : "";
	char *name = NULL;
	int r = 0;

	t->pats = py_req_pats;
	t->fn = py_def(t, t->ln);
	if (t->fn >= 0) {
		py_route_params(t, t->fn);
		derive(t, t->fn + 1, t->ln);
	}
	if (!strcmp(e, "ZeroDivisionError"))
		r = py_zero(t);
	else if (strstr(e, "StatisticsError"))
		r = py_stats(t);
	else if (strstr(e, "JSONDecodeError") || (!strcmp(e, "ValueError") &&
	    strstr(msg, "Expecting value")))
		r = py_json(t);
	else if ((!strcmp(e, "ValueError") && (strstr(msg, "invalid literal for int()") ||
	    strstr(msg, "could not convert string to float"))) || (!strcmp(e, "TypeError") &&
	    ((strstr(msg, "int() argument must be") || strstr(msg, "float() argument must be")) ||
	    (strstr(msg, "unsupported operand") && strstr(msg, "NoneType")))))
		r = py_param(t, "py-param-400");
	else if (!strcmp(e, "KeyError"))
		r = py_key(t);
	else if (!strcmp(e, "AttributeError") && strstr(msg, "'NoneType' object has no attribute") &&
	    (name = quoted_after(msg, "has no attribute ")))
		r = py_none(t, name);
	else if (!strcmp(e, "TypeError") && strstr(msg, "'NoneType' object is not subscriptable"))
		r = py_none(t, NULL);
	else if (!strcmp(e, "TypeError") && strstr(msg, "'NoneType' object is not iterable"))
		consider(t, "py-none-iterate", 0, "iterating nothing in place of None would be an "
		    "invented default");
	else if (!strcmp(e, "IndexError"))
		r = py_index(t);
	else if (strstr(e, "UnboundLocalError"))
		r = py_unbound(t);
	free(name);
	return r;
}

/* ---- Node ---- */

struct jsh {
	char req[32], res[32];
	long start;
	int nested;	/* a function between the handler and the line */
	int express;
};

/* The parameters of a function header on line s: their count, -1 when
 * the line has no header. */
static int
js_header(const char *s, char out[][32], int max)
{
	char *m = malloc(strlen(s) + 1);
	const char *a = NULL, *e = NULL, *p;
	long o = -1, c = -1;
	int n = 0;

	if (!m)
		return -1;
	if (mask_line(s, m, M_JS) < 0) {
		free(m);
		return -1;
	}
	for (p = s; (p = strstr(p, "=>")); p++)
		if (m[p - s] == CODE) {
			long k = p - s;
			while (k > 0 && s[k - 1] == ' ')
				k--;
			if (k > 0 && s[k - 1] == ')') {
				c = k - 1;
				o = match_back(s, m, c);
			} else {
				long b = k;
				while (b > 0 && idch((unsigned char)s[b - 1]))
					b--;
				if (b < k) {
					a = s + b;
					e = s + k;
				}
			}
			break;
		}
	if (o < 0 && !a && (p = find_word(s, "function")) && m[p - s] == CODE) {
		const char *q = strchr(p, '(');
		if (q) {
			o = q - s;
			c = match_fwd(s, m, o);
		}
	}
	if (a) {
		snprintf(out[0], 32, "%.*s", (int)(e - a), a);
		free(m);
		return 1;
	}
	if (o < 0 || c < 0) {
		free(m);
		return -1;
	}
	for (p = s + o + 1; p < s + c && n < max; ) {
		const char *b;
		while (*p == ' ' || *p == ',')
			p++;
		b = p;
		while (p < s + c && idch((unsigned char)*p))
			p++;
		snprintf(out[n++], 32, "%.*s", (int)(p - b) < 31 ? (int)(p - b) : 31, b);
		while (p < s + c && *p != ',')
			p++;
	}
	free(m);
	return n;
}

/* The request handler around the failing line: "(req, res) =>" or
 * "function (req, res)"; -1 when there is none. */
static int
js_handler(struct tctx *t, struct jsh *h)
{
	int cur = ind(t->s);
	long i;

	memset(h, 0, sizeof *h);
	h->start = -1;
	for (i = t->ln - 1; i >= 0 && i >= t->ln - 400; i--) {
		const char *s = t->v[i];
		char p[4][32];
		int np;
		if (blank_line(s) || ind(s) >= cur)
			continue;
		cur = ind(s);
		np = js_header(s, p, 4);
		if (np >= 2 && (!strcmp(p[0], "req") || !strcmp(p[0], "request")) &&
		    (!strcmp(p[1], "res") || !strcmp(p[1], "response"))) {
			snprintf(h->req, sizeof h->req, "%s", p[0]);
			snprintf(h->res, sizeof h->res, "%s", p[1]);
			h->start = i;
			break;
		}
		if (np >= 0 && !strstr(s, ".on("))
			h->nested = 1;
		if (cur == 0)
			break;
	}
	for (i = 0; i < t->n; i++)
		if (strstr(t->v[i], "require('express')") || strstr(t->v[i], "require(\"express\")") ||
		    strstr(t->v[i], "from 'express'") || strstr(t->v[i], "from \"express\""))
			h->express = 1;
	return h->start >= 0 ? 0 : -1;
}

/* The lines (one level deeper) that answer code with {error: msg}. */
static char *
js_respond(const struct jsh *h, int code, const char *msg)
{
	if (h->express)
		return fmt(">return %s.status(%d).json({ error: \"%s\" });", h->res, code, msg);
	return fmt(">%s.writeHead(%d, { 'Content-Type': 'application/json' });\n"
	    ">return %s.end(JSON.stringify({ error: \"%s\" }));", h->res, code, h->res, msg);
}

/* Insert "if (COND) { answer }" before the failing line. */
static int
js_guard(struct tctx *t, const struct jsh *h, const char *cond, int code, const char *msg)
{
	char *resp = js_respond(h, code, msg), *body;
	int rc;

	if (!resp)
		return -1;
	body = fmt("if (%s) {\n%s\n}", cond, resp);
	free(resp);
	if (!body)
		return -1;
	rc = change(t, t->ln, 0, block(t, body));
	free(body);
	return rc;
}

/* The name a path ends with: "req.body.address" -> address. */
static const char *
last_part(const char *s)
{
	const char *p = strrchr(s, '.');

	return p ? p + 1 : s;
}

/* Set up the handler and the names from the request; a reason to refuse
 * when there is no handler to answer from. */
static const char *
js_setup(struct tctx *t, struct jsh *h)
{
	static const char *pats[2];

	if (js_handler(t, h) < 0)
		return "the line is not in an HTTP handler \"(req, res) =>\": no known way to answer "
		    "an HTTP error from here";
	add_name(t, h->req, strlen(h->req));
	pats[0] = NULL;
	t->pats = pats;
	derive(t, h->start + 1, t->ln);
	t->fn = h->start;
	if (h->nested)
		return "the line is inside a function nested in the handler: a return there would "
		    "not end the request";
	return NULL;
}

/* JSON.parse of an empty or broken request body: answer 400. */
static int
js_json(struct tctx *t)
{
	const char *s = t->s, *p = strstr(s, "JSON.parse("), *why;
	struct jsh h;
	long o, c, k;
	char *arg = NULL, *name = NULL, *resp = NULL, *body = NULL;
	int done = 0;

	if (!p)
		return consider(t, "node-json-400", 0, "no JSON.parse() at line %ld", t->ln + 1);
	if (strstr(s, "readFile") || strstr(s, "fetch(") || strstr(s, ".text()"))
		return consider(t, "node-json-400", 0, "the JSON is read from a file or another "
		    "service, not the request: what an empty or broken one should mean is the "
		    "author's choice");
	if ((why = js_setup(t, &h)))
		return consider(t, "node-json-400", 0, "%s", why);
	o = p - s + 10;
	c = match_fwd(s, t->m, o);
	arg = c > o ? dupn(s, o + 1, c) : NULL;
	if (!arg || !from_request(t, arg)) {
		consider(t, "node-json-400", 0, "cannot tell that %s is the request's body",
		    arg ? arg : "the parsed text");
		free(arg);
		return 0;
	}
	/* "const|let|var NAME = JSON.parse(ARG);" and nothing else */
	k = ind(s);
	if (starts_word(s, "const") || starts_word(s, "let") || starts_word(s, "var")) {
		long b;
		while (idch((unsigned char)s[k]))
			k++;
		while (s[k] == ' ')
			k++;
		for (b = k; idch((unsigned char)s[k]) || s[k] == '$'; k++)
			;
		name = k > b ? dupn(s, b, k) : NULL;
		while (s[k] == ' ')
			k++;
	}
	{
		long e = c + 1;
		while (s[e] == ' ' || s[e] == ';')
			e++;
		if (!name || s[k] != '=' || s + k + 1 + strspn(s + k + 1, " ") != p ||
		    (s[e] && t->m[e] != CMT)) {
			consider(t, "node-json-400", 0, "line %ld is not \"const NAME = JSON.parse(...);\"",
			    t->ln + 1);
			goto out;
		}
	}
	resp = js_respond(&h, 400, "the request body is not valid JSON");
	body = resp ? fmt("let %s;\ntry {\n>%s = JSON.parse(%s);\n} catch (err) {\n%s\n}", name,
	    name, arg, resp) : NULL;
	if (body && change(t, t->ln, 1, block(t, body)) == 0)
		done = consider(t, "node-json-400", 1, "answer 400 when the request body is empty or "
		    "not valid JSON");
out:
	free(arg);
	free(name);
	free(resp);
	free(body);
	return done;
}

/* "Cannot read properties of undefined (reading 'p')": a field missing
 * from the request (400) or nothing found for what it asked (404). */
static int
js_undefined(struct tctx *t, const char *prop)
{
	const char *s = t->s, *why, *rhs;
	struct jsh h;
	long cand[16], i, pos = -1, b;
	int n = 0, k, done = 0;
	size_t pl = strlen(prop);
	char *obj, *cond, *msg;

	for (i = 1; s[i] && n < 16; i++) {
		if (t->m[i] != CODE)
			continue;
		if (s[i] == '.' && s[i - 1] != '?' && s[i - 1] != '.' && !strncmp(s + i + 1, prop, pl) &&
		    !idch((unsigned char)s[i + 1 + pl]) && s[i + 1 + pl] != '$' &&
		    (idch((unsigned char)s[i - 1]) || s[i - 1] == ')' || s[i - 1] == ']'))
			cand[n++] = i;
		else if (s[i] == '[' && isdigit((unsigned char)prop[0]) &&
		    !strncmp(s + i + 1, prop, pl) && s[i + 1 + pl] == ']' &&
		    (idch((unsigned char)s[i - 1]) || s[i - 1] == ')' || s[i - 1] == ']'))
			cand[n++] = i;
	}
	if (t->col >= 0)
		for (k = 0; k < n; k++)
			if (cand[k] + 1 == t->col || cand[k] == t->col)
				pos = cand[k];
	if (pos < 0 && n == 1)
		pos = cand[0];
	if (pos < 0)
		return consider(t, "node-field-400", 0, "cannot tell which read of '%s' at line %ld "
		    "failed", prop, t->ln + 1);
	if ((why = js_setup(t, &h)))
		return consider(t, "node-field-400", 0, "%s", why);
	b = lscan(s, t->m, pos);
	obj = dupn(s, b, pos);
	if (!obj || b == pos || has_call(obj, 0, (long)strlen(obj)) || strchr(obj, '[')) {
		consider(t, "node-field-400", 0, "the undefined value at line %ld is not a variable "
		    "or a field path: optional chaining would answer an invented undefined", t->ln + 1);
		free(obj);
		return 0;
	}
	cond = fmt("%s === undefined || %s === null", obj, obj);
	if (from_request(t, obj)) {
		char body_of[40];
		snprintf(body_of, sizeof body_of, "%s.body", h.req);
		msg = !strcmp(obj, body_of) ? strdup("the request has no JSON body") :
		    plain_name(last_part(obj)) ? fmt("field '%s' is missing", last_part(obj)) :
		    strdup("a field is missing");
		if (cond && msg && js_guard(t, &h, cond, 400, msg) == 0) {
			done = consider(t, "node-field-400", 1, "answer 400 when %s", msg);
			assume(t, msg);
		}
		free(msg);
	} else if ((rhs = assigned(t, obj, strlen(obj))) && is_lookup(rhs) && from_request(t, rhs)) {
		if (cond && js_guard(t, &h, cond, 404, "not found") == 0)
			done = consider(t, "node-lookup-404", 1, "answer 404 when nothing is found for "
			    "the request (%s is undefined)", obj);
	} else
		consider(t, "node-lookup-404", 0, "%s is undefined but does not come from the request "
		    "or from looking up what it asked for: optional chaining would answer an "
		    "invented undefined", obj);
	free(cond);
	free(obj);
	return done;
}

/* "Cannot destructure property 'a' of 'X' as it is undefined." */
static int
js_destructure(struct tctx *t)
{
	char *x = quoted_after(t->msg, " of "), *cond = NULL, *msg = NULL;
	const char *why;
	struct jsh h;
	int done = 0;

	if (!x || !*x || has_call(x, 0, (long)strlen(x))) {
		free(x);
		return consider(t, "node-field-400", 0, "the message does not say what was undefined");
	}
	if ((why = js_setup(t, &h)))
		consider(t, "node-field-400", 0, "%s", why);
	else if (!from_request(t, x))
		consider(t, "node-field-400", 0, "%s does not come from the request: \"?? {}\" "
		    "would destructure an invented empty object", x);
	else {
		char body_of[40];
		snprintf(body_of, sizeof body_of, "%s.body", h.req);
		msg = !strcmp(x, body_of) ? strdup("the request has no JSON body") :
		    plain_name(last_part(x)) ? fmt("field '%s' is missing", last_part(x)) :
		    strdup("a field is missing");
		cond = fmt("%s === undefined || %s === null", x, x);
		if (cond && msg && js_guard(t, &h, cond, 400, msg) == 0) {
			done = consider(t, "node-field-400", 1, "answer 400 when %s", msg);
			assume(t, msg);
		}
	}
	free(cond);
	free(msg);
	free(x);
	return done;
}

/* "x.map is not a function": x should be an array the request sent. */
static int
js_not_function(struct tctx *t)
{
	static const char *const arr[] = { "map", "forEach", "filter", "reduce", "join", "some",
		"every", "find", "includes", "slice", "sort", "flatMap", "findIndex", NULL };
	const char *msg = t->msg, *e = strstr(msg, " is not a function"), *dot, *why;
	struct jsh h;
	char *x = NULL, *cond = NULL, *m2 = NULL;
	int i, isarr = 0, done = 0;

	for (dot = e; dot && dot > msg && dot[-1] != '.'; dot--)
		;
	if (!e || !dot || dot <= msg + 1)
		return consider(t, "node-array-400", 0, "the message names no method call");
	for (i = 0; arr[i]; i++)
		if ((size_t)(e - dot) == strlen(arr[i]) && !strncmp(dot, arr[i], (size_t)(e - dot)))
			isarr = 1;
	x = strndup(msg, (size_t)(dot - 1 - msg));
	if (!isarr || !x)
		consider(t, "node-array-400", 0, "%.*s is not an array method", (int)(e - dot), dot);
	else if (!strstr(t->s, x) || has_call(x, 0, (long)strlen(x)))
		consider(t, "node-array-400", 0, "%s is not written as such at line %ld", x, t->ln + 1);
	else if ((why = js_setup(t, &h)))
		consider(t, "node-array-400", 0, "%s", why);
	else if (!from_request(t, x))
		consider(t, "node-array-400", 0, "%s does not come from the request: what it should "
		    "be instead of an array is the author's choice", x);
	else {
		m2 = plain_name(last_part(x)) ? fmt("field '%s' must be an array", last_part(x)) :
		    strdup("a field must be an array");
		cond = fmt("!Array.isArray(%s)", x);
		if (cond && m2 && js_guard(t, &h, cond, 400, m2) == 0)
			done = consider(t, "node-array-400", 1, "answer 400 when %s", m2);
	}
	free(x);
	free(cond);
	free(m2);
	return done;
}

/* RangeError: Invalid array length, from a length the request sent. */
static int
js_range(struct tctx *t)
{
	const char *s = t->s, *p = strstr(s, "Array("), *why;
	struct jsh h;
	char *len = NULL, *cond = NULL, *msg = NULL;
	int done = 0;

	if (p) {
		long o = p - s + 5, c = match_fwd(s, t->m, o);
		len = c > o ? dupn(s, o + 1, c) : NULL;
	} else if ((p = strstr(s, "length: "))) {
		long a = p - s + 8, e = a;
		while (idch((unsigned char)s[e]) || s[e] == '.')
			e++;
		len = dupn(s, a, e);
	}
	if (!len || !*len || has_call(len, 0, (long)strlen(len)) || !plain_name(len)) {
		free(len);
		return consider(t, "node-param-400", 0, "cannot find a plain array length at line %ld",
		    t->ln + 1);
	}
	if ((why = js_setup(t, &h)))
		consider(t, "node-param-400", 0, "%s", why);
	else if (!from_request(t, len))
		consider(t, "node-param-400", 0, "the length %s does not come from the request: "
		    "which length it should have is the author's choice", len);
	else {
		cond = fmt("!Number.isInteger(%s) || %s < 0 || %s > 2 ** 32 - 1", len, len, len);
		msg = fmt("parameter '%s' must be a non-negative integer", last_part(len));
		if (cond && msg && js_guard(t, &h, cond, 400, msg) == 0)
			done = consider(t, "node-param-400", 1, "answer 400 when %s", msg);
	}
	free(len);
	free(cond);
	free(msg);
	return done;
}

static int
node(struct tctx *t)
{
	const char *msg = t->msg ? t->msg : "";
	char *name = NULL;
	int r = 0;

	if (strstr(msg, "Cannot destructure property"))
		r = js_destructure(t);
	else if ((strstr(msg, "of undefined") || strstr(msg, "of null")) &&
	    ((name = quoted_after(msg, "(reading ")) ||
	    (name = quoted_after(msg, "Cannot read property "))))
		r = js_undefined(t, name);
	else if (strstr(msg, " is not a function"))
		r = js_not_function(t);
	else if (strstr(msg, "Invalid array length"))
		r = js_range(t);
	else if (strstr(msg, "JSON") && (!strcmp(t->exc, "SyntaxError") || strstr(msg, "JSON.parse")))
		r = js_json(t);
	free(name);
	return r;
}

/* ---- Ruby, Go, Java, PHP ---- */

/* The line that opens the block line ln is in, by indentation, whose
 * text satisfies is_head; -1 when none. */
static long
head_above(const struct tctx *t, int (*is_head)(const char *))
{
	int cur = ind(t->s);
	long i;

	for (i = t->ln - 1; i >= 0 && cur > 0; i--) {
		const char *s = t->v[i];
		if (blank_line(s) || ind(s) >= cur)
			continue;
		cur = ind(s);
		if (is_head(s))
			return i;
	}
	return -1;
}

static int
rb_head(const char *s)
{
	size_t n = strlen(s);

	while (n && strchr(" \t\r", s[n - 1]))
		n--;
	if (starts_word(s, "def"))
		return 1;
	if (n >= 3 && !strncmp(s + n - 2, "do", 2) && !idch((unsigned char)s[n - 3]))
		return 1;
	return n && s[n - 1] == '|' && strstr(s, " do |") != NULL;
}

/* NoMethodError on nil: nothing found for what the request asked -> 404
 * (Sinatra's halt, or a Rack response triple); else refuse. */
static int
ruby(struct tctx *t)
{
	static const char *const pats[] = { "params[", "params.", "request.", "env[", "req.",
		"query[", NULL };
	const char *msg = t->msg ? t->msg : "", *p = strstr(msg, "undefined method "), *rhs;
	char meth[64];
	long i, pos = -1, b;
	int n = 0, sinatra = 0, rack = 0;
	char *obj;
	size_t ml;

	if (strcmp(t->exc, "NoMethodError") || !p || !strstr(msg, "nil"))
		return 0;
	p += 17;
	if (*p == '`' || *p == '\'')
		p++;
	ml = strcspn(p, "'`");
	if (ml == 0 || ml >= sizeof meth)
		return consider(t, "ruby-lookup-404", 0, "the message names no method");
	snprintf(meth, sizeof meth, "%.*s", (int)ml, p);
	t->pats = pats;
	t->fn = head_above(t, rb_head);
	derive(t, t->fn + 1, t->ln);
	for (i = 1; t->s[i]; i++)
		if (t->s[i] == '.' && t->m[i] == CODE && !strncmp(t->s + i + 1, meth, ml) &&
		    !idch((unsigned char)t->s[i + 1 + ml]) && t->s[i - 1] != '&')
			pos = n++ ? -1 : i;
	if (pos < 0)
		return consider(t, "ruby-lookup-404", 0, "cannot tell which .%s at line %ld was "
		    "called on nil", meth, t->ln + 1);
	b = lscan(t->s, t->m, pos);
	obj = dupn(t->s, b, pos);
	for (i = 0; i < t->n; i++) {
		if (strstr(t->v[i], "require 'sinatra'") || strstr(t->v[i], "require \"sinatra\""))
			sinatra = 1;
		if (i > t->fn && i <= t->ln && t->fn >= 0 && strstr(t->v[i], "[200,"))
			rack = 1;
	}
	if (!obj || !plain_name(obj) || strchr(obj, '.')) {
		consider(t, "ruby-lookup-404", 0, "the nil at line %ld is not a variable: \"&.\" "
		    "would answer an invented nil", t->ln + 1);
	} else if (!(rhs = assigned(t, obj, strlen(obj))) || !is_lookup(rhs) ||
	    !from_request(t, rhs)) {
		consider(t, "ruby-lookup-404", 0, "%s is nil but does not come from looking up what "
		    "the request asked for: \"&.\" would answer an invented nil", obj);
	} else if (!sinatra && !rack) {
		consider(t, "ruby-lookup-404", 0, "neither Sinatra nor a Rack response triple: no "
		    "known way to answer 404 from here");
	} else {
		char *body = sinatra ? fmt("halt 404, \"not found\" if %s.nil?", obj) :
		    fmt("return [404, { \"content-type\" => \"text/plain\" }, [\"not found\"]] if %s.nil?",
		    obj);
		if (body && change(t, t->ln, 0, block(t, body)) == 0) {
			free(body);
			consider(t, "ruby-lookup-404", 1, "answer 404 when nothing is found for the "
			    "request (%s is nil)", obj);
			free(obj);
			return 1;
		}
		free(body);
	}
	free(obj);
	return 0;
}

static int
go_head(const char *s)
{
	return !strncmp(s, "func ", 5);
}

/* The type of a map: the struct field or package variable declared
 * "NAME map[K]V" in the file, malloc'd, or NULL. */
static char *
go_map_type(const struct tctx *t, const char *name, int field)
{
	size_t n = strlen(name);
	long i;
	char *found = NULL;
	int hits = 0;

	for (i = 0; i < t->n; i++) {
		const char *s = t->v[i] + ind(t->v[i]), *p;
		if (!field && !strncmp(s, "var ", 4))
			s += 4;
		if (strncmp(s, name, n) || (s[n] != ' ' && s[n] != '\t'))
			continue;
		p = s + n;
		while (*p == ' ' || *p == '\t')
			p++;
		if (strncmp(p, "map[", 4))
			continue;
		{
			size_t l = strcspn(p, "`/=");
			while (l && strchr(" \t\r", p[l - 1]))
				l--;
			free(found);
			found = strndup(p, l);
			hits++;
		}
	}
	if (hits != 1) {
		free(found);
		return NULL;
	}
	return found;
}

/* Go: a write to a nil map (make it first: no value is invented); an
 * index past what the request sent (400). */
static int
golang(struct tctx *t)
{
	const char *text = t->msg ? t->msg : "", *s = t->s;
	char both[512];
	long i;

	snprintf(both, sizeof both, "%s: %s", t->exc, text);
	t->fn = head_above(t, go_head);
	if (strstr(both, "assignment to entry in nil map")) {
		long b = -1, o = -1;
		char *expr, *type = NULL, *body;
		for (i = 1; s[i]; i++)
			if (s[i] == '[' && t->m[i] == CODE && idch((unsigned char)s[i - 1])) {
				long c = match_fwd(s, t->m, i), k;
				if (c < 0)
					break;
				for (k = c + 1; s[k] == ' '; k++)
					;
				if ((s[k] == '=' && s[k + 1] != '=') || !strncmp(s + k, "++", 2) ||
				    !strncmp(s + k, "--", 2) || (s[k] && strchr("+-*/|&", s[k]) &&
				    s[k + 1] == '=')) {
					if (o >= 0)
						return consider(t, "go-nil-map", 0, "line %ld writes to more "
						    "than one map", t->ln + 1);
					o = i;
					b = lscan(s, t->m, i);
				}
			}
		if (o < 0)
			return consider(t, "go-nil-map", 0, "no map write at line %ld", t->ln + 1);
		expr = dupn(s, b, o);
		if (!expr || has_call(expr, 0, (long)strlen(expr)) || strchr(expr, '[')) {
			free(expr);
			return consider(t, "go-nil-map", 0, "the map at line %ld is not a variable or "
			    "a field", t->ln + 1);
		}
		if (strchr(expr, '.')) {
			const char *dot = strrchr(expr, '.');
			const char *fl = t->fn >= 0 ? t->v[t->fn] : "";
			char recv[80];
			snprintf(recv, sizeof recv, "func (%.*s *", (int)(dot - expr), expr);
			if (strchr(expr, '.') != dot || strncmp(fl, recv, strlen(recv))) {
				consider(t, "go-nil-map", 0, "%s is not a field of the method's pointer "
				    "receiver: making the map here would not keep it", expr);
				free(expr);
				return 0;
			}
			type = go_map_type(t, dot + 1, 1);
		} else {
			char param[80];
			snprintf(param, sizeof param, "%s map[", expr);
			if (t->fn >= 0 && strstr(t->v[t->fn], param)) {
				consider(t, "go-nil-map", 0, "%s is the caller's map (a parameter): making "
				    "it here would not keep it", expr);
				free(expr);
				return 0;
			}
			type = go_map_type(t, expr, 0);
		}
		if (!type) {
			consider(t, "go-nil-map", 0, "cannot find the one declaration of %s's map type",
			    expr);
			free(expr);
			return 0;
		}
		body = fmt("if %s == nil {\n>%s = make(%s)\n}", expr, expr, type);
		if (body && change(t, t->ln, 0, block(t, body)) == 0) {
			consider(t, "go-nil-map", 1, "make the map %s before the first write", expr);
			free(body);
			free(type);
			free(expr);
			return 1;
		}
		free(body);
		free(type);
		free(expr);
		return 0;
	}
	if (strstr(both, "index out of range [")) {
		const char *p = strstr(both, "index out of range [") + 20;
		long idx = strtol(p, NULL, 10), o = -1, b;
		char lit[32], w[32] = "", r[32] = "", *base, *body;
		const char *fl = t->fn >= 0 ? t->v[t->fn] : "", *q;
		snprintf(lit, sizeof lit, "[%ld]", idx);
		for (q = s; (q = strstr(q, lit)); q++)
			if (t->m[q - s] == CODE && q > s && (idch((unsigned char)q[-1]) || q[-1] == ')'))
				o = o < 0 ? q - s : -2;
		if (o < 0)
			return consider(t, "go-index-400", 0, "cannot tell which index at line %ld was "
			    "out of range", t->ln + 1);
		if ((q = strstr(fl, " http.ResponseWriter"))) {
			const char *a = q;
			while (a > fl && idch((unsigned char)a[-1]))
				a--;
			snprintf(w, sizeof w, "%.*s", (int)(q - a) < 31 ? (int)(q - a) : 31, a);
		}
		if ((q = strstr(fl, " *http.Request"))) {
			const char *a = q;
			while (a > fl && idch((unsigned char)a[-1]))
				a--;
			snprintf(r, sizeof r, "%.*s", (int)(q - a) < 31 ? (int)(q - a) : 31, a);
		}
		if (!*w || !*r || !strstr(fl, ") {"))
			return consider(t, "go-index-400", 0, "the line is not in an http.HandlerFunc: "
			    "no known way to answer 400 from here");
		add_name(t, r, strlen(r));
		derive(t, t->fn + 1, t->ln);
		b = lscan(s, t->m, o);
		base = dupn(s, b, o);
		if (!base || !from_request(t, base) || has_call(base, 0, (long)strlen(base))) {
			consider(t, "go-index-400", 0, "%s does not come from the request: a value for "
			    "the missing element would be invented", base ? base : "the slice");
			free(base);
			return 0;
		}
		body = fmt("if len(%s) <= %ld {\n>http.Error(%s, \"bad request: a part is missing\", "
		    "http.StatusBadRequest)\n>return\n}", base, idx, w);
		if (body && change(t, t->ln, 0, block(t, body)) == 0) {
			consider(t, "go-index-400", 1, "answer 400 when the request lacks the part %s "
			    "is indexed for", base);
			free(body);
			free(base);
			return 1;
		}
		free(body);
		free(base);
		return 0;
	}
	if (strstr(both, "nil pointer dereference"))
		consider(t, "go-nil-map", 0, "a nil pointer, not a nil map: which value it should "
		    "have is the author's choice");
	return 0;
}

static int
java_head(const char *s)
{
	static const char *const ctl[] = { "if", "for", "while", "switch", "try", "catch", "else",
		"do", "synchronized", "return", "} catch", "} else", NULL };
	size_t n = strlen(s);
	int i;

	while (n && strchr(" \t\r", s[n - 1]))
		n--;
	if (!n || s[n - 1] != '{' || !strchr(s, '('))
		return 0;
	for (i = 0; ctl[i]; i++)
		if (starts_word(s, ctl[i]))
			return 0;
	return s[ind(s)] != '}';
}

/* Java NullPointerException where a lookup for the request found
 * nothing: answer 404 from an HttpExchange or servlet handler. */
static int
java(struct tctx *t)
{
	static const char *const pats[] = { "getRequestURI", "getQuery", "getParameter",
		"getPathInfo", "getRequestBody", "getPath()", NULL };
	const char *msg = t->msg ? t->msg : "", *p, *fl, *rhs;
	char var[64] = "", ex[32] = "", resp[32] = "";
	char *body;

	if (!strstr(t->exc, "NullPointerException"))
		return 0;
	if (strstr(msg, "because the return value of"))
		return consider(t, "java-lookup-404", 0, "the null is a call's result used directly: "
		    "no variable to test");
	if ((p = strstr(msg, "because \"")) && strstr(msg, "\" is null")) {
		p += 9;
		snprintf(var, sizeof var, "%.*s", (int)strcspn(p, "\""), p);
	}
	if (var[0] == '<' || !var[0]) {
		/* <local4>: the receiver of the method the message names */
		const char *q = strstr(msg, "Cannot invoke \"");
		const char *dot, *par;
		var[0] = '\0';
		if (q && (par = strchr(q + 15, '(')) && (dot = memrchr(q + 15, '.', (size_t)(par - q - 15)))) {
			char call[80];
			const char *c, *a;
			snprintf(call, sizeof call, ".%.*s(", (int)(par - dot - 1), dot + 1);
			if ((c = strstr(t->s, call)) && !strstr(c + 1, call)) {
				for (a = c; a > t->s && idch((unsigned char)a[-1]); a--)
					;
				snprintf(var, sizeof var, "%.*s", (int)(c - a) < 63 ? (int)(c - a) : 63, a);
			}
		}
	}
	if (!var[0] || !plain_name(var) || strchr(var, '.'))
		return consider(t, "java-lookup-404", 0, "cannot tell which variable at line %ld was "
		    "null", t->ln + 1);
	t->fn = head_above(t, java_head);
	fl = t->fn >= 0 ? t->v[t->fn] : "";
	if ((p = strstr(fl, "HttpExchange "))) {
		p += 13;
		snprintf(ex, sizeof ex, "%.*s", (int)strspn(p, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") % 31, p);
	}
	if ((p = strstr(fl, "HttpServletResponse "))) {
		p += 20;
		snprintf(resp, sizeof resp, "%.*s", (int)strspn(p, "abcdefghijklmnopqrstuvwxyz"
		    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") % 31, p);
	}
	if ((!ex[0] && !resp[0]) || !strstr(fl, " void "))
		return consider(t, "java-lookup-404", 0, "the line is not in a void HttpExchange or "
		    "servlet handler method: no known way to answer 404 from here");
	t->pats = pats;
	if (ex[0])
		add_name(t, ex, strlen(ex));
	if ((p = strstr(fl, "HttpServletRequest "))) {
		p += 19;
		add_name(t, p, strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"));
	}
	derive(t, t->fn + 1, t->ln);
	rhs = assigned(t, var, strlen(var));
	if (!rhs || !is_lookup(rhs) || !from_request(t, rhs))
		return consider(t, "java-lookup-404", 0, "%s is null but does not come from looking "
		    "up what the request asked for: which value it should have is the author's choice",
		    var);
	body = ex[0] ? fmt("if (%s == null) {\n>%s.sendResponseHeaders(404, -1);\n>%s.close();\n"
	    ">return;\n}", var, ex, ex) : fmt("if (%s == null) {\n>%s.sendError(404, \"not found\");\n"
	    ">return;\n}", var, resp);
	if (body && change(t, t->ln, 0, block(t, body)) == 0) {
		free(body);
		return consider(t, "java-lookup-404", 1, "answer 404 when nothing is found for the "
		    "request (%s is null)", var);
	}
	free(body);
	return 0;
}

/* PHP "Undefined array key" on a query or form parameter: answer 400. */
static int
php(struct tctx *t)
{
	static const char *const sg[] = { "$_GET", "$_POST", "$_REQUEST", NULL };
	const char *msg = t->msg ? t->msg : "", *p;
	char key[64] = "", *body = NULL;
	int i, found = -1;
	long k;

	if ((p = strstr(msg, "Undefined array key \"")))
		p += 21;
	else if ((p = strstr(msg, "Undefined index: ")))
		p += 17;
	else if (strstr(msg, "must be of type") && strstr(msg, "null given")) {
		/* strict_types: the null of a missing key fails the call it is passed
		 * to; the key is the one superglobal read on the line, if only one */
		for (i = 0; sg[i]; i++) {
			const char *q = t->s;
			size_t n = strlen(sg[i]);
			while ((q = strstr(q, sg[i]))) {
				const char *kb = q + n + 2;
				if (q[n] == '[' && (q[n + 1] == '\'' || q[n + 1] == '"')) {
					char k2[64];
					snprintf(k2, sizeof k2, "%.*s", (int)strcspn(kb, "'\"") % 63, kb);
					if (*key && strcmp(key, k2))
						return consider(t, "php-param-400", 0, "line %ld reads more than "
						    "one request key: which one was null cannot be told", t->ln + 1);
					snprintf(key, sizeof key, "%s", k2);
				}
				q += n;
			}
		}
		if (!*key)
			return consider(t, "php-param-400", 0, "the null at line %ld is not read from "
			    "$_GET, $_POST or $_REQUEST", t->ln + 1);
		p = key;
	}
	if (!p)
		return 0;
	if (p != key)
		snprintf(key, sizeof key, "%.*s", (int)strcspn(p, "\"") % 63, p);
	if (!plain_name(key))
		return consider(t, "php-param-400", 0, "the missing key is not a plain name");
	for (i = 0; sg[i] && found < 0; i++) {
		char a[96], b[96];
		snprintf(a, sizeof a, "%s['%s']", sg[i], key);
		snprintf(b, sizeof b, "%s[\"%s\"]", sg[i], key);
		if (strstr(t->s, a) || strstr(t->s, b))
			found = i;
	}
	if (found < 0)
		return consider(t, "php-param-400", 0, "'%s' is not read from $_GET, $_POST or "
		    "$_REQUEST at line %ld: a default for it would be invented", key, t->ln + 1);
	for (k = 0; k < t->n; k++)
		if (starts_word(t->v[k], "namespace") || starts_word(t->v[k], "class") ||
		    starts_word(t->v[k], "use"))
			return consider(t, "php-param-400", 0, "not a plain PHP script (classes or a "
			    "framework): exit would bypass its own error handling");
	body = fmt("if (!isset(%s['%s'])) {\n>http_response_code(400);\n"
	    ">echo json_encode(['error' => \"parameter '%s' is missing\"]);\n>exit;\n}",
	    sg[found], key, key);
	if (body && change(t, t->ln, 0, block(t, body)) == 0) {
		char what[96];
		free(body);
		consider(t, "php-param-400", 1, "answer 400 when parameter '%s' is missing", key);
		snprintf(what, sizeof what, "parameter '%s' is missing", key);
		assume(t, what);
		return 1;
	}
	free(body);
	return 0;
}

/* ---- the entry point ---- */

static int
change_cmp(const void *a, const void *b)
{
	const struct change *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	return x->del - y->del;		/* an insertion goes before a replacement */
}

void
template_result_release(struct template_result *r)
{
	size_t i;

	free(r->text);
	free(r->what);
	free(r->name);
	free(r->assumes);
	for (i = 0; i < r->nchanges; i++)
		free(r->changes[i].text);
	free(r->changes);
	jv_free(r->considered);
	memset(r, 0, sizeof *r);
	r->considered = jv_invalid();
}

/*
 * Load src into t for line `line` of lang: the file's lines, the line and
 * its mask.  0 on success; -1 when no template can look at it (with the
 * reason in t->considered when there is one to give).  t->considered
 * must be a valid array already.
 */
static int
tctx_open(struct tctx *t, const char *lang, const char *exc, const char *msg, const char *src,
    long line)
{
	jv considered = t->considered;
	char *p;
	size_t cap;

	memset(t, 0, sizeof *t);
	t->considered = considered;
	t->lang = lang;
	t->exc = exc;
	t->msg = msg ? msg : "";
	t->fn = -1;
	t->col = t->end_col = t->op_col = -1;
	if (!strcmp(lang, "python"))
		t->mode = M_PY;
	else if (!strcmp(lang, "node"))
		t->mode = M_JS;
	else if (!strcmp(lang, "ruby"))
		t->mode = M_RB;
	else if (!strcmp(lang, "php"))
		t->mode = M_PHP;
	else if (!strcmp(lang, "go") || !strcmp(lang, "java"))
		t->mode = M_C;
	else
		return -1;
	if (strchr(src, '\r')) {
		consider(t, "templates", 0, "the file has CRLF line ends; no template edits it");
		return -1;
	}
	if (!(t->buf = strdup(src)))
		return -1;
	cap = 1;
	for (p = t->buf; *p; p++)
		cap += *p == '\n';
	if (!(t->v = calloc(cap + 1, sizeof *t->v)))
		return -1;
	for (p = t->buf; p; ) {
		char *nl = strchr(p, '\n');
		if (!*p && !nl)
			break;		/* after the final newline */
		t->v[t->n++] = p;
		if (nl)
			*nl = '\0';
		p = nl ? nl + 1 : NULL;
	}
	if (line < 1 || line > t->n)
		return -1;
	t->ln = line - 1;
	t->s = t->v[t->ln];
	if (strlen(t->s) > 4000 || !(t->m = malloc(strlen(t->s) + 1)))
		return -1;
	if (mask_line(t->s, t->m, t->mode) < 0) {
		consider(t, "templates", 0, "line %ld has a string the scanner cannot follow "
		    "(triple quotes or a string left open)", line);
		return -1;
	}
	return 0;
}

/* Free what t holds except t->considered. */
static void
tctx_close(struct tctx *t)
{
	int k;

	changes_drop(t);
	for (k = 0; k < t->nowned; k++)
		free(t->owned[k]);
	t->nowned = t->nnames = 0;
	free(t->what);
	free(t->m);
	free(t->v);
	free(t->buf);
	t->what = NULL;
	t->m = NULL;
	t->v = NULL;
	t->buf = NULL;
}

/* The patched file and its changes from t's queued changes, into r. */
static int
tctx_finish(struct tctx *t, struct template_result *r, const char *src)
{
	struct strbuf b = { 0 };
	size_t n = strlen(src);
	long i;
	int k;

	if (t->nch <= 0)
		return 0;	/* a template said yes but queued nothing: a refusal */
	qsort(t->ch, (size_t)t->nch, sizeof *t->ch, change_cmp);
	k = 0;
	for (i = 0; i < t->n; i++) {
		int skip = 0;
		for (; k < t->nch && t->ch[k].line == i; k++) {
			strbuf_add(&b, t->ch[k].text);
			strbuf_add(&b, "\n");
			skip |= t->ch[k].del;
		}
		if (!skip) {
			strbuf_add(&b, t->v[i]);
			if (i + 1 < t->n || (n && src[n - 1] == '\n'))
				strbuf_add(&b, "\n");
		}
	}
	if (!(r->text = strbuf_take(&b)))
		return 0;
	if (!(r->changes = calloc((size_t)t->nch, sizeof *r->changes))) {
		free(r->text);
		r->text = NULL;
		return 0;
	}
	for (k = 0; k < t->nch; k++) {
		r->changes[k].line = t->ch[k].line + 1;
		r->changes[k].del = t->ch[k].del;
		r->changes[k].text = t->ch[k].text;
		t->ch[k].text = NULL;
	}
	r->nchanges = (size_t)t->nch;
	t->nch = 0;
	r->what = t->what;
	t->what = NULL;
	/* the name of the template that applied, and what it assumed: the last record */
	{
		jv last = jv_array_get(jv_copy(t->considered),
		    jv_array_length(jv_copy(t->considered)) - 1);
		if (jv_get_kind(last) == JV_KIND_OBJECT) {
			jv nm = jv_object_get(jv_copy(last), jv_string("template"));
			jv as = jv_object_get(last, jv_string("assumes"));
			if (jv_get_kind(nm) == JV_KIND_STRING)
				r->name = strdup(jv_string_value(nm));
			if (jv_get_kind(as) == JV_KIND_STRING)
				r->assumes = strdup(jv_string_value(as));
			jv_free(nm);
			jv_free(as);
		} else
			jv_free(last);
	}
	return 1;
}

int
template_apply(struct template_result *r, const char *lang, const char *exc, const char *msg,
    const char *src, long line, int col, int end_col, int op_col)
{
	struct tctx t;
	int applied = 0;

	memset(r, 0, sizeof *r);
	r->considered = jv_array();
	if (!lang || !exc || !src || line < 1)
		return 0;
	t.considered = r->considered;
	r->considered = jv_invalid();
	if (tctx_open(&t, lang, exc, msg, src, line) < 0)
		goto out;
	t.col = col;
	t.end_col = end_col;
	t.op_col = op_col;
	if (t.mode == M_PY)
		applied = python(&t);
	else if (t.mode == M_JS)
		applied = node(&t);
	else if (t.mode == M_RB)
		applied = ruby(&t);
	else if (t.mode == M_PHP)
		applied = php(&t);
	else if (!strcmp(lang, "go"))
		applied = golang(&t);
	else
		applied = java(&t);
	if (applied)
		tctx_finish(&t, r, src);
out:
	tctx_close(&t);
	r->considered = t.considered;
	return r->text != NULL;
}

/* ---- following the call chain ---- */

/*
 * The failing line is often in a helper, and the bad value arrived there
 * as one of its parameters: "def run(products, query): query['q']".  The
 * trace's caller frames name each call; the argument in that position is
 * followed the same way, frame by frame, until it is something the
 * request sent (or is not, and the chain is refused).  At the innermost
 * caller that can answer an HTTP error (a Flask view, an http.server
 * do_* method, an Express or node:http handler, or a router that returns
 * (status, body) pairs, as its other returns show), a guard goes before
 * the call: the request is answered 400 before the helper sees the bad
 * value.  The guard restates the helper's own failing expression in the
 * caller's names, so it tests exactly what failed; an expression that
 * does anything but read (a call other than .get('literal')) is refused.
 *
 *   chain-key-400    Python KeyError on the request's mapping -> "if 'k' not in X", 400
 *   chain-json-400   json.loads / JSON.parse of the request's body -> parse first, 400
 *   chain-null-400   Node: null/undefined read of the request's value -> "== null", 400
 *   chain-param-400  Python int()/float() of the request's value -> convert first, 400
 *
 * A missing key or value answered 400 assumes the parameter is required:
 * the code read it without a default, but whether a request without it
 * is wrong is the author's call.  The fix says so ("assumes", as
 * php-param-400, py-field-400 and node-field-400 do), and testloop keeps
 * such a fix below the ready threshold.
 */

enum { CK_KEY, CK_JSON, CK_NULL, CK_INT };

/* Is x a plain read: names, dots, ['lit'] and .get('lit')? */
static int
pure_expr(const char *x)
{
	const char *p = x;

	if (!idch((unsigned char)*p) || isdigit((unsigned char)*p))
		return 0;
	while (*p) {
		if (idch((unsigned char)*p) || *p == '.' || *p == '$') {
			p++;
			continue;
		}
		if (*p == '[' && isdigit((unsigned char)p[1])) {
			for (p++; isdigit((unsigned char)*p); p++)
				;
			if (*p++ != ']')
				return 0;
			continue;
		}
		if ((*p == '[' || *p == '(') && (p[1] == '\'' || p[1] == '"')) {
			char q = p[1], close = *p == '[' ? ']' : ')';
			const char *e = strchr(p + 2, q);
			if (*p == '(' && (p - x < 4 || strncmp(p - 4, ".get", 4)))
				return 0;
			if (!e || e[1] != close)
				return 0;
			for (p += 2; p < e; p++)
				if (!idch((unsigned char)*p) && *p != '-' && *p != '.')
					return 0;
			p = e + 2;
			continue;
		}
		return 0;
	}
	return 1;
}

/* The leading name of an expression, into out. */
static void
root_of(const char *x, char *out, size_t n)
{
	size_t k = 0;

	while (x[k] && (idch((unsigned char)x[k]) || x[k] == '$') && k + 1 < n) {
		out[k] = x[k];
		k++;
	}
	out[k] = '\0';
}

/* The text of the top-level arguments of the call whose "(" is at o: up
 * to max, each malloc'd and trimmed; the count, or -1. */
static int
call_args(const char *s, const char *m, long o, char **out, int max)
{
	long c = match_fwd(s, m, o), k, b = o + 1;
	int n = 0, depth = 0;

	if (c < 0)
		return -1;
	for (k = o + 1; k <= c; k++) {
		if (m[k] != CODE)
			continue;
		if (k < c && strchr("([{", s[k]))
			depth++;
		else if (k < c && strchr(")]}", s[k]))
			depth--;
		else if ((s[k] == ',' && depth == 0) || k == c) {
			long a = b, e = k;
			while (a < e && s[a] == ' ')
				a++;
			while (e > a && s[e - 1] == ' ')
				e--;
			if (e > a && n < max)
				out[n++] = dupn(s, a, e);
			else if (e > a)
				return -1;
			b = k + 1;
		}
	}
	return n;
}

/* The parameters of the function around t's line (its header line in
 * *hdr): their count, -1 when there is none that can be read. */
static int
fn_params(struct tctx *t, char out[][32], int max, long *hdr)
{
	long i;
	int cur = ind(t->s);

	*hdr = -1;
	if (t->mode == M_PY) {
		long d = py_def(t, t->ln), o, c;
		const char *s, *p;
		int n = 0;
		char *m;
		if (d < 0)
			return -1;
		s = t->v[d];
		if (!(p = strchr(s, '(')) || !(m = malloc(strlen(s) + 1)))
			return -1;
		if (mask_line(s, m, M_PY) < 0 || (c = match_fwd(s, m, o = p - s)) < 0) {
			free(m);
			return -1;
		}
		free(m);
		for (p = s + o + 1; p < s + c && n < max; ) {
			const char *b;
			while (*p == ' ' || *p == ',')
				p++;
			if (*p == '*')
				break;	/* *args, **kw: positions past here are not plain */
			b = p;
			while (p < s + c && idch((unsigned char)*p))
				p++;
			if (p > b)
				snprintf(out[n++], 32, "%.*s", (int)(p - b) < 31 ? (int)(p - b) : 31, b);
			while (p < s + c && *p != ',')
				p++;
			if (p == b)
				break;
		}
		*hdr = d;
		return n;
	}
	if (t->mode != M_JS)
		return -1;
	for (i = t->ln - 1; i >= 0 && i >= t->ln - 400; i--) {
		const char *s = t->v[i];
		int np;
		if (blank_line(s) || ind(s) >= cur)
			continue;
		cur = ind(s);
		if ((np = js_header(s, out, max)) >= 0) {
			*hdr = i;
			return np;
		}
		if (cur == 0)
			break;
	}
	return -1;
}

/* Is name assigned again between the header and the line? */
static int
reassigned(const struct tctx *t, long hdr, const char *name)
{
	long i;
	size_t n = strlen(name);

	for (i = hdr + 1; i < t->ln; i++) {
		const char *s = t->v[i] + ind(t->v[i]);
		if (starts_word(s, "let") || starts_word(s, "var") || starts_word(s, "const"))
			s = strchr(s, ' ') ? strchr(s, ' ') + 1 : s;
		if (!strncmp(s, name, n) && !idch((unsigned char)s[n])) {
			const char *q = s + n;
			while (*q == ' ')
				q++;
			if (*q == '=' && q[1] != '=')
				return 1;
			if (strchr("+-*/|&", *q) && q[1] == '=')
				return 1;
		}
	}
	return 0;
}

/* The one argument of the first call CALL (ending in "(") in code on t's
 * line, malloc'd; NULL with *why when there is none or more than one. */
static char *
sole_arg(struct tctx *t, const char *call, const char **why)
{
	const char *s = t->s, *p;
	char *args[2];
	int n;

	for (p = s; (p = strstr(p, call)); p++)
		if (t->m[p - s] == CODE && (p == s || (!idch((unsigned char)p[-1]) && p[-1] != '.')))
			break;
	if (!p) {
		*why = "the call the message names is not on the failing line";
		return NULL;
	}
	n = call_args(s, t->m, p - s + (long)strlen(call) - 1, args, 2);
	if (n != 1) {
		while (n > 0)
			free(args[--n]);
		*why = "the call has no argument, or more than one (a base, options)";
		return NULL;
	}
	return args[0];
}

/* The failing expression of the innermost frame, malloc'd, with its kind
 * and key; NULL with *why when the failure is not one the chain follows. */
static char *
chain_expr(struct tctx *t, int *kind, char *key, size_t keyn, const char **why)
{
	const char *s = t->s, *msg = t->msg, *e = t->exc;
	long k, a, b;

	*why = "the failure is not one a guard in a caller can test (a missing key, a body "
	    "that is not JSON, a value that is null)";
	if (t->mode == M_PY && !strcmp(e, "KeyError")) {
		char *kk = NULL;
		const char *q = msg;
		if ((*q == '\'' || *q == '"') && (kk = strndup(q + 1, strcspn(q + 1, "'\""))) &&
		    plain_name(kk))
			snprintf(key, keyn, "%s", kk);
		free(kk);
		if (!*key)
			return NULL;
		for (k = 1; s[k]; k++) {
			if (s[k] != '[' || t->m[k] != CODE || t->m[k + 1] != STR)
				continue;
			b = match_fwd(s, t->m, k);
			if (b < 0 || b - k - 3 != (long)strlen(key) || strncmp(s + k + 2, key, strlen(key)))
				continue;
			a = lscan(s, t->m, k);
			*kind = CK_KEY;
			return dupn(s, a, k);
		}
		*why = "the missing key is not read with a subscript on the failing line";
		return NULL;
	}
	if (t->mode == M_PY && (strstr(e, "JSONDecodeError") || (!strcmp(e, "ValueError") &&
	    strstr(msg, "Expecting value")))) {
		*kind = CK_JSON;
		return sole_arg(t, "json.loads(", why);
	}
	if (t->mode == M_PY && ((!strcmp(e, "ValueError") && (strstr(msg, "invalid literal for int()")
	    || strstr(msg, "could not convert string to float"))) || (!strcmp(e, "TypeError") &&
	    (strstr(msg, "int() argument must be") || strstr(msg, "float() argument must be"))))) {
		int f = strstr(msg, "float") != NULL;
		snprintf(key, keyn, "%s", f ? "float" : "int");
		*kind = CK_INT;
		return sole_arg(t, f ? "float(" : "int(", why);
	}
	if (t->mode == M_JS && !strcmp(e, "SyntaxError") && strstr(msg, "JSON")) {
		*kind = CK_JSON;
		return sole_arg(t, "JSON.parse(", why);
	}
	if (t->mode == M_JS && (strstr(msg, "of undefined") || strstr(msg, "of null"))) {
		char *prop = quoted_after(msg, "(reading ");
		size_t pn;
		if (!prop || !plain_name(prop)) {
			free(prop);
			return NULL;
		}
		pn = strlen(prop);
		for (k = 1; s[k]; k++)
			if (s[k] == '.' && t->m[k] == CODE && !strncmp(s + k + 1, prop, pn) &&
			    !idch((unsigned char)s[k + 1 + pn])) {
				a = lscan(s, t->m, k);
				snprintf(key, keyn, "%s", prop);
				free(prop);
				*kind = CK_NULL;
				return dupn(s, a, k);
			}
		free(prop);
		*why = "the property read is not on the failing line";
		return NULL;
	}
	return NULL;
}

/* How the function around t's line answers: 'T' a router returning
 * (status, body), 'F' Flask, 'H' an http.server do_* method, 'J' a
 * (req, res) handler; 0 none. */
static int
chain_answers(struct tctx *t, long hdr, struct jsh *h)
{
	long i;
	int lvl = ind(t->v[hdr]);

	for (i = hdr + 1; i < t->n; i++) {
		const char *s = t->v[i], *p;
		if (blank_line(s))
			continue;
		if (ind(s) <= lvl)
			break;		/* the function's end */
		p = strstr(s, "return ");
		if (!p)
			continue;
		p += 7;
		if (t->mode == M_JS && *p == '[')
			p++;
		if (isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) &&
		    isdigit((unsigned char)p[2]) && p[3] == ',')
			return 'T';
	}
	if (t->mode == M_PY) {
		t->fn = hdr;
		if (py_flask(t))
			return 'F';
		if (py_handler_def(t))
			return 'H';
		return 0;
	}
	if (js_handler(t, h) == 0 && h->start == hdr && !h->nested)
		return 'J';
	return 0;
}

/* Does this statement start its own line (a guard may go before it)? */
static int
statement_start(const struct tctx *t)
{
	long p;

	if (t->mode == M_PY)
		return py_simple(t) || starts_word(t->s, "return");
	for (p = t->ln - 1; p >= 0 && blank_line(t->v[p]); p--)
		;
	if (p < 0)
		return 1;
	{
		const char *q = t->v[p];
		size_t n = strlen(q);
		while (n && strchr(" \t\r", q[n - 1]))
			n--;
		return n && strchr(";{}", q[n - 1]);
	}
}

/* The guard before the call at t's line, in the frame's own way to answer. */
static int
chain_guard(struct tctx *t, int how, const struct jsh *h, int kind, const char *x,
    const char *key)
{
	char *resp = NULL, *body = NULL, *msg, *cond = NULL;
	const char *why = NULL;
	int rc = -1;

	{
		/* "params.get('q')" -> parameter 'q'; "body.user" -> 'user' */
		const char *g = strstr(x, ".get(");
		char lit[64] = "";
		if (g && (g[5] == '\'' || g[5] == '"'))
			snprintf(lit, sizeof lit, "%.*s", (int)strcspn(g + 6, "'\"") % 63, g + 6);
		msg = kind == CK_JSON ? fmt("the request body is not valid JSON") :
		    kind == CK_INT ? fmt("a value the request sent is not %s", strcmp(key,
		    "float") ? "an integer" : "a number") :
		    kind == CK_KEY ? fmt("'%s' is missing from the request", key) :
		    *lit && plain_name(lit) ? fmt("parameter '%s' is missing", lit) :
		    plain_name(last_part(x)) ? fmt("'%s' is missing from the request", last_part(x)) :
		    fmt("a value the request must send is missing");
	}
	if (!msg)
		return -1;
	if (how == 'T')
		resp = t->mode == M_PY ? fmt(">return 400, {\"error\": \"%s\"}", msg) :
		    fmt(">return [400, { error: \"%s\" }];", msg);
	else if (how == 'J')
		resp = js_respond(h, 400, msg);
	else
		resp = py_respond(t, 400, msg, &why);
	if (!resp)
		goto out;
	if (t->mode == M_PY) {
		if (kind == CK_KEY)
			body = fmt("if \"%s\" not in %s:\n%s", key, x, resp);
		else if (kind == CK_INT)
			body = fmt("try:\n>%s(%s)\nexcept (TypeError, ValueError, KeyError, IndexError):\n%s",
			    key, x, resp);
		else
			body = fmt("try:\n>json.loads(%s)\nexcept ValueError:\n%s", x, resp);
	} else {
		/* "if (COND) return ...": the guard holds only where COND does */
		const char *s = t->s + ind(t->s);
		if (starts_word(s, "if")) {
			long o = (long)(strchr(s, '(') ? strchr(s, '(') - t->s : -1), c;
			c = o >= 0 ? match_fwd(t->s, t->m, o) : -1;
			if (c < 0 || !starts_word(t->s + c + 1, "return"))
				goto out;
			cond = dupn(t->s, o + 1, c);
		}
		if (kind == CK_NULL)
			body = cond ? fmt("if ((%s) && %s == null) {\n%s\n}", cond, x, resp) :
			    fmt("if (%s == null) {\n%s\n}", x, resp);
		else if (cond) {
			char *inner = fmt(">try {\n>>JSON.parse(%s);\n>} catch (err) {\n>%s\n>}", x, resp);
			body = inner ? fmt("if (%s) {\n%s\n}", cond, inner) : NULL;
			free(inner);
		} else
			body = fmt("try {\n>JSON.parse(%s);\n} catch (err) {\n%s\n}", x, resp);
	}
	if (body)
		rc = change(t, t->ln, 0, block(t, body));
out:
	free(msg);
	free(resp);
	free(body);
	free(cond);
	return rc;
}

/* Does the Python file import json at the top level? */
static int
imports_json(const struct tctx *t)
{
	long i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->v[i], "import json") || !strncmp(t->v[i], "import json ", 12) ||
		    (!strncmp(t->v[i], "import ", 7) && find_word(t->v[i] + 7, "json") &&
		    !strchr(t->v[i], '.')))
			return 1;
	return 0;
}

int
template_apply_chain(struct template_result *r, const char *lang, const char *exc,
    const char *msg, const struct template_frame *fr, int n)
{
	static const char *const js_pats[] = { "req.", "request.", NULL };
	struct tctx t;
	char params[8][32], root[64], key[64] = "", *x = NULL, *name = NULL;
	const char *why = NULL;
	int kind = 0, np, pos = -1, j, i, how = 0, at = -1;
	long hdr;
	struct jsh h;
	char *guard_x = NULL;
	const char *tname;

	memset(r, 0, sizeof *r);
	r->considered = jv_array();
	if (!lang || !exc || n < 2 || !fr[0].src || (strcmp(lang, "python") && strcmp(lang, "node")))
		return 0;
	t.considered = r->considered;
	r->considered = jv_invalid();
	if (tctx_open(&t, lang, exc, msg, fr[0].src, fr[0].line) < 0)
		goto out;
	if (!(x = chain_expr(&t, &kind, key, sizeof key, &why))) {
		consider(&t, "chain", 0, "%s", why);
		goto out;
	}
	tname = kind == CK_KEY ? "chain-key-400" : kind == CK_JSON ? "chain-json-400" :
	    kind == CK_INT ? "chain-param-400" : "chain-null-400";
	if (!pure_expr(x)) {
		consider(&t, tname, 0, "'%s' at %s:%ld does more than read a value; a guard "
		    "restating it could change what the code does", x, fr[0].file, fr[0].line);
		goto out;
	}
	root_of(x, root, sizeof root);
	np = fn_params(&t, params, 8, &hdr);
	for (i = 0; i < np; i++)
		if (!strcmp(params[i], root))
			pos = i;
	if (t.mode == M_PY && np > 0 && (!strcmp(params[0], "self") || !strcmp(params[0], "cls")))
		pos = -2;	/* a method: its call passes self implicitly */
	if (pos < 0) {
		consider(&t, tname, 0, "'%s' at %s:%ld is not a parameter of %s, so no caller "
		    "passed it", root, fr[0].file, fr[0].line, fr[0].function ? fr[0].function : "it");
		goto out;
	}
	if (reassigned(&t, hdr, root)) {
		consider(&t, tname, 0, "'%s' is assigned again in %s before line %ld", root,
		    fr[0].function ? fr[0].function : "the function", fr[0].line);
		goto out;
	}
	for (j = 1; j < n; j++) {
		const char *fn = fr[j - 1].function ? last_part(fr[j - 1].function) : NULL;
		const char *p;
		char *args[8], *nx;
		int na, k, found = 0;
		struct tctx u;

		if (!fn || !plain_name(fn) || !fr[j].src) {
			consider(&t, tname, 0, "the caller of %s:%ld cannot be read", fr[j - 1].file,
			    fr[j - 1].line);
			goto out;
		}
		u.considered = jv_array();
		if (tctx_open(&u, lang, exc, msg, fr[j].src, fr[j].line) < 0) {
			jv_free(u.considered);
			tctx_close(&u);
			consider(&t, tname, 0, "%s:%ld cannot be scanned", fr[j].file, fr[j].line);
			goto out;
		}
		jv_free(u.considered);
		u.considered = jv_array();
		/* the call: NAME( as a whole name, in code, once */
		for (p = u.s; (p = find_word(p, fn)); p += strlen(fn)) {
			long o = p - u.s + (long)strlen(fn);
			if (u.m[p - u.s] != CODE || u.s[o] != '(')
				continue;
			if (found++)
				break;
			na = call_args(u.s, u.m, o, args, 8);
			if (na <= pos) {
				while (na > 0)
					free(args[--na]);
				found = -1;
				break;
			}
			nx = fmt("%s%s", args[pos], x + strlen(root));
			for (k = 0; k < na; k++)
				if (strchr(args[k], '=') && !strstr(args[k], "==") && !strstr(args[k], "=>")) {
					free(nx);
					nx = NULL;	/* keyword arguments: positions do not hold */
				}
			free(x);
			x = nx;
			root_of(args[pos], root, sizeof root);
			while (na > 0)
				free(args[--na]);
		}
		if (found != 1 || !x) {
			consider(&t, tname, 0, "%s:%ld does not make one plain call to %s()", fr[j].file,
			    fr[j].line, fn);
			jv_free(u.considered);
			tctx_close(&u);
			goto out;
		}
		np = fn_params(&u, params, 8, &hdr);
		/* the request, as this frame's code reads it */
		if (u.mode == M_PY) {
			u.pats = py_req_pats;
			if (hdr >= 0) {
				u.fn = hdr;
				py_route_params(&u, hdr);
				derive(&u, hdr + 1, u.ln);
			}
		} else {
			struct jsh hh;
			u.pats = js_pats;
			/* from the (req, res) handler around it, when there is one */
			if (js_handler(&u, &hh) == 0) {
				add_name(&u, hh.req, strlen(hh.req));
				derive(&u, hh.start + 1, u.ln);
			} else if (hdr >= 0)
				derive(&u, hdr + 1, u.ln);
		}
		if (at < 0 && hdr >= 0 && pure_expr(x) && (how = chain_answers(&u, hdr, &h)) &&
		    statement_start(&u)) {
			at = j;
			free(guard_x);
			guard_x = strdup(x);
		}
		if (from_request(&u, x) && only_reads(x)) {
			jv_free(u.considered);
			tctx_close(&u);
			break;		/* the request's own value */
		}
		pos = -1;
		for (i = 0; i < np; i++)
			if (!strcmp(params[i], root))
				pos = i;
		if (u.mode == M_PY && np > 0 && (!strcmp(params[0], "self") ||
		    !strcmp(params[0], "cls")))
			pos = -1;
		if (pos < 0 || !pure_expr(x) || reassigned(&u, hdr, root)) {
			consider(&t, tname, 0, "'%s' at %s:%ld is neither what the request sent nor a "
			    "parameter passed on unchanged: a guard would be a guess", x, fr[j].file,
			    fr[j].line);
			jv_free(u.considered);
			tctx_close(&u);
			goto out;
		}
		jv_free(u.considered);
		tctx_close(&u);
	}
	if (j == n) {
		consider(&t, tname, 0, "the frames end before the value is what the request sent");
		goto out;
	}
	if (at < 0) {
		consider(&t, tname, 0, "no caller between %s:%ld and the request can answer an HTTP "
		    "error (a Flask view, a do_* method, a (req, res) handler, or a router returning "
		    "(status, body))", fr[0].file, fr[0].line);
		goto out;
	}
	/* The guard, in the frame that answers. */
	{
		struct tctx u;
		u.considered = t.considered;
		t.considered = jv_invalid();
		tctx_close(&t);
		if (tctx_open(&u, lang, exc, msg, fr[at].src, fr[at].line) < 0) {
			t.considered = u.considered;
			tctx_close(&u);
			memset(&t, 0, sizeof t);
			t.considered = u.considered;
			goto out;
		}
		(void)fn_params(&u, params, 8, &hdr);
		how = chain_answers(&u, hdr, &h);
		if (kind == CK_JSON && u.mode == M_PY && !imports_json(&u)) {
			consider(&u, tname, 0, "%s does not import json; the guard would need it",
			    fr[at].file);
		} else if (chain_guard(&u, how, &h, kind, guard_x, key) < 0) {
			changes_drop(&u);
			consider(&u, tname, 0, "no guard could be written before %s:%ld", fr[at].file,
			    fr[at].line);
		} else {
			if (kind == CK_INT)
				consider(&u, tname, 1, "answer 400 in %s (%s:%ld) when %s, which %s (%s:%ld) "
				    "converts with %s(), is missing or not a number", fr[at].function ?
				    fr[at].function : "the caller", fr[at].file, fr[at].line, guard_x,
				    fr[0].function ? fr[0].function : "the helper", fr[0].file, fr[0].line,
				    key);
			else if (kind == CK_JSON)
				consider(&u, tname, 1, "answer 400 in %s (%s:%ld) when the request body "
				    "that %s parses is not valid JSON", fr[at].function ? fr[at].function :
				    "the caller", fr[at].file, fr[at].line, fr[0].function ?
				    fr[0].function : "the helper");
			else {
				consider(&u, tname, 1, "answer 400 in %s (%s:%ld) when the request lacks "
				    "%s%s%s, which %s (%s:%ld) reads without a default", fr[at].function ?
				    fr[at].function : "the caller", fr[at].file, fr[at].line, kind == CK_KEY ?
				    "'" : "", kind == CK_KEY ? key : guard_x, kind == CK_KEY ? "'" : "",
				    fr[0].function ? fr[0].function : "the helper", fr[0].file, fr[0].line);
				char *what = kind == CK_KEY ? fmt("'%s' is missing", key) :
				    fmt("%s is null or undefined", guard_x);
				assume(&u, what ? what : "a value is missing");
				free(what);
			}
			if (tctx_finish(&u, r, fr[at].src))
				r->frame = at;
		}
		t = u;
	}
out:
	free(x);
	free(name);
	free(guard_x);
	tctx_close(&t);
	r->considered = t.considered;
	return r->text != NULL;
}
