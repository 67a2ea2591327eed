/*
 * template_py.c - the Python fix templates (see template.c).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mend.h"
#include "template.h"

/* ---- Python ---- */

const char *const py_req_pats[] = { "request.", "self.path", "self.rfile",
	"self.headers", NULL };

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
	    ((k >= 6 && !strncmp(s + k - 6, "return", 6) && (k == 6 || !tpl_idch((unsigned char)s[k - 7]))) ||
	    (k >= 1 && s[k - 1] == '=' && (k < 2 || !strchr("=!<>+-*/%&|^:", s[k - 2])))))
		bare = 1;
	n = strlen(s) + strlen(expr) + strlen(cond) + strlen(alt) + 32;
	if (!(out = malloc(n)))
		return NULL;
	snprintf(out, n, "%.*s%s%s if %s else %s%s%s", (int)a, s, bare ? "" : "(", expr, cond,
	    alt, bare ? "" : ")", s + b);
	return out;
}

/* Replace s[a..b) of t's line with "(EXPR if COND else None)": 0 or -1. */
static int
py_answer_none(struct tctx *t, long a, long b, const char *cond)
{
	char *expr = tpl_dupn(t->s, a, b), *res;

	res = expr && cond ? wrap(t->s, t->m, a, b, expr, cond, "None") : NULL;
	free(expr);
	return res ? tpl_change(t, t->ln, 1, res) : -1;
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
		if (!(tpl_idch((unsigned char)prev) || prev == ')' || prev == ']' || m[i - 1] == STR))
			continue;
		if ((c = tpl_match_fwd(s, m, i)) < 0)
			return n;
		/* slices */
		for (k = i + 1; k < c; k++)
			if (m[k] == CODE && s[k] == ':')
				break;
		b = tpl_lscan(s, m, i);
		if (k < c || b == i)
			continue;
		{	/* the base must not be a keyword or a list literal */
			char *w = tpl_dupn(s, b, i);
			int bad = w && tpl_is_keyword(w);
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

static char
line_at(const char *s, long i)
{
	while (s[i] == ' ')
		i++;
	return s[i] ? s[i] : 'x';
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
				return tpl_dupn(s, k + 1, e - 1);
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
		for (b = e; b > 0 && tpl_idch((unsigned char)s[b - 1]); b--)
			;
		if (b == e)
			continue;	/* a parenthesised expression */
		if (tpl_is_keyword_n(s + b, (size_t)(e - b)))
			continue;
		for (i = 0; allowed[i]; i++)
			if (strlen(allowed[i]) == (size_t)(e - b) && !strncmp(s + b, allowed[i],
			    (size_t)(e - b)))
				ok = 1;
		if (!ok)
			return tpl_dupn(s, b, e);
	}
	return NULL;
}


/* The def that line ln is in (0-based), or -1. */
long
py_def(const struct tctx *t, long ln)
{
	int cur = tpl_ind(t->v[ln]);
	long i;

	for (i = ln - 1; i >= 0 && cur > 0; i--) {
		const char *s = t->v[i];
		if (tpl_blank_line(s) || tpl_ind(s) >= cur || s[tpl_ind(s)] == '#')
			continue;
		cur = tpl_ind(s);
		if (tpl_starts_word(s, "def") || tpl_starts_word(s, "async"))
			return i;
	}
	return -1;
}

/* One whole simple statement on one line (so it can go inside a try). */
int
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
	if (e == 0 || strchr(":\\,([{", s[e - 1]) || strchr(")]}@", s[tpl_ind(s)]))
		return 0;
	for (k = 0; k < e; k++)
		if (t->m[k] == CODE) {
			if (strchr("([{", s[k]))
				depth++;
			else if (strchr(")]}", s[k]))
				depth--;
		}
	for (i = 0; kw[i]; i++)
		if (tpl_starts_word(s, kw[i]))
			return 0;
	for (p = t->ln - 1; p >= 0 && tpl_blank_line(t->v[p]); p--)
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
void
py_route_params(struct tctx *t, long def)
{
	long i;

	for (i = def - 1; i >= 0 && t->v[i][tpl_ind(t->v[i])] == '@'; i--) {
		const char *p = t->v[i];
		while ((p = strchr(p, '<'))) {
			const char *e = strchr(p, '>'), *c;
			if (!e)
				break;
			for (c = e; c > p && c[-1] != ':' && c[-1] != '<'; c--)
				;
			tpl_add_name(t, c, (size_t)(e - c));
			p = e;
		}
	}
}

int
py_flask(const struct tctx *t)
{
	long i;

	for (i = 0; i < t->n; i++)
		if (tpl_starts_word(t->v[i], "from") && strstr(t->v[i], "flask import"))
			return 1;
		else if (!strcmp(t->v[i], "import flask"))
			return 2;
	return 0;
}

/* An http.server handler method: "def do_GET(self):". */
int
py_handler_def(const struct tctx *t)
{
	const char *s;

	if (t->fn < 0)
		return 0;
	s = t->v[t->fn] + tpl_ind(t->v[t->fn]);
	return !strncmp(s, "def do_", 7) && isupper((unsigned char)s[7]) && strstr(s, "(self");
}

/*
 * How this code answers an HTTP error, as tpl_block() lines one level deeper
 * than the failing line: Flask's abort() (imported when it is not), or
 * send_error() and return in an http.server handler method.  NULL with
 * *why when there is no known way.  May queue the import change.
 */
char *
py_respond(struct tctx *t, int code, const char *msg, const char **why)
{
	int fl = py_flask(t);
	long i;

	if (fl == 2)
		return tpl_fmt(">flask.abort(%d, description=\"%s\")", code, msg);
	if (fl == 1) {
		long imp = -1;
		for (i = 0; i < t->n; i++) {
			const char *s = t->v[i];
			if (!tpl_starts_word(s, "from") || !strstr(s, "flask import"))
				continue;
			if (tpl_find_word(strstr(s, "import"), "abort"))
				return tpl_fmt(">abort(%d, description=\"%s\")", code, msg);
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
			if (tpl_change(t, imp, 1, tpl_fmt("%.*s, abort", (int)n, s)) < 0) {
				*why = "out of memory";
				return NULL;
			}
		}
		return tpl_fmt(">abort(%d, description=\"%s\")", code, msg);
	}
	if (py_handler_def(t))
		return tpl_fmt(">self.send_error(%d, \"%s\")\n>return", code, msg);
	*why = "neither a Flask app nor an http.server do_* method: no known way to answer an HTTP "
	    "error from here";
	return NULL;
}

/* Replace the failing statement with try/except EXC answering code. */
static int
py_try(struct tctx *t, const char *excs, int code, const char *msg, const char **why)
{
	char *resp = py_respond(t, code, msg, why), *body;

	if (!resp)
		return -1;
	body = tpl_fmt("try:\n>%s\nexcept %s:\n%s", t->s + tpl_ind(t->s), excs, resp);
	free(resp);
	return tpl_put(t, t->ln, 1, body);
}

/* Put a guard before the failing line: "if COND:" answering code. */
static int
py_guard(struct tctx *t, const char *cond, int code, const char *msg, const char **why)
{
	char *resp = py_respond(t, code, msg, why), *body;

	if (!resp)
		return -1;
	body = tpl_fmt("if %s:\n%s", cond, resp);
	free(resp);
	return tpl_put(t, t->ln, 0, body);
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
		if (t->m[k] != CODE || (k > 0 && (tpl_idch((unsigned char)s[k - 1]) || s[k - 1] == '.')))
			continue;
		for (i = 0; cv[i]; i++)
			if (!strncmp(s + k, cv[i], strlen(cv[i]))) {
				long o = k + (long)strlen(cv[i]) - 1, cl = tpl_match_fwd(s, t->m, o);
				char *arg = cl > o ? tpl_dupn(s, o + 1, cl) : NULL;
				if (arg && tpl_from_request(t, arg)) {
					a = o + 1;
					c = cl;
				}
				free(arg);
			}
	}
	conv = strstr(t->msg ? t->msg : "", "float") ? "a number" : "an integer";
	if (a < 0 && strstr(t->msg ? t->msg : "", "unsupported operand") && tpl_from_request(t, s)) {
		a = 0;
		c = (long)strlen(s);
		conv = "a number";
	}
	if (a < 0 && strstr(t->msg ? t->msg : "", "unsupported operand"))
		return tpl_consider(t, tname, 0, "the None used in arithmetic at line %ld does not come "
		    "from the request (a null in the data or a missing value): 0 or any number in its "
		    "place would be invented, and whether the answer is unknown is the author's call",
		    t->ln + 1);
	if (a < 0)
		return tpl_consider(t, tname, 0, "the value that failed to convert at line %ld does not "
		    "come from the request; any default for it would be invented", t->ln + 1);
	if (!py_simple(t))
		return tpl_consider(t, tname, 0, "line %ld is not a whole simple statement", t->ln + 1);
	if ((bad = other_call(t, py_plain_calls))) {
		tpl_consider(t, tname, 0, "the statement also calls %s(); catching its errors could "
		    "hide a different fault", bad);
		free(bad);
		return 0;
	}
	param = first_literal(s, t->m, a, c);
	if (!param || !tpl_plain_name(param)) {
		free(param);
		param = NULL;
	}
	msg = param ? tpl_fmt("parameter '%s' is missing or not %s", param, conv) :
	    tpl_fmt("a parameter is missing or not %s", conv);
	if (py_try(t, "(TypeError, ValueError)", 400, msg, &why) < 0) {
		tpl_changes_drop(t);
		tpl_consider(t, tname, 0, "%s", why ? why : "out of memory");
		free(msg);
		free(param);
		return 0;
	}
	tpl_consider(t, tname, 1, "answer 400 when %s", msg);
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
		if (!tpl_idch((unsigned char)e[i]))
			return NULL;
	for (i = t->ln - 1; i > t->fn && i >= 0; i--) {
		const char *s = t->v[i] + tpl_ind(t->v[i]);
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
	L = tpl_lscan(s, m, i);
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
		if ((l2 = tpl_lscan(s, m, j)) == j)
			break;
		L = l2;
	}
	R = pos + oplen;
	while (s[R] == ' ')
		R++;
	Rend = tpl_rscan(s, m, R);
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
		for (nb = o; nb > 0 && tpl_idch((unsigned char)s[nb - 1]); nb--)
			;
		for (i = 0; wrap_calls[i]; i++)
			if ((long)strlen(wrap_calls[i]) == o - nb && !strncmp(s + nb, wrap_calls[i],
			    (size_t)(o - nb)) && (nb == 0 || (s[nb - 1] != '.' && !tpl_idch((unsigned char)s[nb - 1]))))
				hit = 1;
		if (!hit || (c = tpl_match_fwd(s, m, o)) < 0)
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

/*
 * py-ratio-none: "'percent': round(used / limit * 100, 1)" in the dict a
 * line returns, limit 0 (a setting, the data): a ratio to nothing is
 * undefined, so the answer says unknown (None) where it would have failed,
 * as an average of nothing does.  Refused when the ratio goes on into
 * anything else (an assignment, more arithmetic, a string: a None there
 * would fail or lie later), or the divisor is not a plain name.
 */
static int
py_ratio_none(struct tctx *t, long L, long Rend, const char *den)
{
	const char *s = t->s, *m = t->m;
	long a = L, b = Rend;
	int done = 0;

	/* "x / n * 100": constant factors after the division are the ratio's */
	for (;;) {
		long k = b, d;
		while (s[k] == ' ')
			k++;
		if (m[k] != CODE || (s[k] != '*' && s[k] != '/') || s[k + 1] == s[k] || s[k + 1] == '=')
			break;
		for (k++; s[k] == ' '; k++)
			;
		for (d = k; isdigit((unsigned char)s[d]) || s[d] == '.'; d++)
			;
		if (d == k || tpl_idch((unsigned char)s[d]) || strtod(s + k, NULL) == 0)
			break;
		b = d;
	}
	if (!tpl_plain_name(den)) {
		return tpl_consider(t, "py-ratio-none", 0, "the divisor %s is not a plain name; what a "
		    "zero there means is the author's call", den);
	}
	if (widen_none(s, m, &a, &b) < 0 || !tpl_returned_value(t, a, b))
		return tpl_consider(t, "py-ratio-none", 0, "the ratio to %s at line %ld is not answered "
		    "as it is (it is assigned, computed on, or formatted): a None would fail or mislead "
		    "later, and any number for %s == 0 (the default, 0, all) would be invented; what a "
		    "zero %s means is the author's call", den, t->ln + 1, den, den);
	if (py_answer_none(t, a, b, den) == 0)
		done = tpl_consider(t, "py-ratio-none", 1, "a ratio to %s == 0 is undefined: answer "
		    "None (null) there, not an invented number", den);
	return done;
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
		return tpl_consider(t, "py-average-empty", 0, "cannot tell which division at line %ld "
		    "divided by zero", t->ln + 1);
	num = tpl_dupn(s, L, pos);
	den = tpl_dupn(s, R, Rend);
	if (num && den) {
		cd = coll_of(t, den, "len");
		cn = coll_of(t, num, "sum");
	}
	if (cd && cn && !strcmp(cd, cn) && !tpl_has_call(cd, 0, (long)strlen(cd))) {
		long a = L, b = Rend;
		if (widen_none(s, m, &a, &b) < 0) {
			tpl_consider(t, "py-average-empty", 0, "the average of %s is used in arithmetic or a "
			    "comparison: None would fail there, and a number would be invented", cd);
			goto out;
		}
		if (py_answer_none(t, a, b, den) == 0)
			done = tpl_consider(t, "py-average-empty", 1, "the average of an empty %s is "
			    "unknown: answer None (null), not an invented 0", cd);
	} else if (den && tpl_from_request(t, den)) {
		tpl_consider(t, "py-average-empty", 0, "the divisor %s is not the length of the "
		    "summed collection", den);
		if (!py_simple(t))
			tpl_consider(t, "py-param-400", 0, "line %ld is not a whole simple statement",
			    t->ln + 1);
		else {
			char *msg = tpl_plain_name(den) ? tpl_fmt("parameter '%s' must not be zero", den) :
			    strdup("a parameter must not be zero");
			if (py_try(t, "ZeroDivisionError", 400, msg, &why) < 0) {
				tpl_changes_drop(t);
				tpl_consider(t, "py-param-400", 0, "%s", why ? why : "out of memory");
			} else
				done = tpl_consider(t, "py-param-400", 1, "answer 400 when %s", msg);
			free(msg);
		}
	} else if (den)
		done = py_ratio_none(t, L, Rend, den);
	else
		tpl_consider(t, "py-average-empty", 0, "cannot read the divisor at line %ld", t->ln + 1);
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
			if (t->m[a] != CODE || (a > 0 && tpl_idch((unsigned char)s[a - 1])))
				continue;
			if ((c = tpl_match_fwd(s, t->m, o)) < 0)
				continue;
			b = tpl_lscan(s, t->m, a);
			arg = tpl_dupn(s, o + 1, c);
			/* the data must be a list (a generator is always true) */
			{
				long k;
				int list = 0;
				for (k = t->ln - 1; k > t->fn && k >= 0 && arg && tpl_plain_name(arg); k--) {
					const char *q = t->v[k] + tpl_ind(t->v[k]);
					size_t n = strlen(arg);
					if (!strncmp(q, arg, n) && !strncmp(q + n, " = ", 3)) {
						list = q[n + 3] == '[' || !strncmp(q + n + 3, "list(", 5) ||
						    !strncmp(q + n + 3, "sorted(", 7);
						break;
					}
				}
				long wa = b, wb = c + 1;
				if (list && widen_none(s, t->m, &wa, &wb) < 0) {
					tpl_consider(t, "py-average-empty", 0, "the mean of %s is used in arithmetic "
					    "or a comparison: None would fail there, and a number would be "
					    "invented", arg);
					free(arg);
					return 0;
				}
				if (list) {
					char *expr = tpl_dupn(s, wa, wb);
					char *res = expr ? wrap(s, t->m, wa, wb, expr, arg, "None") : NULL;
					free(expr);
					if (res && tpl_change(t, t->ln, 1, res) == 0) {
						tpl_consider(t, "py-average-empty", 1, "the mean of an empty %s is "
						    "unknown: answer None (null), not an invented 0", arg);
						free(arg);
						return 1;
					}
				}
			}
			tpl_consider(t, "py-average-empty", 0, "cannot show that %s is a list built in this "
			    "function; only the mean of an empty list is answered None", arg ? arg : "?");
			free(arg);
			return 0;
		}
	return tpl_consider(t, "py-average-empty", 0, "no mean() at line %ld: what a median or "
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
		return tpl_consider(t, "py-json-400", 0, "no json.loads() at line %ld", t->ln + 1);
	if (strstr(s, "open(") || strstr(s, "read_text") || strstr(s, "urlopen") ||
	    strstr(s, "requests."))
		return tpl_consider(t, "py-json-400", 0, "the JSON is read from a file or another "
		    "service, not the request: what an empty or broken one should mean is the "
		    "author's choice");
	if (!tpl_from_request(t, p))
		return tpl_consider(t, "py-json-400", 0, "cannot tell that the JSON at line %ld is the "
		    "request's body", t->ln + 1);
	if (!py_simple(t))
		return tpl_consider(t, "py-json-400", 0, "line %ld is not a whole simple statement",
		    t->ln + 1);
	if ((bad = other_call(t, py_plain_calls))) {
		tpl_consider(t, "py-json-400", 0, "the statement also calls %s(); catching its errors "
		    "could hide a different fault", bad);
		free(bad);
		return 0;
	}
	if (py_try(t, "ValueError", 400, "the request body is not valid JSON", &why) < 0) {
		tpl_changes_drop(t);
		return tpl_consider(t, "py-json-400", 0, "%s", why ? why : "out of memory");
	}
	tpl_consider(t, "py-json-400", 1, "answer 400 when the request body is empty or not valid "
	    "JSON");
	tpl_assume_empty_body(t);
	return 1;
}

/* Is the key expression of a lookup something the request sent? */
static int
py_key_from_request(struct tctx *t, const char *key)
{
	return tpl_from_request(t, key);
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
		return tpl_consider(t, "py-field-400", 0, "cannot tell which lookup at line %ld failed",
		    t->ln + 1);
	base = tpl_dupn(s, v[pick].base, v[pick].open);
	key = tpl_dupn(s, v[pick].open + 1, v[pick].close);
	if (!base || !key) {
		free(base);
		free(key);
		return 0;
	}
	if (strstr(base, "environ") || strstr(base, "ENV"))
		tpl_consider(t, "py-key-get", 0, "%s is missing from the environment: set it where "
		    "the service starts; a default in code would hide the missing setting", t->msg);
	else if (tpl_from_request(t, base)) {
		char *lk = first_literal(s, m, v[pick].open + 1, v[pick].close), *bad;
		int all = 1;
		for (k = 0; k < n; k++) {
			char *b2 = tpl_dupn(s, v[k].base, v[k].open);
			if (b2 && !tpl_from_request(t, b2))
				all = 0;
			free(b2);
		}
		msg = lk && tpl_plain_name(lk) ? tpl_fmt("field '%s' is missing", lk) :
		    strdup("a field is missing");
		if (!all)
			tpl_consider(t, "py-field-400", 0, "line %ld also looks up keys outside the request; "
			    "a 400 could hide a different fault", t->ln + 1);
		else if (!py_simple(t))
			tpl_consider(t, "py-field-400", 0, "line %ld is not a whole simple statement",
			    t->ln + 1);
		else if ((bad = other_call(t, py_plain_calls))) {
			tpl_consider(t, "py-field-400", 0, "the statement also calls %s(); catching its "
			    "errors could hide a different fault", bad);
			free(bad);
		} else if (py_try(t, "KeyError", 400, msg, &why) < 0) {
			tpl_changes_drop(t);
			tpl_consider(t, "py-field-400", 0, "%s", why ? why : "out of memory");
		} else {
			done = tpl_consider(t, "py-field-400", 1, "answer 400 when the request's %s", msg);
			tpl_assume(t, msg);
		}
		free(msg);
		free(lk);
	} else if (py_key_from_request(t, key) && !tpl_has_call(key, 0, (long)strlen(key)) &&
	    !tpl_has_call(base, 0, (long)strlen(base))) {
		char *cond = tpl_fmt("%s not in %s", key, base);
		if (py_guard(t, cond, 404, "not found", &why) < 0) {
			tpl_changes_drop(t);
			tpl_consider(t, "py-lookup-404", 0, "%s", why ? why : "out of memory");
		} else
			done = tpl_consider(t, "py-lookup-404", 1, "answer 404 when the requested %s is not "
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
			tpl_consider(t, "py-key-get", 0, "%s[%s] is used in arithmetic: .get() would give "
			    "None and fail again, and a number for a missing key would be invented",
			    base, key);
		else
			tpl_consider(t, "py-key-get", 0, "%s.get(%s) would answer None where the code "
			    "expects a value: an invented default; neither the key nor the mapping comes "
			    "from the request, so it is not a 400 or a 404 either", base, key);
	}
	free(base);
	free(key);
	return done;
}

/* Is x a field read of a variable: NAME["lit"], NAME.attr, and more of
 * those after it (no calls)? */
static int
py_field_path(const char *x)
{
	const char *p = x;
	int parts = 0;

	if (!tpl_idch((unsigned char)*p) || isdigit((unsigned char)*p))
		return 0;
	while (tpl_idch((unsigned char)*p))
		p++;
	while (*p) {
		if (*p == '.' && tpl_idch((unsigned char)p[1])) {
			for (p++; tpl_idch((unsigned char)*p); p++)
				;
		} else if (*p == '[' && (p[1] == '"' || p[1] == '\'')) {
			const char *e = strchr(p + 2, p[1]);
			if (!e || e[1] != ']')
				return 0;
			p = e + 2;
		} else
			return 0;
		parts++;
	}
	return parts > 0;
}

/* The end of the reads (.attr, ["lit"]) that start at i, or i. */
static long
py_reads_end(const char *s, const char *m, long i)
{
	for (;;) {
		if (s[i] == '.' && m[i] == CODE && tpl_idch((unsigned char)s[i + 1])) {
			long e = i + 1;
			while (tpl_idch((unsigned char)s[e]))
				e++;
			if (s[e] == '(')
				return i;
			i = e;
		} else if (s[i] == '[' && m[i] == CODE && m[i + 1] == STR) {
			long c = tpl_match_fwd(s, m, i), k;
			if (c < 0)
				return i;
			for (k = i + 1; k < c; k++)
				if (m[k] != STR)
					return i;
			i = c + 1;
		} else
			return i;
	}
}

/*
 * py-null-field: a field of the data is None (null in its JSON) and a
 * field is read from it: "user['address']['city']".  When that read is
 * answered as it is (an item of the dict the line returns), what the data
 * says is that it is unknown: None, exactly where it would have failed.
 * Anywhere else (formatted into a string, in arithmetic, passed on) a
 * value would be invented: refused.
 */
static int
py_null_field(struct tctx *t, const char *obj, long b, long pos)
{
	const char *s = t->s;
	long e = py_reads_end(s, t->m, pos);
	char *cond;
	int done = 0;

	if (e == pos || !tpl_returned_value(t, b, e))
		return tpl_consider(t, "py-null-field", 0, "%s is None (null in the data) and what line "
		    "%ld reads from it is used in an expression (a string, arithmetic, an argument), not "
		    "answered as it is: what to answer without it is the author's call", obj,
		    t->ln + 1);
	cond = tpl_fmt("%s is not None", obj);
	if (py_answer_none(t, b, e, cond) == 0)
		done = tpl_consider(t, "py-null-field", 1, "%s is None in the data: what is read from "
		    "it is unknown too; answer None (null) there, not an invented value", obj);
	free(cond);
	return done;
}

/* py-none-iterate: "for x in post['tags']:" where the field is None and
 * the loop only collects into a list: no items, with the assumption said
 * (null could also mean "unknown"). */
static int
py_none_iterate(struct tctx *t)
{
	const char *s = t->s, *in;
	long a, c, i, e;
	char *x = NULL, *res, *acc = NULL, *as = NULL;
	int ind = tpl_ind(s), done = 0;

	if (!tpl_starts_word(s, "for") || !(in = strstr(s, " in ")) || t->m[in - s] != CODE)
		return tpl_consider(t, "py-none-iterate", 0, "line %ld is not a for statement: iterating "
		    "nothing in place of None would be an invented default", t->ln + 1);
	a = in - s + 4;
	for (c = (long)strlen(s); c > a && (s[c - 1] == ' ' || t->m[c - 1] == CMT); c--)
		;
	if (c <= a || s[c - 1] != ':')
		return tpl_consider(t, "py-none-iterate", 0, "line %ld is not one whole for statement",
		    t->ln + 1);
	x = tpl_dupn(s, a, c - 1);
	for (e = x ? (long)strlen(x) : 0; e > 0 && x[e - 1] == ' '; e--)
		x[e - 1] = '\0';
	if (!x || !py_field_path(x) || strchr(x, '.') == x) {
		tpl_consider(t, "py-none-iterate", 0, "%s is not a field of the data: iterating nothing "
		    "in place of None would be an invented default", x ? x : "the iterable");
		goto out;
	}
	if (tpl_from_request(t, x)) {
		tpl_consider(t, "py-none-iterate", 0, "%s comes from the request: whether a null there is "
		    "the client's error is the author's call", x);
		goto out;
	}
	/* the body: only "ACC.append(...)", ACC a list made in this function */
	for (i = t->ln + 1; i < t->n && (tpl_blank_line(t->v[i]) || tpl_ind(t->v[i]) > ind); i++) {
		const char *q = t->v[i] + tpl_ind(t->v[i]), *dot = strstr(q, ".append(");
		if (tpl_blank_line(t->v[i]))
			continue;
		if (!dot || q[strlen(q) - 1] != ')' || (acc && (strncmp(q, acc, strlen(acc)) ||
		    q + strlen(acc) != dot))) {
			tpl_consider(t, "py-none-iterate", 0, "the loop at line %ld does more than collect "
			    "into a list: what it should do for a None %s is the author's call", t->ln + 1, x);
			goto out;
		}
		if (!acc)
			acc = tpl_dupn(q, 0, dot - q);
	}
	{
		const char *rhs = acc && tpl_plain_name(acc) ? tpl_assigned(t, acc, strlen(acc)) : NULL;
		while (rhs && *rhs == ' ')
			rhs++;
		if (!rhs || strcmp(rhs, "[]")) {
			tpl_consider(t, "py-none-iterate", 0, "the loop at line %ld does not collect into a "
			    "list made empty in this function", t->ln + 1);
			goto out;
		}
	}
	res = tpl_fmt("%.*s(%s if %s is not None else [])%s", (int)a, s, x, x, s + c - 1);
	if (res && tpl_change(t, t->ln, 1, res) == 0) {
		done = tpl_consider(t, "py-none-iterate", 1, "%s is None in the data: collect no items "
		    "from it (%s stays empty)", x, acc);
		as = tpl_fmt("that a None %s means none (an empty list), not unknown", x);
		tpl_assume_that(t, as ? as : "that None means an empty list");
	}
out:
	free(x);
	free(acc);
	free(as);
	return done;
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
			    !tpl_idch((unsigned char)s[i + 1 + al]) && (tpl_idch((unsigned char)s[i - 1]) ||
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
		return tpl_consider(t, "py-lookup-404", 0, "cannot tell which value at line %ld was None",
		    t->ln + 1);
	b = tpl_lscan(s, t->m, pos);
	obj = tpl_dupn(s, b, pos);
	if (obj && b < pos && py_field_path(obj) && !tpl_from_request(t, obj)) {
		done = py_null_field(t, obj, b, pos);
		free(obj);
		return done;
	}
	if (!obj || b == pos || !tpl_plain_name(obj) || strchr(obj, '.')) {
		tpl_consider(t, "py-lookup-404", 0, "the None at line %ld is %s, not a variable: "
		    "answering None in its place would be an invented default", t->ln + 1,
		    obj && *obj ? obj : "an expression");
		free(obj);
		return 0;
	}
	rhs = tpl_assigned(t, obj, strlen(obj));
	if (rhs && tpl_from_request(t, rhs) && strstr(rhs, "request.") && !tpl_is_lookup(rhs + 0)) {
		cond = tpl_fmt("%s is None", obj);
		if (py_guard(t, cond, 400, "the request has no JSON body", &why) < 0) {
			tpl_changes_drop(t);
			tpl_consider(t, "py-body-400", 0, "%s", why ? why : "out of memory");
		} else
			done = tpl_consider(t, "py-body-400", 1, "answer 400 when the request has no JSON "
			    "body (%s is None)", obj);
		free(cond);
	} else if (rhs && tpl_is_lookup(rhs) && tpl_from_request(t, rhs)) {
		cond = tpl_fmt("%s is None", obj);
		if (py_guard(t, cond, 404, "not found", &why) < 0) {
			tpl_changes_drop(t);
			tpl_consider(t, "py-lookup-404", 0, "%s", why ? why : "out of memory");
		} else
			done = tpl_consider(t, "py-lookup-404", 1, "answer 404 when nothing is found for "
			    "the request (%s is None)", obj);
		free(cond);
	} else
		tpl_consider(t, "py-lookup-404", 0, "%s is None but %s: answering None in its place "
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
		return tpl_consider(t, "py-index-400", 0, "cannot tell which index at line %ld was out "
		    "of range", t->ln + 1);
	base = tpl_dupn(t->s, v[k].base, v[k].open);
	if (!base || !tpl_from_request(t, base))
		tpl_consider(t, "py-index-400", 0, "%s does not come from the request: a value for the "
		    "missing element would be invented", base ? base : "the sequence");
	else if (!py_simple(t))
		tpl_consider(t, "py-index-400", 0, "line %ld is not a whole simple statement", t->ln + 1);
	else if ((bad = other_call(t, py_plain_calls))) {
		tpl_consider(t, "py-index-400", 0, "the statement also calls %s(); catching its errors "
		    "could hide a different fault", bad);
		free(bad);
	} else if (py_try(t, "IndexError", 400, "the request is missing a part", &why) < 0) {
		tpl_changes_drop(t);
		tpl_consider(t, "py-index-400", 0, "%s", why ? why : "out of memory");
	} else
		done = tpl_consider(t, "py-index-400", 1, "answer 400 when the request lacks the part "
		    "%s is indexed for", base);
	free(base);
	return done;
}

/* UnboundLocalError: say where the variable is (and is not) assigned. */
static int
py_unbound(struct tctx *t)
{
	char *var = tpl_quoted_after(t->msg ? t->msg : "", "local variable ");
	struct strbuf b = { 0 };
	long i;
	int n = 0;

	if (!var)
		var = tpl_quoted_after(t->msg ? t->msg : "", "access local variable ");
	if (!var)
		return tpl_consider(t, "py-unbound-local", 0, "the message names no variable");
	for (i = t->fn + 1; i < t->n && i >= 0; i++) {
		const char *s = t->v[i];
		if (i > t->fn && i != t->ln && tpl_ind(s) <= (t->fn >= 0 ? tpl_ind(t->v[t->fn]) : -1) &&
		    !tpl_blank_line(s))
			break;
		if (tpl_find_word(s, var) && strstr(s, "=") && strstr(s, var) < strchr(s, '=') &&
		    strchr(s, '=')[1] != '=' && n++ < 4)
			strbuf_addf(&b, "%s%ld", n > 1 ? ", " : "", i + 1);
	}
	{
		char *lines = strbuf_take(&b);
		tpl_consider(t, "py-unbound-local", 0, "%s is assigned only on some paths (line%s %s); "
		    "the value it should have on the others is the author's choice", var,
		    n > 1 ? "s" : "", lines && *lines ? lines : "none in this function");
		free(lines);
	}
	free(var);
	return 0;
}

int
tpl_python(struct tctx *t)
{
	const char *e = t->exc, *msg = t->msg ? t->msg : "";
	char *name = NULL;
	int r = 0;

	t->pats = py_req_pats;
	t->fn = py_def(t, t->ln);
	if (t->fn >= 0) {
		py_route_params(t, t->fn);
		tpl_derive(t, t->fn + 1, t->ln);
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
	    (name = tpl_quoted_after(msg, "has no attribute ")))
		r = py_none(t, name);
	else if (!strcmp(e, "TypeError") && strstr(msg, "'NoneType' object is not subscriptable"))
		r = py_none(t, NULL);
	else if (!strcmp(e, "TypeError") && strstr(msg, "'NoneType' object is not iterable"))
		r = py_none_iterate(t);
	else if (!strcmp(e, "IndexError"))
		r = py_index(t);
	else if (strstr(e, "UnboundLocalError"))
		r = py_unbound(t);
	free(name);
	return r;
}
