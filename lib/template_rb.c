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
