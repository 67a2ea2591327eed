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
 *     py-ratio-none     {"pct": round(a / n * 100)} in the returned dict, n == 0 -> None
 *     py-null-field     user["address"]["city"] answered as is, the field None -> None
 *     py-none-iterate   for x in post["tags"]: appending only, the field None -> no
 *                       items (assumes None means none: a draft)
 *     py-key-get, py-unbound-local: always refused, with why
 *   Node (Express res.status().json(), or http res.writeHead/end)
 *     node-json-400     const x = JSON.parse(body) -> try/catch, 400
 *     node-field-400    undefined read/destructure of the request's body -> 400
 *     node-lookup-404   undefined read of a lookup keyed by the request -> 404
 *     node-array-400    x.map is not a function, x from the request -> 400
 *     node-param-400    new Array(n), RangeError, n from the request -> 400
 *     node-null-field   user.address.city answered as is, the field null -> null
 *     node-null-map     post.tags.map(f) answered as is, the field null -> [] (assumes)
 *   Ruby ruby-lookup-404 (Sinatra halt, Rack triple); Go go-nil-map,
 *   go-index-400; Java java-lookup-404 (HttpExchange, servlet); PHP
 *   php-param-400 ($_GET/$_POST in a plain script).
 *   Through a helper's callers (template_chain.c: chain-key-400,
 *   chain-json-400, chain-null-400, chain-param-400 for Python and Node;
 *   template_caller.c: rb-chain-400/404, go-chain-400, java-chain-400/404,
 *   php-chain-400 for Ruby, Go, Java and PHP).
 *
 * A value answered "as is" is the value of an item of the object literal
 * the failing line returns (tpl_returned_value): null there says what the
 * data says (unknown) and goes nowhere else.  Call chains, and
 * chain-array-400, are in template_chain.c.
 *
 * Only text is looked at: lines are scanned with a mask hiding strings
 * and comments; a line the mask cannot follow is left alone.  Whether
 * the patched file still parses is for the caller to check (syntax.c).
 * This does not handle statements spread over several lines, files
 * with CRLF line ends, or frameworks other than those named above.
 *
 * This file holds the line scanner, the context (the file, its queued
 * changes, what was considered, the names that hold the request) and
 * the entry points; template_LANG.c each language's templates (and its
 * part of following the chain), template_chain.c template_apply_chain,
 * template_caller.c its walk for Ruby, Go, Java and PHP; template.h what
 * they share.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mend.h"
#include "template.h"

int
tpl_idch(int c)
{
	return isalnum(c) || c == '_' || c >= 0x80;
}

/* Mark each byte of s as code, string or comment; -1 when unsure. */
int
tpl_mask_line(const char *s, char *m, int mode)
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
long
tpl_match_fwd(const char *s, const char *m, long i)
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

long
tpl_match_back(const char *s, const char *m, long i)
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
long
tpl_lscan(const char *s, const char *m, long q)
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
			long o = tpl_match_back(s, m, i - 1);
			if (o < 0)
				return q;
			i = o;
			continue;
		}
		if (tpl_idch((unsigned char)c) || c == '.') {
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
		if (s[p] == '.' && tpl_idch((unsigned char)s[p + 1]) && !isdigit((unsigned char)s[p + 1])) {
			p++;
			while (tpl_idch((unsigned char)s[p]))
				p++;
			continue;
		}
		if (s[p] == '(' || s[p] == '[') {
			long c = tpl_match_fwd(s, m, p);
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
long
tpl_rscan(const char *s, const char *m, long p)
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
	if (tpl_idch((unsigned char)s[i])) {
		while (tpl_idch((unsigned char)s[i]) || (s[i] == '.' && isdigit((unsigned char)s[i + 1])))
			i++;
	} else if (s[i] == '(' || s[i] == '[' || s[i] == '{') {
		long c = tpl_match_fwd(s, m, i);
		if (c < 0)
			return p;
		i = c + 1;
	} else
		return p;
	return trailers(s, m, i);
}

char *
tpl_dupn(const char *s, long a, long b)
{
	return strndup(s + a, (size_t)(b - a));
}

int
tpl_has_call(const char *s, long a, long b)
{
	return memchr(s + a, '(', (size_t)(b - a)) != NULL;
}

int
tpl_is_keyword(const char *w)
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


/* The quoted name in a message: "... attribute 'name'" -> name. */
char *
tpl_quoted_after(const char *msg, const char *after)
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

int
tpl_consider(struct tctx *t, const char *name, int applied, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Record a template that was looked at; an applied one's reason says
 * what it changed.  Returns applied. */
int
tpl_consider(struct tctx *t, const char *name, int applied, const char *fmt, ...)
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
int
tpl_change(struct tctx *t, long line, int del, char *text)
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

/* Queue body (malloc'd, and freed here) as a block indented like the
 * failing line, at line; -1 when body is NULL. */
int
tpl_put(struct tctx *t, long line, int del, char *body)
{
	int rc = body ? tpl_change(t, line, del, tpl_block(t, body)) : -1;

	free(body);
	return rc;
}

void
tpl_changes_drop(struct tctx *t)
{
	while (t->nch > 0)
		free(t->ch[--t->nch].text);
}

char *
tpl_fmt(const char *f, ...)
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
void
tpl_assume(struct tctx *t, const char *what)
{
	int n = jv_array_length(jv_copy(t->considered));
	jv last = jv_array_get(jv_copy(t->considered), n - 1);
	char *as = tpl_fmt("that a request where %s is the client's error: the code reads it "
	    "without a default, but whether it is required is the author's call", what);

	if (jv_get_kind(last) == JV_KIND_OBJECT) {
		last = jv_object_set(last, jv_string("assumes"), jv_string(as ? as : what));
		t->considered = jv_array_set(t->considered, n - 1, last);
	} else
		jv_free(last);
	free(as);
}

/* Record that the fix applied last assumes what (the whole sentence
 * after "the fix assumes"). */
void
tpl_assume_that(struct tctx *t, const char *what)
{
	int n = jv_array_length(jv_copy(t->considered));
	jv last = jv_array_get(jv_copy(t->considered), n - 1);

	if (jv_get_kind(last) == JV_KIND_OBJECT) {
		last = jv_object_set(last, jv_string("assumes"), jv_string(what));
		t->considered = jv_array_set(t->considered, n - 1, last);
	} else
		jv_free(last);
}

/*
 * A JSON parse of the request's body failed at its first character or at
 * its end, so the body may have been empty.  Whether an empty body is
 * the client's error or the empty request {} is the author's call:
 * projects decide it both ways.  Record that the fix applied last
 * assumes it; a message that places the fault further in (a non-empty,
 * broken body) assumes nothing.
 */
void
tpl_assume_empty_body(struct tctx *t)
{
	const char *m = t->msg ? t->msg : "";

	if (*m && !strstr(m, "end of JSON input") && !strstr(m, "(char 0)"))
		return;
	tpl_assume_that(t, "that an empty request body is the client's error; some services take "
	    "it as the empty request {}");
}

/*
 * Is s[a..e) of t's line answered as it is: the value of an item of the
 * object literal the line returns ("return {k: EXPR, ...}"), not an
 * operand, an argument, or a part of a string?  The value then goes to
 * the answer and nowhere else.
 */
int
tpl_returned_value(const struct tctx *t, long a, long e)
{
	const char *s = t->s, *m = t->m;
	long k = a, b;
	int depth = 0;

	while (s[e] == ' ')
		e++;
	if (!s[e] || m[e] != CODE || !strchr(",}", s[e]))
		return 0;
	while (k > 0 && s[k - 1] == ' ')
		k--;
	if (k == 0 || m[k - 1] != CODE || s[k - 1] != ':')
		return 0;
	for (b = k - 2; b >= 0; b--) {
		if (m[b] != CODE)
			continue;
		if (strchr(")]}", s[b]))
			depth++;
		else if (strchr("([{", s[b]) && depth-- == 0)
			break;
		else if (depth == 0 && s[b] == '?')
			return 0;
	}
	if (b < 0 || s[b] != '{')
		return 0;
	for (k = b; k > 0 && s[k - 1] == ' '; k--)
		;
	return k == tpl_ind(s) + 6 && !strncmp(s + tpl_ind(s), "return", 6);
}

int
tpl_ind(const char *s)
{
	int n = 0;

	while (s[n] == ' ' || s[n] == '\t')
		n++;
	return n;
}

int
tpl_blank_line(const char *s)
{
	return s[tpl_ind(s)] == '\0';
}

/* Does the stripped line start with word w (followed by a non-name)? */
int
tpl_starts_word(const char *s, const char *w)
{
	size_t n = strlen(w);

	s += tpl_ind(s);
	return !strncmp(s, w, n) && !tpl_idch((unsigned char)s[n]);
}

/* Where word w occurs in text as a whole name, or NULL. */
const char *
tpl_find_word(const char *text, const char *w)
{
	size_t n = strlen(w);
	const char *p = text;

	if (!n)
		return NULL;
	while ((p = strstr(p, w))) {
		if ((p == text || (!tpl_idch((unsigned char)p[-1]) && p[-1] != '$')) &&
		    !tpl_idch((unsigned char)p[n]))
			return p;
		p += n;
	}
	return NULL;
}

void
tpl_add_name(struct tctx *t, const char *s, size_t n)
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
int
tpl_from_request(const struct tctx *t, const char *text)
{
	int i;

	for (i = 0; t->pats && t->pats[i]; i++) {
		const char *p = strstr(text, t->pats[i]);
		if (p && (p == text || !tpl_idch((unsigned char)p[-1])))
			return 1;
	}
	for (i = 0; i < t->nnames; i++)
		if (tpl_find_word(text, t->names[i]))
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
	r = !tpl_from_request(t, base);
	free(base);
	return r;
}

/* Does rhs only read and convert (no call that computes something new
 * from the request, like a geocoder's answer)? */
int
tpl_only_reads(const char *rhs)
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
		if (*p != '(' || p == rhs || !tpl_idch((unsigned char)p[-1]))
			continue;
		for (b = p; b > rhs && tpl_idch((unsigned char)b[-1]); b--)
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
void
tpl_derive(struct tctx *t, long from, long to)
{
	long i;

	for (i = from < 0 ? 0 : from; i < to && i < t->n; i++) {
		const char *s = t->v[i];
		char *m = malloc(strlen(s) + 1);
		long k, eq = -1;

		if (!m)
			return;
		if (tpl_mask_line(s, m, t->mode) < 0) {
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
					for (b = q; b > p && tpl_idch((unsigned char)b[-1]); b--)
						;
					tpl_add_name(t, b, (size_t)(q - b));
				}
				for (q = p; (q = strstr(q, "+=")); q += 2) {
					const char *e = q, *b;
					while (e > p && e[-1] == ' ')
						e--;
					for (b = e; b > p && tpl_idch((unsigned char)b[-1]); b--)
						;
					tpl_add_name(t, b, (size_t)(e - b));
				}
			}
		}
		for (k = 1; s[0] && s[k]; k++)	/* an empty line has no s[1] */
			if (m[k] == CODE && s[k] == '=' && s[k + 1] != '=' && s[k + 1] != '>' &&
			    !strchr("=!<>+-*/%&|^.?", s[k - 1])) {
				eq = k;
				break;
			}
		if (eq > 0 && tpl_from_request(t, s + eq + 1) && !lookup_result(t, s + eq + 1) &&
		    tpl_only_reads(s + eq + 1)) {
			long a = tpl_ind(s), e = eq - (s[eq - 1] == ':');
			int many = 0;
			for (k = a; k < e; k++)
				if (strchr("{[,", s[k]))
					many = 1;
			if (many || (t->mode == M_PY && tpl_starts_word(s, "for"))) {
				for (k = a; k < e; ) {
					long b = k;
					while (k < e && (tpl_idch((unsigned char)s[k]) || s[k] == '$'))
						k++;
					if (k > b && !is_decl_word(s + b, (size_t)(k - b)) &&
					    !isdigit((unsigned char)s[b]))
						tpl_add_name(t, s + b, (size_t)(k - b));
					if (k == b)
						k++;
				}
			} else {
				long b;
				while (e > a && s[e - 1] == ' ')
					e--;
				for (b = e; b > a && (tpl_idch((unsigned char)s[b - 1]) || s[b - 1] == '$'); b--)
					;
				/* "self.x = ..." and "obj.x = ..." are not names */
				if (e > b && (b == a || s[b - 1] == ' ') && !isdigit((unsigned char)s[b]))
					tpl_add_name(t, s + b, (size_t)(e - b));
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
char *
tpl_block(const struct tctx *t, const char *body)
{
	struct strbuf b = { 0 };
	const char *p = body, *u = unit_of(t);
	int base = tpl_ind(t->s);

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
int
tpl_is_keyword_n(const char *s, size_t n)
{
	char w[16];

	if (n >= sizeof w)
		return 0;
	memcpy(w, s, n);
	w[n] = '\0';
	return tpl_is_keyword(w);
}


/* A name fit to quote in a message we write into code: [A-Za-z0-9_.-]. */
int
tpl_plain_name(const char *s)
{
	if (!*s || strlen(s) > 64)
		return 0;
	for (; *s; s++)
		if (!tpl_idch((unsigned char)*s) && *s != '-' && *s != '.')
			return 0;
	return 1;
}


/* The text of the assignment to name in the function before line ln
 * (the right-hand side, borrowed), or NULL. */
const char *
tpl_assigned(const struct tctx *t, const char *name, size_t n)
{
	long i;

	for (i = t->ln - 1; i > t->fn && i >= 0; i--) {
		const char *s = t->v[i] + tpl_ind(t->v[i]);
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
int
tpl_is_lookup(const char *rhs)
{
	static const char *const pats[] = { "[", ".get(", "find", ".first(", ".one_or_none(",
		"filter_by(", ".detect", "find_by", "Find", "Get(", "lookup", "Lookup", NULL };
	int i;

	for (i = 0; pats[i]; i++)
		if (strstr(rhs, pats[i]))
			return 1;
	return 0;
}

/* The line that opens the block line ln is in, by indentation, whose
 * text satisfies is_head; -1 when none. */
long
tpl_head_above(const struct tctx *t, int (*is_head)(const char *))
{
	int cur = tpl_ind(t->s);
	long i;

	for (i = t->ln - 1; i >= 0 && cur > 0; i--) {
		const char *s = t->v[i];
		if (tpl_blank_line(s) || tpl_ind(s) >= cur)
			continue;
		cur = tpl_ind(s);
		if (is_head(s))
			return i;
	}
	return -1;
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
int
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
		tpl_consider(t, "templates", 0, "the file has CRLF line ends; no template edits it");
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
	if (tpl_mask_line(t->s, t->m, t->mode) < 0) {
		tpl_consider(t, "templates", 0, "line %ld has a string the scanner cannot follow "
		    "(triple quotes or a string left open)", line);
		return -1;
	}
	return 0;
}

/* Free what t holds except t->considered. */
void
tctx_close(struct tctx *t)
{
	int k;

	tpl_changes_drop(t);
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
int
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
		applied = tpl_python(&t);
	else if (t.mode == M_JS)
		applied = tpl_node(&t);
	else if (t.mode == M_RB)
		applied = tpl_ruby(&t);
	else if (t.mode == M_PHP)
		applied = tpl_php(&t);
	else if (!strcmp(lang, "go"))
		applied = tpl_go(&t);
	else
		applied = tpl_java(&t);
	if (applied)
		tctx_finish(&t, r, src);
out:
	tctx_close(&t);
	r->considered = t.considered;
	return r->text != NULL;
}
