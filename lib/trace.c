/*
 * trace.c - find stack traces in free text (logs, error records, HTTP
 * bodies) and turn them into frames.
 *
 * The text is split into lines, and a log prefix that journald, pm2,
 * docker compose or kubectl put in front of every line is removed first,
 * so a traceback that went through a log collector parses like one
 * printed on a terminal.  Then each parser looks at each line in turn;
 * the first that recognises the start of a trace consumes its lines.
 *
 * Every trace comes out as
 *   {lang, exception, message, frames:[{path,line,function,in_app,...}], cause}
 * with frames innermost first (Python and Ruby print outermost first:
 * they are reversed) and cause the exception underneath (Python's "direct
 * cause" / "during handling", Java's "Caused by", .NET's inner exception),
 * itself a trace or null.  trace_root() follows cause to the bottom.
 *
 * in_app is a guess from the path and function alone (site-packages,
 * node_modules, GOROOT, java.*, System.*, libc ...); analyze refines it
 * with the repository when it has one.  Of a Python exception group only
 * the sub-exceptions are parsed, each as its own trace.  This does not
 * follow Node's [cause] blocks or goroutines past the first.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "mend.h"

struct lines {
	char *buf;
	char **v;
	size_t n;
};

static int
starts(const char *s, const char *p)
{
	return strncmp(s, p, strlen(p)) == 0;
}

static const char *
skipws(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

static int
blank(const char *s)
{
	return *skipws(s) == '\0';
}

/* Length of a known log prefix at the start of s, or 0. */
static size_t
log_prefix(const char *s)
{
	const char *p = s;

	/* journald: "Nov 24 06:00:00 host unit[123]: " */
	if (isupper((unsigned char)p[0]) && islower((unsigned char)p[1]) &&
	    islower((unsigned char)p[2]) && p[3] == ' ' &&
	    (isdigit((unsigned char)p[4]) || p[4] == ' ') && isdigit((unsigned char)p[5]) &&
	    p[6] == ' ' && isdigit((unsigned char)p[7]) && p[9] == ':' && p[12] == ':' &&
	    p[15] == ' ') {
		const char *q = p + 16, *colon;
		while (*q && *q != ' ')		/* host */
			q++;
		if (*q == ' ' && (colon = strstr(q + 1, ": ")) && !memchr(q + 1, ' ',
		    (size_t)(colon - q - 1)))
			return (size_t)(colon + 2 - s);
	}
	/* pm2: "0|app  | " and docker compose: "app-1  | " */
	{
		const char *q = p;
		while (*q && (isalnum((unsigned char)*q) || strchr("|_.-", *q)))
			q++;
		if (q > p && q - p < 64) {
			while (*q == ' ')
				q++;
			if (q[0] == '|' && (q[1] == ' ' || q[1] == '\0'))
				return (size_t)(q + (q[1] ? 2 : 1) - s);
		}
	}
	/* kubectl --timestamps: "2026-11-24T06:00:00.123456789Z " */
	if (isdigit((unsigned char)p[0]) && p[4] == '-' && p[7] == '-' && p[10] == 'T') {
		const char *q = p + 11;
		while (*q && *q != ' ')
			q++;
		if (q[-1] == 'Z' && *q == ' ')
			return (size_t)(q + 1 - s);
	}
	return 0;
}

static int
lines_split(struct lines *L, const char *text)
{
	size_t cap = 64;
	char *p;

	memset(L, 0, sizeof *L);
	if (!(L->buf = strdup(text)) || !(L->v = malloc(cap * sizeof *L->v))) {
		free(L->buf);
		return mend_err("out of memory");
	}
	for (p = L->buf; *p; ) {
		char *nl = strchr(p, '\n'), *e;
		size_t pre;

		if (nl)
			*nl = '\0';
		e = p + strlen(p);
		if (e > p && e[-1] == '\r')
			e[-1] = '\0';
		if (L->n == cap) {
			char **nv = realloc(L->v, (cap *= 2) * sizeof *nv);
			if (!nv) {
				free(L->v);
				free(L->buf);
				return mend_err("out of memory");
			}
			L->v = nv;
		}
		pre = log_prefix(p);
		L->v[L->n++] = p + pre;
		if (!nl)
			break;
		p = nl + 1;
	}
	return 0;
}

static void
lines_release(struct lines *L)
{
	free(L->v);
	free(L->buf);
}

/* ---- in-app guess ---- */

static int
has(const char *s, const char *needle)
{
	return s && strstr(s, needle) != NULL;
}

int
trace_in_app(const char *lang, const char *path, const char *function)
{
	static const char *const lib_paths[] = {
		"site-packages/", "dist-packages/", "/lib/python", "<frozen", "<string>",
		"node_modules/", "node:", "<anonymous>",
		"/usr/local/go/src/", "/usr/lib/go", "/go/pkg/mod/", "/pkg/mod/", "runtime/",
		"/gems/", "/rubygems", "/lib/ruby/", "<internal:",
		"/rustc/", "/.cargo/registry/", "/cargo/registry/", "library/std/",
		"library/core/", "library/alloc/",
		"/vendor/", "/usr/share/php/",
		"/usr/lib/", "/lib/x86_64-linux-gnu/", "/lib64/", "libc.so", "sanitizer_common",
		"compiler-rt/", "/usr/include/", "/usr/src/debug/", "libstdc++",
		NULL,
	};
	static const char *const lib_funcs[] = {
		"java.", "javax.", "jdk.", "sun.", "com.sun.", "kotlin.", "scala.",
		"org.springframework.", "org.apache.", "org.eclipse.jetty.", "io.netty.",
		"com.fasterxml.", "org.hibernate.", "reactor.", "io.micronaut.",
		"System.", "Microsoft.", "lambda_method",
		"runtime.", "net/http.", "runtime/",
		"__libc_", "_start", "__interceptor_", "__asan_", "__ubsan_",
		"std::", "core::", "alloc::", "__rust", "rust_begin_unwind",
		NULL,
	};
	size_t i;

	(void)lang;
	if (path && starts(path, "internal/"))	/* node's own modules */
		return 0;
	if (path)
		for (i = 0; lib_paths[i]; i++)
			if (has(path, lib_paths[i]))
				return 0;
	if (function)
		for (i = 0; lib_funcs[i]; i++)
			if (starts(function, lib_funcs[i]))
				return 0;
	if (!path || !*path)
		return function && *function && lang && (!strcmp(lang, "java") ||
		    !strcmp(lang, "dotnet"));
	return 1;
}

/* ---- building the JSON ---- */

static jv
str_n(const char *s, size_t n)
{
	return jv_string_sized(s, (int)n);
}

static jv
frame_new(const char *lang, const char *path, size_t plen, long line,
    const char *fn, size_t flen)
{
	jv f = jv_object();
	char *p = path ? strndup(path, plen) : NULL;
	char *q = fn ? strndup(fn, flen) : NULL;

	f = jv_object_set(f, jv_string("path"), p && *p ? jv_string(p) : jv_null());
	f = jv_object_set(f, jv_string("line"), line > 0 ? jv_number((double)line) : jv_null());
	f = jv_object_set(f, jv_string("function"), q && *q ? jv_string(q) : jv_null());
	f = jv_object_set(f, jv_string("in_app"), jv_bool(trace_in_app(lang, p, q)));
	free(p);
	free(q);
	return f;
}

static jv
trace_new(const char *lang, const char *exc, size_t elen, const char *msg, size_t mlen)
{
	jv t = jv_object();

	while (mlen > 0 && isspace((unsigned char)msg[mlen - 1]))
		mlen--;
	t = jv_object_set(t, jv_string("lang"), jv_string(lang));
	t = jv_object_set(t, jv_string("exception"), exc && elen ? str_n(exc, elen) : jv_null());
	t = jv_object_set(t, jv_string("message"), msg ? str_n(msg, mlen) : jv_null());
	t = jv_object_set(t, jv_string("frames"), jv_array());
	t = jv_object_set(t, jv_string("cause"), jv_null());
	return t;
}

static jv
trace_add_frame(jv t, jv f)
{
	jv fr = jv_object_get(jv_copy(t), jv_string("frames"));

	fr = jv_array_append(fr, f);
	return jv_object_set(t, jv_string("frames"), fr);
}

static size_t
nframes(jv t)
{
	jv fr = jv_object_get(jv_copy(t), jv_string("frames"));
	size_t n = (size_t)jv_array_length(fr);

	return n;
}

static jv
reverse_frames(jv t)
{
	jv fr = jv_object_get(jv_copy(t), jv_string("frames")), out = jv_array();
	int i, n = jv_array_length(jv_copy(fr));

	for (i = n - 1; i >= 0; i--)
		out = jv_array_append(out, jv_array_get(jv_copy(fr), i));
	jv_free(fr);
	return jv_object_set(t, jv_string("frames"), out);
}

/* ---- Python ---- */

/* An exception line: "pkg.Name: message" or "Name" at column 0. */
static int
py_exc_line(const char *s, const char **exc, size_t *elen, const char **msg)
{
	const char *p = s;

	if (!isalpha((unsigned char)*p) && *p != '_')
		return 0;
	while (isalnum((unsigned char)*p) || *p == '_' || *p == '.')
		p++;
	if (*p == ':' && (p[1] == ' ' || p[1] == '\0')) {
		*exc = s;
		*elen = (size_t)(p - s);
		*msg = p[1] ? p + 2 : p + 1;
		return 1;
	}
	if (*p == '\0') {
		*exc = s;
		*elen = (size_t)(p - s);
		*msg = NULL;
		return 1;
	}
	return 0;
}

/*
 * One Python traceback starting at line i (the "Traceback" line).  Sets
 * *next past its exception line.
 */
static int
py_one(struct lines *L, size_t i, jv *out, size_t *next)
{
	jv t = jv_invalid(), frames = jv_array();
	size_t j = i + 1;
	const char *exc = NULL, *msg = NULL;
	size_t elen = 0;

	while (j < L->n) {
		const char *s = L->v[j], *q = skipws(s);

		if (starts(q, "File \"")) {
			const char *path = q + 6, *pe = strchr(path, '"'), *lp, *fn = NULL;
			long line = 0;
			jv f;

			if (!pe)
				break;
			if ((lp = strstr(pe, ", line ")))
				line = strtol(lp + 7, NULL, 10);
			if ((fn = strstr(pe, ", in ")))
				fn += 5;
			f = frame_new("python", path, (size_t)(pe - path), line, fn,
			    fn ? strlen(fn) : 0);
			j++;
			/* The source line, and 3.11+'s caret line under it. */
			if (j < L->n && !starts(skipws(L->v[j]), "File \"") &&
			    L->v[j][0] == ' ' && !blank(L->v[j])) {
				const char *code = skipws(L->v[j]);
				size_t ind = (size_t)(code - L->v[j]);
				f = jv_object_set(f, jv_string("code"), jv_string(code));
				j++;
				if (j < L->n && strspn(skipws(L->v[j]), "^~ ") ==
				    strlen(skipws(L->v[j])) && !blank(L->v[j]) &&
				    strlen(L->v[j]) > ind) {
					const char *c = L->v[j];
					size_t a = strspn(c, " "), b = a, op;
					while (c[b] == '^' || c[b] == '~')
						b++;
					op = strchr(c + a, '^') ? (size_t)(strchr(c + a, '^') - c) : a;
					if (a >= ind) {
						f = jv_object_set(f, jv_string("col"),
						    jv_number((double)(a - ind)));
						f = jv_object_set(f, jv_string("end_col"),
						    jv_number((double)(b - ind)));
						if (c[a] == '~')
							f = jv_object_set(f, jv_string("op_col"),
							    jv_number((double)(op - ind)));
					}
					j++;
				}
			}
			frames = jv_array_append(frames, f);
			continue;
		}
		if (s[0] == ' ' || s[0] == '\t') {	/* "[Previous line repeated N more times]" etc. */
			j++;
			continue;
		}
		if (py_exc_line(s, &exc, &elen, &msg)) {
			j++;
			break;
		}
		break;
	}
	if (!exc) {
		jv_free(frames);
		return 0;
	}
	t = trace_new("python", exc, elen, msg, msg ? strlen(msg) : 0);
	/* A multi-line message: following lines until blank or a new section. */
	t = jv_object_set(t, jv_string("frames"), frames);
	t = reverse_frames(t);
	*out = t;
	*next = j;
	return 1;
}

static int py_chain(struct lines *L, size_t i, jv *out, size_t *next);

/*
 * A traceback, possibly drawn inside a gutter: Python 3.11's exception
 * groups print each sub-exception as "    | Traceback ...".  The group's
 * own traceback (framework frames) is skipped; its sub-exceptions parse
 * with the gutter cut off.
 */
static int
py_parse(struct lines *L, size_t i, jv *out, size_t *next)
{
	const char *tb = strstr(L->v[i], "Traceback (most recent call last):");
	size_t g, k;
	struct lines G;
	int rc;

	if (!tb || strstr(L->v[i], "Exception Group Traceback"))
		return 0;
	g = (size_t)(tb - L->v[i]);
	if (g == 0 || strspn(L->v[i], " |+") < g || !memchr(L->v[i], '|', g))
		return py_chain(L, i, out, next);
	G = *L;
	if (!(G.v = malloc(L->n * sizeof *G.v)))
		return 0;
	for (k = 0; k < L->n; k++)
		G.v[k] = k >= i && strlen(L->v[k]) >= g && strspn(L->v[k], " |+") >= g ?
		    L->v[k] + g : L->v[k];
	rc = py_chain(&G, i, out, next);
	free(G.v);
	return rc;
}

static int
py_chain(struct lines *L, size_t i, jv *out, size_t *next)
{
	jv t, prev = jv_invalid();
	size_t j = i;

	for (;;) {
		size_t k;

		if (!py_one(L, j, &t, &j))
			break;
		if (jv_is_valid(prev))
			t = jv_object_set(t, jv_string("cause"), prev);
		prev = t;
		/* Chained: a blank line, the chaining sentence, a blank, Traceback. */
		for (k = j; k < L->n && k < j + 4; k++) {
			if (strstr(L->v[k], "Traceback (most recent call last):"))
				break;
			if (!blank(L->v[k]) &&
			    !strstr(L->v[k], "The above exception was the direct cause") &&
			    !strstr(L->v[k], "During handling of the above exception")) {
				k = L->n;
				break;
			}
		}
		if (k >= L->n || k >= j + 4 || k == j)
			break;
		j = k;
	}
	if (!jv_is_valid(prev))
		return 0;
	*out = prev;
	*next = j;
	return 1;
}

/* ---- "at" frames: Node.js, Java, .NET ---- */

enum at_kind { AT_NONE, AT_NODE, AT_JAVA, AT_DOTNET };

static enum at_kind
at_kind(const char *s)
{
	const char *q = skipws(s), *e;
	size_t n;

	if (q == s || !starts(q, "at "))
		return AT_NONE;
	q += 3;
	n = strlen(q);
	if (strstr(q, ") in ") || (strstr(q, " in ") && strstr(q, ":line ")))
		return AT_DOTNET;
	if (strstr(q, "(Native Method)") || strstr(q, "(Unknown Source)") ||
	    strstr(q, ".java:") || strstr(q, ".kt:") || strstr(q, ".scala:") ||
	    strstr(q, ".groovy:") || strstr(q, "(<generated>)"))
		return AT_JAVA;
	/* Node: ends in ":L:C" or ":L:C)" (or "(index N)" / "<anonymous>") */
	e = q + n;
	if (e > q && e[-1] == ')')
		e--;
	while (e > q && isdigit((unsigned char)e[-1]))
		e--;
	if (e > q && e[-1] == ':') {
		e--;
		while (e > q && isdigit((unsigned char)e[-1]))
			e--;
		if (e > q && e[-1] == ':')
			return AT_NODE;
	}
	if (strstr(q, "(index ") || strstr(q, "<anonymous>") || starts(q, "async "))
		return AT_NODE;
	/* .NET without pdb: "at Ns.Type.Method(Int32 a)" */
	if (strchr(q, '(') && q[n - 1] == ')' && !strchr(q, '/') && !strchr(q, ':'))
		return AT_DOTNET;
	return AT_NONE;
}

static jv
node_frame(const char *q)
{
	/* "fn (path:L:C)", "path:L:C", "async fn (path:L:C)", "new X (path:L:C)" */
	const char *open = strrchr(q, '('), *loc = q, *fn = NULL, *c1, *c2;
	size_t flen = 0, llen;
	long line = 0;

	q = skipws(q);
	if (starts(q, "at "))
		q += 3;
	if (starts(q, "async "))
		q += 6;
	loc = q;
	if (open && open > q && q[strlen(q) - 1] == ')') {
		fn = q;
		flen = (size_t)(open - q);
		while (flen && fn[flen - 1] == ' ')
			flen--;
		loc = open + 1;
	}
	llen = strlen(loc);
	if (llen && loc[llen - 1] == ')')
		llen--;
	/* strip ":L:C" */
	c2 = loc + llen;
	while (c2 > loc && c2[-1] != ':')
		c2--;
	c1 = c2 > loc ? c2 - 1 : loc;
	while (c1 > loc && c1[-1] != ':')
		c1--;
	long col = 0;
	jv f;

	if (c1 > loc && c2 > loc) {
		line = strtol(c1, NULL, 10);
		col = strtol(c2, NULL, 10);
		llen = (size_t)(c1 - 1 - loc);
	}
	if (starts(loc, "file://"))
		loc += 7, llen -= 7;
	f = frame_new("node", loc, llen, line, fn, flen);
	if (col > 0)
		f = jv_object_set(f, jv_string("col"), jv_number((double)(col - 1)));
	return f;
}

static jv
java_frame(const char *q)
{
	/* "at pkg.Class.method(File.java:12)" ; path becomes pkg/File.java */
	const char *open, *close, *colon, *dot;
	char path[1024];
	long line = 0;
	size_t flen;

	q = skipws(q) + 3;
	/* Java 9+ module prefix: "java.base/java.lang.Thread.run(...)" */
	if ((open = strchr(q, '(')) && (dot = memrchr(q, '/', (size_t)(open - q))))
		q = dot + 1;
	if (!(open = strchr(q, '(')))
		return frame_new("java", NULL, 0, 0, q, strlen(q));
	flen = (size_t)(open - q);
	close = strchr(open, ')');
	colon = memchr(open, ':', close ? (size_t)(close - open) : strlen(open));
	path[0] = '\0';
	if (colon && close) {
		const char *cls_end;
		size_t plen;
		line = strtol(colon + 1, NULL, 10);
		/* the package of pkg.Class.method */
		cls_end = q + flen;
		while (cls_end > q && cls_end[-1] != '.')
			cls_end--;	/* after "Class." */
		if (cls_end > q)
			cls_end--;
		dot = cls_end;
		while (dot > q && dot[-1] != '.')
			dot--;		/* start of Class */
		plen = dot > q ? (size_t)(dot - q) : 0;
		if (plen + (size_t)(colon - open) + 1 < sizeof path) {
			size_t k;
			memcpy(path, q, plen);
			for (k = 0; k < plen; k++)
				if (path[k] == '.')
					path[k] = '/';
			memcpy(path + plen, open + 1, (size_t)(colon - open - 1));
			path[plen + (size_t)(colon - open - 1)] = '\0';
		}
	}
	return frame_new("java", path, strlen(path), line, q, flen);
}

static jv
dotnet_frame(const char *q)
{
	/* "at Ns.Type.Method(Args) in /path/File.cs:line 12" */
	const char *in, *ln, *open;
	long line = 0;
	size_t flen;

	q = skipws(q) + 3;
	open = strchr(q, '(');
	flen = open ? (size_t)(open - q) : strlen(q);
	if ((in = strstr(q, ") in ")) && (ln = strstr(in, ":line "))) {
		line = strtol(ln + 6, NULL, 10);
		return frame_new("dotnet", in + 5, (size_t)(ln - in - 5), line, q, flen);
	}
	return frame_new("dotnet", NULL, 0, 0, q, flen);
}

/* "Exception in thread "main" a.b.C: msg", "a.b.C: msg", "Error: msg" */
static int
header_split(const char *s, const char **exc, size_t *elen, const char **msg)
{
	const char *p;

	s = skipws(s);
	if (starts(s, "Exception in thread \"")) {
		const char *q = strchr(s + 21, '"');
		if (q)
			s = skipws(q + 1);
	}
	if (starts(s, "Uncaught "))
		s += 9;
	if (starts(s, "Unhandled exception. "))
		s += 21;
	if (starts(s, "Unhandled Exception: "))
		s += 21;
	if (starts(s, "Caused by: "))
		s += 11;
	/* Node often has "[ERROR] ... TypeError: msg": find the last word
	 * ending in Error/Exception followed by ':' or end of line. */
	for (p = s; *p; p++) {
		const char *w = p, *e;
		if (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '.' || p[-1] == '_'))
			continue;
		e = w;
		while (isalnum((unsigned char)*e) || *e == '.' || *e == '_' || *e == '$')
			e++;
		if (e - w >= 5 && (!strncmp(e - 5, "Error", 5) || (e - w >= 9 &&
		    !strncmp(e - 9, "Exception", 9)) || (e - w >= 5 && !strncmp(e - 5, "Fault", 5)) ||
		    (e - w >= 9 && !strncmp(e - 9, "Throwable", 9))) &&
		    (*e == ':' || *e == '\0' || (*e == ' ' && e[1] == '['))) {
			*exc = w;
			*elen = (size_t)(e - w);
			*msg = *e == ':' ? skipws(e + 1) : NULL;
			return 1;
		}
	}
	return 0;
}

static int
at_parse(struct lines *L, size_t i, jv *out, size_t *next)
{
	enum at_kind k;
	const char *exc = NULL, *msg = NULL, *hdr;
	size_t elen = 0, j, h;
	const char *lang;
	jv top, cur;

	if (i + 1 >= L->n || at_kind(L->v[i]) != AT_NONE ||
	    (k = at_kind(L->v[i + 1])) == AT_NONE)
		return 0;
	/* The header may be the line above a blank-free message of several
	 * lines; use the nearest line that names an error. */
	h = i;
	hdr = L->v[h];
	if (!header_split(hdr, &exc, &elen, &msg)) {
		if (k != AT_NODE)
			return 0;
		exc = NULL;
		msg = skipws(hdr);
	}
	lang = k == AT_NODE ? "node" : k == AT_JAVA ? "java" : "dotnet";
	if (k == AT_DOTNET && msg && strstr(msg, " ---> ")) {
		/* outer ---> inner ---> innermost: build the chain; the frames
		 * before each "End of inner exception" belong to the innermost
		 * exception not yet filled. */
		jv parts = jv_array();
		const char *p = hdr;
		int np, fill;
		while (p) {
			const char *e = strstr(p, " ---> ");
			const char *x = NULL, *m = NULL;
			size_t xl = 0;
			char *seg = e ? strndup(p, (size_t)(e - p)) : strdup(p);
			if (seg && header_split(seg, &x, &xl, &m))
				parts = jv_array_append(parts, trace_new(lang, x, xl, m,
				    m ? strlen(m) : 0));
			else if (seg)
				parts = jv_array_append(parts, trace_new(lang, NULL, 0, seg,
				    strlen(seg)));
			free(seg);
			p = e ? e + 6 : NULL;
		}
		np = jv_array_length(jv_copy(parts));
		fill = np - 1;
		for (j = i + 1; j < L->n; j++) {
			const char *s = L->v[j];
			if (strstr(s, "--- End of inner exception stack trace ---")) {
				if (fill > 0)
					fill--;
				continue;
			}
			if (strstr(s, "--- End of stack trace from previous location"))
				continue;
			if (at_kind(s) != AT_DOTNET)
				break;
			{
				jv t = jv_array_get(jv_copy(parts), fill);
				t = trace_add_frame(t, dotnet_frame(s));
				parts = jv_array_set(parts, fill, t);
			}
		}
		/* link: parts[0].cause = parts[1] ... */
		cur = jv_array_get(jv_copy(parts), np - 1);
		for (int n = np - 2; n >= 0; n--) {
			jv t = jv_array_get(jv_copy(parts), n);
			cur = jv_object_set(t, jv_string("cause"), cur);
		}
		jv_free(parts);
		*out = cur;
		*next = j;
		return 1;
	}
	top = trace_new(lang, exc, elen, msg, msg ? strlen(msg) : 0);
	for (j = i + 1; j < L->n; j++) {
		const char *s = L->v[j], *q = skipws(s);
		enum at_kind fk = at_kind(s);

		if (fk == k || (k == AT_NODE && fk != AT_NONE)) {
			top = trace_add_frame(top, k == AT_NODE ? node_frame(s) :
			    k == AT_JAVA ? java_frame(s) : dotnet_frame(s));
			continue;
		}
		if (k == AT_DOTNET && strstr(s, "--- End of"))
			continue;
		if (k == AT_JAVA && (starts(q, "... ") || starts(s, "\t\t") ||
		    starts(q, "Suppressed: ")))
			continue;
		break;
	}
	if (k == AT_JAVA) {
		/* "Caused by:" sections, each possibly ending in "... N more":
		 * the last N frames of the enclosing trace. */
		jv chain = jv_array_append(jv_array(), top);
		while (j < L->n && starts(skipws(L->v[j]), "Caused by: ")) {
			jv t, encl;
			long more = 0;
			header_split(L->v[j], &exc, &elen, &msg);
			t = trace_new(lang, exc, elen, msg, msg ? strlen(msg) : 0);
			for (j++; j < L->n; j++) {
				const char *s = L->v[j], *q = skipws(s);
				if (at_kind(s) == AT_JAVA && !starts(s, "\t\t")) {
					t = trace_add_frame(t, java_frame(s));
					continue;
				}
				if (at_kind(s) == AT_JAVA)
					continue;
				if (starts(q, "... ") && strstr(q, " more")) {
					more = strtol(q + 4, NULL, 10);
					continue;
				}
				if (starts(q, "Suppressed: ") || starts(s, "\t\t"))
					continue;
				break;
			}
			encl = jv_array_get(jv_copy(chain), jv_array_length(jv_copy(chain)) - 1);
			if (more > 0) {
				jv ef = jv_object_get(encl, jv_string("frames"));
				int n = jv_array_length(jv_copy(ef)), m;
				for (m = n - (int)more; m < n; m++)
					if (m >= 0)
						t = trace_add_frame(t, jv_array_get(jv_copy(ef), m));
				jv_free(ef);
			} else
				jv_free(encl);
			chain = jv_array_append(chain, t);
		}
		{
			int n = jv_array_length(jv_copy(chain)), m;
			cur = jv_array_get(jv_copy(chain), n - 1);
			for (m = n - 2; m >= 0; m--)
				cur = jv_object_set(jv_array_get(jv_copy(chain), m),
				    jv_string("cause"), cur);
			jv_free(chain);
			top = cur;
		}
	}
	*out = top;
	*next = j;
	return 1;
}

/* ---- Go ---- */

static int
go_parse(struct lines *L, size_t i, jv *out, size_t *next)
{
	const char *s = L->v[i], *m, *msg;
	size_t j;
	jv t;

	if ((m = strstr(s, "http: panic serving ")) && (m = strstr(m + 20, ": ")))
		msg = m + 2;
	else if (starts(s, "panic: "))
		msg = s + 7;
	else if (starts(s, "fatal error: "))
		msg = s + 13;
	else
		return 0;
	for (j = i + 1; j < L->n && j < i + 12; j++)
		if (starts(L->v[j], "goroutine ") && strstr(L->v[j], "["))
			break;
	if (j >= L->n || j >= i + 12)
		return 0;
	/* "panic: ... [recovered]" and "goroutine N [running]:" */
	t = trace_new("go", starts(msg, "runtime error: ") ? "runtime error" : "panic",
	    starts(msg, "runtime error: ") ? 13 : 5,
	    starts(msg, "runtime error: ") ? msg + 15 : msg,
	    strlen(starts(msg, "runtime error: ") ? msg + 15 : msg));
	for (j++; j + 1 < L->n; j += 2) {
		const char *fn = L->v[j], *loc = L->v[j + 1], *colon, *sp;
		size_t flen;
		long line;

		if (blank(fn) || fn[0] == '\t' || loc[0] != '\t')
			break;
		flen = strlen(fn);
		if (flen > 5 && !strcmp(fn + flen - 5, "(...)"))
			flen -= 5;
		else if (strrchr(fn, '(') && fn[flen - 1] == ')')
			flen = (size_t)(strrchr(fn, '(') - fn);
		if (starts(fn, "created by "))
			break;
		loc++;
		sp = strchr(loc, ' ');
		colon = sp ? memrchr(loc, ':', (size_t)(sp - loc)) : strrchr(loc, ':');
		if (!colon)
			break;
		line = strtol(colon + 1, NULL, 10);
		t = trace_add_frame(t, frame_new("go", loc, (size_t)(colon - loc), line, fn, flen));
	}
	*out = t;
	*next = j;
	return 1;
}

/* ---- Ruby ---- */

/* "path:L:in `fn'" or "path:L:in 'Cls#fn'"; returns the rest after it. */
static int
ruby_loc(const char *s, jv *f, const char **rest)
{
	const char *in = strstr(s, ":in "), *q, *fe, *c;
	long line;

	if (!in || (in[4] != '`' && in[4] != '\''))
		return 0;
	c = in;
	while (c > s && isdigit((unsigned char)c[-1]))
		c--;
	if (c == in || c == s || c[-1] != ':')
		return 0;
	line = strtol(c, NULL, 10);
	q = in + 5;
	if (!(fe = strchr(q, '\'')))
		return 0;
	*f = frame_new("ruby", s, (size_t)(c - 1 - s), line, q, (size_t)(fe - q));
	if (rest)
		*rest = fe + 1;
	return 1;
}

static int
ruby_parse(struct lines *L, size_t i, jv *out, size_t *next)
{
	const char *s = L->v[i], *rest = NULL;
	jv f, t;
	size_t j;

	/* Interpreter form: "path:L:in `fn': message (Class)" then "\tfrom ..." */
	if (!starts(s, "\t") && !starts(skipws(s), "from ") && ruby_loc(s, &f, &rest)) {
		if (!starts(rest, ": ")) {
			jv_free(f);
			return 0;
		}
		const char *m = rest + 2, *po = strrchr(m, '('), *pe = strrchr(m, ')');
		if (!po || !pe || pe < po) {
			jv_free(f);
			return 0;
		}
		t = trace_new("ruby", po + 1, (size_t)(pe - po - 1), m,
		    po > m ? (size_t)(po - m - 1) : 0);
		t = trace_add_frame(t, f);
		for (j = i + 1; j < L->n; j++) {
			const char *q = skipws(L->v[j]);
			if (!starts(q, "from ") || !ruby_loc(q + 5, &f, NULL))
				break;
			t = trace_add_frame(t, f);
		}
		*out = t;
		*next = j;
		return 1;
	}
	/* Rails form: "NoMethodError (undefined method ...):" then indented frames. */
	if (i + 2 < L->n && isupper((unsigned char)s[0]) && strstr(s, " (") &&
	    s[strlen(s) - 1] == ':' && (j = i + 1 + blank(L->v[i + 1])) &&
	    ruby_loc(skipws(L->v[j]), &f, NULL)) {
		const char *po = strstr(s, " (");
		t = trace_new("ruby", s, (size_t)(po - s), po + 2, strlen(po + 2) - 2);
		t = trace_add_frame(t, f);
		for (j++; j < L->n; j++)
			if (blank(L->v[j]) || !ruby_loc(skipws(L->v[j]), &f, NULL))
				break;
			else
				t = trace_add_frame(t, f);
		*out = t;
		*next = j;
		return 1;
	}
	return 0;
}

/* ---- Rust ---- */

static int
rust_parse(struct lines *L, size_t i, jv *out, size_t *next)
{
	const char *s = L->v[i], *at, *loc, *msg = NULL;
	size_t llen, mlen = 0, j = i + 1;
	long line = 0;
	jv t, f;
	const char *c1, *c2;

	if (!starts(s, "thread '") || !(at = strstr(s, " panicked at ")))
		return 0;
	at += 13;
	if (*at == '\'') {		/* old: panicked at 'msg', src/main.rs:4:5 */
		const char *e = strstr(at, "', ");
		if (!e)
			return 0;
		msg = at + 1;
		mlen = (size_t)(e - msg);
		loc = e + 3;
	} else {			/* new: panicked at src/main.rs:4:5:\nmsg */
		loc = at;
		if (j < L->n) {
			msg = L->v[j];
			mlen = strlen(msg);
			j++;
		}
	}
	llen = strlen(loc);
	if (llen && loc[llen - 1] == ':')
		llen--;
	c2 = memrchr(loc, ':', llen);
	c1 = c2 ? memrchr(loc, ':', (size_t)(c2 - loc)) : NULL;
	if (c1) {
		line = strtol(c1 + 1, NULL, 10);
		llen = (size_t)(c1 - loc);
	}
	t = trace_new("rust", "panic", 5, msg, mlen);
	f = frame_new("rust", loc, llen, line, NULL, 0);
	/* A backtrace: "   N: fn" / "             at path:L:C" pairs. */
	while (j < L->n && !starts(skipws(L->v[j]), "stack backtrace:") &&
	    (starts(L->v[j], "note: ") || j < i + 3) && !starts(skipws(L->v[j]), "0: "))
		j++;
	if (j < L->n && starts(skipws(L->v[j]), "stack backtrace:")) {
		int found = 0;
		jv_free(f);
		for (j++; j < L->n; ) {
			const char *q = skipws(L->v[j]), *fn;
			long ln = 0;
			const char *p = NULL;
			size_t plen = 0;
			if (!isdigit((unsigned char)*q) || !(fn = strstr(q, ": ")))
				break;
			fn += 2;
			j++;
			if (j < L->n && starts(skipws(L->v[j]), "at ")) {
				const char *a = skipws(L->v[j]) + 3;
				const char *d2 = strrchr(a, ':'), *d1;
				d1 = d2 ? memrchr(a, ':', (size_t)(d2 - a)) : NULL;
				if (d1) {
					p = a;
					plen = (size_t)(d1 - a);
					ln = strtol(d1 + 1, NULL, 10);
				}
				j++;
			}
			/* Skip the panic machinery above the panicking frame. */
			f = frame_new("rust", p, plen, ln, fn, strlen(fn));
			if (!found && (strstr(fn, "rust_begin_unwind") || strstr(fn, "panic") ||
			    strstr(fn, "unwrap_failed") || strstr(fn, "expect_failed"))) {
				jv_free(f);
				continue;
			}
			found = 1;
			t = trace_add_frame(t, f);
		}
		if (j < L->n && starts(L->v[j], "note: "))
			j++;
	} else {
		t = trace_add_frame(t, f);
		if (j < L->n && starts(L->v[j], "note: "))
			j++;
	}
	*out = t;
	*next = j;
	return 1;
}

/* ---- PHP ---- */

/* "... in /path/file.php:12" or "... in /path/file.php on line 12" */
static int
php_where(const char *s, const char **path, size_t *plen, long *line)
{
	const char *in = NULL, *p = s, *e;

	while ((p = strstr(p, " in ")))
		in = p, p += 4;
	if (!in)
		return 0;
	in += 4;
	if ((e = strstr(in, " on line "))) {
		*path = in;
		*plen = (size_t)(e - in);
		*line = strtol(e + 9, NULL, 10);
		return 1;
	}
	e = strrchr(in, ':');
	if (e && isdigit((unsigned char)e[1])) {
		*path = in;
		*plen = (size_t)(e - in);
		*line = strtol(e + 1, NULL, 10);
		return 1;
	}
	return 0;
}

static int
php_parse(struct lines *L, size_t i, jv *out, size_t *next)
{
	const char *s = L->v[i], *u, *exc, *msg, *path, *c;
	size_t elen, plen, j;
	long line;
	jv t, f;
	char *prevfn = NULL;

	if (!strstr(s, "PHP ") && !strstr(s, "Fatal error: ") && !strstr(s, "Warning: ") &&
	    !strstr(s, "Notice: "))
		return 0;
	if ((u = strstr(s, "Uncaught "))) {
		exc = u + 9;
		c = exc;
		while (isalnum((unsigned char)*c) || *c == '\\' || *c == '_')
			c++;
		elen = (size_t)(c - exc);
		msg = *c == ':' ? skipws(c + 1) : c;
	} else if ((u = strstr(s, "Fatal error: ")) || (u = strstr(s, "Warning: ")) ||
	    (u = strstr(s, "Notice: ")) || (u = strstr(s, "Deprecated: "))) {
		exc = u;
		elen = (size_t)(strchr(u, ':') - u);
		msg = skipws(strchr(u, ':') + 1);
	} else
		return 0;
	if (!php_where(msg, &path, &plen, &line))
		return 0;
	t = trace_new("php", exc, elen, msg, (size_t)(path - 4 - msg));
	/* frames: throw location, then "#k file(line): fn()" gives fn for
	 * frame k and the location of frame k+1. */
	f = frame_new("php", path, plen, line, NULL, 0);
	for (j = i + 1; j < L->n; j++) {
		const char *q = skipws(L->v[j]);
		if (starts(q, "Stack trace:") || starts(q, "[stacktrace]"))
			continue;
		if (q[0] == '#' && isdigit((unsigned char)q[1])) {
			const char *sp = strchr(q, ' '), *po, *pc, *fn;
			if (!sp)
				break;
			sp++;
			fn = strstr(sp, ": ");
			po = fn ? memrchr(sp, '(', (size_t)(fn - sp)) : NULL;
			pc = po ? strchr(po, ')') : NULL;
			{
				jv fnv = fn ? jv_string_sized(fn + 2, (int)(strcspn(fn + 2, "("))) :
				    jv_string(sp);
				f = jv_object_set(f, jv_string("function"), fnv);
				if (strcmp(sp, "{main}") == 0)
					f = jv_object_set(f, jv_string("function"), jv_string("{main}"));
			}
			t = trace_add_frame(t, f);
			if (!strcmp(sp, "{main}")) {
				f = jv_invalid();
				j++;
				break;
			}
			if (po && pc)
				f = frame_new("php", sp, (size_t)(po - sp), strtol(po + 1, NULL, 10),
				    NULL, 0);
			else
				f = frame_new("php", NULL, 0, 0, NULL, 0);
			continue;
		}
		break;
	}
	if (jv_is_valid(f)) {
		if (nframes(t) == 0 || jv_get_kind(jv_object_get(jv_copy(f), jv_string("path"))) ==
		    JV_KIND_STRING)
			t = trace_add_frame(t, f);
		else
			jv_free(f);
	}
	if (j < L->n && starts(skipws(L->v[j]), "thrown in "))
		j++;
	free(prevfn);
	*out = t;
	*next = j;
	return 1;
}

/* ---- C/C++ sanitizers ---- */

static jv
san_frame(const char *q)
{
	/* "#0 0x4c3c8e in main /src/app/main.c:7:10" or "(module+0x..)" */
	const char *in = strstr(q, " in "), *fn, *sp, *loc;
	size_t flen;

	if (!in) {
		const char *po = strchr(q, '(');
		return frame_new("c", po ? po + 1 : NULL, po ? strcspn(po + 1, "+)") : 0, 0,
		    NULL, 0);
	}
	fn = in + 4;
	/* C++ names contain spaces ("foo(int, char)"): the location is the
	 * last space-separated word. */
	sp = strrchr(fn, ' ');
	if (!sp) {
		return frame_new("c", NULL, 0, 0, fn, strlen(fn));
	}
	loc = sp + 1;
	flen = (size_t)(sp - fn);
	if (*loc == '(') {
		return frame_new("c", loc + 1, strcspn(loc + 1, "+)"), 0, fn, flen);
	} else {
		const char *c2 = strrchr(loc, ':'), *c1;
		long line = 0;
		size_t plen = strlen(loc);
		if (c2) {
			c1 = memrchr(loc, ':', (size_t)(c2 - loc));
			if (c1 && isdigit((unsigned char)c1[1])) {
				line = strtol(c1 + 1, NULL, 10);
				plen = (size_t)(c1 - loc);
			} else {
				line = strtol(c2 + 1, NULL, 10);
				plen = (size_t)(c2 - loc);
			}
		}
		return frame_new("c", loc, plen, line, fn, flen);
	}
}

static int
san_parse(struct lines *L, size_t i, jv *out, size_t *next)
{
	const char *s = L->v[i], *e, *kind, *rt;
	size_t j;
	jv t;

	if ((rt = strstr(s, ": runtime error: ")) && !strstr(s, "panic")) {
		/* UBSan: "path:L:C: runtime error: msg" */
		const char *c2 = memrchr(s, ':', (size_t)(rt - s)), *c1;
		long line = 0;
		size_t plen = (size_t)(rt - s);
		if (c2 && (c1 = memrchr(s, ':', (size_t)(c2 - s)))) {
			line = strtol(c1 + 1, NULL, 10);
			plen = (size_t)(c1 - s);
		}
		t = trace_new("c", "UndefinedBehaviorSanitizer", 26, rt + 17, strlen(rt + 17));
		j = i + 1;
		if (j < L->n && starts(skipws(L->v[j]), "#0 ")) {
			for (; j < L->n && skipws(L->v[j])[0] == '#'; j++)
				t = trace_add_frame(t, san_frame(skipws(L->v[j])));
		} else
			t = trace_add_frame(t, frame_new("c", s, plen, line, NULL, 0));
		*out = t;
		*next = j;
		return 1;
	}
	if (!(e = strstr(s, "ERROR: ")) || !(kind = strstr(e, "Sanitizer: ")))
		return 0;
	if (!starts(s, "==") && !starts(s, "ERROR"))
		return 0;
	{
		const char *san = e + 7, *m = kind + 11, *me = strstr(m, " on ");
		size_t mlen = me ? (size_t)(me - m) : strlen(m);
		t = trace_new("c", san, (size_t)(kind + 9 - san), m, mlen);
		if (starts(m, "detected memory leaks"))
			t = jv_object_set(t, jv_string("message"), jv_string("detected memory leaks"));
	}
	for (j = i + 1; j < L->n && j < i + 6 && !starts(skipws(L->v[j]), "#0 "); j++)
		;
	for (; j < L->n && skipws(L->v[j])[0] == '#' && isdigit((unsigned char)skipws(L->v[j])[1]);
	    j++)
		t = trace_add_frame(t, san_frame(skipws(L->v[j])));
	/* Skip the rest of the report up to SUMMARY. */
	{
		size_t k;
		for (k = j; k < L->n && k < j + 400; k++)
			if (starts(L->v[k], "SUMMARY: ")) {
				j = k + 1;
				break;
			}
	}
	*out = t;
	*next = j;
	return 1;
}

/* ---- driver ---- */

int
trace_parse(jv *out, const char *text)
{
	static int (*const parsers[])(struct lines *, size_t, jv *, size_t *) = {
		py_parse, go_parse, rust_parse, san_parse, php_parse, ruby_parse, at_parse,
	};
	struct lines L;
	jv all = jv_array();
	size_t i, k;

	if (!text) {
		*out = all;
		return 0;
	}
	if (lines_split(&L, text) < 0) {
		jv_free(all);
		return -1;
	}
	for (i = 0; i < L.n; ) {
		jv t;
		size_t next = i + 1;
		int hit = 0;

		for (k = 0; k < sizeof parsers / sizeof *parsers; k++)
			if (parsers[k](&L, i, &t, &next)) {
				hit = 1;
				break;
			}
		if (hit) {
			all = jv_array_append(all, t);
			i = next > i ? next : i + 1;
		} else
			i++;
	}
	lines_release(&L);
	*out = all;
	return 0;
}

jv
trace_root(jv t)
{
	for (;;) {
		jv c;
		if (jv_get_kind(t) != JV_KIND_OBJECT)
			return t;
		c = jv_object_get(jv_copy(t), jv_string("cause"));
		if (jv_get_kind(c) != JV_KIND_OBJECT) {
			jv_free(c);
			return t;
		}
		jv_free(t);
		t = c;
	}
}

jv
trace_app_frame(jv t)
{
	jv fr = jv_object_get(t, jv_string("frames"));
	int i, n = jv_array_length(jv_copy(fr));

	for (i = 0; i < n; i++) {
		jv f = jv_array_get(jv_copy(fr), i);
		if (jv_get_kind(jv_object_get(jv_copy(f), jv_string("in_app"))) == JV_KIND_TRUE) {
			jv_free(fr);
			return f;
		}
		jv_free(f);
	}
	jv_free(fr);
	return jv_null();
}
