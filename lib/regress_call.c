/*
 * regress_call.c - the failing call from the frame: for an incident seen
 * only in a stack trace (no request to replay), a plan for a regression
 * test that imports the module of the innermost project frame and calls
 * the failing function with the value the trace says it failed on.
 *
 * A trace names the function and the line, not the values.  The value is
 * rebuilt only where the error and the failing line leave no choice, and
 * only from a parameter of a module-level function that nothing before
 * the line reassigns:
 *
 *   empty list   sum(x)/len(x), mean(x), max(x), x.reduce(f) failing,
 *                x the parameter or built from it ([f(o) for o in p],
 *                list(p), sorted(p), p.map(f), p.filter(f)): p = []
 *   zero         ZeroDivisionError on "/ p": p = 0
 *   None/undef.  'NoneType' object ... / Cannot read properties of
 *                undefined (reading 'k') on p or p['a'] / p.a: p = None,
 *                or {"a": None}
 *   missing key  KeyError 'k' on p['k'] or p['a']['k']: p = {} / {"a": {}}
 *   past the end IndexError on p[0] (or p['a'][0]): p = [] / {"a": []}
 *   bad text     int()/float() of p (the message quotes the text: it is
 *                used), JSON.parse/json.loads of p failing at its start: ''
 *
 * Every other parameter must have a default or only be passed through
 * (a value in a dict or object literal): then it is left to its default,
 * or given None/undefined.  The fix must change the function itself (a
 * guard in a caller leaves the function failing by design); when the fix
 * makes it raise or throw a new named error, the test asserts that error
 * (the function's contract), else that the call returns.  Anything else
 * is refused with the reason.
 *
 * This does not handle methods (they need an instance whose state the
 * trace does not carry), nested or async Python functions, ES modules,
 * TypeScript, statements spread over several lines, or modules whose
 * import starts a server.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mend.h"

#define FILE_MAX (1 << 20)

struct src {
	char **v;		/* the lines, without '\n' */
	long n;
};

static void
src_release(struct src *s)
{
	long i;

	for (i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	s->v = NULL;
	s->n = 0;
}

static int
src_load(struct src *s, const char *wd, const char *rel)
{
	char p[4200], *text, *q, *nl;

	snprintf(p, sizeof p, "%s/%s", wd, rel);
	memset(s, 0, sizeof *s);
	if (!(text = file_read(p, FILE_MAX, NULL)))
		return -1;
	for (q = text; *q; q = nl + 1) {
		char **nv = realloc(s->v, (size_t)(s->n + 1) * sizeof *s->v);
		size_t len;
		if (!nv)
			break;
		s->v = nv;
		nl = strchr(q, '\n');
		len = nl ? (size_t)(nl - q) : strlen(q);
		if (len && q[len - 1] == '\r')
			len--;
		s->v[s->n++] = strndup(q, len);
		if (!nl)
			break;
	}
	free(text);
	return 0;
}

static int
idch(int c)
{
	return isalnum(c) || c == '_' || c == '$';
}

static int
indent(const char *s)
{
	int i = 0;

	while (s[i] == ' ' || s[i] == '\t')
		i++;
	return i;
}

/* The next whole-word occurrence of w in s at or after from, or NULL. */
static const char *
word_at(const char *s, const char *w, const char *from)
{
	size_t n = strlen(w);
	const char *p;

	for (p = from; (p = strstr(p, w)); p++)
		if ((p == s || !idch((unsigned char)p[-1])) && !idch((unsigned char)p[n]))
			return p;
	return NULL;
}

static int
is_py(const struct regress_call *c)
{
	return !strcmp(c->lang, "python");
}

/* ---- the frame and the file ---- */

/* frame's file relative to wd: the path as given if it is there, else its
 * longest tail that is (a trace has deploy paths: /srv/app/x.py). */
static char *
frame_file(const char *wd, jv f)
{
	const char *names[2] = { record_str(f, "file"), record_str(f, "path") };
	int i;

	for (i = 0; i < 2; i++) {
		const char *p = names[i];
		char full[4200];
		while (p && *p) {
			while (*p == '/')
				p++;
			snprintf(full, sizeof full, "%s/%s", wd, p);
			if (*p && strstr(p, "..") == NULL && access(full, R_OK) == 0)
				return strdup(p);
			p = strchr(p, '/');
		}
	}
	return NULL;
}

/* ---- the definition ---- */

struct param {
	char name[64];
	int dflt, rest, destructured;
};

struct def {
	long line, end;		/* 0-based: the def line, the last line of the body */
	struct param p[16];
	int np, async;
	char access[160];	/* how the test reaches it from the module: "summary" or "" */
};

/* Split a parameter list (the text between the parentheses). */
static int
params_parse(struct def *d, const char *s, int py)
{
	int depth = 0;
	const char *a = s, *p;

	d->np = 0;
	for (p = s;; p++) {
		if (*p == '(' || *p == '[' || *p == '{')
			depth++;
		else if (*p == ')' || *p == ']' || *p == '}')
			depth--;
		if ((*p == ',' && depth == 0) || !*p) {
			const char *b = p, *q;
			struct param *pa;
			while (a < b && isspace((unsigned char)*a))
				a++;
			while (b > a && isspace((unsigned char)b[-1]))
				b--;
			if (b > a) {
				if (d->np == 16)
					return mend_err("more than 16 parameters");
				pa = &d->p[d->np++];
				memset(pa, 0, sizeof *pa);
				if (py && b - a == 1 && *a == '/')
					return mend_err("positional-only parameters ('/')");
				if (*a == '*' || !strncmp(a, "...", 3)) {
					pa->rest = 1;
					while (*a == '*' || *a == '.')
						a++;
				}
				if (*a == '{' || *a == '[')
					pa->destructured = 1;
				for (q = a; q < b && idch((unsigned char)*q) && q - a < 63; q++)
					;
				memcpy(pa->name, a, (size_t)(q - a));
				pa->name[q - a] = '\0';
				pa->dflt = memchr(a, '=', (size_t)(b - a)) != NULL;
			}
			if (!*p)
				break;
			a = p + 1;
		}
	}
	return 0;
}

/* The text from the '(' at line l, column o to its match, joined (malloc'd). */
static char *
paren_text(const struct src *s, long l, const char *o, long *endl)
{
	struct strbuf b = { 0 };
	int depth = 0;
	const char *p = o;

	for (; l < s->n; l++, p = s->v[l < s->n ? l : 0]) {
		for (; *p; p++) {
			if (*p == '(')
				depth++;
			else if (*p == ')' && --depth == 0) {
				*endl = l;
				return strbuf_take(&b);
			}
			if (!(*p == '(' && depth == 1))
				strbuf_addn(&b, p, 1);
		}
		strbuf_add(&b, " ");
		if (l + 1 >= s->n)
			break;
	}
	strbuf_release(&b);
	return NULL;
}

static int
py_def(struct def *d, const struct src *s, const char *fn, long fl)
{
	long i, best = -1;
	char pat[96], *pl;
	const char *o;

	snprintf(pat, sizeof pat, "def %s(", fn);
	for (i = 0; i < s->n && i <= fl; i++) {
		const char *t = s->v[i] + indent(s->v[i]);
		if (!strncmp(t, "async ", 6))
			t += 6;
		if (!strncmp(t, pat, strlen(pat)))
			best = i;
	}
	if (best < 0)
		return mend_err("no 'def %s' above line %ld", fn, fl + 1);
	if (indent(s->v[best]) > 0) {
		for (i = best - 1; i >= 0; i--)
			if (indent(s->v[i]) < indent(s->v[best]) && s->v[i][indent(s->v[i])] &&
			    s->v[i][indent(s->v[i])] != '#')
				break;
		if (i >= 0 && !strncmp(s->v[i] + indent(s->v[i]), "class ", 6))
			return mend_err("%s is a method (of the class at line %ld): calling it needs "
			    "an instance whose state the trace does not carry", fn, i + 1);
		return mend_err("%s is nested in another function: a test cannot reach it", fn);
	}
	d->line = best;
	d->async = !strncmp(s->v[best], "async ", 6);
	if (d->async)
		return mend_err("%s is a coroutine (async def)", fn);
	o = strchr(s->v[best], '(');
	if (!(pl = paren_text(s, best, o, &i)))
		return mend_err("cannot read the parameters of %s", fn);
	if (params_parse(d, pl, 1) < 0) {
		free(pl);
		return -1;
	}
	free(pl);
	for (d->end = i + 1; d->end < s->n; d->end++) {
		const char *t = s->v[d->end];
		if (t[0] && t[0] != ' ' && t[0] != '\t' && t[0] != '#')
			break;
	}
	d->end--;
	while (d->end > d->line && !s->v[d->end][indent(s->v[d->end])])
		d->end--;	/* the blank lines after it */
	snprintf(d->access, sizeof d->access, "%s", fn);
	return 0;
}

/* Is fn exported from the CommonJS module, and under what name? */
static int
js_export(struct def *d, const struct src *s, const char *fn)
{
	long i;
	char pat[128];

	for (i = 0; i < s->n; i++) {
		const char *t = s->v[i], *p;
		snprintf(pat, sizeof pat, "exports.%s ", fn);
		if ((p = strstr(t, pat)) && strchr(p, '=')) {
			snprintf(d->access, sizeof d->access, "%s", fn);
			return 0;
		}
		if (!(p = strstr(t, "module.exports")) || !(p = strchr(p, '=')))
			continue;
		p++;
		while (*p == ' ')
			p++;
		if (word_at(t, fn, p) == p && (!p[strlen(fn)] || p[strlen(fn)] == ';')) {
			d->access[0] = '\0';	/* module.exports = fn */
			return 0;
		}
		if (*p == '{') {
			/* the object literal, maybe over several lines */
			long k;
			for (k = i; k < s->n && k < i + 60; k++) {
				const char *u = k == i ? p : s->v[k], *w;
				for (w = u; (w = word_at(u, fn, w)); w++) {
					const char *a = w + strlen(fn), *b = w;
					while (*a == ' ')
						a++;
					while (b > u && b[-1] == ' ')
						b--;
					if (*a == ',' || *a == '}' || !*a) {
						if (b > u && b[-1] == ':') {
							/* key: fn -- the key is the name */
							const char *e = b - 1, *st;
							while (e > u && e[-1] == ' ')
								e--;
							for (st = e; st > u && idch((unsigned char)st[-1]); st--)
								;
							snprintf(d->access, sizeof d->access, "%.*s",
							    (int)(e - st), st);
						} else
							snprintf(d->access, sizeof d->access, "%s", fn);
						return 0;
					}
				}
				if (strchr(u, '}'))
					break;
			}
		}
	}
	return mend_err("%s is not exported (module.exports): a test cannot reach it", fn);
}

static int
js_def(struct def *d, const struct src *s, const char *fn, long fl)
{
	long i, best = -1, k;
	char *pl;
	const char *o = NULL;

	for (i = 0; i < s->n && i <= fl; i++) {
		const char *t = s->v[i], *p;
		if (!strncmp(t, "export ", 7))
			return mend_err("the module is an ES module (export): the test would need import");
		if (!strncmp(t, "async ", 6))
			t += 6;
		if (!strncmp(t, "function ", 9) && (p = word_at(t, fn, t + 9)) == t + 9 &&
		    (o = strchr(p, '(')))
			best = i;
		else if ((!strncmp(t, "const ", 6) || !strncmp(t, "let ", 4) ||
		    !strncmp(t, "var ", 4) || !strncmp(t, "exports.", 8) ||
		    !strncmp(t, "module.exports.", 15)) && (p = word_at(t, fn, t)) &&
		    (p = strchr(p, '=')) && p[1] != '=' && strchr(p, '(') &&
		    (strstr(p, "=>") || word_at(t, "function", p)))
			best = i, o = strchr(p, '(');
	}
	if (best < 0) {
		for (i = 0; i <= fl && i < s->n; i++) {
			const char *p = word_at(s->v[i], fn, s->v[i]);
			if (p && indent(s->v[i]) > 0 && strchr(p, '(') && strchr(p, '{'))
				return mend_err("%s is not a top-level function (a method or a closure): "
				    "calling it needs state the trace does not carry", fn);
		}
		return mend_err("no top-level function %s above line %ld", fn, fl + 1);
	}
	o = strchr(s->v[best] + (strstr(s->v[best], fn) - s->v[best]), '(');
	d->line = best;
	d->async = !strncmp(s->v[best], "async ", 6) || strstr(s->v[best], "async ") != NULL;
	if (!o || !(pl = paren_text(s, best, o, &k)))
		return mend_err("cannot read the parameters of %s", fn);
	if (params_parse(d, pl, 0) < 0) {
		free(pl);
		return -1;
	}
	free(pl);
	for (d->end = k; d->end < s->n; d->end++) {
		const char *t = s->v[d->end];
		if (d->end > best && (t[0] == '}' || (t[0] && !isspace((unsigned char)t[0]))))
			break;
		if (d->end == best && strstr(t, "=>") && !strchr(t, '{'))
			break;		/* a one-line arrow function */
	}
	if (d->end >= s->n)
		d->end = s->n - 1;
	return js_export(d, s, fn);
}

/* ---- the value ---- */

struct acc {
	char key[64];
	char kind;		/* '.' attribute/property, 'm' method, '[' subscript, '#' [0],
				 * 'g' .get('k') */
};

struct chain {
	char root[64];
	struct acc a[8];
	int n;
	const char *start, *end;
};

/* A chain of plain reads at p: name ('.'name | ['lit'] | .get('lit'))*. */
static int
chain_at(struct chain *c, const char *line, const char *p, int py)
{
	const char *q = p;
	size_t n;

	if ((p > line && (idch((unsigned char)p[-1]) || p[-1] == '.')) ||
	    !(isalpha((unsigned char)*p) || *p == '_' || *p == '$'))
		return -1;
	for (n = 0; idch((unsigned char)q[n]); n++)
		;
	if (n >= sizeof c->root)
		return -1;
	memcpy(c->root, q, n);
	c->root[n] = '\0';
	c->start = p;
	c->n = 0;
	q += n;
	for (;;) {
		struct acc *a = &c->a[c->n];
		const char *k;
		if (c->n == 8)
			break;
		if (py && !strncmp(q, ".get(", 5) && (q[5] == '\'' || q[5] == '"') &&
		    (k = strchr(q + 6, q[5])) && k[1] == ')' && k - q - 6 < 63) {
			snprintf(a->key, sizeof a->key, "%.*s", (int)(k - q - 6), q + 6);
			a->kind = 'g';
			q = k + 2;
		} else if ((*q == '.' || (!py && q[0] == '?' && q[1] == '.')) &&
		    idch((unsigned char)q[*q == '?' ? 2 : 1])) {
			q += *q == '?' ? 2 : 1;
			for (n = 0; idch((unsigned char)q[n]) && n < 63; n++)
				;
			snprintf(a->key, sizeof a->key, "%.*s", (int)n, q);
			a->kind = q[n] == '(' ? 'm' : '.';
			q += n;
			if (a->kind == 'm') {	/* a method call ends the chain */
				c->n++;
				break;
			}
		} else if (*q == '[' && q[1] == '0' && q[2] == ']') {
			strcpy(a->key, "0");	/* the first item: a list of one */
			a->kind = '#';
			q += 3;
		} else if (*q == '[' && (q[1] == '\'' || q[1] == '"') &&
		    (k = strchr(q + 2, q[1])) && k[1] == ']' && k - q - 2 < 63) {
			snprintf(a->key, sizeof a->key, "%.*s", (int)(k - q - 2), q + 2);
			a->kind = '[';
			q = k + 2;
		} else
			break;
		c->n++;
	}
	c->end = q;
	return 0;
}

static const struct param *
param_of(const struct def *d, const char *name)
{
	int i;

	for (i = 0; i < d->np; i++)
		if (!d->p[i].rest && !d->p[i].destructured && !strcmp(d->p[i].name, name))
			return &d->p[i];
	return NULL;
}

/* Is name (re)assigned between the def and line fl? */
static int
assigned(const struct src *s, const struct def *d, long fl, const char *name, long *at)
{
	long i;

	for (i = d->line + 1; i < fl && i < s->n; i++) {
		const char *t = s->v[i] + indent(s->v[i]), *p = t;
		if (!strncmp(p, "const ", 6) || !strncmp(p, "let ", 4) || !strncmp(p, "var ", 4))
			p = strchr(p, ' ') + 1;
		if (word_at(t, name, p) == p) {
			const char *e = p + strlen(name);
			while (*e == ' ')
				e++;
			if (*e == '=' && e[1] != '=') {
				*at = i;
				return 1;
			}
		}
		if (strstr(t, "for ") && word_at(t, name, t) && word_at(t, "in", t) > word_at(t,
		    name, t) && strncmp(t, "for ", 4) == 0) {
			*at = i;
			return 1;
		}
	}
	return 0;
}

/* A literal: the value of the chain c (its accessors) being v at the end. */
static char *
nest(const struct chain *ch, int upto, const char *v)
{
	struct strbuf b = { 0 };
	int i;

	for (i = 0; i < upto; i++) {
		jv k = jv_dump_string(jv_string(ch->a[i].key), 0);
		if (ch->a[i].kind == '#')
			strbuf_add(&b, "[");
		else
			strbuf_addf(&b, "{%s: ", jv_string_value(k));
		jv_free(k);
	}
	strbuf_add(&b, v);
	for (i = upto - 1; i >= 0; i--)
		strbuf_add(&b, ch->a[i].kind == '#' ? "]" : "}");
	return strbuf_take(&b);
}

/*
 * The one chain in line rooted at a parameter for which ok() holds, or
 * -1 (none, or several: which one failed cannot be told).
 */
static int
unique_chain(struct chain *out, const char *line, const struct def *d, int py,
    int (*ok)(const struct chain *, const char *, void *), void *arg, const char *what)
{
	const char *p;
	int found = 0;
	struct chain c;

	for (p = line; *p; p++) {
		if (chain_at(&c, line, p, py) < 0)
			continue;
		if (ok(&c, line, arg)) {
			if (found && strcmp(out->root, c.root))
				return mend_err("the failing line has several %s; which one failed "
				    "cannot be told", what);
			if (!found || c.n > out->n)
				*out = c;
			found = 1;
		}
		p = c.end > p ? c.end - 1 : p;
	}
	if (!found)
		return mend_err("no %s of a parameter read plainly (name, ['key'], .key, [0]) in "
		    "the failing line", what);
	if (!param_of(d, out->root))
		return mend_err("the failing %s starts at %s, which is not a parameter of the "
		    "function", what, out->root);
	return 0;
}

struct want {
	const char *key;	/* the accessor that failed, or NULL */
	char kind;		/* what must follow the object: '.', '[', 'i' (iterated), 0 any */
};

/* Chains whose last accessor is the failing key; the object is the rest. */
static int
ok_key(const struct chain *c, const char *line, void *arg)
{
	const struct want *w = arg;

	(void)line;
	if (w->key)
		return c->n > 0 && !strcmp(c->a[c->n - 1].key, w->key) &&
		    (!w->kind || c->a[c->n - 1].kind == w->kind ||
		    (w->kind == '.' && c->a[c->n - 1].kind == 'm'));
	if (w->kind == '[')
		return c->n > 0 && (c->a[0].kind == '[' || c->a[0].kind == '#');
	if (w->kind == '#') {	/* an index past the end: the one [0], of an empty list */
		int k, n = 0;
		for (k = 0; k < c->n; k++)
			n += c->a[k].kind == '#';
		return n == 1;
	}
	if (w->kind == 'i') {
		const char *b = c->start;
		while (b > line && b[-1] == ' ')
			b--;
		return b - line >= 2 && !strncmp(b - 2, "in", 2) && *c->end != '(' && *c->end != '.';
	}
	return 0;
}

/* Chains right inside fn( ... ). */
static int
ok_arg(const struct chain *c, const char *line, void *arg)
{
	const char *fn = arg, *b = c->start;
	size_t n = strlen(fn);

	return b - line >= (long)n && !strncmp(b - n, fn, n) &&
	    (b - (long)n == line || !idch((unsigned char)b[-(long)n - 1]) || fn[0] == '.') &&
	    *c->end == ')';
}

/* Python text in a message: 'abc' (no escapes), malloc'd as a literal. */
static char *
quoted(const char *m)
{
	const char *q = strrchr(m, ':'), *e;

	if (!q)
		return NULL;
	q++;
	while (*q == ' ')
		q++;
	if (*q != '\'' && *q != '"')
		return NULL;
	e = strchr(q + 1, *q);
	if (!e || e[1] || memchr(q, '\\', (size_t)(e - q)))
		return NULL;
	{
		char *raw = strndup(q + 1, (size_t)(e - q - 1));
		jv l = jv_dump_string(jv_string(raw), 0);
		char *out = strdup(jv_string_value(l));
		jv_free(l);
		free(raw);
		return out;
	}
}

/* The collection the empty-list errors name in line (malloc'd), or NULL. */
static char *
empty_coll(const char *line, const char *exc, const char *msg, int py)
{
	static const char *const pyfns[] = { "len(", "mean(", "fmean(", "median(", "mode(",
	    "stdev(", "pstdev(", "variance(", "pvariance(", "max(", "min(", NULL };
	const char *p, *found = NULL;
	size_t n = 0;
	int i, hits = 0;

	if (!py) {
		if (!strstr(msg, "Reduce of empty array"))
			return NULL;
		for (p = line; (p = strstr(p, ".reduce(")); p++) {
			const char *b = p;
			while (b > line && idch((unsigned char)b[-1]))
				b--;
			if (b < p)
				found = b, n = (size_t)(p - b), hits++;
		}
		return hits == 1 ? strndup(found, n) : NULL;
	}
	for (i = 0; pyfns[i]; i++) {
		int zero = !strcmp(pyfns[i], "len(");
		if (zero && strcmp(exc, "ZeroDivisionError"))
			continue;
		if (!zero && !strstr(msg, "data point") && !strstr(msg, "empty data") &&
		    !strstr(msg, "empty sequence") && !strstr(msg, "iterable argument is empty"))
			continue;
		for (p = line; (p = strstr(p, pyfns[i])); p++) {
			const char *a = p + strlen(pyfns[i]), *e = a, *b = p;
			if (p > line && idch((unsigned char)p[-1]))
				continue;
			while (idch((unsigned char)*e))
				e++;
			if (*e != ')' || e == a)
				continue;
			if (zero) {	/* the divisor: "/ len(x)" */
				while (b > line && b[-1] == ' ')
					b--;
				if (b == line || (b[-1] != '/' && b[-1] != '%'))
					continue;
			}
			if (found && (n != (size_t)(e - a) || strncmp(found, a, n)))
				return NULL;
			found = a;
			n = (size_t)(e - a);
		}
	}
	return found ? strndup(found, n) : NULL;
}

/* x built from parameter p at line `at`: [.. for o in p ..], list(p), p.map(..): p. */
static int
built_from(char *out, size_t outn, const char *t, const struct def *d, int py)
{
	const char *e = strchr(t, '='), *p;

	if (!e)
		return -1;
	for (e++; *e == ' '; e++)
		;
	if (py && *e == '[' && (p = strstr(e, " for ")) && (p = strstr(p, " in "))) {
		const char *a = p + 4, *b = a;
		while (idch((unsigned char)*b))
			b++;
		if ((*b == ']' || *b == ' ') && b > a) {
			snprintf(out, outn, "%.*s", (int)(b - a), a);
			return param_of(d, out) ? 0 : -1;
		}
	}
	if (py && (!strncmp(e, "list(", 5) || !strncmp(e, "sorted(", 7) || !strncmp(e, "tuple(", 6))) {
		const char *a = strchr(e, '(') + 1, *b = a;
		while (idch((unsigned char)*b))
			b++;
		if ((*b == ')' || *b == ',') && b > a) {
			snprintf(out, outn, "%.*s", (int)(b - a), a);
			return param_of(d, out) ? 0 : -1;
		}
	}
	if (!py) {
		const char *b = e;
		while (idch((unsigned char)*b))
			b++;
		if (b > e && (!strncmp(b, ".map(", 5) || !strncmp(b, ".filter(", 8) ||
		    !strncmp(b, ".slice(", 7))) {
			snprintf(out, outn, "%.*s", (int)(b - e), e);
			return param_of(d, out) ? 0 : -1;
		}
	}
	return -1;
}

/* Is every use of name in the body a value in a dict/object literal? */
static int
passed_through(const struct src *s, const struct def *d, const char *name, int py)
{
	long i;
	int uses = 0;

	for (i = d->line + 1; i <= d->end && i < s->n; i++) {
		const char *t = s->v[i], *p;
		for (p = t; (p = word_at(t, name, p)); p++) {
			const char *a = p + strlen(name), *b = p;
			if (p > t && (p[-1] == '"' || p[-1] == '\'') && *a == p[-1])
				continue;	/* a string: "name" */
			while (*a == ' ')
				a++;
			while (b > t && b[-1] == ' ')
				b--;
			if (!(*a == ',' || *a == '}'))
				return 0;
			if (b > t && b[-1] == ':' && !(b - t >= 2 && b[-2] == ':'))
				uses++;
			else if (!py && b > t && (b[-1] == '{' || b[-1] == ','))
				uses++;	/* { name } shorthand */
			else
				return 0;
		}
	}
	return uses > 0;
}

/* Does the fix change lines [a, b] of file (1-based, the old side)?  Only
 * changed lines count, not the context around them; *raises: the one
 * error a line it adds there raises (throws), or NULL. */
static int
diff_touches(const char *diff, const char *file, long a, long b, char **raises, int py)
{
	const char *p = diff, *nl;
	int in = 0, hit = 0, many = 0, repl = 0;
	long old = 0;

	*raises = NULL;
	for (; p && *p; p = nl ? nl + 1 : NULL) {
		size_t n;
		nl = strchr(p, '\n');
		n = nl ? (size_t)(nl - p) : strlen(p);
		if (!strncmp(p, "+++ ", 4)) {
			const char *f = p + 4;
			if (!strncmp(f, "b/", 2))
				f += 2;
			in = n - (size_t)(f - p) == strlen(file) && !strncmp(f, file, strlen(file));
		} else if (!strncmp(p, "--- ", 4) || !strncmp(p, "diff ", 5)) {
			continue;
		} else if (in && !strncmp(p, "@@ -", 4)) {
			old = strtol(p + 4, NULL, 10);
			repl = 0;
		} else if (in && *p == ' ') {
			old++;
			repl = 0;
		} else if (in && *p == '-') {
			repl = old >= a && old <= b;	/* the '+' lines after replace it */
			hit |= repl;
			old++;
		} else if (in && *p == '+' && (repl || (old > a && old <= b))) {
			const char *k = py ? "raise " : "throw new ", *r = strstr(p, k);
			hit = 1;
			if (r && r < p + n) {
				const char *x = r + strlen(k), *y = x;
				while (idch((unsigned char)*y) || *y == '.')
					y++;
				if (y > x && *y == '(') {
					if (*raises && strncmp(*raises, x, (size_t)(y - x)))
						many = 1;
					free(*raises);
					*raises = strndup(x, (size_t)(y - x));
				}
			}
		}
	}
	if (many) {
		free(*raises);
		*raises = NULL;
	}
	return hit;
}

/* ---- the plan ---- */

static const char *
evidence_str(jv rec, const char *key)
{
	jv ev = record_get(rec, "incident.evidence");
	int i, n = jv_get_kind(ev) == JV_KIND_ARRAY ? jv_array_length(jv_copy(ev)) : 0;
	const char *out = NULL;

	for (i = 0; i < n && !out; i++) {
		jv e = jv_array_get(jv_copy(ev), i);
		if (!strcmp(record_type(e), "error"))
			out = record_str(e, key);	/* borrowed from rec, which holds e */
		jv_free(e);
	}
	jv_free(ev);
	return out;
}

int
regress_from_trace(jv rec)
{
	jv ev = record_get(rec, "incident.evidence");
	int i, n = jv_get_kind(ev) == JV_KIND_ARRAY ? jv_array_length(jv_copy(ev)) : 0, t = 0;

	for (i = 0; i < n; i++) {
		jv e = jv_array_get(jv_copy(ev), i);
		if (!strcmp(record_type(e), "error"))
			t = 1;
		jv_free(e);
	}
	jv_free(ev);
	return t;
}

/* The innermost frame in the application (a new reference), or null. */
static jv
app_frame(jv rec, const char *wd, char **file)
{
	jv fr = record_get(rec, "analysis.frames");
	int i, n = jv_get_kind(fr) == JV_KIND_ARRAY ? jv_array_length(jv_copy(fr)) : 0;

	*file = NULL;
	for (i = 0; i < n; i++) {
		jv f = jv_array_get(jv_copy(fr), i);
		if (jv_get_kind(f) == JV_KIND_OBJECT && record_bool(f, "in_app", 1) &&
		    (*file = frame_file(wd, f))) {
			jv_free(fr);
			return f;
		}
		jv_free(f);
	}
	jv_free(fr);
	return jv_null();
}

/* The value of the failing parameter: fills c->args, c->bad; -1 refuses. */
static int
diagnose(struct regress_call *c, const struct src *s, const struct def *d, long fl,
    const char *exc, const char *msg, char *pname, size_t pn, char **lit)
{
	const char *line = s->v[fl];
	int py = is_py(c);
	struct chain ch;
	struct want w = { NULL, 0 };
	char *coll, key[64];
	const char *q;
	long at;
	int k;

	*lit = NULL;
	/* An empty collection. */
	if ((coll = empty_coll(line, exc, msg, py))) {
		if (param_of(d, coll) && !assigned(s, d, fl, coll, &at)) {
			snprintf(pname, pn, "%s", coll);
			c->bad = strdup("empty");
		} else if (assigned(s, d, fl, coll, &at) &&
		    built_from(pname, pn, s->v[at], d, py) == 0 && !assigned(s, d, at, pname, &at)) {
			char *m = NULL;
			if (asprintf(&m, "empty: %s is built from it", coll) < 0)
				m = NULL;
			c->bad = m;
		} else {
			mend_err("%s is empty when it fails, but it is neither a parameter nor built "
			    "from one in a way that an empty parameter makes it empty", coll);
			free(coll);
			return -1;
		}
		free(coll);
		*lit = strdup("[]");
		return 0;
	}
	if (py && !strcmp(exc, "ZeroDivisionError")) {
		const char *p;
		for (p = line; (p = strchr(p, '/')); p++) {
			const char *a = p + 1;
			if (*a == '/')
				a++;
			while (*a == ' ')
				a++;
			if (chain_at(&ch, line, a, py) == 0 && ch.n == 0 && param_of(d, ch.root) &&
			    !idch((unsigned char)*ch.end) && *ch.end != '(' && *ch.end != '[' &&
			    *ch.end != '.') {
				snprintf(pname, pn, "%s", ch.root);
				c->bad = strdup("zero: the divisor");
				*lit = strdup("0");
				return assigned(s, d, fl, pname, &at) ? mend_err("%s is reassigned "
				    "before the division", pname) : 0;
			}
		}
		return mend_err("the divisor at line %ld is neither the length of a collection nor "
		    "a parameter: which value was zero cannot be told", fl + 1);
	}
	/* None / undefined / null, a missing key, unconvertible text. */
	if (py && (q = strstr(msg, "'NoneType' object has no attribute '"))) {
		snprintf(key, sizeof key, "%.*s", (int)strcspn(q + 36, "'"), q + 36);
		w.key = key, w.kind = '.';
		if (unique_chain(&ch, line, d, py, ok_key, &w, "attribute read") < 0)
			return -1;
		ch.n--;
		*lit = nest(&ch, ch.n, "None");
		c->bad = strdup("None");
	} else if (py && (strstr(msg, "'NoneType' object is not subscriptable") ||
	    strstr(msg, "'NoneType' object is not iterable"))) {
		w.kind = strstr(msg, "subscriptable") ? '[' : 'i';
		if (unique_chain(&ch, line, d, py, ok_key, &w, w.kind == '[' ? "subscript" :
		    "iteration") < 0)
			return -1;
		if (w.kind == '[' && ch.n != 1)
			return mend_err("%s is subscripted %d times in the failing line: which "
			    "value was None cannot be told", ch.root, ch.n);
		if (w.kind == '[')
			ch.n = 0;
		*lit = nest(&ch, ch.n, "None");
		c->bad = strdup("None");
	} else if (!py && ((q = strstr(msg, "of undefined (reading '")) ||
	    (q = strstr(msg, "of null (reading '")))) {
		int undef = q[3] == 'u';
		q = strstr(q, "'") + 1;
		snprintf(key, sizeof key, "%.*s", (int)strcspn(q, "'"), q);
		w.key = key;
		if (unique_chain(&ch, line, d, py, ok_key, &w, "property read") < 0)
			return -1;
		ch.n--;
		*lit = ch.n == 0 ? strdup(undef ? "undefined" : "null") :
		    nest(&ch, ch.n, undef ? "undefined" : "null");
		c->bad = strdup(undef ? "undefined" : "null");
	} else if (py && !strcmp(exc, "IndexError") && strstr(msg, "index out of range")) {
		w.kind = '#';
		if (unique_chain(&ch, line, d, py, ok_key, &w, "[0]") < 0)
			return -1;
		for (k = 0; k < ch.n && ch.a[k].kind != '#'; k++)
			;
		ch.n = k;	/* the list is what comes before [0] */
		*lit = nest(&ch, ch.n, "[]");
		c->bad = strdup("empty");
	} else if (py && !strcmp(exc, "KeyError")) {
		snprintf(key, sizeof key, "%s", msg);
		if (key[0] == '\'' || key[0] == '"') {
			memmove(key, key + 1, strlen(key));
			key[strcspn(key, "'\"")] = '\0';
		}
		w.key = key, w.kind = '[';
		if (unique_chain(&ch, line, d, py, ok_key, &w, "subscript") < 0)
			return -1;
		ch.n--;
		*lit = nest(&ch, ch.n, "{}");
		c->bad = strdup("a missing key");
	} else if (py && (strstr(msg, "invalid literal for int()") ||
	    strstr(msg, "could not convert string to float"))) {
		char *v = quoted(msg);
		const char *fn = strstr(msg, "int()") ? "int(" : "float(";
		if (!v)
			return mend_err("the text that failed to convert is not quoted plainly in "
			    "the message");
		if (unique_chain(&ch, line, d, py, ok_arg, (void *)fn, fn) < 0) {
			free(v);
			return -1;
		}
		*lit = nest(&ch, ch.n, v);
		c->bad = v;
		v = NULL;
		if (asprintf(&v, "the text %s", c->bad) >= 0) {
			free(c->bad);
			c->bad = v;
		}
	} else if (py && strstr(msg, "int() argument must be") && strstr(msg, "'NoneType'")) {
		if (unique_chain(&ch, line, d, py, ok_arg, "int(", "int(") < 0)
			return -1;
		*lit = nest(&ch, ch.n, "None");
		c->bad = strdup("None");
	} else if ((py && strstr(msg, "Expecting value: line 1 column 1 (char 0)")) ||
	    (!py && strstr(msg, "Unexpected end of JSON input"))) {
		const char *fn = py ? "json.loads(" : "JSON.parse(";
		if (unique_chain(&ch, line, d, py, ok_arg, (void *)fn, fn) < 0)
			return -1;
		*lit = nest(&ch, ch.n, "\"\"");
		c->bad = strdup("empty text");
	} else
		return mend_err("the error (%s: %s) names no value this can rebuild (an empty "
		    "list, a zero divisor, None/undefined, a missing key, unconvertible text)",
		    exc, msg);
	snprintf(pname, pn, "%s", ch.root);
	if (assigned(s, d, fl, pname, &at))
		return mend_err("%s is reassigned at line %ld, before the failing line", pname,
		    at + 1);
	return *lit ? 0 : mend_err("out of memory");
}

int
regress_call_plan(struct regress_call *c, const char *wd, jv rec, const char *diff)
{
	struct src s = { 0 };
	struct def d;
	struct strbuf args = { 0 }, shown = { 0 };
	jv f;
	char *file = NULL, pname[64], *lit = NULL, *raises = NULL;
	const char *fn, *exc, *msg, *ext, *code;
	long fl;
	int i, rc = -1, last = -1;

	memset(c, 0, sizeof *c);
	memset(&d, 0, sizeof d);
	f = app_frame(rec, wd, &file);
	if (jv_get_kind(f) != JV_KIND_OBJECT) {
		mend_err("no frame of the trace is a file in the checkout");
		goto out;
	}
	fn = record_str(f, "function");
	fl = (long)record_num(f, "line", 0) - 1;
	exc = record_str(rec, "analysis.exception") ? record_str(rec, "analysis.exception") :
	    evidence_str(rec, "exception");
	msg = record_str(rec, "analysis.message") ? record_str(rec, "analysis.message") :
	    evidence_str(rec, "message");
	ext = strrchr(file, '.');
	c->file = file;
	c->function = fn ? strdup(fn) : NULL;
	c->line = fl + 1;
	file = NULL;
	if (!fn || fl < 0) {
		mend_err("the frame in %s names no function and line", c->file);
		goto out;
	}
	if (ext && !strcmp(ext, ".py"))
		c->lang = "python";
	else if (ext && (!strcmp(ext, ".js") || !strcmp(ext, ".cjs")))
		c->lang = "node";
	else {
		mend_err("%s is not a Python or CommonJS file", c->file);
		goto out;
	}
	if (!exc || !msg) {
		mend_err("the trace names no exception and message");
		goto out;
	}
	c->exception = strdup(exc);
	c->message = strdup(msg);
	if (!is_py(c)) {
		/* node frames say Object.fn, Module.fn, exports.fn; Class.fn is a method */
		const char *dot;
		char *as = strstr(c->function, " [as ");
		if (as)
			*as = '\0';	/* "Object.city [as town]": the name it was called by */
		fn = c->function;
		dot = strrchr(fn, '.');
		if (dot && strncmp(fn, "Object.", 7) && strncmp(fn, "Module.", 7) &&
		    strncmp(fn, "exports.", 8) && strncmp(fn, "module.exports.", 15)) {
			mend_err("%s is a method: calling it needs an instance whose state the "
			    "trace does not carry", fn);
			goto out;
		}
		if (dot)
			memmove(c->function, dot + 1, strlen(dot + 1) + 1);
		fn = c->function;
	}
	if (!strcmp(fn, "<module>") || strchr(fn, '<') || !strcmp(fn, "<anonymous>")) {
		mend_err("the failing frame is not in a named function (%s)", fn);
		goto out;
	}
	if (src_load(&s, wd, c->file) < 0)
		goto out;
	if (fl >= s.n) {
		mend_err("%s has no line %ld", c->file, fl + 1);
		goto out;
	}
	code = record_str(f, "code");
	if (code && *code && !strstr(s.v[fl], code)) {
		mend_err("line %ld of %s is not the code the trace shows (another version ran)",
		    fl + 1, c->file);
		goto out;
	}
	if ((is_py(c) ? py_def(&d, &s, fn, fl) : js_def(&d, &s, fn, fl)) < 0)
		goto out;
	if (fl <= d.line && !(fl == d.line && d.end == d.line)) {
		mend_err("line %ld is not in the body of %s", fl + 1, fn);
		goto out;
	}
	if (fl > d.end) {
		mend_err("line %ld is past the end of %s (line %ld)", fl + 1, fn, d.end + 1);
		goto out;
	}
	for (i = 0; i < s.n; i++) {
		const char *t = s.v[i];
		int top = is_py(c) ? (t[0] && !isspace((unsigned char)t[0])) : 1;
		long k;
		if (!top || !(strstr(t, "serve_forever(") || strstr(t, ".listen(") ||
		    (is_py(c) && (strstr(t, ".run(") || !strncmp(t, "main(", 5)))))
			continue;
		for (k = 0; !is_py(c) && k < s.n; k++)
			if (strstr(s.v[k], "require.main === module"))
				break;
		if (is_py(c) || k == s.n) {
			mend_err("importing %s would start a server (line %ld)", c->file, (long)i + 1);
			goto out;
		}
	}
	if (diagnose(c, &s, &d, fl, exc, msg, pname, sizeof pname, &lit) < 0)
		goto out;
	if (!diff || !diff_touches(diff, c->file, d.line + 1, d.end + 1, &raises, is_py(c))) {
		mend_err("the fix does not change %s (%s:%ld-%ld): it guards elsewhere, so %s "
		    "still fails on that value by design", fn, c->file, d.line + 1, d.end + 1, fn);
		goto out;
	}
	c->raises = raises;
	raises = NULL;
	/* The arguments: the bad one, the others by default or passed through. */
	for (i = 0; i < d.np; i++)
		if (!strcmp(d.p[i].name, pname))
			last = i;
	for (i = 0; i < d.np; i++) {
		const struct param *p = &d.p[i];
		int bad = i == last;
		const char *v = bad ? lit : is_py(c) ? "None" : "undefined";
		if (p->rest)
			continue;
		if (!bad && p->dflt) {
			if (!is_py(c) && i < last)
				strbuf_addf(&args, "%sundefined", args.len ? ", " : "");
			continue;
		}
		if (!bad && (p->destructured || !passed_through(&s, &d, p->name, is_py(c)))) {
			mend_err("the call also needs %s, a value the trace does not carry (it is "
			    "used, not only passed through)", p->destructured ?
			    "a destructured parameter" : p->name);
			goto out;
		}
		if (!bad && !is_py(c) && i > last)
			continue;	/* left undefined */
		if (is_py(c))
			strbuf_addf(&args, "%s%s=%s", args.len ? ", " : "", p->name, v);
		else
			strbuf_addf(&args, "%s%s", args.len ? ", " : "", v);
	}
	c->args = strbuf_take(&args);
	strbuf_addf(&shown, "%s(%s)", fn, c->args ? c->args : "");
	c->shown = strbuf_take(&shown);
	c->param = strdup(pname);
	c->async = d.async;
	if (is_py(c)) {
		char *m = strndup(c->file, strlen(c->file) - 3), *p;
		size_t k = strlen(m);
		if (k >= 9 && !strcmp(m + k - 9, "/__init__"))
			m[k - 9] = '\0';
		for (p = m; *p; p++) {
			if (*p == '/')
				*p = '.';
			else if (!idch((unsigned char)*p) || *p == '$') {
				mend_err("%s is not importable as a module (its path has '%c')", c->file,
				    *p);
				free(m);
				goto out;
			}
		}
		c->module = m;
		c->target = strdup(d.access);
	} else {
		c->module = strdup(c->file);
		c->target = strdup(d.access);
	}
	if (!c->args || !c->shown || !c->param || !c->module || !c->target) {
		mend_err("out of memory");
		goto out;
	}
	rc = 0;
out:
	if (rc < 0) {
		char *why = strdup(mend_errmsg());
		if (why && c->function && c->file)
			mend_err("%s (%s:%ld): %s", c->function, c->file, c->line, why);
		else if (why)
			mend_err("%s", why);
		free(why);
		regress_call_release(c);
	}
	strbuf_release(&args);
	strbuf_release(&shown);
	src_release(&s);
	free(file);
	free(lit);
	free(raises);
	jv_free(f);
	return rc;
}

void
regress_call_release(struct regress_call *c)
{
	free(c->file);
	free(c->function);
	free(c->exception);
	free(c->message);
	free(c->bad);
	free(c->raises);
	free(c->args);
	free(c->shown);
	free(c->param);
	free(c->module);
	free(c->target);
	memset(c, 0, sizeof *c);
	c->lang = NULL;
}
