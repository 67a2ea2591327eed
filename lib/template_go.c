/*
 * template_go.c - the Go fix templates (see template.c).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mend.h"
#include "template.h"

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
		const char *s = t->v[i] + tpl_ind(t->v[i]), *p;
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

static int go_handler(const char *fl, char *w, char *r);

/* Go: a write to a nil map (make it first: no value is invented); an
 * index past what the request sent (400). */
int
tpl_go(struct tctx *t)
{
	const char *text = t->msg ? t->msg : "", *s = t->s;
	char both[512];
	long i;

	snprintf(both, sizeof both, "%s: %s", t->exc, text);
	t->fn = tpl_head_above(t, go_head);
	if (strstr(both, "assignment to entry in nil map")) {
		long b = -1, o = -1;
		char *expr, *type = NULL, *body;
		for (i = 1; s[i]; i++)
			if (s[i] == '[' && t->m[i] == CODE && tpl_idch((unsigned char)s[i - 1])) {
				long c = tpl_match_fwd(s, t->m, i), k;
				if (c < 0)
					break;
				for (k = c + 1; s[k] == ' '; k++)
					;
				if ((s[k] == '=' && s[k + 1] != '=') || !strncmp(s + k, "++", 2) ||
				    !strncmp(s + k, "--", 2) || (s[k] && strchr("+-*/|&", s[k]) &&
				    s[k + 1] == '=')) {
					if (o >= 0)
						return tpl_consider(t, "go-nil-map", 0, "line %ld writes to more "
						    "than one map", t->ln + 1);
					o = i;
					b = tpl_lscan(s, t->m, i);
				}
			}
		if (o < 0)
			return tpl_consider(t, "go-nil-map", 0, "no map write at line %ld", t->ln + 1);
		expr = tpl_dupn(s, b, o);
		if (!expr || tpl_has_call(expr, 0, (long)strlen(expr)) || strchr(expr, '[')) {
			free(expr);
			return tpl_consider(t, "go-nil-map", 0, "the map at line %ld is not a variable or "
			    "a field", t->ln + 1);
		}
		if (strchr(expr, '.')) {
			const char *dot = strrchr(expr, '.');
			const char *fl = t->fn >= 0 ? t->v[t->fn] : "";
			char recv[80];
			snprintf(recv, sizeof recv, "func (%.*s *", (int)(dot - expr), expr);
			if (strchr(expr, '.') != dot || strncmp(fl, recv, strlen(recv))) {
				tpl_consider(t, "go-nil-map", 0, "%s is not a field of the method's pointer "
				    "receiver: making the map here would not keep it", expr);
				free(expr);
				return 0;
			}
			type = go_map_type(t, dot + 1, 1);
		} else {
			char param[80];
			snprintf(param, sizeof param, "%s map[", expr);
			if (t->fn >= 0 && strstr(t->v[t->fn], param)) {
				tpl_consider(t, "go-nil-map", 0, "%s is the caller's map (a parameter): making "
				    "it here would not keep it", expr);
				free(expr);
				return 0;
			}
			type = go_map_type(t, expr, 0);
		}
		if (!type) {
			tpl_consider(t, "go-nil-map", 0, "cannot find the one declaration of %s's map type",
			    expr);
			free(expr);
			return 0;
		}
		body = tpl_fmt("if %s == nil {\n>%s = make(%s)\n}", expr, expr, type);
		if (body && tpl_change(t, t->ln, 0, tpl_block(t, body)) == 0) {
			tpl_consider(t, "go-nil-map", 1, "make the map %s before the first write", expr);
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
			if (t->m[q - s] == CODE && q > s && (tpl_idch((unsigned char)q[-1]) || q[-1] == ')'))
				o = o < 0 ? q - s : -2;
		if (o < 0)
			return tpl_consider(t, "go-index-400", 0, "cannot tell which index at line %ld was "
			    "out of range", t->ln + 1);
		if (!go_handler(fl, w, r))
			return tpl_consider(t, "go-index-400", 0, "the line is not in an http.HandlerFunc: "
			    "no known way to answer 400 from here");
		tpl_add_name(t, r, strlen(r));
		tpl_derive(t, t->fn + 1, t->ln);
		b = tpl_lscan(s, t->m, o);
		base = tpl_dupn(s, b, o);
		if (!base || !tpl_from_request(t, base) || tpl_has_call(base, 0, (long)strlen(base))) {
			tpl_consider(t, "go-index-400", 0, "%s does not come from the request: a value for "
			    "the missing element would be invented", base ? base : "the slice");
			free(base);
			return 0;
		}
		body = tpl_fmt("if len(%s) <= %ld {\n>http.Error(%s, \"bad request: a part is missing\", "
		    "http.StatusBadRequest)\n>return\n}", base, idx, w);
		if (body && tpl_change(t, t->ln, 0, tpl_block(t, body)) == 0) {
			tpl_consider(t, "go-index-400", 1, "answer 400 when the request lacks the part %s "
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
		tpl_consider(t, "go-nil-map", 0, "a nil pointer, not a nil map: which value it should "
		    "have is the author's choice");
	return 0;
}

/* ---- following the chain (template_caller.c) ---- */

/* The parameters of the func around t's line (past a method's receiver). */
static int
go_params(struct tctx *t, char out[][32], int max, long *hdr)
{
	const char *s, *o;

	if ((*hdr = tpl_head_above(t, go_head)) < 0)
		return -1;
	s = t->v[*hdr];
	if (!(o = strchr(s, '(')))
		return -1;
	if (o == s + 5 && (!(o = strchr(o, ')')) || !(o = strchr(o, '('))))
		return -1;		/* "func (s *S) name(" */
	return tpl_header_params(s, o - s, out, max, 1);
}

/* An index out of range on a slice parameter: "len(x) <= N" is what failed. */
static int
go_start(struct tctx *t, struct cfail *c)
{
	const char *p = strstr(t->msg, "index out of range ["), *q;
	char lit[32];
	long idx, o = -1, b;

	c->tname = "go-chain";
	c->kind = CF_SHORT;
	if (!p)
		return tpl_consider(t, "go-chain", 0, "only an index out of range is followed to a "
		    "caller") - 1;
	idx = strtol(p + 20, NULL, 10);
	snprintf(lit, sizeof lit, "[%ld]", idx);
	for (q = t->s; (q = strstr(q, lit)); q++)
		if (t->m[q - t->s] == CODE && q > t->s && tpl_idch((unsigned char)q[-1]))
			o = o < 0 ? q - t->s : -2;
	if (o < 0)
		return tpl_consider(t, "go-chain", 0, "cannot tell which index at line %ld was out of "
		    "range", t->ln + 1) - 1;
	b = tpl_lscan(t->s, t->m, o);
	if (o - b >= (long)sizeof c->x)
		return -1;
	snprintf(c->x, sizeof c->x, "%.*s", (int)(o - b), t->s + b);
	if (!tpl_plain_name(c->x) || strchr(c->x, '.'))
		return tpl_consider(t, "go-chain", 0, "the slice at line %ld is not a variable",
		    t->ln + 1) - 1;
	snprintf(c->cond, sizeof c->cond, "len({X}) <= %ld", idx);
	return 0;
}

/* The names of an http.HandlerFunc's writer and request, from its header. */
static int
go_handler(const char *fl, char *w, char *r)
{
	const char *q, *a;

	*w = *r = '\0';
	if ((q = strstr(fl, " http.ResponseWriter"))) {
		for (a = q; a > fl && tpl_idch((unsigned char)a[-1]); a--)
			;
		snprintf(w, 32, "%.*s", (int)(q - a) < 31 ? (int)(q - a) : 31, a);
	}
	if ((q = strstr(fl, " *http.Request"))) {
		for (a = q; a > fl && tpl_idch((unsigned char)a[-1]); a--)
			;
		snprintf(r, 32, "%.*s", (int)(q - a) < 31 ? (int)(q - a) : 31, a);
	}
	return *w && *r && strstr(fl, ") {");
}

static int
go_answers(struct tctx *t, long hdr)
{
	char w[32], r[32];

	if (!go_handler(t->v[hdr], w, r))
		return 0;
	t->fn = hdr;
	tpl_add_name(t, r, strlen(r));
	tpl_derive(t, hdr + 1, t->ln);
	return 'G';
}

static char *
go_guard(struct tctx *t, int how, int code, const char *cond, const char *msg)
{
	char w[32], r[32], *body, *res;

	(void)how;
	if (!go_handler(t->v[t->fn], w, r))
		return NULL;
	body = tpl_fmt("if %s {\n>http.Error(%s, \"%s\", %s)\n>return\n}", cond, w, msg,
	    code == 404 ? "http.StatusNotFound" : "http.StatusBadRequest");
	res = body ? tpl_block(t, body) : NULL;
	free(body);
	return res;
}

const struct chain_lang go_chain = { go_start, go_params, go_answers, go_guard };
