/*
 * template_js.c - the Node.js fix templates (see template.c).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mend.h"
#include "template.h"

/* ---- Node ---- */

/* The parameters of a function header on line s: their count, -1 when
 * the line has no header. */
int
js_header(const char *s, char out[][32], int max)
{
	char *m = malloc(strlen(s) + 1);
	const char *a = NULL, *e = NULL, *p;
	long o = -1, c = -1;
	int n = 0;

	if (!m)
		return -1;
	if (tpl_mask_line(s, m, M_JS) < 0) {
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
				o = tpl_match_back(s, m, c);
			} else {
				long b = k;
				while (b > 0 && tpl_idch((unsigned char)s[b - 1]))
					b--;
				if (b < k) {
					a = s + b;
					e = s + k;
				}
			}
			break;
		}
	if (o < 0 && !a && (p = tpl_find_word(s, "function")) && m[p - s] == CODE) {
		const char *q = strchr(p, '(');
		if (q) {
			o = q - s;
			c = tpl_match_fwd(s, m, o);
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
		while (p < s + c && tpl_idch((unsigned char)*p))
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
int
js_handler(struct tctx *t, struct jsh *h)
{
	int cur = tpl_ind(t->s);
	long i;

	memset(h, 0, sizeof *h);
	h->start = -1;
	for (i = t->ln - 1; i >= 0 && i >= t->ln - 400; i--) {
		const char *s = t->v[i];
		char p[4][32];
		int np;
		if (tpl_blank_line(s) || tpl_ind(s) >= cur)
			continue;
		cur = tpl_ind(s);
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
char *
js_respond(const struct jsh *h, int code, const char *msg)
{
	if (h->express)
		return tpl_fmt(">return %s.status(%d).json({ error: \"%s\" });", h->res, code, msg);
	return tpl_fmt(">%s.writeHead(%d, { 'Content-Type': 'application/json' });\n"
	    ">return %s.end(JSON.stringify({ error: \"%s\" }));", h->res, code, h->res, msg);
}

/* Insert "if (COND) { answer }" before the failing line. */
static int
js_guard(struct tctx *t, const struct jsh *h, const char *cond, int code, const char *msg)
{
	char *resp = js_respond(h, code, msg), *body;

	if (!resp)
		return -1;
	body = tpl_fmt("if (%s) {\n%s\n}", cond, resp);
	free(resp);
	return tpl_put(t, t->ln, 0, body);
}

/* The name a path ends with: "req.body.address" -> address. */
const char *
tpl_last_part(const char *s)
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
	tpl_add_name(t, h->req, strlen(h->req));
	pats[0] = NULL;
	t->pats = pats;
	tpl_derive(t, h->start + 1, t->ln);
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
		return tpl_consider(t, "node-json-400", 0, "no JSON.parse() at line %ld", t->ln + 1);
	if (strstr(s, "readFile") || strstr(s, "fetch(") || strstr(s, ".text()"))
		return tpl_consider(t, "node-json-400", 0, "the JSON is read from a file or another "
		    "service, not the request: what an empty or broken one should mean is the "
		    "author's choice");
	if ((why = js_setup(t, &h)))
		return tpl_consider(t, "node-json-400", 0, "%s", why);
	o = p - s + 10;
	c = tpl_match_fwd(s, t->m, o);
	arg = c > o ? tpl_dupn(s, o + 1, c) : NULL;
	if (!arg || !tpl_from_request(t, arg)) {
		tpl_consider(t, "node-json-400", 0, "cannot tell that %s is the request's body",
		    arg ? arg : "the parsed text");
		free(arg);
		return 0;
	}
	/* "const|let|var NAME = JSON.parse(ARG);" and nothing else */
	k = tpl_ind(s);
	if (tpl_starts_word(s, "const") || tpl_starts_word(s, "let") || tpl_starts_word(s, "var")) {
		long b;
		while (tpl_idch((unsigned char)s[k]))
			k++;
		while (s[k] == ' ')
			k++;
		for (b = k; tpl_idch((unsigned char)s[k]) || s[k] == '$'; k++)
			;
		name = k > b ? tpl_dupn(s, b, k) : NULL;
		while (s[k] == ' ')
			k++;
	}
	{
		long e = c + 1;
		while (s[e] == ' ' || s[e] == ';')
			e++;
		if (!name || s[k] != '=' || s + k + 1 + strspn(s + k + 1, " ") != p ||
		    (s[e] && t->m[e] != CMT)) {
			tpl_consider(t, "node-json-400", 0, "line %ld is not \"const NAME = JSON.parse(...);\"",
			    t->ln + 1);
			goto out;
		}
	}
	resp = js_respond(&h, 400, "the request body is not valid JSON");
	body = resp ? tpl_fmt("let %s;\ntry {\n>%s = JSON.parse(%s);\n} catch (err) {\n%s\n}", name,
	    name, arg, resp) : NULL;
	if (body && tpl_change(t, t->ln, 1, tpl_block(t, body)) == 0) {
		done = tpl_consider(t, "node-json-400", 1, "answer 400 when the request body is empty or "
		    "not valid JSON");
		tpl_assume_empty_body(t);
	}
out:
	free(arg);
	free(name);
	free(resp);
	free(body);
	return done;
}

/* Is x a field path: NAME.a.b (no calls, no brackets), at least one dot? */
static int
js_field_path(const char *x)
{
	const char *p = x;

	if (!tpl_idch((unsigned char)*p) || isdigit((unsigned char)*p) || !strchr(x, '.'))
		return 0;
	for (; *p; p++)
		if (!tpl_idch((unsigned char)*p) && *p != '$' && !(*p == '.' && tpl_idch((unsigned char)p[1])))
			return 0;
	return 1;
}

/*
 * "Cannot read properties of null (reading 'p')" where the null is a field
 * of the data (user.address), not the request's:
 *   node-null-field  the read (user.address.city) is the value of an item
 *                    of the object the line returns: the data says it is
 *                    unknown -> null there, exactly where it would throw;
 *   node-null-map    user.tags.map(...) answered as it is: a null list
 *                    maps to no items -> [], with the assumption said.
 * Only "null" (the data says so), never undefined (a missing setting or
 * key: a default would be invented); anywhere else (a string, arithmetic,
 * an argument) what to answer is the author's call.
 */
static int
js_null_field(struct tctx *t, const char *prop, long pos)
{
	static const char *const lists[] = { "map", "filter", "flatMap", NULL };
	const char *s = t->s;
	long b = tpl_lscan(s, t->m, pos), e = pos + 1 + (long)strlen(prop);
	char *obj = tpl_dupn(s, b, pos), *expr = NULL, *res = NULL;
	int i, list = 0, done = 0;

	if (!strstr(t->msg, "of null") || !obj || b == pos || !js_field_path(obj)) {
		tpl_consider(t, "node-null-field", 0, "%s is %s, not a null field of the data: an answer "
		    "in its place would be invented", obj && *obj ? obj : "the value",
		    strstr(t->msg, "of null") ? "null" : "undefined (a missing setting or key)");
		goto out;
	}
	for (i = 0; lists[i]; i++)
		if (!strcmp(prop, lists[i]))
			list = 1;
	if (list) {
		long c;
		if (s[e] != '(' || (c = tpl_match_fwd(s, t->m, e)) < 0) {
			tpl_consider(t, "node-null-map", 0, "%s.%s is not called at line %ld", obj, prop,
			    t->ln + 1);
			goto out;
		}
		e = c + 1;
	} else if (s[e] == '(') {
		tpl_consider(t, "node-null-field", 0, "%s is null in the data and line %ld calls %s on "
		    "it: what to answer without it is the author's call", obj, t->ln + 1, prop);
		goto out;
	}
	/* more plain reads after it: user.address.city.name */
	while (s[e] == '.' && t->m[e] == CODE && tpl_idch((unsigned char)s[e + 1]) && !list) {
		long k = e + 1;
		while (tpl_idch((unsigned char)s[k]))
			k++;
		if (s[k] == '(')
			break;
		e = k;
	}
	if (!tpl_returned_value(t, b, e)) {
		tpl_consider(t, list ? "node-null-map" : "node-null-field", 0, "%s is null in the data "
		    "and what line %ld reads from it is used in an expression (a string, arithmetic, an "
		    "argument), not answered as it is: what to answer without it is the author's call",
		    obj, t->ln + 1);
		goto out;
	}
	expr = tpl_dupn(s, b, e);
	res = expr ? tpl_fmt("%.*s(%s === null ? %s : %s)%s", (int)b, s, obj, list ? "[]" : "null",
	    expr, s + e) : NULL;
	if (res && tpl_change(t, t->ln, 1, res) == 0) {
		if (list) {
			char *as = tpl_fmt("that a null %s means none (an empty list), not unknown", obj);
			done = tpl_consider(t, "node-null-map", 1, "%s is null in the data: map no items "
			    "from it ([])", obj);
			tpl_assume_that(t, as ? as : "that null means an empty list");
			free(as);
		} else
			done = tpl_consider(t, "node-null-field", 1, "%s is null in the data: what is read "
			    "from it is unknown too; answer null there, not an invented value", obj);
	}
out:
	free(obj);
	free(expr);
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
		    !tpl_idch((unsigned char)s[i + 1 + pl]) && s[i + 1 + pl] != '$' &&
		    (tpl_idch((unsigned char)s[i - 1]) || s[i - 1] == ')' || s[i - 1] == ']'))
			cand[n++] = i;
		else if (s[i] == '[' && isdigit((unsigned char)prop[0]) &&
		    !strncmp(s + i + 1, prop, pl) && s[i + 1 + pl] == ']' &&
		    (tpl_idch((unsigned char)s[i - 1]) || s[i - 1] == ')' || s[i - 1] == ']'))
			cand[n++] = i;
	}
	if (t->col >= 0)
		for (k = 0; k < n; k++)
			if (cand[k] + 1 == t->col || cand[k] == t->col)
				pos = cand[k];
	if (pos < 0 && n == 1)
		pos = cand[0];
	if (pos < 0 && n == 0 && (i = strstr(s, prop) ? strstr(s, prop) - s : 0) > 1 &&
	    s[i - 1] == '.' && strstr(t->msg, "of undefined")) {
		/* in a template string: "${cfg.currency.toUpperCase()}" */
		long a = i - 1;
		while (a > 0 && (tpl_idch((unsigned char)s[a - 1]) || s[a - 1] == '.'))
			a--;
		if (a < i - 1 && strchr(s + a, '.') < s + i - 1)
			return tpl_consider(t, "node-null-field", 0, "%.*s is undefined at line %ld (a "
			    "missing setting or key, not a null in the data): a default for it would be "
			    "invented; set it where the service starts, or give the code its default",
			    (int)(i - 1 - a), s + a, t->ln + 1);
	}
	if (pos < 0)
		return tpl_consider(t, "node-field-400", 0, "cannot tell which read of '%s' at line %ld "
		    "failed", prop, t->ln + 1);
	if ((why = js_setup(t, &h))) {
		tpl_consider(t, "node-field-400", 0, "%s", why);
		return js_null_field(t, prop, pos);
	}
	b = tpl_lscan(s, t->m, pos);
	obj = tpl_dupn(s, b, pos);
	if (!obj || b == pos || tpl_has_call(obj, 0, (long)strlen(obj)) || strchr(obj, '[')) {
		tpl_consider(t, "node-field-400", 0, "the undefined value at line %ld is not a variable "
		    "or a field path: optional chaining would answer an invented undefined", t->ln + 1);
		free(obj);
		return 0;
	}
	cond = tpl_fmt("%s === undefined || %s === null", obj, obj);
	if (tpl_from_request(t, obj)) {
		char body_of[40];
		snprintf(body_of, sizeof body_of, "%s.body", h.req);
		msg = !strcmp(obj, body_of) ? strdup("the request has no JSON body") :
		    tpl_plain_name(tpl_last_part(obj)) ? tpl_fmt("field '%s' is missing", tpl_last_part(obj)) :
		    strdup("a field is missing");
		if (cond && msg && js_guard(t, &h, cond, 400, msg) == 0) {
			done = tpl_consider(t, "node-field-400", 1, "answer 400 when %s", msg);
			tpl_assume(t, msg);
		}
		free(msg);
	} else if ((rhs = tpl_assigned(t, obj, strlen(obj))) && tpl_is_lookup(rhs) && tpl_from_request(t, rhs)) {
		if (cond && js_guard(t, &h, cond, 404, "not found") == 0)
			done = tpl_consider(t, "node-lookup-404", 1, "answer 404 when nothing is found for "
			    "the request (%s is undefined)", obj);
	} else if (strstr(t->msg, "of null") && strchr(obj, '.'))
		done = js_null_field(t, prop, pos);
	else
		tpl_consider(t, "node-lookup-404", 0, "%s is undefined but does not come from the request "
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
	char *x = tpl_quoted_after(t->msg, " of "), *cond = NULL, *msg = NULL;
	const char *why;
	struct jsh h;
	int done = 0;

	if (!x || !*x || tpl_has_call(x, 0, (long)strlen(x))) {
		free(x);
		return tpl_consider(t, "node-field-400", 0, "the message does not say what was undefined");
	}
	if ((why = js_setup(t, &h))) {
		tpl_consider(t, "node-field-400", 0, "%s", why);
		if (strstr(t->msg, "as it is null"))
			tpl_consider(t, "node-null-field", 0, "%s is null in the data and its properties "
			    "are destructured at line %ld for use further on: \"?? {}\" would give them "
			    "an invented undefined; what to answer without them is the author's call", x,
			    t->ln + 1);
	} else if (!tpl_from_request(t, x))
		tpl_consider(t, "node-field-400", 0, "%s does not come from the request: \"?? {}\" "
		    "would destructure an invented empty object", x);
	else {
		char body_of[40];
		snprintf(body_of, sizeof body_of, "%s.body", h.req);
		msg = !strcmp(x, body_of) ? strdup("the request has no JSON body") :
		    tpl_plain_name(tpl_last_part(x)) ? tpl_fmt("field '%s' is missing", tpl_last_part(x)) :
		    strdup("a field is missing");
		cond = tpl_fmt("%s === undefined || %s === null", x, x);
		if (cond && msg && js_guard(t, &h, cond, 400, msg) == 0) {
			done = tpl_consider(t, "node-field-400", 1, "answer 400 when %s", msg);
			tpl_assume(t, msg);
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
		return tpl_consider(t, "node-array-400", 0, "the message names no method call");
	for (i = 0; arr[i]; i++)
		if ((size_t)(e - dot) == strlen(arr[i]) && !strncmp(dot, arr[i], (size_t)(e - dot)))
			isarr = 1;
	x = strndup(msg, (size_t)(dot - 1 - msg));
	if (!isarr || !x)
		tpl_consider(t, "node-array-400", 0, "%.*s is not an array method", (int)(e - dot), dot);
	else if (!strstr(t->s, x) || tpl_has_call(x, 0, (long)strlen(x)))
		tpl_consider(t, "node-array-400", 0, "%s is not written as such at line %ld", x, t->ln + 1);
	else if ((why = js_setup(t, &h)))
		tpl_consider(t, "node-array-400", 0, "%s", why);
	else if (!tpl_from_request(t, x))
		tpl_consider(t, "node-array-400", 0, "%s does not come from the request: what it should "
		    "be instead of an array is the author's choice", x);
	else {
		m2 = tpl_plain_name(tpl_last_part(x)) ? tpl_fmt("field '%s' must be an array", tpl_last_part(x)) :
		    strdup("a field must be an array");
		cond = tpl_fmt("!Array.isArray(%s)", x);
		if (cond && m2 && js_guard(t, &h, cond, 400, m2) == 0)
			done = tpl_consider(t, "node-array-400", 1, "answer 400 when %s", m2);
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
		long o = p - s + 5, c = tpl_match_fwd(s, t->m, o);
		len = c > o ? tpl_dupn(s, o + 1, c) : NULL;
	} else if ((p = strstr(s, "length: "))) {
		long a = p - s + 8, e = a;
		while (tpl_idch((unsigned char)s[e]) || s[e] == '.')
			e++;
		len = tpl_dupn(s, a, e);
	}
	if (len && *len && (tpl_has_call(len, 0, (long)strlen(len)) || !tpl_plain_name(len))) {
		tpl_consider(t, "node-param-400", 0, "the length %s at line %ld is computed, not a value "
		    "the request sent: which length it should have (for a divisor of 0, a size that is "
		    "unset) is the author's call", len, t->ln + 1);
		free(len);
		return 0;
	}
	if (!len || !*len) {
		free(len);
		return tpl_consider(t, "node-param-400", 0, "cannot find a plain array length at line %ld",
		    t->ln + 1);
	}
	if ((why = js_setup(t, &h)))
		tpl_consider(t, "node-param-400", 0, "%s", why);
	else if (!tpl_from_request(t, len))
		tpl_consider(t, "node-param-400", 0, "the length %s does not come from the request: "
		    "which length it should have is the author's choice", len);
	else {
		cond = tpl_fmt("!Number.isInteger(%s) || %s < 0 || %s > 2 ** 32 - 1", len, len, len);
		msg = tpl_fmt("parameter '%s' must be a non-negative integer", tpl_last_part(len));
		if (cond && msg && js_guard(t, &h, cond, 400, msg) == 0)
			done = tpl_consider(t, "node-param-400", 1, "answer 400 when %s", msg);
	}
	free(len);
	free(cond);
	free(msg);
	return done;
}

int
tpl_node(struct tctx *t)
{
	const char *msg = t->msg ? t->msg : "";
	char *name = NULL;
	int r = 0;

	if (strstr(msg, "Cannot destructure property"))
		r = js_destructure(t);
	else if ((strstr(msg, "of undefined") || strstr(msg, "of null")) &&
	    ((name = tpl_quoted_after(msg, "(reading ")) ||
	    (name = tpl_quoted_after(msg, "Cannot read property "))))
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
