/*
 * template_java.c - the Java fix template (see template.c).
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mend.h"
#include "template.h"

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
		if (tpl_starts_word(s, ctl[i]))
			return 0;
	return s[tpl_ind(s)] != '}';
}

/* Java NullPointerException where a lookup for the request found
 * nothing: answer 404 from an HttpExchange or servlet handler. */
int
tpl_java(struct tctx *t)
{
	static const char *const pats[] = { "getRequestURI", "getQuery", "getParameter",
		"getPathInfo", "getRequestBody", "getPath()", NULL };
	const char *msg = t->msg ? t->msg : "", *p, *fl, *rhs;
	char var[64] = "", ex[32] = "", resp[32] = "";
	char *body;

	if (!strstr(t->exc, "NullPointerException"))
		return 0;
	if (strstr(msg, "because the return value of"))
		return tpl_consider(t, "java-lookup-404", 0, "the null is a call's result used directly: "
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
				for (a = c; a > t->s && tpl_idch((unsigned char)a[-1]); a--)
					;
				snprintf(var, sizeof var, "%.*s", (int)(c - a) < 63 ? (int)(c - a) : 63, a);
			}
		}
	}
	if (!var[0] || !tpl_plain_name(var) || strchr(var, '.'))
		return tpl_consider(t, "java-lookup-404", 0, "cannot tell which variable at line %ld was "
		    "null", t->ln + 1);
	t->fn = tpl_head_above(t, java_head);
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
		return tpl_consider(t, "java-lookup-404", 0, "the line is not in a void HttpExchange or "
		    "servlet handler method: no known way to answer 404 from here");
	t->pats = pats;
	if (ex[0])
		tpl_add_name(t, ex, strlen(ex));
	if ((p = strstr(fl, "HttpServletRequest "))) {
		p += 19;
		tpl_add_name(t, p, strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_"));
	}
	tpl_derive(t, t->fn + 1, t->ln);
	rhs = tpl_assigned(t, var, strlen(var));
	if (!rhs || !tpl_is_lookup(rhs) || !tpl_from_request(t, rhs))
		return tpl_consider(t, "java-lookup-404", 0, "%s is null but does not come from looking "
		    "up what the request asked for: which value it should have is the author's choice",
		    var);
	body = ex[0] ? tpl_fmt("if (%s == null) {\n>%s.sendResponseHeaders(404, -1);\n>%s.close();\n"
	    ">return;\n}", var, ex, ex) : tpl_fmt("if (%s == null) {\n>%s.sendError(404, \"not found\");\n"
	    ">return;\n}", var, resp);
	if (body && tpl_change(t, t->ln, 0, tpl_block(t, body)) == 0) {
		free(body);
		return tpl_consider(t, "java-lookup-404", 1, "answer 404 when nothing is found for the "
		    "request (%s is null)", var);
	}
	free(body);
	return 0;
}

/* ---- following the chain (template_caller.c) ---- */

static int
java_params(struct tctx *t, char out[][32], int max, long *hdr)
{
	const char *s, *o;

	if ((*hdr = tpl_head_above(t, java_head)) < 0)
		return -1;
	s = t->v[*hdr];
	if (!(o = strchr(s, '(')))
		return -1;
	return tpl_header_params(s, o - s, out, max, 0);
}

/* A NullPointerException on a parameter ("<parameter1>" without -g). */
static int
java_start(struct tctx *t, struct cfail *c)
{
	const char *msg = t->msg, *p;
	char params[8][32];
	long hdr;
	int np;

	c->tname = "java-chain";
	c->kind = CF_MISSING;
	if (!strstr(t->exc, "NullPointerException"))
		return -1;
	if (!(p = strstr(msg, "because \"")) || !strstr(msg, "\" is null"))
		return tpl_consider(t, "java-chain", 0, "the message does not name what was null") - 1;
	p += 9;
	snprintf(c->x, sizeof c->x, "%.*s", (int)strcspn(p, "\"") % 159, p);
	np = java_params(t, params, 8, &hdr);
	if (!strncmp(c->x, "<parameter", 10)) {
		int k = atoi(c->x + 10);
		if (k < 1 || k > np)
			return tpl_consider(t, "java-chain", 0, "%s: no such parameter", c->x) - 1;
		snprintf(c->x, sizeof c->x, "%s", params[k - 1]);
	}
	if (!tpl_plain_name(c->x) || strchr(c->x, '.'))
		return tpl_consider(t, "java-chain", 0, "%s is not a variable", c->x) - 1;
	snprintf(c->cond, sizeof c->cond, "{X} == null");
	return 0;
}

/* A void HttpExchange ('X') or servlet ('S') handler.  Besides what
 * tpl_derive finds, "NAME(ex).get(\"k\")" reads the request when NAME is
 * this file's own method taking the exchange or request (a query-string
 * parser, say). */
static int
java_answers(struct tctx *t, long hdr)
{
	static const char *const pats[] = { "getRequestURI", "getQuery", "getParameter",
		"getPathInfo", "getRequestBody", "getPath()", NULL };
	const char *fl = t->v[hdr], *p;
	char rq[32] = "";
	int how = 0;
	long i;

	if (!strstr(fl, " void "))
		return 0;
	if ((p = strstr(fl, "HttpExchange "))) {
		how = 'X';
		p += 13;
	} else if ((p = strstr(fl, "HttpServletRequest "))) {
		how = 'S';
		p += 19;
		if (!strstr(fl, "HttpServletResponse "))
			return 0;
	} else
		return 0;
	snprintf(rq, sizeof rq, "%.*s", (int)strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
	    "OPQRSTUVWXYZ0123456789_") % 31, p);
	t->pats = pats;
	t->fn = hdr;
	tpl_add_name(t, rq, strlen(rq));
	tpl_derive(t, hdr + 1, t->ln);
	for (i = hdr + 1; i < t->ln; i++) {
		const char *s = t->v[i] + tpl_ind(t->v[i]), *sp = strchr(s, ' '), *eq;
		char call[64];
		long k;
		if (!sp || !(eq = strstr(sp, " = ")) || !strstr(eq, ").get(\""))
			continue;
		for (k = 0; k < t->n; k++) {
			const char *d = t->v[k], *o = strstr(d, "(HttpExchange "), *b;
			if (!o)
				o = strstr(d, "(HttpServletRequest ");
			if (!o || k == hdr)
				continue;
			for (b = o; b > d && tpl_idch((unsigned char)b[-1]); b--)
				;
			snprintf(call, sizeof call, " %.*s(%s).get(\"", (int)(o - b) % 31, b, rq);
			if (o > b && strncmp(eq + 2, call, strlen(call)) == 0 &&
			    eq[2 + strlen(call) + strcspn(eq + 2 + strlen(call), "\"") + 1] == ')')
				tpl_add_name(t, sp + 1, (size_t)(eq - sp - 1));
		}
	}
	return how;
}

static char *
java_guard(struct tctx *t, int how, int code, const char *cond, const char *msg)
{
	const char *fl = t->v[t->fn], *p = strstr(fl, how == 'X' ? "HttpExchange " :
	    "HttpServletResponse ");
	char v[32], *body, *r;

	if (!p)
		return NULL;
	p += how == 'X' ? 13 : 20;
	snprintf(v, sizeof v, "%.*s", (int)strspn(p, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMN"
	    "OPQRSTUVWXYZ0123456789_") % 31, p);
	body = how == 'X' ? tpl_fmt("if (%s) {\n>%s.sendResponseHeaders(%d, -1);\n>%s.close();\n"
	    ">return;\n}", cond, v, code, v) : tpl_fmt("if (%s) {\n>%s.sendError(%d, \"%s\");\n"
	    ">return;\n}", cond, v, code, msg);
	r = body ? tpl_block(t, body) : NULL;
	free(body);
	return r;
}

const struct chain_lang java_chain = { java_start, java_params, java_answers, java_guard };
