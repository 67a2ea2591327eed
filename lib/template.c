/*
 * template.c - fix templates: rewrite the one source line a stack trace
 * points at so the fault it raised cannot happen again.
 *
 * A template works only on the text of the line, the exception and the
 * caret columns the trace gave; it knows nothing about any particular
 * program.  It declines (returns NULL) unless exactly one place on the
 * line fits: a guess at the wrong operand is worse than no diff.
 *
 *   Python ZeroDivisionError   a / b        -> (a / b if b else 0)
 *   Python KeyError 'k'        d['k']       -> d.get('k')
 *   Python None attribute      u.name       -> (u.name if u is not None else None)
 *   Python None subscript      r['x']       -> (r['x'] if r is not None else None)
 *   Python None iterated       for x in e:  -> for x in (e or ()):
 *   Python IndexError          xs[0]        -> (xs[0] if xs else None)
 *   Node undefined/null read   a.b          -> a?.b
 *   Node destructuring         {a} = e;     -> {a} = e ?? {};
 *
 * A template whose subject is an expression with a call in it evaluates
 * that call once (an assignment expression, Python 3.8+).  The line is
 * scanned with a mask that hides string literals and comments; a line
 * with a triple-quoted string or an unterminated string is left alone.
 * This does not handle expressions spread over several lines.
 */
#include <ctype.h>
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

/* Mark each byte of s as code, string or comment; -1 when unsure. */
static int
mask_line(const char *s, char *m, int js)
{
	size_t i, n = strlen(s);
	char q = 0;

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
		if (c == '"' || c == '\'' || (js && c == '`')) {
			if (!js && i + 2 < n && s[i + 1] == c && s[i + 2] == c)
				return -1;	/* triple quotes */
			q = c;
			m[i] = STR;
			continue;
		}
		if ((!js && c == '#') || (js && c == '/' && s[i + 1] == '/')) {
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

/* The subject of a guard: the text itself when it is a name, or a walrus
 * when it has a call (evaluate once). */
static char *
guard(const char *s, const char *m, long a, long b, long base_end, const char *test,
    const char *alt)
{
	char *base = dupn(s, a, base_end), *expr, *cond, *res;
	size_t n;

	if (!base)
		return NULL;
	n = strlen(base) + (size_t)(b - a) + 64;
	expr = malloc(n);
	cond = malloc(n);
	if (!expr || !cond) {
		free(base);
		free(expr);
		free(cond);
		return NULL;
	}
	if (has_call(s, a, base_end)) {
		snprintf(expr, n, "_obj%.*s", (int)(b - base_end), s + base_end);
		snprintf(cond, n, "(_obj := %s)%s", base, test);
	} else {
		snprintf(expr, n, "%.*s", (int)(b - a), s + a);
		snprintf(cond, n, "%s%s", base, test);
	}
	res = wrap(s, m, a, b, expr, cond, alt);
	free(base);
	free(expr);
	free(cond);
	return res;
}

/* ---- Python ---- */

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

static char *
py_zero(const char *s, const char *m, int op_col, const char **what)
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
		return NULL;
	oplen = s[pos] == '/' && s[pos + 1] == '/' ? 2 : 1;
	if (s[pos + oplen] == '=')		/* x /= y */
		return NULL;
	i = pos;
	while (i > 0 && s[i - 1] == ' ')
		i--;
	L = lscan(s, m, i);
	if (L == i || (s[pos] == '%' && m[L] == STR))	/* "%s" % x is formatting */
		return NULL;
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
		return NULL;
	{
		/* The divisor is evaluated twice: only names, attributes,
		 * subscripts and pure builtins. */
		static const char *const pure[] = { "len(", "sum(", "float(", "int(", "abs(",
			"max(", "min(", "round(", NULL };
		int ok = !has_call(s, R, Rend);
		char *expr, *cond, *res;
		for (k = 0; !ok && pure[k]; k++)
			if (!strncmp(s + R, pure[k], strlen(pure[k])))
				ok = 1;
		if (!ok)
			return NULL;
		expr = dupn(s, L, Rend);
		cond = dupn(s, R, Rend);
		res = expr && cond ? wrap(s, m, L, Rend, expr, cond, "0") : NULL;
		free(expr);
		free(cond);
		*what = "return 0 instead of dividing by zero";
		return res;
	}
}

static char
line_at(const char *s, long i)
{
	while (s[i] == ' ')
		i++;
	return s[i] ? s[i] : 'x';
}

static char *
py_keyerror(const char *s, const char *m, const char *key, int end_col, const char **what)
{
	struct sub v[16];
	int n = subscripts(s, m, v, 16), k, pick = -1, lit = 0;
	char *base, *inner, *out;
	const char *rest;

	if (end_col > 0)
		pick = pick_sub(v, n, end_col);
	if (pick < 0 && key) {
		for (k = 0; k < n; k++)
			if (literal_eq(s + v[k].open + 1, (size_t)(v[k].close - v[k].open - 1), key)) {
				pick = lit++ ? -1 : k;
			}
		if (lit > 1)
			return NULL;
	}
	/* A key held in a variable: only when it is the one such subscript. */
	if (pick < 0 && !lit) {
		int nv = 0;
		for (k = 0; k < n; k++)
			if (!strchr("'\"0123456789", line_at(s, v[k].open + 1)))
				pick = nv++ ? -1 : k;
		if (nv != 1)
			pick = -1;
	}
	if (pick < 0)
		return NULL;
	/* d['a']['b']: the lookups after the failing one become .get()s too,
	 * or the next missing key fails the same way; only string keys. */
	{
		long ce = v[pick].close + 1, nsub = 0, k2;
		long opens[16], closes[16];
		size_t cap;
		char *p;

		while (s[ce] == '[' && m[ce] == CODE && nsub < 16) {
			long c = match_fwd(s, m, ce);
			if (c < 0 || (s[ce + 1] != '\'' && s[ce + 1] != '"') || m[c - 1] != STR)
				return NULL;
			opens[nsub] = ce;
			closes[nsub++] = c;
			ce = c + 1;
		}
		rest = s + ce;
		if (*rest == '.' || *rest == '(' || *rest == '[')
			return NULL;
		/* None in arithmetic or an ordering fails again: no template. */
		{
			const char *q = rest;
			long b = v[pick].base;
			while (*q == ' ')
				q++;
			while (b > 0 && s[b - 1] == ' ')
				b--;
			if ((*q && strchr("+-*/%@<>&|^", *q) && !(q[0] == '-' && q[1] == '>')) ||
			    (b > 0 && m[b - 1] == CODE && strchr("+-*/%@<>&|^~", s[b - 1]) &&
			    !(b > 1 && s[b - 1] == '>' && s[b - 2] == '-')))
				return NULL;
		}
		base = dupn(s, v[pick].base, v[pick].open);
		inner = dupn(s, v[pick].open + 1, v[pick].close);
		if (!base || !inner || strstr(base, "environ")) {
			free(base);
			free(inner);
			return NULL;
		}
		cap = strlen(s) * 2 + 64;
		if (!(out = malloc(cap))) {
			free(base);
			free(inner);
			return NULL;
		}
		p = out + snprintf(out, cap, "%.*s%s.get(%s%s)", (int)v[pick].base, s, base, inner,
		    nsub ? ", {}" : "");
		for (k2 = 0; k2 < nsub; k2++)
			p += snprintf(p, cap - (size_t)(p - out), ".get(%.*s%s)",
			    (int)(closes[k2] - opens[k2] - 1), s + opens[k2] + 1,
			    k2 + 1 < nsub ? ", {}" : "");
		snprintf(p, cap - (size_t)(p - out), "%s", rest);
	}
	free(base);
	free(inner);
	*what = "read the key with .get() so a missing key gives None";
	return out;
}

/* What a None guard gives instead: () where the value is iterated
 * ("for x in EXPR:"), else None. */
static const char *
none_alt(const char *s, long b, long e)
{
	const char *t = s;
	long k = b;

	while (*t == ' ' || *t == '\t')
		t++;
	while (k > 0 && s[k - 1] == ' ')
		k--;
	while (s[e] == ' ')
		e++;
	if ((!strncmp(t, "for ", 4) || !strncmp(t, "async for ", 10)) && k >= 3 &&
	    !strncmp(s + k - 3, " in", 3) && s[e] == ':')
		return "()";
	return "None";
}

static char *
py_none_attr(const char *s, const char *m, const char *attr, int col, int end_col,
    const char **what)
{
	long cand[16], i, pos = -1, b, e;
	int n = 0, k;
	size_t al = strlen(attr);

	for (i = 1; s[i] && n < 16; i++)
		if (s[i] == '.' && m[i] == CODE && !strncmp(s + i + 1, attr, al) &&
		    !idch((unsigned char)s[i + 1 + al]) && (idch((unsigned char)s[i - 1]) ||
		    s[i - 1] == ')' || s[i - 1] == ']'))
			cand[n++] = i;
	if (end_col > 0)
		for (k = 0; k < n; k++)
			if (cand[k] + 1 + (long)al == end_col || (col >= 0 && cand[k] > col &&
			    cand[k] < end_col && n == 1))
				pos = cand[k];
	if (pos < 0 && n == 1)
		pos = cand[0];
	if (pos < 0)
		return NULL;
	b = lscan(s, m, pos);
	if (b == pos)
		return NULL;
	{
		char *w = dupn(s, b, pos);
		int bad = !w || is_keyword(w);
		free(w);
		if (bad)
			return NULL;
	}
	e = trailers(s, m, pos);
	/* an assignment target: "x.attr = v" */
	i = e;
	while (s[i] == ' ')
		i++;
	if (s[i] == '=' && s[i + 1] != '=')
		return NULL;
	*what = "guard the attribute access against None";
	return guard(s, m, b, e, pos, " is not None", none_alt(s, b, e));
}

static char *
py_none_sub(const char *s, const char *m, int end_col, const char **what)
{
	struct sub v[16];
	int n = subscripts(s, m, v, 16), pick = pick_sub(v, n, end_col);

	if (pick < 0)
		return NULL;
	long e = trailers(s, m, v[pick].close + 1);

	*what = "guard the subscript against None";
	return guard(s, m, v[pick].base, e, v[pick].open, " is not None", none_alt(s, v[pick].base, e));
}

static char *
py_index(const char *s, const char *m, int end_col, const char **what)
{
	struct sub v[16];
	int n = subscripts(s, m, v, 16), pick = pick_sub(v, n, end_col);
	char *base, *idx, *out = NULL, cond[512];
	long e;

	if (pick < 0)
		return NULL;
	base = dupn(s, v[pick].base, v[pick].open);
	idx = dupn(s, v[pick].open + 1, v[pick].close);
	e = trailers(s, m, v[pick].close + 1);
	if (base && idx && !has_call(s, v[pick].base, v[pick].open)) {
		char *expr = dupn(s, v[pick].base, e);
		const char *p = idx;
		int simple = 1;
		for (p = idx; *p; p++)
			if (!idch((unsigned char)*p) && *p != '-' && *p != '.')
				simple = 0;
		if (!strcmp(idx, "0") || !strcmp(idx, "-1"))
			snprintf(cond, sizeof cond, "%s", base);
		else if (simple && strlen(base) * 2 + strlen(idx) + 24 < sizeof cond) {
			if (snprintf(cond, sizeof cond, "-len(%s) <= %s < len(%s)", base, idx,
			    base) >= (int)sizeof cond)
				cond[0] = '\0';
		}
		else
			cond[0] = '\0';
		if (cond[0] && expr)
			out = wrap(s, m, v[pick].base, e, expr, cond, "None");
		free(expr);
	} else if (base && idx && (isdigit((unsigned char)idx[0]) || !strcmp(idx, "-1"))) {
		/* A call's result indexed by a literal: evaluate it once. */
		long nidx = strtol(idx, NULL, 10);
		char *tail = dupn(s, v[pick].close + 1, e), *expr = NULL, *c2 = NULL;
		if (tail && asprintf(&expr, "_obj[%s]%s", idx, tail) >= 0 &&
		    asprintf(&c2, nidx < 0 || nidx == 0 ? "(_obj := %s)" : "len(_obj := %s) > %ld",
		    base, nidx) >= 0)
			out = wrap(s, m, v[pick].base, e, expr, c2, "None");
		free(tail);
		free(expr);
		free(c2);
	}
	free(base);
	free(idx);
	*what = "check the index is in range before using it";
	return out;
}

/* "for x in EXPR:" where EXPR was None: iterate (EXPR or ()). */
static char *
py_not_iterable(const char *s, const char *m, const char **what)
{
	const char *t = s;
	long a, e, k;
	char *out;
	size_t n;

	while (*t == ' ' || *t == '\t')
		t++;
	if (strncmp(t, "for ", 4) && strncmp(t, "async for ", 10))
		return NULL;
	/* the " in " of the for statement: the first one in code */
	for (a = (long)(t - s) + 4; s[a]; a++)
		if (m[a] == CODE && !strncmp(s + a, " in ", 4))
			break;
	if (!s[a])
		return NULL;
	a += 4;
	while (s[a] == ' ')
		a++;
	/* up to the colon that ends the statement */
	for (e = (long)strlen(s); e > a && (m[e - 1] != CODE || s[e - 1] != ':'); e--)
		;
	if (e <= a)
		return NULL;
	k = e - 1;
	while (k > a && s[k - 1] == ' ')
		k--;
	n = strlen(s) + 16;
	if (!(out = malloc(n)))
		return NULL;
	snprintf(out, n, "%.*s(%.*s or ())%s", (int)a, s, (int)(k - a), s + a, s + k);
	*what = "iterate over nothing when the value is None";
	return out;
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

/* ---- Node ---- */

static char *
node_undefined(const char *s, const char *m, const char *prop, int col, const char **what)
{
	long cand[16], i, pos = -1;
	int n = 0, k;
	size_t pl = strlen(prop), len;
	char *out;

	for (i = 1; s[i] && n < 16; i++) {
		if (m[i] != CODE)
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
	if (col >= 0)
		for (k = 0; k < n; k++)
			if (cand[k] + 1 == col || cand[k] == col)
				pos = cand[k];
	if (pos < 0 && n == 1)
		pos = cand[0];
	if (pos < 0)
		return NULL;
	/* not an assignment target */
	i = pos + 1 + (long)pl + (s[pos] == '[');
	while (s[i] == ' ')
		i++;
	if (s[i] == '=' && s[i + 1] != '=')
		return NULL;
	len = strlen(s) + 4;
	if (!(out = malloc(len)))
		return NULL;
	snprintf(out, len, "%.*s?.%s", (int)pos, s, s + pos + (s[pos] == '.'));
	*what = "use optional chaining so undefined or null gives undefined";
	return out;
}

/* "const { a } = EXPR;" where EXPR was undefined or null. */
static char *
node_destructure(const char *s, const char *m, const char **what)
{
	long i, a = -1, e;
	size_t n;
	char *out;

	for (i = 1; s[i]; i++)
		if (m[i] == CODE && s[i] == '=' && s[i + 1] != '=' && s[i + 1] != '>' &&
		    !strchr("=!<>", s[i - 1])) {
			long k = i - 1;
			while (k > 0 && s[k] == ' ')
				k--;
			if (s[k] == '}' || s[k] == ']') {
				a = i + 1;
				break;
			}
		}
	if (a < 0)
		return NULL;
	while (s[a] == ' ')
		a++;
	for (e = a; s[e] && !(m[e] == CODE && s[e] == ';') && m[e] != CMT; e++)
		;
	while (e > a && s[e - 1] == ' ')
		e--;
	if (e == a || rscan(s, m, a) != e)	/* only a plain expression */
		return NULL;
	n = strlen(s) + 16;
	if (!(out = malloc(n)))
		return NULL;
	snprintf(out, n, "%.*s%.*s ?? {}%s", (int)a, s, (int)(e - a), s + a, s + e);
	*what = "destructure an empty object when the value is undefined or null";
	return out;
}

char *
template_fix(const char *lang, const char *exc, const char *msg, const char *line,
    int col, int end_col, int op_col, const char **what)
{
	char *m, *res = NULL, *name = NULL;
	int js = lang && !strcmp(lang, "node");

	*what = NULL;
	if (!lang || !exc || !line || strlen(line) > 4000)
		return NULL;
	if (strcmp(lang, "python") && !js)
		return NULL;
	if (!(m = malloc(strlen(line) + 1)))
		return NULL;
	if (mask_line(line, m, js) < 0) {
		free(m);
		return NULL;
	}
	if (js) {
		if (msg && strstr(msg, "Cannot destructure property"))
			res = node_destructure(line, m, what);
		else if (msg && (strstr(msg, "of undefined") || strstr(msg, "of null")) &&
		    ((name = quoted_after(msg, "(reading ")) ||
		    (name = quoted_after(msg, "Cannot read property "))))
			res = node_undefined(line, m, name, col, what);
	} else if (!strcmp(exc, "ZeroDivisionError")) {
		res = py_zero(line, m, op_col, what);
	} else if (!strcmp(exc, "KeyError")) {
		res = py_keyerror(line, m, msg, end_col, what);
	} else if (!strcmp(exc, "AttributeError") && msg &&
	    strstr(msg, "'NoneType' object has no attribute") &&
	    (name = quoted_after(msg, "has no attribute "))) {
		res = py_none_attr(line, m, name, col, end_col, what);
	} else if (!strcmp(exc, "TypeError") && msg &&
	    strstr(msg, "'NoneType' object is not subscriptable")) {
		res = py_none_sub(line, m, end_col, what);
	} else if (!strcmp(exc, "TypeError") && msg &&
	    strstr(msg, "'NoneType' object is not iterable")) {
		res = py_not_iterable(line, m, what);
	} else if (!strcmp(exc, "IndexError") && msg && strstr(msg, "index out of range")) {
		res = py_index(line, m, end_col, what);
	}
	free(name);
	free(m);
	if (!res)
		*what = NULL;
	return res;
}
