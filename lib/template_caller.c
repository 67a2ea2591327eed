/*
 * template_caller.c - following the call chain in Ruby, Go, Java and PHP
 * (template_chain.c does Python and Node.js, and says why: the failing
 * line is in a helper, the bad value arrived as one of its parameters).
 *
 * The language's start() says what failed in the helper, as a condition
 * over one of its parameters: a value that was nil or null (CF_MISSING),
 * a lookup keyed by the parameter that found nothing (CF_LOOKUP), a
 * slice shorter than the index read (CF_SHORT).  Up the trace's caller
 * frames, the one call of the callee on each frame's line is found and
 * the argument in the parameter's position put for the value, until the
 * innermost frame that can answer an HTTP error (answers()).  There the
 * value must be what the request sent (or, for a null, the result of a
 * lookup keyed by what it sent: 404); a guard restating the condition in
 * the caller's names answers 400 or 404 before the call.  Anything else
 * is refused with the reason.  A 400 for a missing value assumes the
 * value is required, and says so.
 *
 *   rb-chain-400/404    NoMethodError on nil (Sinatra, WEBrick servlet, Rack call)
 *   go-chain-400        index out of range on a slice parameter (net/http handler)
 *   java-chain-400/404  NullPointerException on a parameter (HttpExchange, servlet)
 *   php-chain-400       TypeError "null given" to a typed parameter (plain script)
 *
 * This does not follow a value through a call whose result it is, a
 * method's receiver, keyword arguments, or more than one call of the
 * callee on a line.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mend.h"
#include "template.h"

/* The name a frame's function is called by: "Posts.card", "Cls#m",
 * "block in Cls#m", "Greet.greeting", "main.(*S).m", "C->m" -> last. */
static const char *
callee_of(const char *function, char *buf, size_t n)
{
	const char *p, *b;
	size_t l;

	if (!function)
		return NULL;
	if ((p = strrchr(function, ' ')))
		function = p + 1;
	for (b = p = function; *p; p++)
		if (strchr(".#>:", *p))
			b = p + 1;
	for (l = 0; tpl_idch((unsigned char)b[l]); l++)
		;
	if (!l || l >= n)
		return NULL;
	snprintf(buf, n, "%.*s", (int)l, b);
	return buf;
}

/* tpl with "{X}" as x and "{Q}" as q, malloc'd. */
static char *
subst(const char *tpl, const char *x, const char *q)
{
	struct strbuf b = { 0 };
	const char *p;

	for (p = tpl; *p; p++) {
		if (!strncmp(p, "{X}", 3)) {
			strbuf_add(&b, x);
			p += 2;
		} else if (!strncmp(p, "{Q}", 3)) {
			strbuf_add(&b, q);
			p += 2;
		} else
			strbuf_addn(&b, p, 1);
	}
	return strbuf_take(&b);
}

/* Is name (a parameter) assigned again between the header and t's line? */
static int
assigned_again(const struct tctx *t, long hdr, const char *name)
{
	size_t n = strlen(name);
	long i;

	for (i = hdr + 1; i < t->ln; i++) {
		const char *s = t->v[i], *p = s;
		while ((p = tpl_find_word(p, name[0] == '$' ? name + 1 : name))) {
			const char *q = p + n - (name[0] == '$');
			while (*q == ' ')
				q++;
			if ((*q == '=' && q[1] != '=' && q[1] != '>') || !strncmp(q, ":=", 2) ||
			    (*q && strchr("+-*/|&", *q) && q[1] == '=') || !strncmp(q, "<<", 2))
				return 1;
			p = q;
		}
	}
	return 0;
}

static int
param_pos(char params[][32], int np, const char *root)
{
	int i;

	for (i = 0; i < np; i++)
		if (!strcmp(params[i], root))
			return i;
	return -1;
}

/* The one call of fn on t's line: its arguments (into args, the count)
 * and the receiver before ".fn(" (into recv, "" when none); -1 when
 * there is none or more than one. */
static int
find_call(const struct tctx *t, const char *fn, char **args, int max, char *recv, size_t rn)
{
	const char *p;
	int na = -1, found = 0;

	*recv = '\0';
	for (p = t->s; (p = tpl_find_word(p, fn)); p += strlen(fn)) {
		long at = p - t->s, o = at + (long)strlen(fn);
		if (t->m[at] != CODE || t->s[o] != '(')
			continue;
		if (found++) {
			while (na > 0)
				free(args[--na]);
			return -1;
		}
		na = tpl_call_args(t->s, t->m, o, args, max);
		if (at > 0 && (t->s[at - 1] == '.' || (at > 1 && !strncmp(t->s + at - 2, "::", 2)))) {
			long e = at - (t->s[at - 1] == '.' ? 1 : 2);
			long b = tpl_lscan(t->s, t->m, e);
			snprintf(recv, rn, "%.*s", (int)(e - b), t->s + b);
			if (!*recv)
				snprintf(recv, rn, "?");
		}
	}
	return found == 1 ? na : -1;
}

/* The message of the guard. */
static char *
guard_msg(const struct cfail *c, const char *x)
{
	const char *g = strstr(x, ".get(\""), *k = strstr(x, "['");
	char lit[64] = "";

	if (g)
		snprintf(lit, sizeof lit, "%.*s", (int)strcspn(g + 6, "\"") % 63, g + 6);
	else if (k)
		snprintf(lit, sizeof lit, "%.*s", (int)strcspn(k + 2, "'") % 63, k + 2);
	if (c->kind == CF_LOOKUP)
		return tpl_fmt("not found");
	if (c->kind == CF_SHORT)
		return tpl_fmt("bad request: a part is missing");
	if (*lit && tpl_plain_name(lit))
		return tpl_fmt("parameter %s is missing", lit);
	if (tpl_plain_name(x[0] == '$' ? x + 1 : x))
		return tpl_fmt("%s is missing", x[0] == '$' ? x + 1 : x);
	return tpl_fmt("a value the request must send is missing");
}

/* Does t's line start a statement (the line above does not go on)? */
static int
statement_start(const struct tctx *t)
{
	long p;
	size_t n;

	for (p = t->ln - 1; p >= 0 && tpl_blank_line(t->v[p]); p--)
		;
	if (p < 0)
		return 1;
	n = strlen(t->v[p]);
	while (n && strchr(" \t", t->v[p][n - 1]))
		n--;
	return n && !strchr(",(\\+-*/.&=?:[", t->v[p][n - 1]);
}

int
tpl_chain_more(struct template_result *r, const char *lang, const char *exc, const char *msg,
    const struct template_frame *fr, int n)
{
	const struct chain_lang *L = !strcmp(lang, "ruby") ? &rb_chain : !strcmp(lang, "go") ?
	    &go_chain : !strcmp(lang, "java") ? &java_chain : &php_chain;
	struct tctx t;
	struct cfail c;
	char params[8][32], root[64], x[256], fnb[64], recv[64], qual[80] = "";
	int np, pos, j, at = -1, how = 0, code = 400;
	long hdr;

	memset(&c, 0, sizeof c);
	t.considered = r->considered;
	r->considered = jv_invalid();
	if (tctx_open(&t, lang, exc, msg, fr[0].src, fr[0].line) < 0 || L->start(&t, &c) < 0)
		goto out;
	snprintf(x, sizeof x, "%s", c.x);
	tpl_root_of(x, root, sizeof root);
	np = L->params(&t, params, 8, &hdr);
	if ((pos = param_pos(params, np, root)) < 0) {
		tpl_consider(&t, c.tname, 0, "'%s' at %s:%ld is not a parameter of %s, so no caller "
		    "passed it", root, fr[0].file, fr[0].line, fr[0].function ? fr[0].function : "it");
		goto out;
	}
	if (assigned_again(&t, hdr, root)) {
		tpl_consider(&t, c.tname, 0, "'%s' is assigned again in %s before line %ld", root,
		    fr[0].function ? fr[0].function : "the function", fr[0].line);
		goto out;
	}
	for (j = 1; j < n; j++) {
		struct tctx u;
		char *args[8], *nx;
		const char *fn = callee_of(fr[j - 1].function, fnb, sizeof fnb), *why = NULL;
		int na, k;
		long uh;

		if (!fn || !fr[j].src) {
			tpl_consider(&t, c.tname, 0, "the caller of %s:%ld cannot be read", fr[j - 1].file,
			    fr[j - 1].line);
			goto out;
		}
		u.considered = jv_array();
		if (tctx_open(&u, lang, exc, msg, fr[j].src, fr[j].line) < 0) {
			tctx_close(&u);
			jv_free(u.considered);
			tpl_consider(&t, c.tname, 0, "%s:%ld cannot be scanned", fr[j].file, fr[j].line);
			goto out;
		}
		na = find_call(&u, fn, args, 8, recv, sizeof recv);
		if (na <= pos) {
			while (na > 0)
				free(args[--na]);
			tctx_close(&u);
			jv_free(u.considered);
			tpl_consider(&t, c.tname, 0, "%s:%ld does not make one plain call to %s()",
			    fr[j].file, fr[j].line, fn);
			goto out;
		}
		nx = tpl_fmt("%s%s", args[pos], x + strlen(root));
		for (k = 0; k < na; k++)
			if (strchr(args[k], ':') && !strstr(args[k], "::") && t.mode == M_RB)
				why = "keyword arguments: positions do not hold";
		while (na > 0)
			free(args[--na]);
		/* a constant of the helper's module, seen from the caller */
		if (strstr(c.cond, "{Q}") && *recv) {
			if (!isupper((unsigned char)recv[0]) || !tpl_plain_name(recv) || strchr(recv, '.'))
				why = "the helper is called on an object: its constants cannot be named "
				    "from the caller";
			else
				snprintf(qual, sizeof qual, "%s::", recv);
		}
		if (!nx || why || strlen(nx) >= sizeof x) {
			tpl_consider(&t, c.tname, 0, "%s:%ld: %s", fr[j].file, fr[j].line,
			    why ? why : "the argument is too long to follow");
			free(nx);
			tctx_close(&u);
			jv_free(u.considered);
			goto out;
		}
		snprintf(x, sizeof x, "%s", nx);
		free(nx);
		tpl_root_of(x, root, sizeof root);
		np = L->params(&u, params, 8, &uh);
		if (uh >= 0 && (how = L->answers(&u, uh))) {
			const char *rhs;
			if (!tpl_pure_expr(x) && !tpl_only_reads(x)) {
				tpl_consider(&t, c.tname, 0, "'%s' at %s:%ld does more than read what the "
				    "request sent; a guard restating it could change what the code does", x,
				    fr[j].file, fr[j].line);
			} else if (tpl_from_request(&u, x)) {
				at = j;
			} else if (c.kind == CF_MISSING && tpl_plain_name(root) && !strcmp(root, x) &&
			    (rhs = tpl_assigned(&u, root, strlen(root))) && tpl_is_lookup(rhs) &&
			    tpl_from_request(&u, rhs)) {
				at = j;
				code = 404;
				c.kind = CF_LOOKUP;
			} else
				tpl_consider(&t, c.tname, 0, "'%s' at %s:%ld is not what the request sent, "
				    "nor a lookup keyed by it: a guard would be a guess", x, fr[j].file,
				    fr[j].line);
			if (at < 0) {
				tctx_close(&u);
				jv_free(u.considered);
				goto out;
			}
			if (c.kind == CF_LOOKUP)
				code = 404;
			jv_free(u.considered);
			tctx_close(&u);
			break;
		}
		if ((pos = param_pos(params, np, root)) < 0 || strcmp(root, x) ||
		    assigned_again(&u, uh, root)) {
			tpl_consider(&t, c.tname, 0, "'%s' at %s:%ld is neither what the request sent nor "
			    "a parameter passed on unchanged (and %s cannot answer HTTP)", x, fr[j].file,
			    fr[j].line, fr[j].function ? fr[j].function : "the function");
			tctx_close(&u);
			jv_free(u.considered);
			goto out;
		}
		tctx_close(&u);
		jv_free(u.considered);
	}
	if (at < 0) {
		if (j == n)
			tpl_consider(&t, c.tname, 0, "no caller between %s:%ld and the request can answer "
			    "an HTTP error", fr[0].file, fr[0].line);
		goto out;
	}
	{
		struct tctx u;
		char *cond, *m = NULL, *g = NULL;
		char name[32];
		long uh;

		snprintf(name, sizeof name, "%s-%d", c.tname, code);
		u.considered = t.considered;
		t.considered = jv_invalid();
		tctx_close(&t);
		memset(&t, 0, sizeof t);
		if (tctx_open(&u, lang, exc, msg, fr[at].src, fr[at].line) < 0) {
			t.considered = u.considered;
			u.considered = jv_invalid();
			tctx_close(&u);
			goto out;
		}
		(void)L->params(&u, params, 8, &uh);
		how = L->answers(&u, uh);
		cond = subst(c.kind == CF_LOOKUP && !strstr(c.cond, "[{X}]") ? (u.mode == M_RB ?
		    "{X}.nil?" : "{X} == null") : c.cond, x, qual);
		if (cond && (m = guard_msg(&c, x)) && statement_start(&u))
			g = L->guard(&u, how, code, cond, m);
		if (!g || tpl_change(&u, u.ln, 0, g) < 0) {
			tpl_consider(&u, name, 0, "no guard could be written before %s:%ld", fr[at].file,
			    fr[at].line);
		} else {
			tpl_consider(&u, name, 1, "answer %d in %s (%s:%ld) when %s, before %s (%s:%ld) "
			    "fails on it", code, fr[at].function ? fr[at].function : "the caller",
			    fr[at].file, fr[at].line, cond, fr[0].function ? fr[0].function : "the helper",
			    fr[0].file, fr[0].line);
			if (code == 400 && c.kind == CF_MISSING) {
				char *what = tpl_fmt("%s is missing", x);
				tpl_assume(&u, what ? what : "a value is missing");
				free(what);
			}
			if (tctx_finish(&u, r, fr[at].src))
				r->frame = at;
		}
		free(cond);
		free(m);
		t = u;
	}
out:
	tctx_close(&t);
	r->considered = t.considered;
	return r->text != NULL;
}

/*
 * The parameter names of the list between s[o] "(" and s[c] ")": the last
 * name of each top-level part ("String name", "$items", "slug = nil"
 * gives slug), or with go the first ("xs []int"; "a, b int" both).  The
 * count, -1 when a part is not plain.
 */
int
tpl_split_params(const char *s, long o, long c, char out[][32], int max, int go)
{
	long k, b = o + 1;
	int n = 0, depth = 0;

	for (k = o + 1; k <= c; k++) {
		if (k < c && strchr("([{<", s[k]))
			depth++;
		else if (k < c && strchr(")]}>", s[k]))
			depth--;
		else if ((s[k] == ',' && depth == 0) || k == c) {
			long a = b, e = k, p;
			while (a < e && s[a] == ' ')
				a++;
			if (go) {
				for (p = a; p < e && tpl_idch((unsigned char)s[p]); p++)
					;
				e = p;
			} else {
				const char *eq = memchr(s + a, '=', (size_t)(e - a));
				if (eq)
					e = eq - s;
				while (e > a && s[e - 1] == ' ')
					e--;
				for (p = e; p > a && (tpl_idch((unsigned char)s[p - 1]) || s[p - 1] == '$'); p--)
					;
				a = p;
			}
			if (e > a) {
				if (n == max || e - a >= 32)
					return -1;
				snprintf(out[n++], 32, "%.*s", (int)(e - a), s + a);
			} else if (k != c || n > 0)
				return -1;
			b = k + 1;
		}
	}
	return n;
}

/* The parameter names of header line s, whose list opens at s[o]. */
int
tpl_header_params(const char *s, long o, char out[][32], int max, int go)
{
	char *m = malloc(strlen(s) + 1);
	long c;
	int n = -1;

	if (m && tpl_mask_line(s, m, M_C) == 0 && (c = tpl_match_fwd(s, m, o)) > 0)
		n = tpl_split_params(s, o, c, out, max, go);
	free(m);
	return n;
}
