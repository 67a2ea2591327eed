/*
 * template_php.c - the PHP fix template (see template.c).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mend.h"
#include "template.h"

/* PHP "Undefined array key" on a query or form parameter: answer 400. */
int
tpl_php(struct tctx *t)
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
						return tpl_consider(t, "php-param-400", 0, "line %ld reads more than "
						    "one request key: which one was null cannot be told", t->ln + 1);
					snprintf(key, sizeof key, "%s", k2);
				}
				q += n;
			}
		}
		if (!*key)
			return tpl_consider(t, "php-param-400", 0, "the null at line %ld is not read from "
			    "$_GET, $_POST or $_REQUEST", t->ln + 1);
		p = key;
	}
	if (!p)
		return 0;
	if (p != key)
		snprintf(key, sizeof key, "%.*s", (int)strcspn(p, "\"") % 63, p);
	if (!tpl_plain_name(key))
		return tpl_consider(t, "php-param-400", 0, "the missing key is not a plain name");
	for (i = 0; sg[i] && found < 0; i++) {
		char a[96], b[96];
		snprintf(a, sizeof a, "%s['%s']", sg[i], key);
		snprintf(b, sizeof b, "%s[\"%s\"]", sg[i], key);
		if (strstr(t->s, a) || strstr(t->s, b))
			found = i;
	}
	if (found < 0)
		return tpl_consider(t, "php-param-400", 0, "'%s' is not read from $_GET, $_POST or "
		    "$_REQUEST at line %ld: a default for it would be invented", key, t->ln + 1);
	for (k = 0; k < t->n; k++)
		if (tpl_starts_word(t->v[k], "namespace") || tpl_starts_word(t->v[k], "class") ||
		    tpl_starts_word(t->v[k], "use"))
			return tpl_consider(t, "php-param-400", 0, "not a plain PHP script (classes or a "
			    "framework): exit would bypass its own error handling");
	body = tpl_fmt("if (!isset(%s['%s'])) {\n>http_response_code(400);\n"
	    ">echo json_encode(['error' => \"parameter '%s' is missing\"]);\n>exit;\n}",
	    sg[found], key, key);
	if (body && tpl_change(t, t->ln, 0, tpl_block(t, body)) == 0) {
		char what[96];
		free(body);
		tpl_consider(t, "php-param-400", 1, "answer 400 when parameter '%s' is missing", key);
		snprintf(what, sizeof what, "parameter '%s' is missing", key);
		tpl_assume(t, what);
		return 1;
	}
	free(body);
	return 0;
}

/* ---- following the chain (template_caller.c) ---- */

/* The function around t's line (its "function" line may be t's line: a
 * TypeError on a parameter points there); at the top level of a script,
 * no parameters and *hdr 0. */
static int
php_params(struct tctx *t, char out[][32], int max, long *hdr)
{
	long i;
	int cur = tpl_ind(t->s) + 1;

	for (i = t->ln; i >= 0; i--) {
		const char *s = t->v[i], *o, *c;
		if (tpl_blank_line(s) || tpl_ind(s) >= cur)
			continue;
		cur = tpl_ind(s);
		if ((o = strstr(s, "function ")) && (o = strchr(o, '(')) && (c = strchr(o, ')'))) {
			*hdr = i;
			return tpl_split_params(s, o - s, c - s, out, max, 0);
		}
		if (cur == 0 && i < t->ln)
			break;
	}
	*hdr = 0;
	return tpl_ind(t->s) == 0 ? 0 : -1;
}

/* "Argument #N ($x) must be of type T, null given": the null was passed. */
static int
php_start(struct tctx *t, struct cfail *c)
{
	const char *p = strstr(t->msg, ") must be of type "), *a;

	c->tname = "php-chain";
	c->kind = CF_MISSING;
	if (strcmp(t->exc, "TypeError") || !p || !strstr(p, "null given") ||
	    !(a = strstr(t->msg, "Argument #")) || !(a = strstr(a, " ($")) || a > p)
		return tpl_consider(t, "php-chain", 0, "not a TypeError for a null argument") - 1;
	snprintf(c->x, sizeof c->x, "%.*s", (int)(p - a - 2) % 159, a + 2);
	snprintf(c->cond, sizeof c->cond, "!isset({X})");
	return 0;
}

/* The top level of a plain script (no classes, no framework). */
static int
php_answers(struct tctx *t, long hdr)
{
	static const char *const pats[] = { "$_GET", "$_POST", "$_REQUEST", "php://input", NULL };
	long k;

	if (hdr != 0 || tpl_ind(t->s) != 0 || strstr(t->v[0], "function "))
		return 0;
	for (k = 0; k < t->n; k++)
		if (tpl_starts_word(t->v[k], "namespace") || tpl_starts_word(t->v[k], "class") ||
		    tpl_starts_word(t->v[k], "use"))
			return 0;
	t->pats = pats;
	t->fn = -1;
	tpl_derive(t, 0, t->ln);
	return 'P';
}

static char *
php_guard(struct tctx *t, int how, int code, const char *cond, const char *msg)
{
	char *body, *r, *in = NULL;

	(void)how;
	/* isset() takes a variable, not an expression ("$_POST['t'] ?? null") */
	if (!strncmp(cond, "!isset(", 7) && (in = strndup(cond + 7, strlen(cond) - 8)) &&
	    !tpl_pure_expr(in + (*in == '$')))
		body = tpl_fmt("if ((%s) === null) {\n>http_response_code(%d);\n>echo json_encode("
		    "['error' => '%s']);\n>exit;\n}", in, code, msg);
	else
		body = tpl_fmt("if (%s) {\n>http_response_code(%d);\n>echo json_encode(['error' => "
		    "'%s']);\n>exit;\n}", cond, code, msg);
	free(in);
	r = body ? tpl_block(t, body) : NULL;
	free(body);
	return r;
}

const struct chain_lang php_chain = { php_start, php_params, php_answers, php_guard };
