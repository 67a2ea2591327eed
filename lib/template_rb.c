/*
 * template_rb.c - the Ruby fix template (see template.c).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mend.h"
#include "template.h"

static int
rb_head(const char *s)
{
	size_t n = strlen(s);

	while (n && strchr(" \t\r", s[n - 1]))
		n--;
	if (tpl_starts_word(s, "def"))
		return 1;
	if (n >= 3 && !strncmp(s + n - 2, "do", 2) && !tpl_idch((unsigned char)s[n - 3]))
		return 1;
	return n && s[n - 1] == '|' && strstr(s, " do |") != NULL;
}

/* NoMethodError on nil: nothing found for what the request asked -> 404
 * (Sinatra's halt, or a Rack response triple); else refuse. */
int
tpl_ruby(struct tctx *t)
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
		return tpl_consider(t, "ruby-lookup-404", 0, "the message names no method");
	snprintf(meth, sizeof meth, "%.*s", (int)ml, p);
	t->pats = pats;
	t->fn = tpl_head_above(t, rb_head);
	tpl_derive(t, t->fn + 1, t->ln);
	for (i = 1; t->s[i]; i++)
		if (t->s[i] == '.' && t->m[i] == CODE && !strncmp(t->s + i + 1, meth, ml) &&
		    !tpl_idch((unsigned char)t->s[i + 1 + ml]) && t->s[i - 1] != '&')
			pos = n++ ? -1 : i;
	if (pos < 0)
		return tpl_consider(t, "ruby-lookup-404", 0, "cannot tell which .%s at line %ld was "
		    "called on nil", meth, t->ln + 1);
	b = tpl_lscan(t->s, t->m, pos);
	obj = tpl_dupn(t->s, b, pos);
	for (i = 0; i < t->n; i++) {
		if (strstr(t->v[i], "require 'sinatra'") || strstr(t->v[i], "require \"sinatra\""))
			sinatra = 1;
		if (i > t->fn && i <= t->ln && t->fn >= 0 && strstr(t->v[i], "[200,"))
			rack = 1;
	}
	if (!obj || !tpl_plain_name(obj) || strchr(obj, '.')) {
		tpl_consider(t, "ruby-lookup-404", 0, "the nil at line %ld is not a variable: \"&.\" "
		    "would answer an invented nil", t->ln + 1);
	} else if (!(rhs = tpl_assigned(t, obj, strlen(obj))) || !tpl_is_lookup(rhs) ||
	    !tpl_from_request(t, rhs)) {
		tpl_consider(t, "ruby-lookup-404", 0, "%s is nil but does not come from looking up what "
		    "the request asked for: \"&.\" would answer an invented nil", obj);
	} else if (!sinatra && !rack) {
		tpl_consider(t, "ruby-lookup-404", 0, "neither Sinatra nor a Rack response triple: no "
		    "known way to answer 404 from here");
	} else {
		char *body = sinatra ? tpl_fmt("halt 404, \"not found\" if %s.nil?", obj) :
		    tpl_fmt("return [404, { \"content-type\" => \"text/plain\" }, [\"not found\"]] if %s.nil?",
		    obj);
		if (body && tpl_change(t, t->ln, 0, tpl_block(t, body)) == 0) {
			free(body);
			tpl_consider(t, "ruby-lookup-404", 1, "answer 404 when nothing is found for the "
			    "request (%s is nil)", obj);
			free(obj);
			return 1;
		}
		free(body);
	}
	free(obj);
	return 0;
}

/* ---- following the chain (template_caller.c) ---- */

static int
rb_def(const char *s)
{
	return tpl_starts_word(s, "def");
}

/* The parameters of the def or block around t's line. */
static int
rb_params(struct tctx *t, char out[][32], int max, long *hdr)
{
	const char *s, *o, *c;

	if ((*hdr = tpl_head_above(t, rb_head)) < 0)
		return -1;
	s = t->v[*hdr];
	if (rb_def(s)) {
		if (!(o = strchr(s, '(')) || !(c = strrchr(s, ')')))
			return 0;
	} else {
		if (!(o = strchr(s, '|')) || !(c = strchr(o + 1, '|')))
			return 0;
	}
	return tpl_split_params(s, o - s, c - s, out, max, 0);
}

/* The nil at t's line: a parameter (400), or a local that a constant's
 * lookup keyed by a parameter gave (404). */
static int
rb_start(struct tctx *t, struct cfail *c)
{
	const char *msg = t->msg, *p = strstr(msg, "undefined method "), *rhs;
	char meth[64], obj[64] = "", params[8][32];
	long i, hdr;
	int np;

	c->tname = "rb-chain";
	if (strcmp(t->exc, "NoMethodError") || !p || !strstr(msg, "nil"))
		return tpl_consider(t, "rb-chain", 0, "not a NoMethodError on nil") - 1;
	p += 17;
	if (*p == '`' || *p == '\'')
		p++;
	snprintf(meth, sizeof meth, "%.*s", (int)strcspn(p, "'`") % 63, p);
	/* the receiver: of ".meth", or of the first "x[" for [] (left to right,
	 * a nil x fails there first; a nil x[..] is not a name and is refused) */
	for (i = 1; t->s[i]; i++) {
		long b;
		if (t->m[i] != CODE)
			continue;
		if (!strcmp(meth, "[]") ? t->s[i] == '[' && tpl_idch((unsigned char)t->s[i - 1]) :
		    t->s[i] == '.' && !strncmp(t->s + i + 1, meth, strlen(meth)) &&
		    !tpl_idch((unsigned char)t->s[i + 1 + strlen(meth)])) {
			b = tpl_lscan(t->s, t->m, i);
			if (*obj && strncmp(obj, t->s + b, (size_t)(i - b)))
				return tpl_consider(t, "rb-chain", 0, "more than one receiver of %s at "
				    "line %ld", meth, t->ln + 1) - 1;
			if (!*obj)
				snprintf(obj, sizeof obj, "%.*s", (int)(i - b) % 63, t->s + b);
			if (!strcmp(meth, "[]"))
				break;
		}
	}
	if (!*obj || !tpl_plain_name(obj) || strchr(obj, '.'))
		return tpl_consider(t, "rb-chain", 0, "the nil at line %ld is not a variable",
		    t->ln + 1) - 1;
	np = rb_params(t, params, 8, &hdr);
	for (i = 0; i < np; i++)
		if (!strcmp(params[i], obj)) {
			c->kind = CF_MISSING;
			snprintf(c->x, sizeof c->x, "%s", obj);
			snprintf(c->cond, sizeof c->cond, "{X}.nil?");
			return 0;
		}
	t->fn = hdr;
	if ((rhs = tpl_assigned(t, obj, strlen(obj)))) {
		/* "CONST[key]" with key a parameter */
		const char *k = strchr(rhs, '['), *e;
		while (*rhs == ' ')
			rhs++;
		if (k && isupper((unsigned char)*rhs) && (e = strchr(k, ']')) && e[1 + strspn(e + 1,
		    " ")] == '\0') {
			char cn[64], key[64];
			snprintf(cn, sizeof cn, "%.*s", (int)(k - rhs) % 63, rhs);
			snprintf(key, sizeof key, "%.*s", (int)(e - k - 1) % 63, k + 1);
			for (i = 0; i < np; i++)
				if (!strcmp(params[i], key) && tpl_plain_name(cn) && !strchr(cn, '.')) {
					c->kind = CF_LOOKUP;
					snprintf(c->x, sizeof c->x, "%s", key);
					snprintf(c->cond, sizeof c->cond, "{Q}%s[{X}].nil?", cn);
					return 0;
				}
		}
	}
	return tpl_consider(t, "rb-chain", 0, "%s is nil but is neither a parameter nor a "
	    "constant's lookup keyed by one", obj) - 1;
}

/* Sinatra route block 'S', WEBrick do_* method 'W', Rack call(env) 'R'. */
static int
rb_answers(struct tctx *t, long hdr)
{
	static const char *const pats[] = { "params[", "params.", "request.", "env[", "req.",
		"query[", NULL };
	static const char *const verbs[] = { "get", "post", "put", "patch", "delete", NULL };
	const char *s = t->v[hdr] + tpl_ind(t->v[hdr]);
	char params[8][32];
	long h2;
	int how = 0, i, np = rb_params(t, params, 8, &h2);

	for (i = 0; verbs[i]; i++)
		if (tpl_starts_word(s, verbs[i]) && strstr(s, " do"))
			for (h2 = 0; h2 < t->n; h2++)
				if (strstr(t->v[h2], "require 'sinatra") || strstr(t->v[h2], "require \"sinatra"))
					how = 'S';
	if (!strncmp(s, "def do_", 7) && np == 2)
		how = 'W';
	if (!strncmp(s, "def call(", 9) && np == 1)
		how = 'R';
	if (!how)
		return 0;
	t->pats = pats;
	t->fn = hdr;
	if (how != 'S')
		tpl_add_name(t, params[0], strlen(params[0]));
	tpl_derive(t, hdr + 1, t->ln);
	return how;
}

static char *
rb_guard(struct tctx *t, int how, int code, const char *cond, const char *msg)
{
	char params[8][32], *body, *r;
	long h;

	if (how == 'S')
		body = tpl_fmt("halt %d, \"%s\" if %s", code, msg, cond);
	else if (how == 'R')
		body = tpl_fmt("return [%d, { \"content-type\" => \"application/json\" }, "
		    "[\"{\\\"error\\\": \\\"%s\\\"}\"]] if %s", code, msg, cond);
	else if (rb_params(t, params, 8, &h) == 2)
		body = tpl_fmt("if %s\n>%s.status = %d\n>%s.body = \"{\\\"error\\\": \\\"%s\\\"}\"\n"
		    ">return\nend", cond, params[1], code, params[1], msg);
	else
		return NULL;
	r = body ? tpl_block(t, body) : NULL;
	free(body);
	return r;
}

const struct chain_lang rb_chain = { rb_start, rb_params, rb_answers, rb_guard };
