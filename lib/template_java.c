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
