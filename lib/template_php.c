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
