/*
 * trace.c - find stack traces in free text (logs, error records, HTTP
 * bodies) and turn them into frames.
 *
 * The text is split into lines, and a log prefix that journald, pm2,
 * docker compose, kubectl, heroku, foreman, logcat or a logger (timestamp,
 * level) put in front of every line is removed first, with markdown's
 * "> " quoting, so a traceback that went through a log collector or a bug
 * report parses like one printed on a terminal.  Then each parser looks
 * at each line in turn; the first that recognises the start of a trace
 * consumes its lines.  Every parser moves forward: a header is looked for
 * at most a few lines above the first frame, so the whole is linear in
 * the text (tests/0351-traces-linear.t).
 *
 * Every trace comes out as
 *   {lang, exception, message, frames:[{path,line,function,in_app,...}],
 *    top_frame, cause}
 * with frames innermost first (Python and Ruby print outermost first:
 * they are reversed), top_frame the frame that raised it (past Go's panic
 * frames and the sanitizer runtime; Rust's "panicked at" location) and
 * cause the exception underneath (Python's "direct cause" / "during
 * handling", Java's "Caused by", .NET's inner exception), itself a trace
 * or null.  trace_root() follows cause to the bottom; trace_fields() puts
 * the summary on an analysis record.
 *
 * Besides what runtimes print, the issue texts error trackers file
 * (Bugsnag, Honeybadger, App Center), exception_notification mails and
 * Django's debug page parse as traces, and Fuchsia's symbolizer markup
 * after a Rust panic gives frames of an address each.
 *
 * The corpus these shapes come from: tests/fixtures/traces/real (300 real
 * traces, nine languages; ORIGINS.tsv says where each was found), and
 * tests/fixtures/traces/heldout (94 more from other reports, scored
 * before the parser was changed for them).
 *
 * in_app is a guess from the path and function alone (site-packages,
 * node_modules, GOROOT, java.*, System.*, libc ...); analyze refines it
 * with the repository when it has one.  A Go panic recovered by a
 * middleware prints the recovering code first (debug.Stack(), the
 * deferred func, panic()): those frames are the app's but not where it
 * failed, so they are not in_app, and what looks for the innermost app
 * frame (the fix templates, the fingerprint) finds the line that panicked.  Of a Python exception group only
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
	/* Python tracebacks in a gutter: from line gfrom on, a line that
	 * starts with gut characters of gchars is read without them. */
	size_t gut, gfrom;
	const char *gchars;
};

/* Line k, read through the gutter. */
static const char *
ln(const struct lines *L, size_t k)
{
	const char *s = L->v[k];

	if (L->gut && k >= L->gfrom && strspn(s, L->gchars) >= L->gut)
		return s + L->gut;
	return s;
}

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

/* Length of a run of timestamp characters at p: digits and - / : . , T Z +
 * with at least 6 digits and a ':' among them, ended by a space.  0 if
 * there is none.  Reads nothing past the terminating NUL. */
static size_t
timestamp_len(const char *p)
{
	const char *q = p;
	int digits = 0, colon = 0;

	while (*q && (isdigit((unsigned char)*q) || strchr("-/:.,TZ+", *q) ||
	    (*q == ' ' && isdigit((unsigned char)q[1]) && digits < 9))) {
		digits += isdigit((unsigned char)*q) != 0;
		colon |= *q == ':';
		q++;
	}
	if (digits < 6 || !colon || *q != ' ')
		return 0;
	return (size_t)(q + 1 - p);
}

/* Length of a known log prefix at the start of s, or 0.  Every test
 * stops at the NUL: a short line is never read past its end. */
static size_t
log_prefix(const char *s)
{
	const char *p = s, *q;
	size_t n = strlen(s), t;

	/* journald: "Nov 24 06:00:00 host unit[123]: " */
	if (n >= 16 && isupper((unsigned char)p[0]) && islower((unsigned char)p[1]) &&
	    islower((unsigned char)p[2]) && p[3] == ' ' &&
	    (isdigit((unsigned char)p[4]) || p[4] == ' ') && isdigit((unsigned char)p[5]) &&
	    p[6] == ' ' && isdigit((unsigned char)p[7]) && isdigit((unsigned char)p[8]) &&
	    p[9] == ':' && p[12] == ':' && p[15] == ' ') {
		const char *colon;
		q = p + 16;
		while (*q && *q != ' ')		/* host */
			q++;
		if (*q == ' ' && (colon = strstr(q + 1, ": ")) && !memchr(q + 1, ' ',
		    (size_t)(colon - q - 1)))
			return (size_t)(colon + 2 - s);
	}
	/* pm2: "0|app  | " and docker compose: "app-1  | " */
	q = p;
	while (*q && (isalnum((unsigned char)*q) || strchr("|_.-", *q)))
		q++;
	if (q > p && q - p < 64) {
		const char *r = q;
		while (*r == ' ')
			r++;
		if (r[0] == '|' && (r[1] == ' ' || r[1] == '\0'))
			return (size_t)(r + (r[1] ? 2 : 1) - s);
		/* foreman and stackato: "web.1: ", "app.0: " */
		if (q - p >= 3 && q[0] == ':' && q[1] == ' ' && isdigit((unsigned char)q[-1]) &&
		    q[-2] == '.')
			return (size_t)(q + 2 - s);
	}
	/* Fuchsia's klog and syslog: "[00002.668] 01032:01039> " */
	if (p[0] == '[' && isdigit((unsigned char)p[1]) && (q = strchr(p, ']')) && q - p < 24 &&
	    q[1] == ' ' && strspn(p + 1, "0123456789.") == (size_t)(q - p - 1) && strchr(p, '.') < q) {
		const char *r = q + 2, *r0 = r;
		while (isdigit((unsigned char)*r) || *r == ':' || *r == '.')
			r++;
		if (r > r0 && r[0] == '>' && r[1] == ' ')
			return (size_t)(r + 2 - s);
		return (size_t)(q + 2 - s);
	}
	/* Android Studio's logcat: "AndroidRuntime  E  msg", a continuation
	 * "                 E  msg" (the tag column left blank). */
	{
		const char *r = p, *t0;
		while (*r == ' ')
			r++;
		t0 = r;
		if (!(strchr("VDIWEFA", *r) && *r && r[1] == ' ' && r[2] == ' ' && r - p >= 4)) {
			while (*r && *r != ' ')
				r++;
			if (r > t0 && r[0] == ' ' && r[1] == ' ') {
				while (*r == ' ')
					r++;
			} else
				r = NULL;
		}
		if (r && strchr("VDIWEFA", *r) && *r && r[1] == ' ' && r[2] == ' ' && r[3] != ' ')
			return (size_t)(r + 3 - s);
		if (r && r == t0 && strchr("VDIWEFA", *r) && *r && r[1] == ' ' && r[2] == ' ')
			return (size_t)(r + 3 - s);
	}
	/* "[2026-11-24T06:00:00.123Z] ", "[14:42:02] ", "[15-Mar-2023 07:00:38 UTC] ",
	 * "[21:18:07 ERR] ": a bracketed time at the start. */
	if (p[0] == '[' && (q = strchr(p, ']')) && q - p < 48 && q[1] == ' ') {
		const char *r;
		int digits = 0, colon = 0;
		for (r = p + 1; r < q; r++) {
			digits += isdigit((unsigned char)*r) != 0;
			colon |= *r == ':';
		}
		if (digits >= 4 && colon)
			return (size_t)(q + 2 - s);
	}
	/* A timestamp ("2026-11-24T06:00:00.123456789Z ", "2016/04/01 07:31:53 ",
	 * "06-26 17:53:52.362 "), then what loggers put after it: heroku's
	 * "app[web.1]: ", logcat's "4393-4393/? E/AndroidRuntime: " or
	 * "I/wrap.sh (12487): ", a level and "-- : ". */
	if (isdigit((unsigned char)p[0]) && (t = timestamp_len(p)) > 0) {
		q = p + t;
		while (*q == ' ')
			q++;
		{
			/* logcat threadtime: "4393-4393/? E/Tag: " or "E/Tag(123): ",
			 * or "  3427  3427 E Tag: " */
			const char *r = q;
			{
				const char *u = r;
				while (isdigit((unsigned char)*u))
					u++;
				if (u > r && *u == ' ') {
					while (*u == ' ')
						u++;
					while (isdigit((unsigned char)*u))
						u++;
					while (*u == ' ')
						u++;
					if (strchr("VDIWEF", *u) && *u && u[1] == ' ') {
						const char *c = strstr(u, ": ");
						if (c && c - u < 64 && !memchr(u + 2, ' ', (size_t)(c - u - 2)))
							return (size_t)(c + 2 - s);
					}
				}
			}
			while (isdigit((unsigned char)*r) || *r == '-' || *r == '/' || *r == '?')
				r++;
			if (r > q && *r == ' ')
				r++;
			if (strchr("VDIWEF", *r) && *r && r[1] == '/') {
				const char *c = strstr(r, ": ");
				if (c && c - r < 64)
					return (size_t)(c + 2 - s);
			}
		}
		{
			/* heroku: "app[web.1]: " */
			const char *r = q;
			while (isalnum((unsigned char)*r) || *r == '_' || *r == '-')
				r++;
			if (r > q && *r == '[' && (r = strchr(r, ']')) && r[1] == ':' && r[2] == ' ')
				return (size_t)(r + 3 - s);
		}
		return (size_t)(q - s);
	}
	/* ruby's Logger: "E, [2024-10-09T09:17:34.388447 #1523925] ERROR -- : " */
	if (isupper((unsigned char)p[0]) && p[1] == ',' && p[2] == ' ' && p[3] == '[' &&
	    (q = strstr(p, "] ")) && (q = strstr(q, " -- : ")) && q - p < 80)
		return (size_t)(q + 6 - s);
	return 0;
}

/* Quoting put around a pasted trace: markdown's "> " and a stray
 * backtick or two at the start of a line. */
static size_t
quote_prefix(const char *s)
{
	const char *p = s;

	if (p[0] == '>' && (p[1] == ' ' || p[1] == '\0'))
		return p[1] ? 2 : 1;
	while (*p == '`')
		p++;
	return (size_t)(p - s);
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
		pre = quote_prefix(p);
		pre += log_prefix(p + pre);
		pre += quote_prefix(p + pre);
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

static int
prefixed(const char *s, const char *const *list)
{
	size_t i;

	for (i = 0; s && list[i]; i++)
		if (starts(s, list[i]))
			return 1;
	return 0;
}

static const char *
fstr_of(jv f, const char *k)
{
	jv v = jv_object_get(jv_copy(f), jv_string(k));
	const char *s = jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : NULL;

	jv_free(v);	/* f still holds the string */
	return s;
}

static long
fline_of(jv f)
{
	jv v = jv_object_get(jv_copy(f), jv_string("line"));
	long n = jv_get_kind(v) == JV_KIND_NUMBER ? (long)jv_number_value(v) : 0;

	jv_free(v);
	return n;
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

	/* t lets go of the array first, or appending copies it: quadratic. */
	t = jv_object_set(t, jv_string("frames"), jv_null());
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

/* A message's length less the closing backtick of a trace pasted as
 * inline code ("`Traceback ... KeyError: 'RAW'`"): a last backtick with
 * no partner in the message. */
static size_t
py_msg_len(const char *msg)
{
	size_t n, k, ticks = 0;

	if (!msg)
		return 0;
	n = strlen(msg);
	while (n > 0 && isspace((unsigned char)msg[n - 1]))
		n--;
	for (k = 0; k < n; k++)
		ticks += msg[k] == '`';
	if (n > 0 && msg[n - 1] == '`' && ticks % 2 == 1)
		n--;
	return n;
}

/* A traceback flattened onto one line: 'Traceback (most recent call
 * last): File "P", line N, in F ... Exc: msg' (a console that ate the
 * newlines).  Source lines in between are not told apart: a frame must
 * be followed by another or by the exception. */
static int
py_flat(const char *s, jv *out)
{
	const char *p = s, *exc, *msg;
	jv frames = jv_array(), t;
	size_t elen;
	char *rest;
	int ok;

	for (;;) {
		const char *path, *pe, *fn, *fe;
		long line;
		p = skipws(p);
		if (!starts(p, "File \""))
			break;
		path = p + 6;
		if (!(pe = strstr(path, "\", line ")) || !(fn = strstr(pe, ", in ")))
			break;
		line = strtol(pe + 8, NULL, 10);
		fn += 5;
		fe = fn + strcspn(fn, " ");
		frames = jv_array_append(frames, frame_new("python", path, (size_t)(pe - path), line,
		    fn, (size_t)(fe - fn)));
		p = fe;
	}
	if (jv_array_length(jv_copy(frames)) == 0 || !(rest = strdup(p))) {
		jv_free(frames);
		return 0;
	}
	ok = py_exc_line(rest, &exc, &elen, &msg);
	if (ok) {
		t = trace_new("python", exc, elen, msg, py_msg_len(msg));
		t = jv_object_set(t, jv_string("frames"), frames);
		*out = reverse_frames(t);
	} else
		jv_free(frames);
	free(rest);
	return ok;
}

/*
 * One Python traceback whose frames start at line i (after the "Traceback"
 * line).  Sets *next past its exception line.
 */
static int
py_one(struct lines *L, size_t i, jv *out, size_t *next)
{
	jv t = jv_invalid(), frames = jv_array();
	size_t j = i;
	const char *exc = NULL, *msg = NULL;
	size_t elen = 0;

	while (j < L->n) {
		const char *s = ln(L, j), *q = skipws(s);

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
			/* a blank line pasted between a frame and its source */
			if (j + 1 < L->n && blank(ln(L, j)) && ln(L, j + 1)[0] == ' ' &&
			    !starts(skipws(ln(L, j + 1)), "File \""))
				j++;
			/* The source line, and 3.11+'s caret line under it. */
			if (j < L->n && !starts(skipws(ln(L, j)), "File \"") &&
			    ln(L, j)[0] == ' ' && !blank(ln(L, j))) {
				const char *code = skipws(ln(L, j));
				size_t ind = (size_t)(code - ln(L, j));
				f = jv_object_set(f, jv_string("code"), jv_string(code));
				j++;
				if (j < L->n && strspn(skipws(ln(L, j)), "^~ ") ==
				    strlen(skipws(ln(L, j))) && !blank(ln(L, j)) &&
				    strlen(ln(L, j)) > ind) {
					const char *c = ln(L, j);
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
	t = trace_new("python", exc, elen, msg, py_msg_len(msg));
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
	const char *tb = strstr(ln(L, i), "Traceback (most recent call last):");
	size_t g;
	struct lines G;
	int rc;

	if (!tb) {
		/* No header (cut off when pasted): a first 'File "P", line N,
		 * in F' line not under another, ending on an exception line. */
		const char *q = skipws(ln(L, i)), *r;
		if (!starts(q, "File \"") || !(r = strstr(q, "\", line ")) || !strstr(r, ", in ") ||
		    (i > 0 && (strstr(ln(L, i - 1), "File \"") || strstr(ln(L, i - 1), "Traceback"))))
			return 0;
		g = (size_t)(q - ln(L, i));
		if (g <= 2)
			return py_one(L, i, out, next);
		/* indented past Python's two spaces: the gutter is the rest */
		g -= 2;
		G = *L;
		G.gut = g, G.gfrom = i, G.gchars = " ";
		return py_one(&G, i, out, next);
	}
	if (strstr(ln(L, i), "Exception Group Traceback"))
		return 0;
	if (!blank(tb + 34) && py_flat(tb + 34, out)) {
		*next = i + 1;
		return 1;
	}
	g = (size_t)(tb - ln(L, i));
	if (g == 0 || strspn(ln(L, i), " |+") < g)
		return py_chain(L, i, out, next);
	/* In a gutter ("  | ", exception groups) or indented (docs, quoted):
	 * cut the gutter off the lines under it. */
	G = *L;
	G.gut = g, G.gfrom = i, G.gchars = " |+";
	rc = py_chain(&G, i, out, next);
	return rc;
}

static int
py_chain(struct lines *L, size_t i, jv *out, size_t *next)
{
	jv t, prev = jv_invalid();
	size_t j = i;

	for (;;) {
		size_t k;

		if (!py_one(L, j + 1, &t, &j))
			break;
		if (jv_is_valid(prev))
			t = jv_object_set(t, jv_string("cause"), prev);
		prev = t;
		/* Chained: a blank line, the chaining sentence, a blank, Traceback. */
		for (k = j; k < L->n && k < j + 4; k++) {
			if (strstr(ln(L, k), "Traceback (most recent call last):"))
				break;
			if (!blank(ln(L, k)) &&
			    !strstr(ln(L, k), "The above exception was the direct cause") &&
			    !strstr(ln(L, k), "During handling of the above exception")) {
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

/* ---- error trackers' rendering ---- */

/* A 'File "P", line N, in F' line, as Python prints a frame and as
 * Sentry and Rollbar render frames of any language. */
static int
file_line(const char *s, jv *f, const char *lang)
{
	const char *q = skipws(s), *path, *pe, *lp, *fn;
	long line = 0;

	if (starts(q, "> "))		/* loguru marks the raising frame */
		q += 2;
	if (!starts(q, "File \""))
		return 0;
	path = q + 6;
	if (!(pe = strstr(path, "\", line ")))
		return 0;
	lp = pe + 8;
	line = strtol(lp, NULL, 10);
	fn = strstr(lp, ", in ");
	*f = frame_new(lang, path, (size_t)(pe - path), line, fn ? fn + 5 : NULL,
	    fn ? strlen(fn + 5) : 0);
	return 1;
}

static const char *
lang_of_path(const char *p)
{
	static const char *const ext[][2] = {
		{ ".py\"", "python" }, { ".rb\"", "ruby" }, { ".rake\"", "ruby" },
		{ ".php\"", "php" }, { ".js\"", "node" }, { ".ts\"", "node" }, { NULL, NULL },
	};
	size_t i;
	const char *q = strstr(p, "\", line");

	for (i = 0; ext[i][0] && q; i++) {
		size_t n = strlen(ext[i][0]) - 1;
		if ((size_t)(q - p) >= n && !strncmp(q - n, ext[i][0], n))
			return ext[i][1];
	}
	return "unknown";
}

/* "Exc: message" then 'File "P", line N, in F' lines, innermost first:
 * how Sentry and Rollbar show a stack trace in their issues. */
static int
rendered_parse(struct lines *L, size_t i, jv *out, size_t *next)
{
	const char *s = L->v[i], *p = s, *q;
	size_t j = i + 1, k;
	jv t, f;
	const char *lang;

	if (!isalpha((unsigned char)*p))
		return 0;
	while (isalnum((unsigned char)*p) || *p == '.' || *p == '_' || *p == '\\' || *p == ':')
		if (*p == ':' && p[1] != ':' && p[-1] != ':')
			break;
		else
			p++;
	if (*p != ':' && *p != '\0')
		return 0;
	if (j < L->n && starts(L->v[j], "Did you mean?"))
		j++;
	if (j >= L->n || !starts(skipws(L->v[j]), "File \"") || skipws(L->v[j]) == L->v[j])
		return 0;
	lang = lang_of_path(skipws(L->v[j]) + 6);
	q = *p == ':' ? skipws(p + 1) : NULL;
	t = trace_new(lang, s, (size_t)(p - s), q, q ? strlen(q) : 0);
	for (k = j; k < L->n && file_line(L->v[k], &f, lang); k++)
		t = trace_add_frame(t, f);
	*out = t;
	*next = k;
	return 1;
}

/* ---- "at" frames: Node.js, Java, .NET ---- */

enum at_kind { AT_NONE, AT_NODE, AT_JAVA, AT_DOTNET };

/* A copy of a frame line without what loggers append after the frame:
 * trailing blanks, node's " {" (an error's own properties follow) and
 * " [object Promise]". */
static size_t
frame_len(const char *q)
{
	size_t n = strlen(q);

	while (n > 0 && isspace((unsigned char)q[n - 1]))
		n--;
	if (n > 2 && q[n - 1] == '{' && q[n - 2] == ' ')
		n -= 2;
	if (n > 0 && q[n - 1] == ']') {
		const char *o = memrchr(q, '[', n);
		if (o && o > q && o[-1] == ' ' && starts(o, "[object "))
			n = (size_t)(o - 1 - q);
	}
	while (n > 0 && isspace((unsigned char)q[n - 1]))
		n--;
	return n;
}

/* Is q (n bytes) "Name.Name.Method" followed by "(" or a space: the
 * shape of a Java or .NET frame printed at column 0? */
static int
dotted_call(const char *q, size_t n)
{
	size_t k = 0, dots = 0;

	while (k < n && (isalnum((unsigned char)q[k]) || strchr("._$<>`[],+", q[k]))) {
		dots += q[k] == '.';
		k++;
	}
	return dots >= 1 && k > 2 && (k == n || q[k] == '(' || q[k] == ' ');
}

static enum at_kind
at_kind(const char *s)
{
	const char *q = skipws(s), *e;
	size_t n;
	int col0 = q == s;

	if (!starts(q, "at "))
		return AT_NONE;
	q += 3;
	n = frame_len(q);
	if (n == 0)
		return AT_NONE;
	if (memmem(q, n, ") in ", 5) || memmem(q, n, "] in ", 5) ||
	    (memmem(q, n, " in ", 4) && (memmem(q, n, ":line ", 6) || memmem(q, n, ": line ", 7))))
		return AT_DOTNET;
	if (memmem(q, n, "(Native Method)", 15) || memmem(q, n, "(Unknown Source)", 16) ||
	    memmem(q, n, ".java:", 6) || memmem(q, n, ".kt:", 4) || memmem(q, n, ".scala:", 7) ||
	    memmem(q, n, ".groovy:", 8) || memmem(q, n, "(<generated>)", 13) ||
	    memmem(q, n, ".java)", 6) || memmem(q, n, ".kt)", 4))
		return AT_JAVA;
	/* ProGuard's renamed sources: "a.b.c(SourceFile:12)", "(PG:1)" */
	if (q[n - 1] == ')' && dotted_call(q, n)) {
		const char *o = memrchr(q, '(', n), *c;
		if (o && isalpha((unsigned char)o[1]) && (c = memchr(o, ':', (size_t)(q + n - o))) &&
		    !memchr(o, '/', (size_t)(c - o)) && !memchr(o, '.', (size_t)(c - o)) &&
		    strspn(c + 1, "0123456789") == (size_t)(q + n - 1 - c - 1) && c + 1 < q + n - 1)
			return AT_JAVA;
	}
	/* Android's "at File.java:L" with no method */
	if (col0 == 0 && (e = memmem(q, n, ".java:", 6)) && strspn(e + 6, "0123456789") ==
	    (size_t)(q + n - e - 6))
		return AT_JAVA;
	if (col0 && !dotted_call(q, n))
		return AT_NONE;
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
		if (e > q && e[-1] == ':' && !col0)
			return AT_NODE;
	}
	/* old Chrome: "fn (file.js:89)", "index.html:18" (a line, no column) */
	e = q + n;
	if (e > q && e[-1] == ')')
		e--;
	{
		const char *d = e;
		static const char *const ext[] = { ".js", ".mjs", ".cjs", ".ts", ".html", ".htm",
		    ".jsx", ".tsx", ".vue", NULL };
		size_t x;
		while (d > q && isdigit((unsigned char)d[-1]))
			d--;
		if (!col0 && d < e && d > q && d[-1] == ':')
			for (x = 0; ext[x]; x++) {
				size_t xl = strlen(ext[x]);
				if ((size_t)(d - 1 - q) >= xl && !strncmp(d - 1 - xl, ext[x], xl))
					return AT_NODE;
			}
	}
	if (!col0 && (memmem(q, n, "(index ", 7) || memmem(q, n, "<anonymous>", 11) ||
	    starts(q, "async ")))
		return AT_NODE;
	/* .NET without pdb: "at Ns.Type.Method(Int32 a)" */
	if (memchr(q, '(', n) && q[n - 1] == ')' && !memchr(q, '/', n) && !memchr(q, ':', n))
		return AT_DOTNET;
	return AT_NONE;
}

/* Unity's frames carry no "at": "Ns.Type.Method () (at Assets/x.cs:13)" */
static int
unity_frame_line(const char *s)
{
	const char *q = skipws(s), *a = strstr(q, " (at ");
	size_t n = frame_len(q);

	if (a && n > 0 && q[n - 1] == ')' && strchr(q, '(') < a && dotted_call(q, n))
		return 1;
	/* Mono's frames in a game's log: indented "Ns.Type.Method (Args)" */
	a = strstr(q, " (");
	return q != s && a && n > 0 && q[n - 1] == ')' && !strchr(a + 2, '(') && dotted_call(q, n) &&
	    !memchr(q, '/', n) && !memchr(q, ':', n);
}

static jv
node_frame(const char *line)
{
	/* "fn (path:L:C)", "path:L:C", "async fn (path:L:C)", "new X (path:L:C)" */
	char *buf = strndup(skipws(line), frame_len(skipws(line)));
	const char *q = buf, *open, *loc, *fn = NULL, *c1, *c2;
	size_t flen = 0, llen;
	long line_no = 0, col = 0;
	jv f;

	if (!buf)
		return frame_new("node", NULL, 0, 0, NULL, 0);
	if (starts(q, "at "))
		q += 3;
	if (starts(q, "async "))
		q += 6;
	open = strrchr(q, '(');
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
	if (c1 > loc && c2 > loc && isdigit((unsigned char)*c1)) {
		line_no = strtol(c1, NULL, 10);
		col = strtol(c2, NULL, 10);
		llen = (size_t)(c1 - 1 - loc);
	} else if (c2 > loc && isdigit((unsigned char)*c2) &&
	    strspn(c2, "0123456789") == (size_t)(loc + llen - c2)) {
		line_no = strtol(c2, NULL, 10);	/* "file.js:89" */
		llen = (size_t)(c2 - 1 - loc);
	}
	if (starts(loc, "file://"))
		loc += 7, llen -= 7;
	f = frame_new("node", loc, llen, line_no, fn, flen);
	if (col > 0)
		f = jv_object_set(f, jv_string("col"), jv_number((double)(col - 1)));
	free(buf);
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

	q = skipws(q);
	if (starts(q, "at "))
		q += 3;
	/* Java 9+ module prefix: "java.base/java.lang.Thread.run(...)" */
	if ((open = strchr(q, '('))) {
		for (dot = open; dot > q && dot[-1] != '/'; dot--)
			;
		if (dot > q)
			q = dot;	/* just after the last '/' before the '(' */
	}
	if (!(open = strchr(q, '('))) {
		const char *c = strrchr(q, ':');
		size_t n = strcspn(q, " ");
		if (c && c < q + n && isdigit((unsigned char)c[1]) && c - q > 5 && !strncmp(c - 5, ".java", 5))
			return frame_new("java", q, (size_t)(c - q), strtol(c + 1, NULL, 10), NULL, 0);
		return frame_new("java", NULL, 0, 0, q, n);
	}
	flen = (size_t)(open - q);
	while (flen > 0 && q[flen - 1] == ' ')
		flen--;
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
dotnet_frame(const char *line)
{
	/* "at Ns.Type.Method(Args) in /path/File.cs:line 12", Mono's
	 * "at Ns.Type.Method (Args) [0x00000] in /path/File.cs:12" and Unity's
	 * "Ns.Type.Method () (at Assets/File.cs:13)" */
	const char *q = skipws(line), *in, *ln, *open;
	long n_line = 0;
	size_t flen, n;

	if (starts(q, "at "))
		q += 3;
	n = frame_len(q);
	open = strchr(q, '(');
	flen = open ? (size_t)(open - q) : n;
	while (flen > 0 && q[flen - 1] == ' ')
		flen--;
	if ((in = strstr(q, " (at ")) && in < q + n) {
		const char *c = memrchr(in, ':', (size_t)(q + n - in));
		if (c && isdigit((unsigned char)c[1]))
			return frame_new("dotnet", in + 5, (size_t)(c - in - 5), strtol(c + 1, NULL, 10),
			    q, flen);
	}
	if ((in = strstr(q, ") in ")) || (in = strstr(q, "] in "))) {
		const char *p = in + 5;
		if ((ln = strstr(p, ":line ")) || (ln = strstr(p, ": line "))) {
			n_line = strtol(ln + (ln[1] == 'l' ? 6 : 7), NULL, 10);
			return frame_new("dotnet", p, (size_t)(ln - p), n_line, q, flen);
		}
		if ((ln = memrchr(p, ':', (size_t)(q + n - p))) && isdigit((unsigned char)ln[1])) {
			n_line = strtol(ln + 1, NULL, 10);
			return frame_new("dotnet", p, (size_t)(ln - p), n_line, q, flen);
		}
	}
	return frame_new("dotnet", NULL, 0, 0, q, flen);
}

/* The exception named in a header line: "Exception in thread "main"
 * a.b.C: msg", "a.b.C: msg", "Error: msg", "Npgsql.PostgresException
 * (0x80004005): msg", "[ERROR] ... TypeError: msg". */
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
	if (starts(s, "---> "))
		s += 5;
	/* The first word ending in Error/Exception/Fault/Throwable followed by
	 * ':', the end of the line, " [" or an HRESULT. */
	for (p = s; *p; p++) {
		const char *w = p, *e;
		if (p > s && (isalnum((unsigned char)p[-1]) || p[-1] == '.' || p[-1] == '_'))
			continue;
		e = w;
		while (isalnum((unsigned char)*e) || *e == '.' || *e == '_' || *e == '$')
			e++;
		if (e - w >= 5 && (!strncmp(e - 5, "Error", 5) || (e - w >= 9 &&
		    !strncmp(e - 9, "Exception", 9)) || (e - w >= 5 && !strncmp(e - 5, "Fault", 5)) ||
		    (e - w >= 9 && !strncmp(e - 9, "Throwable", 9)))) {
			const char *after = e;
			if (starts(after, " (0x") && strchr(after, ')'))
				after = strchr(after, ')') + 1;
			if (*after == ':' || *after == '\0' || (*after == ' ' && after[1] == '[')) {
				*exc = w;
				*elen = (size_t)(e - w);
				*msg = *after == ':' ? skipws(after + 1) : NULL;
				/* node: "Error: (node:123) UnhandledPromiseRejectionWarning: Error: x" */
				if (*msg && starts(*msg, "(node:")) {
					const char *r = strstr(*msg, "Warning: ");
					if (r && header_split(r + 9, exc, elen, msg))
						return 1;
				}
				return 1;
			}
		}
	}
	return 0;
}

/* Visual Studio's exception helper: the type alone, then "  Message=..." */
static int
vs_helper(struct lines *L, size_t first, size_t *h, const char **msg)
{
	size_t k;

	if (first == 0 || !starts(skipws(L->v[first - 1]), "StackTrace:"))
		return 0;
	*msg = NULL;
	for (k = first - 1; k > 0 && first - k < 8; k--) {
		const char *q = skipws(L->v[k - 1]);
		if (starts(q, "Message="))
			*msg = q + 8;
		else if (q == L->v[k - 1]) {
			*h = k - 1;
			return 1;
		}
	}
	return 0;
}

static int
at_frame_line(const char *s, enum at_kind k)
{
	enum at_kind fk = at_kind(s);

	if (fk == k || (k == AT_NODE && fk != AT_NONE))
		return 1;
	return k == AT_DOTNET && unity_frame_line(s);
}

static jv
at_frame(const char *s, enum at_kind k)
{
	return k == AT_NODE ? node_frame(s) : k == AT_JAVA ? java_frame(s) : dotnet_frame(s);
}

/* Link parts[0].cause = parts[1] ...; consumes parts. */
static jv
link_chain(jv parts)
{
	int n = jv_array_length(jv_copy(parts)), m;
	jv cur = jv_array_get(jv_copy(parts), n - 1);

	for (m = n - 2; m >= 0; m--)
		cur = jv_object_set(jv_array_get(jv_copy(parts), m), jv_string("cause"), cur);
	jv_free(parts);
	return cur;
}

static int
at_parse(struct lines *L, size_t i, jv *out, size_t *next)
{
	enum at_kind k;
	const char *exc = NULL, *msg = NULL, *hdr = NULL, *lang;
	size_t elen = 0, j, h, first, mstart = 0;
	jv top, parts;
	struct strbuf mb = { 0 }, arrows = { 0 };
	int headless = 0, outer_first = 0, ends = 0;

	/* Line i is the start of a trace when the frames follow it; the
	 * header naming the exception may be a few lines above the first
	 * frame (a message of several lines, "Require stack:", "File name:",
	 * .NET's " ---> " inner exceptions), or missing altogether. */
	if (at_kind(L->v[i]) != AT_NONE || unity_frame_line(L->v[i]))
		k = AT_NONE;
	else if (i + 1 < L->n && (k = at_kind(L->v[i + 1])) == AT_NONE && unity_frame_line(L->v[i + 1]))
		k = AT_DOTNET;
	if (i + 1 >= L->n || at_kind(L->v[i]) != AT_NONE || unity_frame_line(L->v[i])) {
		/* a trace with no header at all: frames from the first line */
		enum at_kind fk = at_kind(L->v[i]);
		if (i > 0 && !blank(L->v[i - 1]))
			return 0;
		if (fk != AT_JAVA && fk != AT_DOTNET)
			return 0;
		k = fk;
		headless = 1;
		first = i;
		h = i;
	} else {
		k = at_kind(L->v[i + 1]);
		if (k == AT_NONE && unity_frame_line(L->v[i + 1]))
			k = AT_DOTNET;
		if (k == AT_NONE)
			return 0;
		first = i + 1;
		for (h = i; ; h--) {
			if (h == i && k == AT_DOTNET && vs_helper(L, first, &h, &msg)) {
				exc = skipws(L->v[h]);
				elen = frame_len(exc);
				break;
			}
			const char *q = skipws(L->v[h]);
			if (header_split(L->v[h], &exc, &elen, &msg) && !starts(q, "File name:") &&
			    !(k == AT_DOTNET && starts(q, "---> ") && h > 0 && i - h < 6 &&
			    !blank(L->v[h - 1]) && at_kind(L->v[h - 1]) == AT_NONE))
				break;
			if (h == 0 || i - h >= 6 || at_kind(L->v[h]) != AT_NONE) {
				h = L->n;
				break;
			}
		}
		if (h == L->n) {
			const char *vm;
			if (vs_helper(L, first, &h, &vm)) {
				exc = skipws(L->v[h]);
				elen = frame_len(exc);
				msg = vm;
			} else if (k == AT_NODE) {
				h = i;
				exc = NULL;
				msg = skipws(L->v[h]);
			} else
				return 0;
		}
	}
	hdr = L->v[h];
	parts = jv_array();
	lang = k == AT_NODE ? "node" : k == AT_JAVA ? "java" : "dotnet";
	/* The lines between header and frames: a Java message goes on there;
	 * .NET lists its inner exceptions as " ---> X: msg". */
	if (!headless && msg)
		strbuf_add(&mb, msg);
	if (!headless) {
		size_t m;
		for (m = h + 1; m < first; m++) {
			const char *q = skipws(L->v[m]);
			if (k == AT_DOTNET && starts(q, "---> ")) {
				strbuf_addf(&arrows, " ---> %s", q + 5);
				continue;
			}
			if (k == AT_DOTNET && strstr(q, "--- End of inner exception stack trace ---"))
				ends++;
			if (k == AT_JAVA && !starts(q, "Caused by: "))
				strbuf_addf(&mb, "\n%s", L->v[m]);
		}
		mstart = h;
	}
	(void)mstart;
	/* Java: a "Caused by:" header right under its enclosing exception's
	 * (which then has no frames of its own). */
	if (k == AT_JAVA && starts(skipws(hdr), "Caused by: ")) {
		size_t m = h, hh = L->n;
		const char *x2, *m2;
		size_t e2;
		while (m > 0 && h - m < 4) {
			m--;
			if (header_split(L->v[m], &x2, &e2, &m2) && !starts(skipws(L->v[m]), "at ")) {
				hh = m;
				break;
			}
			if (at_kind(L->v[m]) != AT_NONE || blank(L->v[m]))
				break;
		}
		if (hh != L->n) {
			struct strbuf ob = { 0 };
			size_t r;
			if (m2)
				strbuf_add(&ob, m2);
			for (r = hh + 1; r < h; r++)
				strbuf_addf(&ob, "%s%s", ob.len ? "\n" : "", L->v[r]);
			parts = jv_array_append(parts, trace_new(lang, x2, e2, ob.s ? ob.s : "",
			    ob.s ? ob.len : 0));
			strbuf_release(&ob);
			outer_first = 1;
		}
	}
	if (k == AT_DOTNET && ((msg && strstr(msg, " ---> ")) || arrows.len)) {
		/* outer ---> inner ---> innermost: build the chain; the frames
		 * before each "End of inner exception" belong to the innermost
		 * exception not yet filled. */
		struct strbuf all = { 0 };
		const char *p;
		int np, fill;
		strbuf_addf(&all, "%s%s", hdr, arrows.s ? arrows.s : "");
		p = all.s;
		while (p) {
			const char *e = strstr(p, " ---> ");
			const char *x = NULL, *mm = NULL;
			size_t xl = 0;
			char *seg = e ? strndup(p, (size_t)(e - p)) : strdup(p);
			if (seg && header_split(seg, &x, &xl, &mm))
				parts = jv_array_append(parts, trace_new(lang, x, xl, mm,
				    mm ? strlen(mm) : 0));
			else if (seg)
				parts = jv_array_append(parts, trace_new(lang, NULL, 0, seg,
				    strlen(seg)));
			free(seg);
			p = e ? e + 6 : NULL;
		}
		strbuf_release(&all);
		np = jv_array_length(jv_copy(parts));
		fill = np - 1 - ends > 0 ? np - 1 - ends : 0;
		for (j = first; j < L->n; j++) {
			const char *s = L->v[j];
			if (strstr(s, "--- End of inner exception stack trace ---")) {
				if (fill > 0)
					fill--;
				continue;
			}
			if (strstr(s, "--- End of stack trace from previous location"))
				continue;
			if (!at_frame_line(s, AT_DOTNET))
				break;
			{
				jv t = jv_array_get(jv_copy(parts), fill);
				t = trace_add_frame(t, dotnet_frame(s));
				parts = jv_array_set(parts, fill, t);
			}
		}
		strbuf_release(&mb);
		strbuf_release(&arrows);
		*out = link_chain(parts);
		*next = j;
		return 1;
	}
	strbuf_release(&arrows);
	top = headless ? trace_new(lang, NULL, 0, NULL, 0) :
	    trace_new(lang, exc, elen, mb.s ? mb.s : NULL, mb.s ? mb.len : 0);
	strbuf_release(&mb);
	for (j = first; j < L->n; j++) {
		const char *s = L->v[j], *q = skipws(s);

		if (at_frame_line(s, k)) {
			top = trace_add_frame(top, at_frame(s, k));
			continue;
		}
		if (k == AT_JAVA && starts(q, "at ") && dotted_call(q + 3, frame_len(q + 3))) {
			top = trace_add_frame(top, java_frame(s));
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
		jv chain = jv_array_append(parts, top);
		while (j < L->n && starts(skipws(L->v[j]), "Caused by: ")) {
			jv t, encl;
			long more = 0;
			struct strbuf cm = { 0 };
			header_split(L->v[j], &exc, &elen, &msg);
			if (msg)
				strbuf_add(&cm, msg);
			/* its message may go on for a few lines */
			for (j++; j < L->n && j < L->n && !at_frame_line(L->v[j], AT_JAVA) &&
			    !starts(skipws(L->v[j]), "Caused by: ") && !blank(L->v[j]) &&
			    at_kind(L->v[j]) == AT_NONE && cm.len < 4096 &&
			    j + 1 < L->n && (at_frame_line(L->v[j + 1], AT_JAVA) ||
			    !blank(L->v[j + 1])) && !starts(skipws(L->v[j]), "at "); j++)
				strbuf_addf(&cm, "%s%s", cm.len ? "\n" : "", L->v[j]);
			t = trace_new(lang, exc, elen, cm.s ? cm.s : NULL, cm.s ? cm.len : 0);
			strbuf_release(&cm);
			for (; j < L->n; j++) {
				const char *s = L->v[j], *q = skipws(s);
				if (at_frame_line(s, AT_JAVA) && !starts(s, "\t\t")) {
					t = trace_add_frame(t, java_frame(s));
					continue;
				}
				if (starts(q, "at ") && dotted_call(q + 3, frame_len(q + 3))) {
					t = trace_add_frame(t, java_frame(s));
					continue;
				}
				if (at_frame_line(s, AT_JAVA))
					continue;
				if (starts(q, "... ") && (strstr(q, " more") || strstr(q, " omitted"))) {
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
		top = link_chain(chain);
	} else if (outer_first)
		top = link_chain(jv_array_append(parts, top));
	else
		jv_free(parts);
	*out = top;
	*next = j;
	return 1;
}

/* "path:L" in s[0..n) (L may be negative, as Bugsnag prints a native
 * method's): the path's length and the line (0 when not positive). */
static int
loc_split(const char *s, size_t n, size_t *plen, long *line)
{
	const char *c = memrchr(s, ':', n), *d;

	if (!c || c == s)
		return 0;
	d = c + 1;
	if (d < s + n && *d == '-')
		d++;
	if (d >= s + n || strspn(d, "0123456789") < (size_t)(s + n - d))
		return 0;
	*plen = (size_t)(c - s);
	*line = strtol(c + 1, NULL, 10);
	if (*line < 0)
		*line = 0;
	return 1;
}

/* ---- Go ---- */

/* Length of a function line's name: "main.f(0x1, {0x2, ...})" without its
 * argument list (the balanced parentheses at the end of the line). */
static size_t
go_fn_len(const char *fn)
{
	size_t n = strlen(fn);
	int depth = 0;

	while (n > 0 && isspace((unsigned char)fn[n - 1]))
		n--;
	if (n == 0 || fn[n - 1] != ')')
		return n;
	while (n > 0) {
		char c = fn[--n];
		if (c == ')')
			depth++;
		else if (c == '(' && --depth == 0)
			return n;
	}
	return strlen(fn);
}

/* A location line: whitespace, then "path.go:L" with " +0x.." or " fp=" after. */
static int
go_loc_line(const char *s, const char **path, size_t *plen, long *line)
{
	const char *q = skipws(s), *sp, *colon;

	if (q == s && !strstr(q, ".go:"))
		return 0;
	sp = strchr(q, ' ');
	colon = sp ? memrchr(q, ':', (size_t)(sp - q)) : strrchr(q, ':');
	if (!colon || !isdigit((unsigned char)colon[1]))
		return 0;
	*path = q;
	*plen = (size_t)(colon - q);
	*line = strtol(colon + 1, NULL, 10);
	return 1;
}

/* The start of a panic message in s: "panic: " at the start (or after
 * markup such as "_" or a tab) or after "http: panic serving ADDR: ". */
static const char *
go_header(const char *s, const char **exc)
{
	const char *m, *q = skipws(s);

	*exc = "panic";
	if ((m = strstr(s, "http: panic serving ")) && (m = strstr(m + 20, ": ")))
		return m + 2;
	while (*q == '_' || *q == '*')
		q++;
	if (starts(q, "panic: "))
		return q + 7;
	if (starts(q, "fatal error: ")) {
		*exc = "fatal error";
		return q + 13;
	}
	if (q == s && starts(q, "runtime error: "))
		return q;
	return NULL;
}

static int
go_parse(struct lines *L, size_t i, jv *out, size_t *next)
{
	const char *s = ln(L, i), *msg, *exc, *e;
	size_t j, mlen, g;
	jv t;

	/* Indented as a whole (quoted in a bug report): cut the indent off
	 * the lines under the header. */
	if (!L->gut && (s[0] == ' ' || s[0] == '\t') && go_header(s, &exc) &&
	    !strstr(s, "http: panic serving")) {
		struct lines G = *L;
		G.gut = (size_t)(skipws(s) - s);
		G.gfrom = i;
		G.gchars = " \t";
		return go_parse(&G, i, out, next);
	}
	/* Macaron's and Martini's recovery: "[Macaron] PANIC: msg", then
	 * "path.go:L (0xPC)" lines, each maybe with "\tfn: source" under it. */
	if ((msg = strstr(s, "] PANIC: ")) && i + 1 < L->n && strstr(ln(L, i + 1), ".go:") &&
	    strstr(ln(L, i + 1), " (0x")) {
		msg += 9;
		t = trace_new("go", "panic", 5, msg, strlen(msg));
		for (j = i + 1; j < L->n; j++) {
			const char *q = ln(L, j), *sp = strstr(q, " (0x");
			size_t pl;
			long l2;
			if (q[0] == '\t' && j > i + 1)
				continue;
			if (!sp || !loc_split(q, (size_t)(sp - q), &pl, &l2))
				break;
			t = trace_add_frame(t, frame_new("go", q, pl, l2, NULL, 0));
		}
		*out = t;
		*next = j;
		return 1;
	}

	msg = go_header(s, &exc);
	g = i;
	if (!msg) {
		/* A dump without its header: starts at "goroutine N [running]:" */
		if (!starts(s, "goroutine ") || !strstr(s, "[running]"))
			return 0;
		t = trace_new("go", NULL, 0, NULL, 0);
	} else {
		for (g = i + 1; g < L->n && g < i + 12; g++)
			if (starts(ln(L, g), "goroutine ") && strchr(ln(L, g), '['))
				break;
		if (g >= L->n || g >= i + 12) {
			/* "http: panic serving" with the dump elided: loose locations */
			size_t k;
			if (!strstr(s, "http: panic serving"))
				return 0;
			t = trace_new("go", exc, strlen(exc), msg, strlen(msg));
			for (k = i + 1; k < L->n && k < i + 5; k++) {
				const char *p;
				size_t pl;
				long lno;
				if (go_loc_line(ln(L, k), &p, &pl, &lno) && strstr(ln(L, k), ".go:"))
					t = trace_add_frame(t, frame_new("go", p, pl, lno, NULL, 0));
			}
			if (nframes(t) == 0) {
				jv_free(t);
				return 0;
			}
			*out = t;
			*next = k;
			return 1;
		}
		mlen = strlen(msg);
		if ((e = strstr(msg, " [recovered")))
			mlen = (size_t)(e - msg);
		while (mlen > 0 && (msg[mlen - 1] == '_' || msg[mlen - 1] == ' '))
			mlen--;
		t = trace_new("go", exc, strlen(exc), msg, mlen);
	}
	/* Pairs of "function(args)" and "\tpath:L +0x..", the path line
	 * indented by a tab or by spaces; a long call may wrap its arguments
	 * onto a line of their own. */
	for (j = g + 1; j < L->n && blank(ln(L, j)); j++)
		;
	while (j + 1 < L->n) {
		const char *fn = ln(L, j), *path;
		size_t flen, k = j + 1, plen;
		long line;

		if (blank(fn) || fn[0] == ' ' || fn[0] == '\t')
			break;
		if (starts(fn, "created by ") || starts(fn, "goroutine "))
			break;
		if (k < L->n && ln(L, k)[0] == '(')
			k++;
		if (k >= L->n || !go_loc_line(ln(L, k), &path, &plen, &line))
			break;
		flen = go_fn_len(fn);
		t = trace_add_frame(t, frame_new("go", path, plen, line, fn, flen));
		j = k + 1;
	}
	*out = t;
	*next = j;
	return 1;
}

/* ---- Ruby ---- */

/*
 * "path:L:in `fn'" or "path:L:in 'Cls#fn'" (also "in`fn'"); with bare, a
 * lone "path:L" too (irb's "from (irb):1").  Sets *rest after it.
 */
static int
ruby_loc_(const char *s, jv *f, const char **rest, int bare)
{
	const char *in = strstr(s, ":in "), *q, *fe, *c;
	long line;
	size_t n;

	if (in && in[4] != '`' && in[4] != '\'')
		in = NULL;
	if (!in)
		in = strstr(s, ":in`");
	if (!in && bare) {
		/* "path:L" and nothing after */
		n = strlen(s);
		while (n > 0 && isspace((unsigned char)s[n - 1]))
			n--;
		c = s + n;
		while (c > s && isdigit((unsigned char)c[-1]))
			c--;
		if (c == s + n || c - s < 2 || c[-1] != ':' || strchr(s, ' '))
			return 0;
		*f = frame_new("ruby", s, (size_t)(c - 1 - s), strtol(c, NULL, 10), NULL, 0);
		if (rest)
			*rest = s + n;
		return 1;
	}
	if (!in)
		return 0;
	c = in;
	while (c > s && isdigit((unsigned char)c[-1]))
		c--;
	if (c == in || c == s || c[-1] != ':')
		return 0;
	line = strtol(c, NULL, 10);
	q = in + (in[3] == ' ' ? 5 : 4);
	if (!(fe = strchr(q, '\'')))
		return 0;
	{
		const char *b = memrchr(s, '`', (size_t)(c - s));
		if (b && b > s && b[-1] == ' ' && !memchr(b, ' ', (size_t)(c - b)))
			s = b + 1;	/* prose, then the frame quoted */
	}
	*f = frame_new("ruby", s, (size_t)(c - 1 - s), line, q, (size_t)(fe - q));
	if (rest)
		*rest = fe + 1;
	return 1;
}

static int
ruby_loc(const char *s, jv *f, const char **rest)
{
	return ruby_loc_(s, f, rest, 0);
}

/* A frame line of a Ruby trace: "path:L:in `fn'", "from ...", "N: from
 * ...", Rails' "gem (1.2.3) path:L:in ..." (the gem name dropped). */
static int
ruby_frame_line(const char *s, jv *f)
{
	const char *q = skipws(s);

	while (isdigit((unsigned char)*q))
		q++;
	if (q != skipws(s)) {
		if (!starts(q, ": from "))
			return 0;
		q += 2;
	}
	if (starts(q, "from "))
		return ruby_loc_(skipws(q + 5), f, NULL, 1);
	if (*q == '`')
		q++;
	{
		/* "activerecord (3.2.21) lib/..." */
		const char *sp = strchr(q, ' ');
		if (sp && sp[1] == '(' && isdigit((unsigned char)sp[2])) {
			const char *pe = strchr(sp, ')');
			if (pe && pe[1] == ' ')
				q = pe + 2;
		}
	}
	return ruby_loc(q, f, NULL);
}

/* A Ruby exception class: "NameError", "ActiveRecord::RecordNotFound". */
static size_t
ruby_class_len(const char *s)
{
	const char *p = s;

	for (;;) {
		if (!isupper((unsigned char)*p))
			return 0;
		while (isalnum((unsigned char)*p) || *p == '_')
			p++;
		if (!starts(p, "::"))
			break;
		p += 2;
	}
	return (size_t)(p - s);
}

/* Rails' source excerpt under a template error: "    39:   <% ... %>". */
static int
ruby_excerpt(const char *s)
{
	const char *q = skipws(s);

	if (q == s || !isdigit((unsigned char)*q))
		return 0;
	while (isdigit((unsigned char)*q))
		q++;
	return *q == ':' && !starts(q, ": from ");
}

/* A frame line, or one a log shipper wrapped after ":in" (the function
 * "`fn'" on the next line): then *used is 2. */
static int
ruby_frame_at(struct lines *L, size_t j, jv *f, size_t *used)
{
	const char *s = L->v[j];
	size_t n = strlen(s);

	*used = 1;
	if (ruby_frame_line(s, f))
		return 1;
	/* (the line split kept the next line's backtick as quoting) */
	if (n > 3 && !strcmp(s + n - 3, ":in") && j + 1 < L->n &&
	    (L->v[j + 1][0] == '`' || L->v[j + 1][-1] == '`')) {
		const char *w = L->v[j + 1][0] == '`' ? L->v[j + 1] + 1 : L->v[j + 1];
		char *b = malloc(n + strlen(w) + 3);
		int ok;
		if (!b)
			return 0;
		sprintf(b, "%s `%s", s, w);
		ok = ruby_frame_line(b, f);
		free(b);
		*used = 2;
		return ok;
	}
	return 0;
}

static size_t
ruby_frames(struct lines *L, size_t j, jv *t)
{
	jv f;
	size_t u;

	while (j < L->n && !blank(L->v[j]) && ruby_frame_at(L, j, &f, &u)) {
		*t = trace_add_frame(*t, f);
		j += u;
	}
	return j;
}

static int
ruby_parse(struct lines *L, size_t i, jv *out, size_t *next)
{
	const char *s = L->v[i], *rest = NULL;
	jv f, t;
	size_t j, k, cl, u;

	/* Interpreter form: "path:L:in `fn': message (Class)" then "\tfrom ..." */
	if (!starts(s, "\t") && !starts(skipws(s), "from ") && ruby_loc(s, &f, &rest)) {
		const char *m;
		size_t first = i + 1;
		if (!strcmp(rest, ":") && i + 1 < L->n) {
			/* the message on the next line (a console 80 wide) */
			m = L->v[i + 1];
			first = i + 2;
		} else if (starts(rest, ": ")) {
			m = rest + 2;
		} else {
			jv_free(f);
			return 0;
		}
		const char *po = strrchr(m, '('), *pe = strrchr(m, ')');
		if (!po || !pe || pe < po) {
			jv_free(f);
			return 0;
		}
		t = trace_new("ruby", po + 1, (size_t)(pe - po - 1), m,
		    po > m ? (size_t)(po - m - 1) : 0);
		t = trace_add_frame(t, f);
		/* Ruby 3.1's error_highlight: a blank line, the code, its carets */
		if (first + 2 < L->n && blank(L->v[first]) && !blank(L->v[first + 1]) &&
		    L->v[first + 2][strspn(L->v[first + 2], " ")] == '^' &&
		    !L->v[first + 2][strspn(L->v[first + 2], " ^")])
			first += 3;
		for (j = first; j < L->n; j++) {
			const char *q = skipws(L->v[j]);
			if (!starts(q, "from ") || !ruby_loc_(q + 5, &f, NULL, 1))
				break;
			t = trace_add_frame(t, f);
		}
		*out = t;
		*next = j;
		return 1;
	}
	/* Ruby 2.5-2.7: "Traceback (most recent call last):", "N: from ..."
	 * outermost first, then "path:L:in `fn': message (Class)" or irb's
	 * "Class (message)". */
	if (starts(s, "Traceback (most recent call last):") && i + 1 < L->n &&
	    isdigit((unsigned char)*skipws(L->v[i + 1])) && ruby_frame_line(L->v[i + 1], &f)) {
		jv fr = jv_array();
		const char *e;
		fr = jv_array_append(fr, f);
		for (j = i + 2; j < L->n && ruby_frame_line(L->v[j], &f); j++)
			fr = jv_array_append(fr, f);
		if (j >= L->n) {
			jv_free(fr);
			return 0;
		}
		e = L->v[j];
		if (ruby_loc(e, &f, &rest) && starts(rest, ": ")) {
			const char *m = rest + 2, *po = strrchr(m, '('), *pe = strrchr(m, ')');
			if (!po || !pe || pe < po)
				t = trace_new("ruby", NULL, 0, m, strlen(m));
			else
				t = trace_new("ruby", po + 1, (size_t)(pe - po - 1), m,
				    po > m ? (size_t)(po - m - 1) : 0);
			t = trace_add_frame(t, f);
		} else if ((cl = ruby_class_len(e)) > 0 && (e[cl] == ' ' || e[cl] == ':' || !e[cl])) {
			const char *m = e + cl;
			size_t ml;
			if (starts(m, " (")) {
				m += 2;
				ml = strlen(m);
				if (ml && m[ml - 1] == ')')
					ml--;
			} else {
				m = starts(m, ": ") ? m + 2 : m;
				ml = strlen(m);
			}
			t = trace_new("ruby", e, cl, m, ml);
		} else {
			jv_free(fr);
			return 0;
		}
		for (k = jv_array_length(jv_copy(fr)); k > 0; k--)
			t = trace_add_frame(t, jv_array_get(jv_copy(fr), (int)k - 1));
		jv_free(fr);
		*out = t;
		*next = j + 1;
		return 1;
	}
	/* Rails form: "NoMethodError (undefined method ...):" then indented
	 * frames, after a source excerpt for template errors. */
	if (i + 1 < L->n && (cl = ruby_class_len(s)) > 0 && starts(s + cl, " (") &&
	    s[strlen(s) - 1] == ':') {
		j = i + 1 + blank(L->v[i + 1]);
		while (j < L->n && ruby_excerpt(L->v[j]))
			j++;
		if (j < L->n && (blank(L->v[j]) && j + 1 < L->n))
			j++;
		if (j >= L->n || !ruby_frame_at(L, j, &f, &u))
			return 0;
		t = trace_new("ruby", s, cl, s + cl + 2, strlen(s + cl + 2) - 2);
		t = trace_add_frame(t, f);
		*next = ruby_frames(L, j + u, &t);
		*out = t;
		return 1;
	}
	/* rake, irb, rspec: "Class: message" (a few more message lines: "Did
	 * you mean?"), then frames at column 0 or "from ..." lines.  rspec 1:
	 * "Class in 'example'" with the message on the next line. */
	if ((cl = ruby_class_len(s)) > 0 && (starts(s + cl, ": ") || starts(s + cl, " in '") ||
	    (!s[cl] && (strstr(s, "::") || strstr(s, "Error") || strstr(s, "Exception"))))) {
		const char *m = s + cl, *mm;
		size_t ml;
		for (j = i + 1; j < L->n && j <= i + 4; j++)
			if (ruby_frame_line(L->v[j], &f))
				break;
		if (j >= L->n || j > i + 4)
			return 0;
		if (starts(m, " in '") && j > i + 1) {
			mm = L->v[i + 1];
			ml = strlen(mm);
		} else {
			mm = *m ? m + 2 : m;
			ml = strlen(mm);
		}
		t = trace_new("ruby", s, cl, mm, ml);
		t = trace_add_frame(t, f);
		*next = ruby_frames(L, j + 1, &t);
		*out = t;
		return 1;
	}
	return 0;
}

/* ---- Firefox, Safari and browser consoles ---- */

/* "TypeError: msg" somewhere in s: the exception's start, or NULL. */
static const char *
js_exc_in(const char *s, size_t *elen, const char **msg)
{
	const char *p;

	for (p = s; *p; p++) {
		const char *q = p;
		if (p > s && !strchr(" []\t`'\"", p[-1]))
			continue;
		if (!isupper((unsigned char)*q))
			continue;
		while (isalnum((unsigned char)*q) || *q == '_' || *q == '$' || *q == '.')
			q++;
		if (!starts(q, ": ") || q - p < 5 ||
		    (strncmp(q - 5, "Error", 5) && (q - p < 9 || strncmp(q - 9, "Exception", 9))))
			continue;
		*elen = (size_t)(q - p);
		*msg = q + 2;
		return p;
	}
	return NULL;
}

/* A trailing " URL:L" or " URL L" (Firefox's console) on a message: its
 * start, and the location. */
static const char *
js_trailing_loc(const char *m, size_t n, const char **url, size_t *ulen, long *line)
{
	const char *e = m + n, *d, *sp;

	while (e > m && (e[-1] == '`' || isspace((unsigned char)e[-1])))
		e--;
	d = e;
	while (d > m && isdigit((unsigned char)d[-1]))
		d--;
	if (d == e || d == m || (d[-1] != ':' && d[-1] != ' '))
		return NULL;
	for (sp = d - 1; sp > m && sp[-1] != ' '; sp--)
		;
	if (sp == m || !memmem(sp, (size_t)(d - sp), "://", 3))
		return NULL;
	*url = sp;
	*ulen = (size_t)(d - 1 - sp);
	*line = strtol(d, NULL, 10);
	return sp - 1;
}

/* One frame of a browser's stack: "fn@url:L:C" (Firefox, Safari), "    fn
 * url:L" (Firefox's console), "\tfn (file, line N)" (Safari's console). */
static int
js_browser_frame(const char *s, jv *f)
{
	const char *at = strchr(s, '@'), *q = skipws(s), *e, *c, *p;
	size_t n = strlen(s);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	e = s + n;
	if (at && !strchr(s, ' ') && at < e) {
		/* url:L:C or url:L */
		const char *l = e, *c2;
		while (l > at && isdigit((unsigned char)l[-1]))
			l--;
		if (l == e || l[-1] != ':')
			return 0;
		c2 = l - 1;
		p = c2;
		while (p > at && isdigit((unsigned char)p[-1]))
			p--;
		if (p < c2 && p[-1] == ':' && p - 1 > at + 1) {
			l = p;
			c2 = p - 1;
		}
		*f = frame_new("node", at + 1, (size_t)(c2 - at - 1), strtol(l, NULL, 10),
		    s, (size_t)(at - s));
		return 1;
	}
	if (q == s || !*q)
		return 0;
	/* "fn (file, line N)" */
	if (e[-1] == ')' && (c = strstr(q, ", line ")) && (p = strchr(q, '(')) && p < c &&
	    isdigit((unsigned char)c[7])) {
		const char *fe = p;
		while (fe > q && fe[-1] == ' ')
			fe--;
		*f = frame_new("node", p + 1, (size_t)(c - p - 1), strtol(c + 7, NULL, 10), q,
		    (size_t)(fe - q));
		return 1;
	}
	/* "fn url:L" */
	if ((c = strchr(q, ' ')) && !strchr(c + 1, ' ') && memmem(c, (size_t)(e - c), "://", 3)) {
		const char *l = e;
		while (l > c && isdigit((unsigned char)l[-1]))
			l--;
		if (l == e || l[-1] != ':')
			return 0;
		*f = frame_new("node", c + 1, (size_t)(l - 1 - c - 1), strtol(l, NULL, 10), q,
		    (size_t)(c - q));
		return 1;
	}
	return 0;
}

static int
js_browser_parse(struct lines *L, size_t i, jv *out, size_t *next)
{
	const char *exc, *msg, *url;
	size_t elen, ulen, j, mlen;
	long line;
	jv f, t;

	if (!(exc = js_exc_in(L->v[i], &elen, &msg)))
		return 0;
	mlen = strlen(msg);
	for (j = i + 1; j < L->n && j <= i + 2; j++)
		if (starts(L->v[j], "[[Exception stack") || starts(L->v[j], "Stack:"))
			continue;
		else
			break;
	if (j < L->n && js_browser_frame(L->v[j], &f)) {
		const char *cut = js_trailing_loc(msg, mlen, &url, &ulen, &line);
		t = trace_new("node", exc, elen, msg, cut ? (size_t)(cut - msg) : mlen);
		t = trace_add_frame(t, f);
		for (j++; j < L->n && js_browser_frame(L->v[j], &f); j++)
			t = trace_add_frame(t, f);
		*out = t;
		*next = j;
		return 1;
	}
	/* One line: "TypeError: msg url:L" (Safari 5) */
	{
		const char *cut = js_trailing_loc(msg, mlen, &url, &ulen, &line);
		if (!cut || exc != skipws(L->v[i]) + (*skipws(L->v[i]) == '`'))
			return 0;
		t = trace_new("node", exc, elen, msg, (size_t)(cut - msg));
		t = trace_add_frame(t, frame_new("node", url, ulen, line, NULL, 0));
		*out = t;
		*next = i + 1;
		return 1;
	}
}

/* ---- Rust ---- */

/* Is this a frame of the standard library or of the panic machinery? */
static int
rust_std_fn(const char *fn)
{
	static const char *const std[] = {
		"std::", "core::", "alloc::", "<std::", "<core::", "<alloc::", "rust_begin_unwind",
		"__rust", "__rustc::", "backtrace::", "panicking::", "sys::", "sys_common::",
		"str::", "option::", "result::", "rt::", "_<F as alloc", "<unknown>",
		"util::panicking::", NULL,
	};
	return !fn || prefixed(fn, std) || has(fn, "panic") || has(fn, "unwrap_failed") ||
	    has(fn, "expect_failed");
}

static int
rust_std_path(const char *p, size_t n)
{
	char buf[1024];

	if (n >= sizeof buf)
		n = sizeof buf - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	return has(buf, "/rustc/") || has(buf, "libcore") || has(buf, "libstd") ||
	    has(buf, "liballoc") || has(buf, "library/core") || has(buf, "library/std") ||
	    has(buf, "library/alloc") || has(buf, "/rustlib/");
}

/* "path:L:C" or "path:L" (a Windows path keeps its drive letter): sets the
 * path length and the line; 0 if there is no line number. */
static int
rust_loc(const char *loc, size_t llen, size_t *plen, long *line)
{
	const char *c2, *c1;

	while (llen > 0 && (loc[llen - 1] == ':' || isspace((unsigned char)loc[llen - 1]) ||
	    loc[llen - 1] == '`'))
		llen--;
	c2 = memrchr(loc, ':', llen);
	if (!c2 || !isdigit((unsigned char)c2[1]))
		return 0;
	c1 = memrchr(loc, ':', (size_t)(c2 - loc));
	if (c1 && isdigit((unsigned char)c1[1])) {
		*line = strtol(c1 + 1, NULL, 10);
		*plen = (size_t)(c1 - loc);
	} else {
		*line = strtol(c2 + 1, NULL, 10);
		*plen = (size_t)(c2 - loc);
	}
	return 1;
}

/* Strip Rust's symbol hash ("::h0123456789abcdef", older "::h...ZZu") from
 * a name. */
static size_t
rust_fn_len(const char *fn)
{
	size_t n = strlen(fn), k;
	const char *h = NULL, *p = fn;

	while (n > 0 && isspace((unsigned char)fn[n - 1]))
		n--;
	while ((p = strstr(p, "::h")))
		h = p, p += 3;
	if (h && fn + n - (h + 3) >= 16) {
		for (k = (size_t)(h + 3 - fn); k < n && isalnum((unsigned char)fn[k]); k++)
			;
		if (k == n)
			n = (size_t)(h - fn);
	}
	return n;
}

/* Fuchsia's symbolizer markup for a backtrace: "{{{reset}}}",
 * "{{{module:...}}}", "{{{mmap:...}}}" and "{{{bt:N:0xADDR:pc}}}" lines,
 * one frame per bt element (its address; symbolizing needs the binary).
 * Appends to *bt; returns the line after the block. */
static size_t
rust_markup(struct lines *L, size_t j, jv *bt)
{
	for (; j < L->n && starts(skipws(L->v[j]), "{{{"); j++) {
		const char *q = skipws(L->v[j]), *a, *e;
		jv f;
		if (!starts(q, "{{{bt:"))
			continue;	/* reset, module, mmap */
		if (!(a = strchr(q + 6, ':')) || !starts(a + 1, "0x") || !(e = strstr(a, "}}}")))
			break;
		f = frame_new("rust", NULL, 0, 0, NULL, 0);
		f = jv_object_set(f, jv_string("address"),
		    str_n(a + 1, strcspn(a + 1, ":}")));
		*bt = jv_array_append(*bt, f);
	}
	return j;
}

static int
rust_parse(struct lines *L, size_t i, jv *out, size_t *next)
{
	const char *s = L->v[i], *at, *loc = NULL, *msg = NULL;
	size_t llen = 0, mlen = 0, j = i + 1, plen = 0;
	long line = 0;
	jv t, f, bt = jv_array();
	int have_loc = 0;

	if (strstr(s, "panicked (crashed).") && j + 1 < L->n) {
		/* color-eyre / human-panic: "The application panicked (crashed).",
		 * the message, then "in path:L" */
		msg = skipws(L->v[j]);
		mlen = strlen(msg);
		if (starts(L->v[j + 1], "in ")) {
			loc = L->v[j + 1] + 3;
			llen = strlen(loc);
		}
		j += 2;
	} else {
		if (!(at = strstr(s, "panicked at ")))
			return jv_free(bt), 0;
		at += 12;
		if (*at == '\'' || *at == '"') {	/* old: panicked at 'msg', src/main.rs:4:5 */
			const char *e = NULL, *p = at + 1;
			while ((p = strstr(p, "', ")))	/* the last one */
				e = p, p += 3;
			if (!e)
				return jv_free(bt), 0;
			msg = at + 1;
			mlen = (size_t)(e - msg);
			loc = e + 3;
			llen = strlen(loc);
		} else {			/* new: panicked at src/main.rs:4:5:\nmsg */
			const char *c = strstr(at, ": ");
			loc = at;
			llen = strlen(loc);
			while (c) {		/* "path:L:C: msg" on one line */
				if (isdigit((unsigned char)c[-1])) {
					llen = (size_t)(c - at);
					msg = skipws(c + 2);
					mlen = strlen(msg);
					while (mlen > 0 && msg[mlen - 1] == '`')
						mlen--;
					break;
				}
				c = strstr(c + 1, ": ");
			}
			if (!msg && j < L->n) {
				msg = skipws(L->v[j]);
				mlen = strlen(msg);
				j++;
			}
		}
	}
	if (loc)
		have_loc = rust_loc(loc, llen, &plen, &line);
	t = trace_new("rust", "panic", 5, msg, mlen);
	/* A backtrace: "   N: fn" (or "N: 0x.. - fn") with "at path:L:C" under it. */
	while (j < L->n && j < i + 6 && !strstr(L->v[j], "stack backtrace:") &&
	    !starts(skipws(L->v[j]), "backtrace:") && !starts(skipws(L->v[j]), "{{{"))
		j++;
	if (j < L->n && starts(skipws(L->v[j]), "{{{"))
		j = rust_markup(L, j, &bt);
	else if (j + 1 < L->n && strstr(L->v[j], "stack backtrace:") && starts(skipws(L->v[j + 1]), "{{{"))
		j = rust_markup(L, j + 1, &bt);
	else if (j < L->n && (strstr(L->v[j], "stack backtrace:") || starts(skipws(L->v[j]), "backtrace:"))) {
		const char *first = strstr(L->v[j], "backtrace:") + 10;
		int use_first = !blank(first);
		if (!use_first)
			j++;
		while (j < L->n) {
			const char *q = use_first ? skipws(first) : skipws(L->v[j]), *fn, *p = NULL;
			long ln = 0;
			size_t pl = 0;
			use_first = 0;
			if (!isdigit((unsigned char)*q) || !(fn = strstr(q, ": ")))
				break;
			fn = skipws(fn + 2);
			if (starts(fn, "0x")) {
				const char *d = strstr(fn, " - ");
				fn = d ? d + 3 : fn;
			}
			j++;
			while (j < L->n && starts(skipws(L->v[j]), "at ")) {
				const char *a = skipws(L->v[j]) + 3;
				if (!p)
					rust_loc(a, strlen(a), &pl, &ln), p = a;
				j++;
			}
			/* inlined frames: an indented name with no number */
			while (j < L->n && !isdigit((unsigned char)*skipws(L->v[j])) &&
			    skipws(L->v[j]) != L->v[j] && !blank(L->v[j]) &&
			    !starts(skipws(L->v[j]), "at ") && !starts(L->v[j], "note: "))
				j++;
			bt = jv_array_append(bt, frame_new("rust", p, p ? pl : 0, ln, fn, rust_fn_len(fn)));
		}
		if (j < L->n && starts(L->v[j], "note: "))
			j++;
	} else if (j < L->n && starts(L->v[j], "note: "))
		j++;
	/* frames: the backtrace less the panic machinery above the panicking
	 * frame; the culprit: the "panicked at" location, named after the
	 * backtrace frame there, or, when that location is in the standard
	 * library, the first frame of the program under it. */
	{
		int n = jv_array_length(jv_copy(bt)), k, found = 0;
		jv top = jv_null();
		for (k = 0; k < n; k++) {
			jv g = jv_array_get(jv_copy(bt), k);
			const char *fn = fstr_of(g, "function");
			if (!fn && jv_object_has(jv_copy(g), jv_string("address")))
				found = 1;	/* markup: no names to tell the machinery by */
			if (!found && (!fn || has(fn, "rust_begin_unwind") || has(fn, "panic") ||
			    has(fn, "unwrap_failed") || has(fn, "expect_failed") ||
			    starts(fn, "backtrace::") || starts(fn, "std::sys") ||
			    starts(fn, "sys::") || starts(fn, "sys_common::") ||
			    has(fn, "BacktraceLock") || starts(fn, "<std::sys") ||
			    starts(fn, "core::fmt::") || starts(fn, "std::io::") ||
			    starts(fn, "_<F as alloc") || starts(fn, "__rustc::"))) {
				jv_free(g);
				continue;
			}
			found = 1;
			t = trace_add_frame(t, g);
		}
		if (have_loc && !rust_std_path(loc, plen)) {
			const char *name = NULL;
			size_t nlen = 0;
			jv fr = jv_object_get(jv_copy(t), jv_string("frames"));
			int m = jv_array_length(jv_copy(fr));
			const char *lp = loc;
			size_t lpl = plen;
			if (starts(lp, "./"))
				lp += 2, lpl -= 2;
			for (k = 0; k < m && !name; k++) {
				jv g = jv_array_get(jv_copy(fr), k);
				const char *gp = fstr_of(g, "path");
				if (gp && fline_of(g) == line) {
					size_t gl = strlen(gp);
					if (gl >= lpl && !strncmp(gp + gl - lpl, lp, lpl)) {
						name = fstr_of(g, "function");
						nlen = name ? strlen(name) : 0;
						top = frame_new("rust", loc, plen, line, name, nlen);
					}
				}
				jv_free(g);
			}
			jv_free(fr);
			if (!name)
				top = frame_new("rust", loc, plen, line, NULL, 0);
		} else {
			for (k = 0; k < n; k++) {
				jv g = jv_array_get(jv_copy(bt), k);
				if (!rust_std_fn(fstr_of(g, "function"))) {
					top = g;
					break;
				}
				jv_free(g);
			}
			if (jv_get_kind(top) == JV_KIND_NULL && have_loc)
				top = frame_new("rust", loc, plen, line, NULL, 0);
		}
		if (nframes(t) == 0 && jv_get_kind(top) == JV_KIND_OBJECT)
			t = trace_add_frame(t, jv_copy(top));
		t = jv_object_set(t, jv_string("top_frame"), top);
	}
	jv_free(bt);
	f = jv_null();
	jv_free(f);
	*out = t;
	*next = j;
	return 1;
}

/* ---- PHP ---- */

/* "F:L" or "F on line L" at s (length n): path length and line, or 0. */
static int
php_loc(const char *s, size_t n, size_t *plen, long *line)
{
	const char *e;
	char buf[2048];

	while (n > 0 && (isspace((unsigned char)s[n - 1]) || s[n - 1] == '.' || s[n - 1] == '`'))
		n--;
	if (n == 0 || n >= sizeof buf)
		return 0;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if ((e = strstr(buf, " on line ")) && isdigit((unsigned char)e[9])) {
		*plen = (size_t)(e - buf);
		*line = strtol(e + 9, NULL, 10);
		return 1;
	}
	e = strrchr(buf, ':');
	if (e && isdigit((unsigned char)e[1]) && strspn(e + 1, "0123456789") == strlen(e + 1)) {
		*plen = (size_t)(e - buf);
		*line = strtol(e + 1, NULL, 10);
		return 1;
	}
	return 0;
}

static const char *
strcasestr_(const char *h, const char *n)
{
	size_t k = strlen(n);

	for (; *h; h++)
		if (!strncasecmp(h, n, k))
			return h;
	return NULL;
}

/* A copy of s[0..n) with the JSON string escapes \\ and \" undone (a
 * Laravel log line is JSON inside text). */
static char *
php_unescape(const char *s, size_t n)
{
	char *o = malloc(n + 1), *w = o;
	size_t k;

	if (!o)
		return NULL;
	for (k = 0; k < n; k++) {
		if (s[k] == '\\' && k + 1 < n && (s[k + 1] == '\\' || s[k + 1] == '"'))
			k++;
		*w++ = s[k];
	}
	*w = '\0';
	return o;
}

/* Frames "#k file(line): fn(args)" from v[0..n): each names the function
 * of the frame before it, whose location the exception's own location
 * (f) or the previous "#k" line gave.  Consumes f; adds to t. */
static jv
php_frames(jv t, jv f, char **v, size_t n, size_t *used, int unescape)
{
	size_t j;

	for (j = 0; j < n; j++) {
		const char *q = skipws(v[j]), *sp, *po, *fn;
		if (starts(q, "Stack trace:") || starts(q, "[stacktrace]"))
			continue;
		if (q[0] != '#' || !isdigit((unsigned char)q[1]) || !(sp = strchr(q, ' ')))
			break;
		sp++;
		if (!strcmp(sp, "{main}") || starts(sp, "{main} ")) {
			f = jv_object_set(f, jv_string("function"), jv_string("{main}"));
			t = trace_add_frame(t, f);
			f = jv_invalid();
			j++;
			break;
		}
		fn = strstr(sp, ": ");
		po = fn ? memrchr(sp, '(', (size_t)(fn - sp)) : NULL;
		if (fn) {
			size_t fl = strcspn(fn + 2, "(");
			char *x = unescape ? php_unescape(fn + 2, fl) : strndup(fn + 2, fl);
			f = jv_object_set(f, jv_string("function"), x ? jv_string(x) : jv_null());
			free(x);
		}
		t = trace_add_frame(t, f);
		if (po && fn)
			f = frame_new("php", sp, (size_t)(po - sp), strtol(po + 1, NULL, 10), NULL, 0);
		else
			f = frame_new("php", NULL, 0, 0, NULL, 0);
	}
	if (jv_is_valid(f)) {
		jv path = jv_object_get(jv_copy(f), jv_string("path"));
		if (nframes(t) == 0 || jv_get_kind(path) == JV_KIND_STRING)
			t = trace_add_frame(t, f);
		else
			jv_free(f);
		jv_free(path);
	}
	*used = j;
	return t;
}

/* Laravel: '... {"exception":"[object] (X(code: 0): msg at F:L)' then
 * "[stacktrace]" and "#k" lines, backslashes JSON-escaped. */
static int
php_laravel(struct lines *L, size_t i, jv *out, size_t *next)
{
	const char *s = strstr(L->v[i], "{\"exception\":\"[object] ("), *x, *c, *m, *at, *end;
	char *exc, *msg;
	size_t plen, used;
	long line;
	jv t, f;

	if (!s)
		return 0;
	x = s + 24;
	if (!(c = strstr(x, "(code: ")) || !(m = strstr(c, "): ")))
		return 0;
	m += 3;
	end = m + strlen(m);
	while (end > m && end[-1] != ')')
		end--;
	if (end > m)
		end--;
	at = NULL;
	for (c = m; (c = strstr(c, " at ")) && c < end; c++)
		at = c;
	if (!at || !php_loc(at + 4, (size_t)(end - at - 4), &plen, &line))
		return 0;
	exc = php_unescape(x, (size_t)(strstr(x, "(code: ") - x));
	msg = php_unescape(m, (size_t)(at - m));
	t = trace_new("php", exc, exc ? strlen(exc) : 0, msg, msg ? strlen(msg) : 0);
	free(exc);
	free(msg);
	f = frame_new("php", at + 4, plen, line, NULL, 0);
	t = php_frames(t, f, L->v + i + 1, L->n - i - 1, &used, 1);
	*out = t;
	*next = i + 1 + used;
	return 1;
}

/* TYPO3's exception handler: "Uncaught TYPO3 Exception: msg | Class thrown
 * in file F in line L." */
static int
php_typo3(struct lines *L, size_t i, jv *out, size_t *next)
{
	const char *s = strstr(L->v[i], "Uncaught TYPO3 Exception: "), *m, *bar, *th, *il;
	jv t;

	if (!s)
		return 0;
	m = s + 26;
	if (!(th = strstr(m, " thrown in file ")) || !(il = strstr(th, " in line ")))
		return 0;
	bar = NULL;
	for (s = m; (s = strstr(s, " | ")) && s < th; s++)
		bar = s;
	if (!bar || strchr(bar + 3, ' ') < th)
		return 0;
	t = trace_new("php", bar + 3, (size_t)(th - bar - 3), m, (size_t)(bar - m));
	t = trace_add_frame(t, frame_new("php", th + 16, (size_t)(il - th - 16),
	    strtol(il + 9, NULL, 10), NULL, 0));
	*out = t;
	*next = i + 1;
	return 1;
}

/* Collision (Laravel's console): the class alone, the message, then
 * "at F:L" a blank line apart each. */
static int
php_collision(struct lines *L, size_t i, jv *out, size_t *next)
{
	const char *s = skipws(L->v[i]), *m, *a;
	size_t n = strlen(s), k, plen;
	long line;
	jv t;

	while (n > 0 && s[n - 1] == ' ')
		n--;
	if (i + 4 >= L->n || !memchr(s, '\\', n) || !blank(L->v[i + 1]) || !blank(L->v[i + 3]))
		return 0;
	for (k = 0; k < n; k++)
		if (!isalnum((unsigned char)s[k]) && s[k] != '\\' && s[k] != '_')
			return 0;
	if (!(n > 9 && !strncmp(s + n - 9, "Exception", 9)) && !(n > 5 && !strncmp(s + n - 5, "Error", 5)))
		return 0;
	m = skipws(L->v[i + 2]);
	a = skipws(L->v[i + 4]);
	if (!starts(a, "at ") || !php_loc(a + 3, strlen(a + 3), &plen, &line))
		return 0;
	t = trace_new("php", s, n, m, strlen(m));
	t = trace_add_frame(t, frame_new("php", a + 3, plen, line, NULL, 0));
	*out = t;
	*next = i + 5;
	return 1;
}

static int
php_parse(struct lines *L, size_t i, jv *out, size_t *next)
{
	const char *s = L->v[i], *u, *exc = NULL, *msg, *head_end, *d, *in, *p;
	size_t elen = 0, mlen, plen = 0, used, j;
	long line = 0;
	jv t, f;

	if (php_laravel(L, i, out, next) || php_typo3(L, i, out, next) || php_collision(L, i, out, next))
		return 1;
	/* webtrees and others: "Error: msg in file F on line L", then "Stack trace:" */
	if (i + 1 < L->n && starts(skipws(L->v[i + 1]), "Stack trace:") && header_split(s, &exc, &elen,
	    &msg) && exc == skipws(s) && msg && (in = strstr(msg, " in file ")) &&
	    php_loc(in + 9, strlen(in + 9), &plen, &line) && strstr(in + 9, " on line ")) {
		t = trace_new("php", exc, elen, msg, (size_t)(in - msg));
		t = trace_add_frame(t, frame_new("php", in + 9, plen, line, NULL, 0));
		for (j = i + 2; j < L->n; j++) {
			const char *q = skipws(L->v[j]), *sp, *loc;
			size_t pl;
			long ln2;
			if (!isdigit((unsigned char)*q) || !(sp = strstr(q, ". ")) ||
			    !(loc = strrchr(q, ' ')) || !php_loc(loc + 1, strlen(loc + 1), &pl, &ln2))
				break;
			if (j > i + 2)	/* the first repeats the location above */
				t = trace_add_frame(t, frame_new("php", loc + 1, pl, ln2, sp + 2,
				    strcspn(sp + 2, "(")));
		}
		*out = t;
		*next = j;
		return 1;
	}
	u = strstr(s, "Uncaught ");
	if (!strcasestr_(s, "fatal error: ") && !strstr(s, "PHP ") && !strstr(s, "Warning: ") &&
	    !strstr(s, "Notice: ") && !strstr(s, "Deprecated: ") && !(u && u == skipws(s)))
		return 0;
	if (u && starts(u, "Uncaught exception '")) {	/* PHP 5 */
		const char *q = u + 20, *qe = strchr(q, '\'');
		if (!qe)
			return 0;
		exc = q;
		elen = (size_t)(qe - q);
		msg = qe + 1;
		if (starts(msg, " with message '"))
			msg += 15;
	} else if (u) {
		exc = u + 9;
		p = exc;
		while (isalnum((unsigned char)*p) || *p == '\\' || *p == '_')
			p++;
		elen = (size_t)(p - exc);
		msg = *p == ':' ? skipws(p + 1) : p;
	} else if ((u = strcasestr_(s, "Fatal error: ")) || (u = strstr(s, "Warning: ")) ||
	    (u = strstr(s, "Notice: ")) || (u = strstr(s, "Deprecated: "))) {
		exc = u;
		elen = (size_t)(strchr(u, ':') - u);
		msg = skipws(strchr(u, ':') + 1);
	} else
		return 0;
	/* The message runs to " in FILE:LINE" (or "... on line N"), before
	 * any "Stack trace:" on the same line; "called in ... and defined in
	 * FILE:LINE" names the definition. */
	head_end = msg + strlen(msg);
	if ((d = strstr(msg, " Stack trace:")) || (d = strstr(msg, "\\nStack trace:")))
		head_end = d;
	in = NULL;
	if ((d = strstr(msg, " and defined in ")) && d < head_end) {
		mlen = (size_t)(d - msg);
		in = d + 16;
	} else {
		for (p = msg; (p = strstr(p, " in ")) && p < head_end; p++)
			in = p + 4;
		if (!in)
			return 0;
		mlen = (size_t)(in - 4 - msg);
	}
	if (!php_loc(in, (size_t)(head_end - in), &plen, &line))
		return 0;
	if (elen == 9 && !strncmp(exc, "exception", 9))
		return 0;
	/* PHP 5: "... with message 'M' in F" */
	if (mlen > 0 && msg[mlen - 1] == '\'' && msg > s && msg[-1] == '\'')
		mlen--;
	t = trace_new("php", exc, elen, msg, mlen);
	f = frame_new("php", in, plen, line, NULL, 0);
	if (*head_end) {
		/* The trace on the same line: "#0 F(L): fn() #1 {main} thrown in",
		 * or with escaped newlines "\n#0 ...". */
		char *rest = strdup(head_end), *v[256], *q;
		size_t n = 0;
		if (!rest) {
			jv_free(f);
			*out = t;
			*next = i + 1;
			return 1;
		}
		for (q = rest; *q && n < 256; ) {
			char *h = strstr(q, "#");
			while (h && !(isdigit((unsigned char)h[1]) && (h == rest || h[-1] == ' ' ||
			    h[-1] == 'n')))
				h = strstr(h + 1, "#");
			if (!h)
				break;
			if (h > rest && h[-1] == 'n' && h > rest + 1 && h[-2] == '\\')
				h[-2] = '\0';
			else if (h > rest)
				h[-1] = '\0';
			v[n++] = h;
			q = h + 1;
		}
		for (j = 0; j < n; j++) {
			char *e = strstr(v[j], " thrown in ");
			if (!e)
				e = strstr(v[j], "\\n  thrown in ");
			if (e)
				*e = '\0';
		}
		t = php_frames(t, f, v, n, &used, 1);
		free(rest);
		j = i + 1;
	} else {
		t = php_frames(t, f, L->v + i + 1, L->n - i - 1, &used, 0);
		j = i + 1 + used;
	}
	if (j < L->n && starts(skipws(L->v[j]), "thrown in "))
		j++;
	*out = t;
	*next = j;
	return 1;
}

/* ---- C/C++ sanitizers ---- */

/* "#3 0x4c3c8e in main /src/app/main.c:7:10", "#0 0x448070  (/bin/x+0x448070)",
 * "#0 0x7ff7 in insert+0x222 (C:\x\run.exe+0x1400)", ThreadSanitizer's
 * "#0 Thread::f() /src/thread.cpp:434:18 (fishmill+0x4d8a7e)" and any of
 * them with " (BuildId: ...)" after.  q points at "#N". */
static jv
san_frame(const char *q)
{
	char buf[4096], *b, *e, *fn = NULL, *loc = NULL, *sp;
	size_t n;
	long line = 0;
	jv f;

	n = strlen(q);
	if (n >= sizeof buf)
		n = sizeof buf - 1;
	memcpy(buf, q, n);
	buf[n] = '\0';
	e = buf + n;
	while (e > buf && isspace((unsigned char)e[-1]))
		*--e = '\0';
	if ((sp = strstr(buf, " (BuildId: ")))
		*sp = '\0', e = sp;
	b = buf + 1;				/* past '#' */
	while (isdigit((unsigned char)*b))
		b++;
	b = (char *)skipws(b);
	if (starts(b, "0x")) {
		while (isxdigit((unsigned char)*b) || *b == 'x')
			b++;
		b = (char *)skipws(b);
		if (starts(b, "in ")) {
			fn = b + 3;
		} else
			loc = b;		/* "(module+off)" only */
	} else {
		/* ThreadSanitizer: drop the trailing "(module+off)" */
		fn = b;
		if (e > b && e[-1] == ')' && (sp = strrchr(b, '(')) && sp > b && sp[-1] == ' ' &&
		    strchr(sp, '+')) {
			sp[-1] = '\0';
			e = sp - 1;
		}
	}
	if (fn) {
		/* C++ names contain spaces ("f(int, char)"): the location is
		 * the last space-separated word. */
		sp = strrchr(fn, ' ');
		if (!sp)
			loc = NULL;
		else {
			*sp = '\0';
			loc = sp + 1;
		}
		/* "insert+0x222" */
		if ((sp = strstr(fn, "+0x")) && !strchr(sp, ' '))
			*sp = '\0';
	}
	if (loc && *loc == '(') {
		loc++;
		loc[strcspn(loc, "+)")] = '\0';
	} else if (loc && !strcmp(loc, "<null>")) {
		loc = NULL;
	} else if (loc) {
		char *c2 = strrchr(loc, ':'), *c1;
		if (c2 && isdigit((unsigned char)c2[1])) {
			*c2 = '\0';
			line = strtol(c2 + 1, NULL, 10);
			c1 = strrchr(loc, ':');
			if (c1 && isdigit((unsigned char)c1[1]) && c1 > loc + 1) {
				*c1 = '\0';
				line = strtol(c1 + 1, NULL, 10);
			}
		}
	}
	f = frame_new("c", loc, loc ? strlen(loc) : 0, line, fn, fn ? strlen(fn) : 0);
	return f;
}

/* The "#N" of a frame line, if the line is one (after any junk a log or a
 * terminal put in front: "^C^C    #0 0x..."). */
static const char *
san_frame_at(const char *s)
{
	const char *p = skipws(s);

	if (*p != '#' || !isdigit((unsigned char)p[1])) {
		p = strstr(s, "    #");
		if (!p)
			return NULL;
		p = skipws(p);
		if (!isdigit((unsigned char)p[1]))
			return NULL;
	}
	{
		const char *d = p + 1;
		while (isdigit((unsigned char)*d))
			d++;
		if (*d != ' ')
			return NULL;
	}
	return p;
}

static int
san_parse(struct lines *L, size_t i, jv *out, size_t *next)
{
	const char *s = L->v[i], *e, *kind, *rt;
	size_t j;
	jv t;

	if ((rt = strstr(s, ": runtime error: ")) && !strstr(s, "panic")) {
		/* UBSan: "path:L:C: runtime error: msg" */
		const char *c2 = memrchr(s, ':', (size_t)(rt - s)), *c1, *m = rt + 17, *me;
		long line = 0;
		size_t plen = (size_t)(rt - s);
		if (c2 && (c1 = memrchr(s, ':', (size_t)(c2 - s)))) {
			line = strtol(c1 + 1, NULL, 10);
			plen = (size_t)(c1 - s);
		}
		me = strstr(m, " SUMMARY: ");
		t = trace_new("c", "undefined-behavior", 18, m, me ? (size_t)(me - m) : strlen(m));
		j = i + 1;
		if (j < L->n && san_frame_at(L->v[j])) {
			for (; j < L->n && san_frame_at(L->v[j]); j++)
				t = trace_add_frame(t, san_frame(san_frame_at(L->v[j])));
		} else
			t = trace_add_frame(t, frame_new("c", skipws(s), plen - (size_t)(skipws(s) - s),
			    line, NULL, 0));
		while (j < L->n && strstr(L->v[j], "SUMMARY: UndefinedBehaviorSanitizer"))
			j++;
		*out = t;
		*next = j;
		return 1;
	}
	if (!(e = strstr(s, "ERROR: ")) && !(e = strstr(s, "WARNING: ")))
		return 0;
	if (!(kind = strstr(e, "Sanitizer: ")))
		return 0;
	{
		const char *m = kind + 11, *x = m;
		size_t xl;
		/* The bug type is the text before " on ", " in ", " at ", " (" or ":" */
		while (*x && !starts(x, " on ") && !starts(x, " in ") && !starts(x, " at ") &&
		    !starts(x, " (") && *x != ':')
			x++;
		xl = (size_t)(x - m);
		while (xl > 0 && m[xl - 1] == ' ')
			xl--;
		t = trace_new("c", m, xl, m, strlen(m));
	}
	for (j = i + 1; j < L->n && j < i + 8 && !san_frame_at(L->v[j]); j++)
		if (strstr(L->v[j], "<empty stack>") || strstr(L->v[j], "Sanitizer can not provide"))
			break;
	for (; j < L->n && san_frame_at(L->v[j]); j++)
		t = trace_add_frame(t, san_frame(san_frame_at(L->v[j])));
	/* Skip the rest of the report up to SUMMARY. */
	{
		size_t k;
		for (k = j; k < L->n && k < j + 400; k++)
			if (strstr(L->v[k], "SUMMARY: ") && strstr(L->v[k], "Sanitizer")) {
				j = k + 1;
				break;
			}
	}
	*out = t;
	*next = j;
	return 1;
}

/* ---- error trackers' reports: Bugsnag, Honeybadger, App Center,
 * exception_notification, Django's debug page ---- */

/* The language a file name's extension names, or NULL. */
static const char *
ext_lang(const char *p, size_t n)
{
	static const char *const ext[][2] = {
		{ ".rb", "ruby" }, { ".rake", "ruby" }, { ".erb", "ruby" }, { ".haml", "ruby" },
		{ ".py", "python" }, { ".php", "php" }, { ".java", "java" }, { ".kt", "java" },
		{ ".js", "node" }, { ".ts", "node" }, { ".cs", "dotnet" }, { ".go", "go" },
		{ ".rs", "rust" }, { NULL, NULL },
	};
	size_t i;

	for (i = 0; ext[i][0]; i++) {
		size_t k = strlen(ext[i][0]);
		if (n >= k && !strncmp(p + n - k, ext[i][0], k))
			return ext[i][1];
	}
	return NULL;
}

/* The language of a report: its first frame's file, else the exception's
 * package. */
static const char *
report_lang(jv t, const char *exc)
{
	jv fr = jv_object_get(jv_copy(t), jv_string("frames"));
	const char *lang = NULL;
	int k, n = jv_array_length(jv_copy(fr));

	for (k = 0; k < n && !lang; k++) {
		jv g = jv_array_get(jv_copy(fr), k);
		const char *gp = fstr_of(g, "path");
		lang = gp ? ext_lang(gp, strlen(gp)) : NULL;
		jv_free(g);
	}
	jv_free(fr);
	if (!lang && exc && (starts(exc, "java.") || starts(exc, "android.") || starts(exc, "kotlin.")))
		lang = "java";
	return lang ? lang : "unknown";
}

/* Frames are made before the language is known: fix lang and in_app. */
static jv
report_finish(jv t, const char *exc)
{
	const char *lang = report_lang(t, exc);
	jv fr = jv_object_get(jv_copy(t), jv_string("frames")), out = jv_array();
	int k, n = jv_array_length(jv_copy(fr));

	for (k = 0; k < n; k++) {
		jv g = jv_array_get(jv_copy(fr), k);
		g = jv_object_set(g, jv_string("in_app"), jv_bool(trace_in_app(lang,
		    fstr_of(g, "path"), fstr_of(g, "function"))));
		out = jv_array_append(out, g);
	}
	jv_free(fr);
	t = jv_object_set(t, jv_string("frames"), out);
	return jv_object_set(t, jv_string("lang"), jv_string(lang));
}

/* The message lines from j on (at most 20), up to a blank line or a
 * markdown line: into *mb, joined with newlines.  Returns the line after. */
static size_t
report_msg(struct lines *L, size_t j, struct strbuf *mb)
{
	size_t end = j + 20;	/* a bound: the caller looks past it */

	for (; j < L->n && j < end && !blank(L->v[j]) && !starts(L->v[j], "[View ") &&
	    !starts(L->v[j], "## ") && !starts(L->v[j], "### "); j++) {
		if (mb->len)
			strbuf_add(mb, "\n");
		strbuf_add(mb, L->v[j]);
	}
	return j;
}

/* Bugsnag's issue: "**Class** in **where**", the message, then under
 * "## Stacktrace" lines "    path:L - function", innermost first. */
static int
bugsnag_parse(struct lines *L, size_t i, jv *out, size_t *next)
{
	const char *s = L->v[i], *e, *in;
	struct strbuf mb = { 0 };
	size_t j, k, elen;
	jv t;
	int stack = 0;

	if (!starts(s, "**") || !(e = strstr(s + 2, "**")) || !(in = strstr(e, "** in **")) ||
	    in != e || e == s + 2 || memchr(s + 2, ' ', (size_t)(e - s - 2)))
		return 0;
	elen = (size_t)(e - s - 2);
	j = report_msg(L, i + 1, &mb);
	for (k = j; k < L->n && k < j + 8; k++)
		if (starts(L->v[k], "## Stacktrace")) {
			stack = 1;
			break;
		}
	if (!stack) {
		strbuf_release(&mb);
		return 0;
	}
	t = trace_new("unknown", s + 2, elen, mb.s ? mb.s : "", mb.len);
	strbuf_release(&mb);
	for (k++; k < L->n && (blank(L->v[k]) || starts(L->v[k], "```")); k++)
		;
	for (; k < L->n; k++) {
		const char *q = skipws(L->v[k]), *d = strstr(q, " - ");
		size_t plen;
		long line;
		if (!d || !loc_split(q, (size_t)(d - q), &plen, &line))
			break;
		t = trace_add_frame(t, frame_new("unknown", q, plen, line, d + 3, strlen(d + 3)));
	}
	{
		char *x = strndup(s + 2, elen);
		t = report_finish(t, x);
		free(x);
	}
	*out = t;
	*next = k;
	return 1;
}

/* Honeybadger's issue: "# [Project/env] Class: message" above "##
 * Backtrace" and "    line L of [PROJECT_ROOT]/path: function" lines. */
static int
honeybadger_parse(struct lines *L, size_t i, jv *out, size_t *next)
{
	const char *exc = NULL, *msg = NULL;
	size_t elen = 0, j, h;
	jv t;

	if (strcmp(skipws(L->v[i]), "## Backtrace") != 0)
		return 0;
	for (j = i + 1; j < L->n && blank(L->v[j]); j++)
		;
	if (j >= L->n || !starts(skipws(L->v[j]), "line "))
		return 0;
	for (h = i; h > 0 && i - h < 6; h--) {
		const char *q = L->v[h - 1], *b, *c;
		if (!starts(q, "# ") || !(b = strstr(q, "] ")))
			continue;
		b += 2;
		c = b;
		while (isalnum((unsigned char)*c) || *c == ':' || *c == '_' || *c == '.')
			if (*c == ':' && c[1] != ':' && c > b && c[-1] != ':')
				break;
			else
				c++;
		if (c > b && c[0] == ':' && c[1] == ' ') {
			exc = b;
			elen = (size_t)(c - b);
			msg = c + 2;
		}
		break;
	}
	t = trace_new("unknown", exc, elen, msg, msg ? strlen(msg) : 0);
	for (; j < L->n; j++) {
		const char *q = skipws(L->v[j]), *of, *c;
		long line;
		if (!starts(q, "line ") || !(of = strstr(q, " of ")) || !(c = strstr(of + 4, ": ")))
			break;
		line = strtol(q + 5, NULL, 10);
		t = trace_add_frame(t, frame_new("unknown", of + 4, (size_t)(c - of - 4), line, c + 2,
		    strlen(c + 2)));
	}
	{
		char *x = exc ? strndup(exc, elen) : NULL;
		t = report_finish(t, x);
		free(x);
	}
	*out = t;
	*next = j;
	return 1;
}

/* App Center's crash issue: "### Stacktrace ###", frames
 * "Ns.Type.Method(args) [in path:line L];Ns" a blank line apart, then
 * "### Reason ###" and "Class: message". */
static int
appcenter_parse(struct lines *L, size_t i, jv *out, size_t *next)
{
	jv fr, t;
	size_t j, k, elen = 0;
	const char *exc = NULL, *msg = NULL;
	struct strbuf mb = { 0 };

	if (strcmp(skipws(L->v[i]), "### Stacktrace ###") != 0)
		return 0;
	fr = jv_array();
	for (j = i + 1; j < L->n && !starts(L->v[j], "### "); j++) {
		const char *q = skipws(L->v[j]), *semi;
		char *x;
		if (blank(q))
			continue;
		semi = strrchr(q, ';');
		x = strndup(q, semi && semi > strrchr(q, ')') ? (size_t)(semi - q) : strlen(q));
		if (!x)
			break;
		if (strchr(x, '(') && dotted_call(x, strlen(x)))
			fr = jv_array_append(fr, strstr(x, ".java:") ? java_frame(x) : dotnet_frame(x));
		free(x);
	}
	if (j >= L->n || strcmp(skipws(L->v[j]), "### Reason ###") != 0) {
		jv_free(fr);
		return 0;
	}
	for (j++; j < L->n && blank(L->v[j]); j++)
		;
	if (j >= L->n || !header_split(L->v[j], &exc, &elen, &msg) || skipws(L->v[j]) != exc) {
		jv_free(fr);
		return 0;
	}
	if (msg)
		strbuf_add(&mb, msg);
	for (k = j + 1; k < L->n && !blank(L->v[k]) && !starts(L->v[k], "### "); k++) {
		strbuf_add(&mb, "\n");
		strbuf_add(&mb, L->v[k]);
	}
	t = trace_new("unknown", exc, elen, mb.s, mb.len);
	strbuf_release(&mb);
	t = jv_object_set(t, jv_string("frames"), fr);
	{
		char *x = strndup(exc, elen);
		t = report_finish(t, x);
		if (x && !strcmp(report_lang(t, x), "unknown"))
			t = jv_object_set(t, jv_string("lang"), jv_string("dotnet"));
		free(x);
	}
	*out = t;
	*next = k;
	return 1;
}

/* Ruby's exception_notification mail: "A Class occurred in where:", the
 * message, then (a few lines on) the backtrace. */
static int
notifier_parse(struct lines *L, size_t i, jv *out, size_t *next)
{
	const char *s = L->v[i], *c, *o, *m;
	size_t cl, j, k, u;
	jv t, f;

	if (starts(s, "A "))
		c = s + 2;
	else if (starts(s, "An "))
		c = s + 3;
	else
		return 0;
	if (!(cl = ruby_class_len(c)) || !(o = strstr(c + cl, " occurred in ")) || o != c + cl ||
	    s[strlen(s) - 1] != ':')
		return 0;
	for (j = i + 1; j < L->n && j < i + 3 && blank(L->v[j]); j++)
		;
	if (j >= L->n || blank(L->v[j]))
		return 0;
	m = skipws(L->v[j]);
	for (k = j + 1; k < L->n && k < j + 6; k++)
		if (ruby_frame_at(L, k, &f, &u))
			break;
	if (k >= L->n || k >= j + 6)
		return 0;
	t = trace_new("ruby", c, cl, m, strlen(m));
	t = trace_add_frame(t, f);
	*next = ruby_frames(L, k + u, &t);
	*out = t;
	return 1;
}

/* "P in F, line N" (Django's "Exception Location") or "P, line N, in F". */
static jv
django_loc(const char *q)
{
	const char *in = strstr(q, " in "), *li;

	if (in && (li = strstr(in, ", line "))) {
		const char *pe = in;
		while (pe > q && pe[-1] == ' ')
			pe--;
		return frame_new("python", q, (size_t)(pe - q), strtol(li + 7, NULL, 10), in + 4,
		    (size_t)(li - in - 4));
	}
	if ((li = strstr(q, ", line ")) && (in = strstr(li, ", in ")))
		return frame_new("python", q, (size_t)(li - q), strtol(li + 7, NULL, 10), in + 5,
		    strlen(in + 5));
	return jv_invalid();
}

/* Django's debug page pasted as text: "Exception Type: X", "Exception
 * Value: msg" (or the message on the line under), "Exception Location:
 * P in F, line N"; or its summary table copied bare: the class, the
 * message, then "P in F, line N". */
static int
django_parse(struct lines *L, size_t i, jv *out, size_t *next)
{
	const char *s = skipws(L->v[i]), *exc, *msg = NULL, *q;
	size_t elen, j, k;
	jv t, f;

	if (starts(s, "Exception Type:")) {
		exc = skipws(s + 15);
		elen = strlen(exc);
		for (j = i + 1; j < L->n && j < i + 8; j++) {
			q = skipws(L->v[j]);
			if (starts(q, "Exception Value:")) {
				msg = skipws(q + 16);
				if (blank(msg) && j + 1 < L->n)
					msg = skipws(L->v[++j]);
			} else if (starts(q, "Exception Location:"))
				break;
		}
		if (j >= L->n || j >= i + 8 || !msg || elen == 0)
			return 0;
		f = django_loc(skipws(skipws(L->v[j]) + 19));
		if (!jv_is_valid(f))
			return 0;
		t = trace_new("python", exc, elen, msg, strlen(msg));
		t = trace_add_frame(t, f);
		*out = t;
		*next = j + 1;
		return 1;
	}
	/* the table: "OperationalError", "no such table: x", "/p/base.py in execute, line 383" */
	if (i + 2 >= L->n || s != L->v[i] || !isupper((unsigned char)*s))
		return 0;
	for (k = 0; isalnum((unsigned char)s[k]) || s[k] == '_' || s[k] == '.'; k++)
		;
	if (s[k] || k < 5 || (!strstr(s, "Error") && !strstr(s, "Exception") && !strstr(s, "Warning")))
		return 0;
	q = skipws(L->v[i + 2]);
	if (blank(L->v[i + 1]) || !strstr(q, ".py") || !strstr(q, ", line ") || starts(q, "File ") ||
	    strchr(q, '"'))
		return 0;	/* (a traceback's frame line is Python's, not the table's) */
	f = django_loc(q);
	if (!jv_is_valid(f))
		return 0;
	t = trace_new("python", s, k, L->v[i + 1], strlen(L->v[i + 1]));
	t = trace_add_frame(t, f);
	*out = t;
	*next = i + 3;
	return 1;
}

/* ---- the culprit frame ---- */

/* A frame of the sanitizer's own runtime (interceptors, the allocator). */
static int
san_runtime(const char *fn, const char *path, int has_line)
{
	static const char *const fns[] = {
		"__asan", "__interceptor_", "___interceptor_", "__sanitizer", "__ubsan",
		"__msan", "__tsan", "__lsan", "wrap_", NULL,
	};
	static const char *const alloc[] = {
		"malloc", "calloc", "realloc", "free", "operator new", "operator delete",
		"posix_memalign", "aligned_alloc", "memalign", "valloc", "strdup", NULL,
	};
	if (prefixed(fn, fns))
		return 1;
	if (path && (has(path, "compiler-rt/lib/") || has(path, "compiler-rt\\lib\\") ||
	    has(path, "libsanitizer/") || has(path, "libasan") || has(path, "libclang_rt") ||
	    has(path, "libtsan") || has(path, "libubsan") || has(path, "liblsan") ||
	    has(path, "_asan_rtl_")))
		return 1;
	/* An allocator entry point with no source line is the interceptor
	 * linked into the binary. */
	if (!has_line && fn) {
		size_t i;
		for (i = 0; alloc[i]; i++)
			if (starts(fn, alloc[i]) && (!fn[strlen(alloc[i])] ||
			    fn[strlen(alloc[i])] == '(' || fn[strlen(alloc[i])] == '+'))
				return 1;
	}
	return 0;
}

/* Go's panic machinery: the recover frames above panic(), and runtime.* */
static int
go_machinery(const char *fn)
{
	return fn && (starts(fn, "runtime.") || !strcmp(fn, "panic"));
}

/*
 * The frame a person would name as where it happened: the innermost
 * frame, less the machinery that reports the error (a sanitizer's
 * interceptors, Go's panic() and recover frames).  Rust's culprit is set
 * by its parser (the "panicked at" location).
 */
static jv
culprit(jv t)
{
	jv fr = jv_object_get(jv_copy(t), jv_string("frames")), f = jv_null();
	const char *lang = NULL;
	jv lv = jv_object_get(jv_copy(t), jv_string("lang"));
	int i, n = jv_array_length(jv_copy(fr)), start = 0;

	if (jv_get_kind(lv) == JV_KIND_STRING)
		lang = jv_string_value(lv);
	if (n == 0)
		goto done;
	if (lang && !strcmp(lang, "go")) {
		for (i = 0; i < n; i++) {
			jv g = jv_array_get(jv_copy(fr), i);
			const char *fn = fstr_of(g, "function");
			if (fn && (!strcmp(fn, "panic") || !strcmp(fn, "runtime.gopanic")))
				start = i + 1;
			jv_free(g);
		}
		for (i = start; i < n; i++) {
			jv g = jv_array_get(jv_copy(fr), i);
			int skip = go_machinery(fstr_of(g, "function"));
			jv_free(g);
			if (!skip)
				break;
		}
		start = i < n ? i : 0;
	} else if (lang && !strcmp(lang, "c")) {
		for (i = 0; i < n; i++) {
			jv g = jv_array_get(jv_copy(fr), i);
			int skip = san_runtime(fstr_of(g, "function"), fstr_of(g, "path"),
			    fline_of(g) > 0);
			jv_free(g);
			if (!skip)
				break;
		}
		start = i < n ? i : 0;
	}
	f = jv_array_get(jv_copy(fr), start);
done:
	jv_free(fr);
	jv_free(lv);
	jv_free(t);
	return f;
}

/* A Go trace: the frames up to the last panic() (the recover machinery:
 * debug.Stack, the deferred func) are not where it failed: not in_app. */
static jv
go_unwind(jv t)
{
	jv fr = jv_object_get(jv_copy(t), jv_string("frames"));
	int i, n = jv_array_length(jv_copy(fr)), last = -1;

	for (i = 0; i < n; i++) {
		jv g = jv_array_get(jv_copy(fr), i);
		const char *fn = fstr_of(g, "function");
		if (fn && (!strcmp(fn, "panic") || !strcmp(fn, "runtime.gopanic")))
			last = i;
		jv_free(g);
	}
	for (i = 0; i < last; i++) {
		jv g = jv_array_get(jv_copy(fr), i);
		fr = jv_array_set(fr, i, jv_object_set(g, jv_string("in_app"), jv_false()));
	}
	return jv_object_set(t, jv_string("frames"), fr);
}

/* Set top_frame on t and on every cause under it. */
static jv
finish(jv t)
{
	jv c;

	if (jv_get_kind(t) != JV_KIND_OBJECT)
		return t;
	{
		const char *lang = fstr_of(t, "lang");
		if (lang && !strcmp(lang, "go"))
			t = go_unwind(t);
	}
	if (!jv_object_has(jv_copy(t), jv_string("top_frame")))
		t = jv_object_set(t, jv_string("top_frame"), culprit(jv_copy(t)));
	c = jv_object_get(jv_copy(t), jv_string("cause"));
	if (jv_get_kind(c) == JV_KIND_OBJECT)
		t = jv_object_set(t, jv_string("cause"), finish(c));
	else
		jv_free(c);
	return t;
}

/* ---- driver ---- */

int
trace_parse(jv *out, const char *text)
{
	static int (*const parsers[])(struct lines *, size_t, jv *, size_t *) = {
		bugsnag_parse, honeybadger_parse, appcenter_parse, notifier_parse, django_parse,
		py_parse, go_parse, rust_parse, san_parse, php_parse, ruby_parse, rendered_parse, at_parse,
		js_browser_parse,
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
			all = jv_array_append(all, finish(t));
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

/* The primary trace's summary fields on an analysis record a. */
jv
trace_fields(jv a, jv t)
{
	jv chain = jv_array(), root, c;

	if (jv_get_kind(a) != JV_KIND_OBJECT || jv_get_kind(t) != JV_KIND_OBJECT) {
		jv_free(t);
		return a;
	}
	a = jv_object_set(a, jv_string("exception"), jv_object_get(jv_copy(t), jv_string("exception")));
	a = jv_object_set(a, jv_string("message"), jv_object_get(jv_copy(t), jv_string("message")));
	a = jv_object_set(a, jv_string("top_frame"), jv_object_get(jv_copy(t), jv_string("top_frame")));
	root = trace_root(jv_copy(t));
	a = jv_object_set(a, jv_string("root_frame"), jv_object_get(root, jv_string("top_frame")));
	for (c = t; jv_get_kind(c) == JV_KIND_OBJECT; ) {
		jv e = jv_object();
		jv n = jv_object_get(jv_copy(c), jv_string("cause"));
		e = jv_object_set(e, jv_string("exception"), jv_object_get(jv_copy(c), jv_string("exception")));
		e = jv_object_set(e, jv_string("message"), jv_object_get(jv_copy(c), jv_string("message")));
		e = jv_object_set(e, jv_string("top_frame"), jv_object_get(c, jv_string("top_frame")));
		chain = jv_array_append(chain, e);
		c = n;
	}
	jv_free(c);
	return jv_object_set(a, jv_string("chain"), chain);
}
