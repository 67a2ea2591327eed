/*
 * template_chain.c - following the call chain (see template.c).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mend.h"
#include "template.h"

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
 *   chain-lookup-404 Python KeyError on a dict literal of the helper's module keyed by
 *                    what the request sent, directly or per item of a list it sent
 *                    ("for item in items: PRICES[item['sku']]") -> "if any(ITEM not in
 *                    MOD.TABLE for item in X)", 404
 *   chain-array-400  Node: "x.map is not a function", x from the request's JSON body
 *                    -> "if (!Array.isArray(X))", 400 (a query parameter is refused:
 *                    one value of it comes as a string, which may be meant)
 *
 * Ruby, Go, Java and PHP are walked by template_caller.c (its templates
 * are listed there), with each language's part in template_LANG.c.
 *
 * A missing key or value answered 400 assumes the parameter is required:
 * the code read it without a default, but whether a request without it
 * is wrong is the author's call.  The fix says so ("assumes", as
 * php-param-400, py-field-400 and node-field-400 do), and testloop keeps
 * such a fix below the ready threshold.
 */

enum { CK_KEY, CK_JSON, CK_NULL, CK_INT, CK_ARRAY, CK_LOOKUP };

/* CK_LOOKUP: "TABLE[ITEM]" in the helper, TABLE a dict literal of its
 * module; ITEM read from VAR, the loop variable of "for VAR in X" (or
 * VAR empty: ITEM is X itself). */
struct lookup {
	char table[64], var[32], item[128];
};

/* Is x a plain read: names, dots, ['lit'] and .get('lit')? */
static int
pure_expr(const char *x)
{
	const char *p = x;

	if (!tpl_idch((unsigned char)*p) || isdigit((unsigned char)*p))
		return 0;
	while (*p) {
		if (tpl_idch((unsigned char)*p) || *p == '.' || *p == '$') {
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
			if (e && *p == '(' && e[1] == ',') {
				/* .get('k', DEFAULT): an empty literal or None */
				static const char *const dflt[] = { ", [])", ", {})", ", None)", ", ())",
					NULL };
				int d;
				for (d = 0; dflt[d]; d++)
					if (!strncmp(e + 1, dflt[d], strlen(dflt[d])))
						break;
				if (!dflt[d])
					return 0;
				for (p += 2; p < e; p++)
					if (!tpl_idch((unsigned char)*p) && *p != '-' && *p != '.')
						return 0;
				p = e + 1 + strlen(dflt[d]);
				continue;
			}
			if (!e || e[1] != close)
				return 0;
			for (p += 2; p < e; p++)
				if (!tpl_idch((unsigned char)*p) && *p != '-' && *p != '.')
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

	while (x[k] && (tpl_idch((unsigned char)x[k]) || x[k] == '$') && k + 1 < n) {
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
	long c = tpl_match_fwd(s, m, o), k, b = o + 1;
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
				out[n++] = tpl_dupn(s, a, e);
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
	int cur = tpl_ind(t->s);

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
		if (tpl_mask_line(s, m, M_PY) < 0 || (c = tpl_match_fwd(s, m, o = p - s)) < 0) {
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
			while (p < s + c && tpl_idch((unsigned char)*p))
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
		if (tpl_blank_line(s) || tpl_ind(s) >= cur)
			continue;
		cur = tpl_ind(s);
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
		const char *s = t->v[i] + tpl_ind(t->v[i]);
		if (tpl_starts_word(s, "let") || tpl_starts_word(s, "var") || tpl_starts_word(s, "const"))
			s = strchr(s, ' ') ? strchr(s, ' ') + 1 : s;
		if (!strncmp(s, name, n) && !tpl_idch((unsigned char)s[n])) {
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
		if (t->m[p - s] == CODE && (p == s || (!tpl_idch((unsigned char)p[-1]) && p[-1] != '.')))
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
/*
 * The KeyError's key is a value: find the one "TABLE[ITEM]" on the line
 * with TABLE a module-level dict literal of this file and ITEM a plain
 * read; what the chain follows is ITEM's root (a parameter), or the list
 * its loop variable walks ("for VAR in X:" around the line).
 */
static char *
lookup_expr(struct tctx *t, int *kind, struct lookup *lk, const char **why)
{
	const char *s = t->s;
	long k, i, hit = -1, hb = 0, hc = 0;
	int n = 0;
	char root[64];

	for (k = 1; s[k]; k++) {
		long b, c;
		if (s[k] != '[' || t->m[k] != CODE || !tpl_idch((unsigned char)s[k - 1]))
			continue;
		b = k;
		while (b > 0 && tpl_idch((unsigned char)s[b - 1]))
			b--;
		if (b > 0 && (s[b - 1] == '.' || s[b - 1] == ']' || s[b - 1] == ')'))
			continue;
		if ((c = tpl_match_fwd(s, t->m, k)) < 0 || t->m[k + 1] == STR)
			continue;
		for (i = 0; i < t->n; i++)
			if (!strncmp(t->v[i], s + b, (size_t)(k - b)) &&
			    !strncmp(t->v[i] + (k - b), " = {", 4))
				break;
		if (i == t->n)
			continue;
		n++;
		hit = k;
		hb = b;
		hc = c;
	}
	*why = "the missing key is a value used as a key, but not in one lookup of a dict "
	    "literal of this module on the failing line: a 404 for it would be a guess";
	if (n != 1 || hit - hb >= (long)sizeof lk->table || hc - hit - 1 >= (long)sizeof lk->item)
		return NULL;
	snprintf(lk->table, sizeof lk->table, "%.*s", (int)(hit - hb), s + hb);
	snprintf(lk->item, sizeof lk->item, "%.*s", (int)(hc - hit - 1), s + hit + 1);
	if (!pure_expr(lk->item)) {
		*why = "the key of the lookup does more than read a value";
		return NULL;
	}
	root_of(lk->item, root, sizeof root);
	*kind = CK_LOOKUP;
	lk->var[0] = '\0';
	/* "for VAR in X:" around the line, VAR the key's root */
	{
		int cur = tpl_ind(s);
		for (i = t->ln - 1; i >= 0 && cur > 0; i--) {
			const char *q = t->v[i];
			size_t rl = strlen(root);
			if (tpl_blank_line(q) || tpl_ind(q) >= cur)
				continue;
			cur = tpl_ind(q);
			q += cur;
			if (!strncmp(q, "for ", 4) && !strncmp(q + 4, root, rl) &&
			    !strncmp(q + 4 + rl, " in ", 4)) {
				const char *x = q + 8 + rl;
				size_t xl = strlen(x);
				while (xl && (x[xl - 1] == ' ' || x[xl - 1] == ':'))
					xl--;
				if (rl >= sizeof lk->var)
					return NULL;
				snprintf(lk->var, sizeof lk->var, "%.31s", root);
				return strndup(x, xl);
			}
			if (tpl_starts_word(q, "def"))
				break;
		}
	}
	return strdup(lk->item);
}

static char *
chain_expr(struct tctx *t, int *kind, char *key, size_t keyn, struct lookup *lk,
    const char **why)
{
	const char *s = t->s, *msg = t->msg, *e = t->exc;
	long k, a, b;

	*why = "the failure is not one a guard in a caller can test (a missing key, a body "
	    "that is not JSON, a value that is null)";
	if (t->mode == M_PY && !strcmp(e, "KeyError")) {
		char *kk = NULL;
		const char *q = msg;
		if ((*q == '\'' || *q == '"') && (kk = strndup(q + 1, strcspn(q + 1, "'\""))) &&
		    tpl_plain_name(kk))
			snprintf(key, keyn, "%s", kk);
		free(kk);
		for (k = 1; *key && s[k]; k++) {
			if (s[k] != '[' || t->m[k] != CODE || t->m[k + 1] != STR)
				continue;
			b = tpl_match_fwd(s, t->m, k);
			if (b < 0 || b - k - 3 != (long)strlen(key) || strncmp(s + k + 2, key, strlen(key)))
				continue;
			a = tpl_lscan(s, t->m, k);
			*kind = CK_KEY;
			return tpl_dupn(s, a, k);
		}
		*key = '\0';
		return lookup_expr(t, kind, lk, why);
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
	if (t->mode == M_JS && strstr(msg, " is not a function")) {
		static const char *const arr[] = { "map", "forEach", "filter", "reduce", "some",
			"every", "find", "flatMap", "findIndex", NULL };
		const char *end = strstr(msg, " is not a function"), *dot;
		char *xx;
		int i, isarr = 0;
		for (dot = end; dot > msg && dot[-1] != '.'; dot--)
			;
		if (dot <= msg + 1)
			return NULL;
		for (i = 0; arr[i]; i++)
			if ((size_t)(end - dot) == strlen(arr[i]) && !strncmp(dot, arr[i], (size_t)(end - dot)))
				isarr = 1;
		if (!isarr) {
			*why = "the method that is not a function is not an array's";
			return NULL;
		}
		xx = strndup(msg, (size_t)(dot - 1 - msg));
		if (!xx || !tpl_find_word(s, xx) || !pure_expr(xx)) {
			free(xx);
			*why = "the value whose method is missing is not written as such on the failing line";
			return NULL;
		}
		snprintf(key, keyn, "%.*s", (int)(end - dot), dot);
		*kind = CK_ARRAY;
		return xx;
	}
	if (t->mode == M_JS && (strstr(msg, "of undefined") || strstr(msg, "of null"))) {
		char *prop = tpl_quoted_after(msg, "(reading ");
		size_t pn;
		if (!prop || !tpl_plain_name(prop)) {
			free(prop);
			return NULL;
		}
		pn = strlen(prop);
		for (k = 1; s[k]; k++)
			if (s[k] == '.' && t->m[k] == CODE && !strncmp(s + k + 1, prop, pn) &&
			    !tpl_idch((unsigned char)s[k + 1 + pn])) {
				a = tpl_lscan(s, t->m, k);
				snprintf(key, keyn, "%s", prop);
				free(prop);
				*kind = CK_NULL;
				return tpl_dupn(s, a, k);
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
	int lvl = tpl_ind(t->v[hdr]);

	for (i = hdr + 1; i < t->n; i++) {
		const char *s = t->v[i], *p;
		if (tpl_blank_line(s))
			continue;
		if (tpl_ind(s) <= lvl)
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
		/* "return send(404, {...})": a function of this handler answers (its name
		 * goes in h->res) */
		if (t->mode == M_JS) {
			const char *q = p;
			while (tpl_idch((unsigned char)*q))
				q++;
			if (q > p && q - p < 32 && q[0] == '(' && isdigit((unsigned char)q[1]) &&
			    isdigit((unsigned char)q[2]) && isdigit((unsigned char)q[3]) && q[4] == ',') {
				memset(h, 0, sizeof *h);
				snprintf(h->res, sizeof h->res, "%.*s", (int)(q - p), p);
				h->start = hdr;
				return 'S';
			}
		}
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
		return py_simple(t) || tpl_starts_word(t->s, "return");
	for (p = t->ln - 1; p >= 0 && tpl_blank_line(t->v[p]); p--)
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
	int rc = -1, code = kind == CK_LOOKUP ? 404 : 400;

	{
		/* "params.get('q')" -> parameter 'q'; "body.user" -> 'user' */
		const char *g = strstr(x, ".get(");
		char lit[64] = "";
		if (g && (g[5] == '\'' || g[5] == '"'))
			snprintf(lit, sizeof lit, "%.*s", (int)strcspn(g + 6, "'\"") % 63, g + 6);
		msg = kind == CK_LOOKUP ? tpl_fmt("not found: the request asks for something "
		    "unknown") : kind == CK_JSON ? tpl_fmt("the request body is not valid JSON") :
		    kind == CK_INT ? tpl_fmt("a value the request sent is not %s", strcmp(key,
		    "float") ? "an integer" : "a number") :
		    kind == CK_KEY ? tpl_fmt("'%s' is missing from the request", key) :
		    kind == CK_ARRAY ? tpl_fmt("'%s' must be an array", tpl_last_part(x)) :
		    *lit && tpl_plain_name(lit) ? tpl_fmt("parameter '%s' is missing", lit) :
		    tpl_plain_name(tpl_last_part(x)) ? tpl_fmt("'%s' is missing from the request", tpl_last_part(x)) :
		    tpl_fmt("a value the request must send is missing");
	}
	if (!msg)
		return -1;
	if (how == 'T')
		resp = t->mode == M_PY ? tpl_fmt(">return %d, {\"error\": \"%s\"}", code, msg) :
		    tpl_fmt(">return [%d, { error: \"%s\" }];", code, msg);
	else if (how == 'J')
		resp = js_respond(h, code, msg);
	else if (how == 'S')
		resp = tpl_fmt(">return %s(%d, { error: \"%s\" });", h->res, code, msg);
	else
		resp = py_respond(t, code, msg, &why);
	if (!resp)
		goto out;
	if (t->mode == M_PY) {
		if (kind == CK_LOOKUP)
			body = tpl_fmt("if %s:\n%s", key, resp);
		else if (kind == CK_KEY)
			body = tpl_fmt("if \"%s\" not in %s:\n%s", key, x, resp);
		else if (kind == CK_INT)
			body = tpl_fmt("try:\n>%s(%s)\nexcept (TypeError, ValueError, KeyError, IndexError):\n%s",
			    key, x, resp);
		else
			body = tpl_fmt("try:\n>json.loads(%s)\nexcept ValueError:\n%s", x, resp);
	} else {
		/* "if (COND) return ...": the guard holds only where COND does */
		const char *s = t->s + tpl_ind(t->s);
		if (tpl_starts_word(s, "if")) {
			long o = (long)(strchr(s, '(') ? strchr(s, '(') - t->s : -1), c;
			c = o >= 0 ? tpl_match_fwd(t->s, t->m, o) : -1;
			if (c < 0 || !tpl_starts_word(t->s + c + 1, "return"))
				goto out;
			cond = tpl_dupn(t->s, o + 1, c);
		}
		if (kind == CK_ARRAY)
			body = cond ? tpl_fmt("if ((%s) && !Array.isArray(%s)) {\n%s\n}", cond, x, resp) :
			    tpl_fmt("if (!Array.isArray(%s)) {\n%s\n}", x, resp);
		else if (kind == CK_NULL)
			body = cond ? tpl_fmt("if ((%s) && %s == null) {\n%s\n}", cond, x, resp) :
			    tpl_fmt("if (%s == null) {\n%s\n}", x, resp);
		else if (cond) {
			char *inner = tpl_fmt(">try {\n>>JSON.parse(%s);\n>} catch (err) {\n>%s\n>}", x, resp);
			body = inner ? tpl_fmt("if (%s) {\n%s\n}", cond, inner) : NULL;
			free(inner);
		} else
			body = tpl_fmt("try {\n>JSON.parse(%s);\n} catch (err) {\n%s\n}", x, resp);
	}
	if (body)
		rc = tpl_change(t, t->ln, 0, tpl_block(t, body));
out:
	free(msg);
	free(resp);
	free(body);
	free(cond);
	return rc;
}

/* How the helper's module table is named in the caller u: the same file,
 * TABLE; a call "mod.fn(", mod.TABLE; else "" (not reachable). */
static void
table_of(const struct tctx *u, const char *fn, const char *hfile, const char *cfile,
    const char *table, char *out, size_t n)
{
	const char *p, *b;

	for (p = u->s; (p = tpl_find_word(p, fn)); p += strlen(fn))
		if (u->m[p - u->s] == CODE && p[strlen(fn)] == '(')
			break;
	*out = '\0';
	if (hfile && cfile && !strcmp(hfile, cfile)) {
		snprintf(out, n, "%s", table);
		return;
	}
	if (!p || p == u->s || p[-1] != '.')
		return;
	for (b = p - 1; b > u->s && tpl_idch((unsigned char)b[-1]); b--)
		;
	if (b < p - 1 && (b == u->s || !strchr(".)]", b[-1])))
		snprintf(out, n, "%.*s.%s", (int)(p - 1 - b), b, table);
}

/* Was the root name of x assigned from the query string in this frame? */
static int
query_rooted(const struct tctx *u, const char *x)
{
	char root[64];
	const char *rhs;

	root_of(x, root, sizeof root);
	rhs = *root ? tpl_assigned(u, root, strlen(root)) : NULL;
	return rhs && (strstr(rhs, "query") || strstr(rhs, "searchParams") || strstr(rhs, "URL"));
}

/* Does the Python file import json at the top level? */
static int
imports_json(const struct tctx *t)
{
	long i;

	for (i = 0; i < t->n; i++)
		if (!strcmp(t->v[i], "import json") || !strncmp(t->v[i], "import json ", 12) ||
		    (!strncmp(t->v[i], "import ", 7) && tpl_find_word(t->v[i] + 7, "json") &&
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
	struct lookup lk;
	char table_at[160] = "";

	memset(r, 0, sizeof *r);
	memset(&lk, 0, sizeof lk);
	r->considered = jv_array();
	if (lang && (!strcmp(lang, "ruby") || !strcmp(lang, "go") || !strcmp(lang, "java") ||
	    !strcmp(lang, "php")) && exc && n >= 2 && fr[0].src)
		return tpl_chain_more(r, lang, exc, msg, fr, n);	/* template_caller.c */
	if (!lang || !exc || n < 2 || !fr[0].src || (strcmp(lang, "python") && strcmp(lang, "node")))
		return 0;
	t.considered = r->considered;
	r->considered = jv_invalid();
	if (tctx_open(&t, lang, exc, msg, fr[0].src, fr[0].line) < 0)
		goto out;
	if (!(x = chain_expr(&t, &kind, key, sizeof key, &lk, &why))) {
		tpl_consider(&t, "chain", 0, "%s", why);
		goto out;
	}
	tname = kind == CK_LOOKUP ? "chain-lookup-404" : kind == CK_KEY ? "chain-key-400" : kind == CK_JSON ? "chain-json-400" :
	    kind == CK_INT ? "chain-param-400" : kind == CK_ARRAY ? "chain-array-400" :
	    "chain-null-400";
	if (!pure_expr(x)) {
		tpl_consider(&t, tname, 0, "'%s' at %s:%ld does more than read a value; a guard "
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
		tpl_consider(&t, tname, 0, "'%s' at %s:%ld is not a parameter of %s, so no caller "
		    "passed it", root, fr[0].file, fr[0].line, fr[0].function ? fr[0].function : "it");
		goto out;
	}
	if (reassigned(&t, hdr, root)) {
		tpl_consider(&t, tname, 0, "'%s' is assigned again in %s before line %ld", root,
		    fr[0].function ? fr[0].function : "the function", fr[0].line);
		goto out;
	}
	for (j = 1; j < n; j++) {
		const char *fn = fr[j - 1].function ? tpl_last_part(fr[j - 1].function) : NULL;
		const char *p;
		char *args[8], *nx;
		int na, k, found = 0;
		struct tctx u;

		if (!fn || !tpl_plain_name(fn) || !fr[j].src) {
			tpl_consider(&t, tname, 0, "the caller of %s:%ld cannot be read", fr[j - 1].file,
			    fr[j - 1].line);
			goto out;
		}
		u.considered = jv_array();
		if (tctx_open(&u, lang, exc, msg, fr[j].src, fr[j].line) < 0) {
			jv_free(u.considered);
			tctx_close(&u);
			tpl_consider(&t, tname, 0, "%s:%ld cannot be scanned", fr[j].file, fr[j].line);
			goto out;
		}
		jv_free(u.considered);
		u.considered = jv_array();
		/* the call: NAME( as a whole name, in code, once */
		for (p = u.s; (p = tpl_find_word(p, fn)); p += strlen(fn)) {
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
			nx = tpl_fmt("%s%s", args[pos], x + strlen(root));
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
			tpl_consider(&t, tname, 0, "%s:%ld does not make one plain call to %s()", fr[j].file,
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
				tpl_derive(&u, hdr + 1, u.ln);
			}
		} else {
			struct jsh hh;
			u.pats = js_pats;
			/* from the (req, res) handler around it, when there is one */
			if (js_handler(&u, &hh) == 0) {
				tpl_add_name(&u, hh.req, strlen(hh.req));
				tpl_derive(&u, hh.start + 1, u.ln);
			} else if (hdr >= 0)
				tpl_derive(&u, hdr + 1, u.ln);
		}
		if (at < 0 && hdr >= 0 && pure_expr(x) && (how = chain_answers(&u, hdr, &h)) &&
		    statement_start(&u)) {
			at = j;
			free(guard_x);
			guard_x = strdup(x);
			if (kind == CK_LOOKUP)
				table_of(&u, fn, fr[0].file, fr[j].file, lk.table, table_at,
				    sizeof table_at);
		}
		if (tpl_from_request(&u, x) && tpl_only_reads(x)) {
			int query = kind == CK_ARRAY && (strstr(x, "query") || strstr(x, "searchParams") ||
			    query_rooted(&u, x));
			jv_free(u.considered);
			tctx_close(&u);
			if (query) {
				tpl_consider(&t, tname, 0, "'%s' is a query parameter: one value of it comes "
				    "as a string, and whether that is the client's error or a list of one is "
				    "the author's call", x);
				goto out;
			}
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
			tpl_consider(&t, tname, 0, "'%s' at %s:%ld is neither what the request sent nor a "
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
		tpl_consider(&t, tname, 0, "the frames end before the value is what the request sent");
		goto out;
	}
	if (at < 0) {
		tpl_consider(&t, tname, 0, "no caller between %s:%ld and the request can answer an HTTP "
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
			tpl_consider(&u, tname, 0, "%s does not import json; the guard would need it",
			    fr[at].file);
		} else if (kind == CK_LOOKUP && !*table_at) {
			tpl_consider(&u, tname, 0, "%s, the table %s looks up, cannot be named from %s "
			    "(%s:%ld)", lk.table, fr[0].function ? fr[0].function : "the helper",
			    fr[at].function ? fr[at].function : "the caller", fr[at].file, fr[at].line);
		} else if (kind == CK_LOOKUP && (!(name = *lk.var ? tpl_fmt("any(%s not in %s for %s in %s)", lk.item, table_at,
		    lk.var, guard_x) : tpl_fmt("%s not in %s", guard_x, table_at)) ||
		    chain_guard(&u, how, &h, kind, guard_x, name) < 0)) {
			tpl_changes_drop(&u);
			tpl_consider(&u, tname, 0, "no guard could be written before %s:%ld", fr[at].file,
			    fr[at].line);
		} else if (kind != CK_LOOKUP && chain_guard(&u, how, &h, kind, guard_x, key) < 0) {
			tpl_changes_drop(&u);
			tpl_consider(&u, tname, 0, "no guard could be written before %s:%ld", fr[at].file,
			    fr[at].line);
		} else {
			if (kind == CK_LOOKUP)
				tpl_consider(&u, tname, 1, "answer 404 in %s (%s:%ld) when %s: the request asks "
				    "for what %s (%s:%ld) cannot find in %s", fr[at].function ? fr[at].function :
				    "the caller", fr[at].file, fr[at].line, name, fr[0].function ?
				    fr[0].function : "the helper", fr[0].file, fr[0].line, lk.table);
			else if (kind == CK_INT)
				tpl_consider(&u, tname, 1, "answer 400 in %s (%s:%ld) when %s, which %s (%s:%ld) "
				    "converts with %s(), is missing or not a number", fr[at].function ?
				    fr[at].function : "the caller", fr[at].file, fr[at].line, guard_x,
				    fr[0].function ? fr[0].function : "the helper", fr[0].file, fr[0].line,
				    key);
			else if (kind == CK_ARRAY)
				tpl_consider(&u, tname, 1, "answer 400 in %s (%s:%ld) when %s, which %s (%s:%ld) "
				    "calls .%s() on, is not an array", fr[at].function ? fr[at].function :
				    "the caller", fr[at].file, fr[at].line, guard_x, fr[0].function ?
				    fr[0].function : "the helper", fr[0].file, fr[0].line, key);
			else if (kind == CK_JSON) {
				tpl_consider(&u, tname, 1, "answer 400 in %s (%s:%ld) when the request body "
				    "that %s parses is not valid JSON", fr[at].function ? fr[at].function :
				    "the caller", fr[at].file, fr[at].line, fr[0].function ?
				    fr[0].function : "the helper");
				tpl_assume_empty_body(&u);
			} else {
				tpl_consider(&u, tname, 1, "answer 400 in %s (%s:%ld) when the request lacks "
				    "%s%s%s, which %s (%s:%ld) reads without a default", fr[at].function ?
				    fr[at].function : "the caller", fr[at].file, fr[at].line, kind == CK_KEY ?
				    "'" : "", kind == CK_KEY ? key : guard_x, kind == CK_KEY ? "'" : "",
				    fr[0].function ? fr[0].function : "the helper", fr[0].file, fr[0].line);
				char *what = kind == CK_KEY ? tpl_fmt("'%s' is missing", key) :
				    tpl_fmt("%s is null or undefined", guard_x);
				tpl_assume(&u, what ? what : "a value is missing");
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

/* For template_caller.c (Ruby, Go, Java, PHP): the same readers. */
int
tpl_call_args(const char *s, const char *m, long o, char **out, int max)
{
	return call_args(s, m, o, out, max);
}

int
tpl_pure_expr(const char *x)
{
	return pure_expr(x);
}

void
tpl_root_of(const char *x, char *out, size_t n)
{
	root_of(x, out, n);
}
