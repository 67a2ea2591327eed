/*
 * rules.c - the rules engine: no model, no network.  Known failure
 * classes from the trace and the text (infrastructure: TLS, DNS, pools,
 * memory, disk, upstreams, timeouts; code faults by exception and
 * message; resource metrics), and a small fix from template.c where one
 * fits, refused unless the patched file still parses (syntax.c).
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mend.h"

struct infra {
	const char *cls, *category;
	double conf;
	const char *pats[24];
	const char *cause;
	const char *steps[4];
};

static const struct infra infra[] = {
	{ "tls-expired", "config", 0.8,
	  { "certificate has expired", "CERT_HAS_EXPIRED", "certificate expired",
	    "certificate is expired", NULL },
	  "A TLS certificate has expired",
	  { "Renew the certificate (e.g. `certbot renew`) and reload the server",
	    "Automate renewal and alert well before expiry", NULL } },
	{ "tls", "config", 0.6,
	  { "certificate verify failed", "SSLError", "SSL routines", "self signed certificate",
	    "self-signed certificate", "unable to get local issuer certificate",
	    "x509: certificate", "tls: handshake", "SSLHandshakeException", NULL },
	  "A TLS handshake fails (certificate or protocol mismatch)",
	  { "Check the certificate chain and host name the client sees (`openssl s_client`)",
	    "Check the CA bundle and the TLS settings on both sides", NULL } },
	{ "dns", "upstream", 0.7,
	  { "Name or service not known", "Temporary failure in name resolution", "ENOTFOUND",
	    "EAI_AGAIN", "no such host", "nodename nor servname", "Could not resolve host",
	    "UnknownHostException", "gaierror", "NameResolutionError", "getaddrinfo failed",
	    NULL },
	  "A host name does not resolve (DNS)",
	  { "Check the host name in the service's configuration and the resolver (`getent hosts NAME`)",
	    "If the name belongs to a dependency, wait for its DNS to recover; no code change is proposed",
	    NULL } },
	{ "pool-exhausted", "resource", 0.75,
	  { "QueuePool limit", "connection pool exhausted", "pool exhausted", "Too many connections",
	    "too many connections", "remaining connection slots are reserved",
	    "sorry, too many clients", "Connection is not available, request timed out",
	    "Timeout waiting for idle object", "timeout acquiring a connection", "PoolTimeout",
	    "pool timed out", NULL },
	  "The connection pool is exhausted: requests wait for a database or client connection",
	  { "Look for connections that are not returned to the pool (missing close / context manager)",
	    "Raise the pool size or the database's connection limit if the load is real",
	    "Add a timeout on slow queries holding connections", NULL } },
	{ "memory", "resource", 0.7,
	  { "MemoryError", "Out of memory", "out of memory", "OutOfMemoryError", "OOMKilled",
	    "Cannot allocate memory", "heap out of memory", NULL },
	  "The process ran out of memory",
	  { "Check memory limits and usage over time (leak or real growth)",
	    "Restart the service to recover, then find what grew", NULL } },
	{ "disk-full", "resource", 0.8,
	  { "No space left on device", "ENOSPC", "Disk quota exceeded", NULL },
	  "The disk is full",
	  { "Free space (old logs, temp files) and add log rotation", NULL } },
	{ "file-descriptors", "resource", 0.75,
	  { "Too many open files", "EMFILE", NULL },
	  "The process ran out of file descriptors",
	  { "Look for sockets or files that are never closed", "Raise the open-files limit (LimitNOFILE)",
	    NULL } },
	{ "upstream-down", "upstream", 0.7,
	  { "Connection refused", "ECONNREFUSED", "connection refused", "ConnectionRefusedError",
	    "502 Bad Gateway", "503 Service Unavailable", "upstream connect error",
	    "no healthy upstream", "no live upstreams", "ECONNRESET", "Connection reset by peer",
	    "Max retries exceeded", "upstream prematurely closed", "could not connect to server",
	    "EHOSTUNREACH", "No route to host", NULL },
	  "A dependency is down or refusing connections",
	  { "Wait for the dependency to recover and check its status; this is not a code fault",
	    "If it recurs, add a timeout, retries with backoff, or a circuit breaker around the call",
	    NULL } },
	{ "timeout", "upstream", 0.55,
	  { "timed out", "ETIMEDOUT", "deadline exceeded", "ReadTimeout", "ConnectTimeout",
	    "SocketTimeoutException", "504 Gateway Time", "TimeoutError", "statement timeout",
	    "Lock wait timeout", NULL },
	  "A call timed out: a dependency (or the database) is slow or unreachable",
	  { "Check the latency of the dependency the trace points at",
	    "Wait if the dependency is degraded; set explicit timeouts so requests fail fast",
	    NULL } },
	{ NULL, NULL, 0, { NULL }, NULL, { NULL } },
};

struct fault {
	const char *cls, *category, *what;
	const char *excs[16];	/* exact exception names (or suffixes after '.') */
	const char *msgs[16];	/* message substrings */
};

static const struct fault faults[] = {
	{ "zero-division", "code", "the divisor can be zero (an empty collection, a zero count) and nothing checks it",
	  { "ZeroDivisionError", "DivideByZeroException", "DivisionByZeroError", NULL },
	  { "divide by zero", "divided by 0", "division by zero", "/ by zero", NULL } },
	{ "dependency", "dependency", "a module or library is missing (not installed, or the wrong version)",
	  { "ImportError", "ModuleNotFoundError", "ClassNotFoundException", "NoClassDefFoundError",
	    "LoadError", "FileNotFoundException", NULL },
	  { "Cannot find module", "cannot load such file", "undefined symbol", "version `GLIBC",
	    NULL } },
	{ "bad-parameter", "code", "a request parameter that is missing, empty or not a number is converted without a check",
	  { NULL },
	  { "invalid literal for int()", "could not convert string to float",
	    "int() argument must be", "float() argument must be", NULL } },
	{ "bad-json", "code", "an empty or malformed JSON text (a request body, a file) is parsed without a check",
	  { "JSONDecodeError", NULL },
	  { "Unexpected end of JSON input", "is not valid JSON", "in JSON at position",
	    "Expecting value: line", "JSON.parse", NULL } },
	{ "none-arithmetic", "code", "None (a missing value) is used in arithmetic",
	  { NULL },
	  { ": 'NoneType' and '", "' and 'NoneType'", NULL } },
	{ "unbound-local", "code", "a local variable is read on a path where it was never assigned",
	  { "UnboundLocalError", NULL },
	  { "referenced before assignment", "cannot access local variable", NULL } },
	{ "empty-data", "code", "a statistic of no data points (an empty list) is computed",
	  { "StatisticsError", NULL },
	  { "requires at least one data point", "no median for empty data", NULL } },
	{ "invalid-length", "code", "an array is made with a negative, fractional or NaN length",
	  { NULL },
	  { "Invalid array length", NULL } },
	{ "not-an-array", "code", "a value that is not an array (often a single query parameter or a missing field) is used as one",
	  { NULL },
	  { ".map is not a function", ".forEach is not a function", ".filter is not a function",
	    ".reduce is not a function", ".join is not a function", ".some is not a function",
	    ".find is not a function", ".includes is not a function", NULL } },
	{ "nil-map", "code", "a Go map that was never made is written to",
	  { NULL },
	  { "assignment to entry in nil map", NULL } },
	{ "null-access", "code", "a value that can be null/None is used as an object without a check",
	  { "NullPointerException", "NullReferenceException", NULL },
	  { "'NoneType' object", "of undefined", "of null", "nil pointer dereference",
	    "nil:NilClass", "for nil", "on null", "on a `None` value", "entry in nil map",
	    "SEGV on unknown address 0x0", "is not an object", "Cannot destructure property",
	    NULL } },
	{ "missing-key", "code", "a key is looked up that the mapping does not have, without a default",
	  { "KeyError", "KeyNotFoundException", NULL },
	  { "Undefined array key \"", "Undefined index", "key not found", NULL } },
	{ "index-range", "code", "an index past the end of a sequence (often an empty list) is read",
	  { "IndexError", "IndexOutOfRangeException", "ArrayIndexOutOfBoundsException",
	    "IndexOutOfBoundsException", "StringIndexOutOfBoundsException",
	    "ArgumentOutOfRangeException", NULL },
	  { "index out of range", "index out of bounds", "Undefined offset", "buffer-overflow",
	    "Undefined array key ", NULL } },
	{ "memory-safety", "code", "memory is misused (use after free, double free, leak, overflow)",
	  { NULL },
	  { "use-after-free", "double-free", "detected memory leaks", "stack-overflow",
	    "signed integer overflow", "SEGV", NULL } },
	{ "type-error", "code", "a value of the wrong type or form reaches code that assumes another",
	  { "TypeError", "ValueError", "ClassCastException", "InvalidCastException",
	    "NumberFormatException", "FormatException", "ArgumentError", "JSONDecodeError",
	    "SyntaxError", NULL },
	  { "is not a function", "invalid literal for", NULL } },
	{ NULL, NULL, NULL, { NULL }, { NULL } },
};

static int
exc_is(const char *exc, const char *name)
{
	size_t el, nl;

	if (!exc)
		return 0;
	el = strlen(exc);
	nl = strlen(name);
	return (el == nl && !strcmp(exc, name)) ||
	    (el > nl && !strcmp(exc + el - nl, name) && strchr(".\\:", exc[el - nl - 1]));
}

static const struct fault *
fault_of(const char *exc, const char *msg)
{
	const struct fault *f;
	int i;

	for (f = faults; f->cls; f++) {
		for (i = 0; f->excs[i]; i++)
			if (exc_is(exc, f->excs[i]))
				return f;
		for (i = 0; msg && f->msgs[i]; i++)
			if (strstr(msg, f->msgs[i]))
				return f;
	}
	return NULL;
}

static const struct infra *
infra_of(const char *text)
{
	const struct infra *r;
	int i;

	if (!text)
		return NULL;
	for (r = infra; r->cls; r++)
		for (i = 0; r->pats[i]; i++)
			if (strstr(text, r->pats[i]))
				return r;
	return NULL;
}


static jv
strs(const char *const *v)
{
	jv a = jv_array();

	for (; v && *v; v++)
		a = jv_array_append(a, jv_string(*v));
	return a;
}

/* The lines of text: pointers and lengths (without '\n'); *no_eol when
 * the last line has no newline.  NULL when out of memory. */
static const char **
split_lines(const char *text, size_t **lens, size_t *n, int *no_eol)
{
	const char **lines = NULL, *p = text;
	size_t cap = 0;

	*lens = NULL;
	*n = 0;
	*no_eol = 0;
	while (*p) {
		const char *nl = strchr(p, '\n');
		if (*n == cap) {
			const char **nlines;
			size_t *nlens;
			cap = cap ? cap * 2 : 256;
			nlines = realloc(lines, cap * sizeof *lines);
			if (nlines)
				lines = nlines;
			nlens = realloc(*lens, cap * sizeof **lens);
			if (nlens)
				*lens = nlens;
			if (!nlines || !nlens) {
				free(lines);
				free(*lens);
				*lens = NULL;
				return NULL;
			}
		}
		lines[*n] = p;
		(*lens)[*n] = nl ? (size_t)(nl - p) : strlen(p);
		(*n)++;
		if (!nl) {
			*no_eol = 1;
			break;
		}
		p = nl + 1;
	}
	if (!lines)
		lines = calloc(1, sizeof *lines);
	return lines;
}

/* Each line of t as a '+' line of a diff. */
static void
diff_add_lines(struct strbuf *b, const char *t, long *count)
{
	const char *p = t;

	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		strbuf_addf(b, "+%.*s\n", (int)n, p);
		(*count)++;
		if (!nl)
			break;
		p = nl + 1;
	}
}

/* A unified diff of the template's changes (sorted by line) to text. */
static char *
make_diff(const char *rel, const char *text, const struct template_change *ch, size_t nch)
{
	struct strbuf b = { 0 };
	const char **lines;
	size_t *lens, n, c = 0;
	int no_eol;
	long shift = 0;

	if (!(lines = split_lines(text, &lens, &n, &no_eol)))
		return NULL;
	strbuf_addf(&b, "diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n", rel, rel, rel, rel);
	while (c < nch) {
		size_t last = c, k;
		long from, to, i, oldc = 0, newc = 0;
		struct strbuf h = { 0 };
		/* changes within 6 lines of each other share a hunk */
		while (last + 1 < nch && ch[last + 1].line - ch[last].line <= 6)
			last++;
		from = ch[c].line - 3 < 1 ? 1 : ch[c].line - 3;
		to = ch[last].line + 3 > (long)n ? (long)n : ch[last].line + 3;
		if (ch[c].line < 1 || ch[last].line > (long)n) {
			free(lines);
			free(lens);
			free(b.s);
			return NULL;
		}
		k = c;
		for (i = from; i <= to; i++) {
			size_t k0 = k, j;
			int del = 0, last_line = (size_t)i == n && no_eol;
			for (; k <= last && ch[k].line == i; k++) {
				if (ch[k].del)
					del = 1;
				else
					diff_add_lines(&h, ch[k].text, &newc);
			}
			strbuf_addf(&h, "%c%.*s\n", del ? '-' : ' ', (int)lens[i - 1], lines[i - 1]);
			if (last_line)
				strbuf_add(&h, "\\ No newline at end of file\n");
			oldc++;
			if (!del)
				newc++;
			for (j = k0; j < k; j++)
				if (ch[j].del)
					diff_add_lines(&h, ch[j].text, &newc);
		}
		strbuf_addf(&b, "@@ -%ld,%ld +%ld,%ld @@\n", from, oldc, from + shift, newc);
		strbuf_add(&b, h.s);
		free(h.s);
		shift += newc - oldc;
		c = last + 1;
	}
	free(lines);
	free(lens);
	return strbuf_take(&b);
}

static size_t
count_in(const char *hay, const char *needle)
{
	size_t n = 0;
	const char *p = hay;

	while ((p = strstr(p, needle))) {
		n++;
		p++;
	}
	return n;
}

/* The changes as search/replace edits for patch(1)'s other input: each
 * search is the changed line with as many lines above as make it unique. */
static jv
make_edits(const char *file, const char *text, const struct template_change *ch, size_t nch)
{
	jv edits = jv_array();
	const char **lines;
	size_t *lens, n, c;
	int no_eol;

	if (!(lines = split_lines(text, &lens, &n, &no_eol)))
		return jv_null();
	for (c = 0; c < nch; c++) {
		long a = ch[c].line, L = ch[c].line;
		struct strbuf s = { 0 }, r = { 0 };
		jv e;
		if (L < 1 || L > (long)n)
			break;
		for (;;) {
			long i;
			free(s.s);
			s = (struct strbuf){ 0 };
			for (i = a; i <= L; i++)
				strbuf_addf(&s, "%.*s%s", (int)lens[i - 1], lines[i - 1], i < L ? "\n" : "");
			if (count_in(text, s.s ? s.s : "") <= 1 || a == 1)
				break;
			a--;
		}
		if (a < L)
			strbuf_addf(&r, "%.*s", (int)(lines[L - 1] - lines[a - 1]), lines[a - 1]);
		strbuf_add(&r, ch[c].text);
		if (!ch[c].del)
			strbuf_addf(&r, "\n%.*s", (int)lens[L - 1], lines[L - 1]);
		e = jv_object();
		e = record_set_str(e, "path", file);
		e = record_set_str(e, "search", s.s ? s.s : "");
		e = record_set_str(e, "replace", r.s ? r.s : "");
		edits = jv_array_append(edits, e);
		free(s.s);
		free(r.s);
	}
	free(lines);
	free(lens);
	return edits;
}

/* Line `ln` of text, malloc'd, without its end of line. */
static char *
line_of(const char *text, long ln)
{
	const char *p = text;
	long i;

	for (i = 1; i < ln && p; i++) {
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	if (!p || !*p)
		return NULL;
	{
		size_t n = strcspn(p, "\n");
		if (n && p[n - 1] == '\r')
			n--;
		return strndup(p, n);
	}
}

/* Append the templates a run considered to all, each with where it looked. */
static jv
templates_add(jv all, jv considered, const char *file, long ln)
{
	if (jv_get_kind(considered) != JV_KIND_ARRAY) {
		jv_free(considered);
		return all;
	}
	jv_array_foreach(considered, i, e) {
		(void)i;
		e = record_set_str(e, "file", file);
		e = record_set_num(e, "line", (double)ln);
		all = jv_array_append(all, e);
	}
	jv_free(considered);
	return all;
}

/*
 * An upstream call that timed out: no template answers it yet.  Say why
 * in analysis.templates ("upstream-504"): the call's own timeout is set
 * or not, and where a 502/504 would go.  A 5xx is what testloop's replay
 * judges a failure, so a fix answering 504 could not be shown to work.
 */
static jv
upstream_declined(jv templates, jv af, jv frames)
{
	const char *code = record_str(af, "code"), *file = record_str(af, "file");
	int i, n = jv_array_length(jv_copy(frames)), inapp = 0;
	char *why = NULL;

	for (i = 0; i < n; i++) {
		jv f = jv_array_get(jv_copy(frames), i);
		inapp += record_bool(f, "in_app", 0);
		jv_free(f);
	}
	if (inapp < 2 && asprintf(&why, "the timeout is raised in a callback (%s:%ld) whose stack "
	    "does not name the request handler that waited for it: no template can tell where to "
	    "answer 502/504 or serve a cached value", file ? file : "?",
	    (long)record_num(af, "line", 0)) < 0)
		why = NULL;
	if (inapp >= 2 && asprintf(&why, "the upstream call at %s:%ld %s; answering 502/504 (or a "
	    "cached value) in the handler is the fix, but mend's replay judges every 5xx a failure, "
	    "so it could not show such a fix works: not proposed", file ? file : "?",
	    (long)record_num(af, "line", 0), !code ? "is not shown in the trace (whether it has "
	    "a timeout of its own is not known)" : strstr(code, "timeout") ? "already has a "
	    "timeout: the upstream is slow, the code does not hang" : "shows no timeout of its "
	    "own: add one") < 0)
		why = NULL;
	if (!why)
		return templates;
	templates = templates_add(templates, JV_ARRAY(JV_OBJECT(jv_string("template"),
	    jv_string("upstream-504"), jv_string("applied"), jv_false(), jv_string("reason"),
	    jv_string(why))), file ? file : "?", (long)record_num(af, "line", 0));
	free(why);
	return templates;
}

/* The last template in all that applied is refused after all: why. */
static jv
templates_refuse(jv all, const char *why)
{
	int n = jv_array_length(jv_copy(all)), i;

	for (i = n - 1; i >= 0; i--) {
		jv e = jv_array_get(jv_copy(all), i);
		if (record_bool(e, "applied", 0)) {
			char *r = NULL;
			if (asprintf(&r, "%s; refused: %s", record_str(e, "reason") ?
			    record_str(e, "reason") : "", why) < 0)
				r = NULL;
			e = record_set(e, "applied", jv_false());
			e = record_set_str(e, "reason", r ? r : why);
			free(r);
			return jv_array_set(all, i, e);
		}
		jv_free(e);
	}
	return all;
}

/*
 * Try the fix templates on the innermost in-app frame of each exception
 * of the chain, root cause first.  Fills diff/edits/what on success;
 * every template looked at goes into *templates with why it was or was
 * not used.  A fix whose file does not parse afterwards (or cannot be
 * shown to parse) is refused.
 */
static int rules_fix_chain(jv tr, jv frames, const struct engine_opts *o, jv *diff,
    jv *edits, char **what, char **note, jv *templates);

static int
rules_fix(jv ctx, const struct engine_opts *o, jv *diff, jv *edits, char **what,
    char **note, jv *templates)
{
	jv t = record_get(ctx, "trace"), chain = jv_array(), frames = record_get(ctx, "frames");
	int i, n, done = 0;

	*diff = jv_null();
	*edits = jv_null();
	*note = NULL;
	*what = NULL;
	while (jv_get_kind(t) == JV_KIND_OBJECT) {
		jv c = record_get(t, "cause");
		chain = jv_array_append(chain, t);
		t = c;
	}
	jv_free(t);
	n = jv_array_length(jv_copy(chain));
	for (i = n - 1; i >= 0 && !done && o->repo; i--) {
		jv tr = jv_array_get(jv_copy(chain), i), f = jv_null();
		const char *lang = record_str(tr, "lang"), *file;
		int k, nf = jv_array_length(jv_copy(frames));
		char path[PATH_MAX], *src = NULL, *line = NULL;
		long ln;
		int col, end_col, op_col;

		/* The context's frames belong to one exception of the chain;
		 * match by the first frame's path and line. */
		{
			jv a = trace_app_frame(jv_copy(tr));
			for (k = 0; k < nf && jv_get_kind(a) == JV_KIND_OBJECT; k++) {
				jv g = jv_array_get(jv_copy(frames), k);
				if (record_bool(g, "in_app", 0) && record_str(g, "file") &&
				    record_num(g, "line", 0) == record_num(a, "line", -1) &&
				    record_str(g, "path") && record_str(a, "path") &&
				    !strcmp(record_str(g, "path"), record_str(a, "path"))) {
					jv_free(f);
					f = g;
					break;
				}
				jv_free(g);
			}
			jv_free(a);
		}
		if (jv_get_kind(f) != JV_KIND_OBJECT || !(file = record_str(f, "file"))) {
			jv_free(f);
			jv_free(tr);
			continue;
		}
		ln = (long)record_num(f, "line", 0);
		if (snprintf(path, sizeof path, "%s/%s", o->repo, file) < (int)sizeof path)
			src = file_read(path, 4 << 20, NULL);
		if (src)
			line = line_of(src, ln);
		if (line) {
			const char *code = record_str(f, "code");
			const char *lead = line;
			struct template_result tr_res;
			while (*lead == ' ' || *lead == '\t')
				lead++;
			col = (int)record_num(f, "col", -1);
			end_col = (int)record_num(f, "end_col", -1);
			op_col = (int)record_num(f, "op_col", -1);
			if (lang && !strcmp(lang, "python")) {
				int ind = (int)(lead - line);
				/* The trace shows the deployed line; the repo must agree. */
				size_t cl = code ? strlen(code) : 0, ll = strlen(lead);
				while (ll && isspace((unsigned char)lead[ll - 1]))
					ll--;
				while (cl && isspace((unsigned char)code[cl - 1]))
					cl--;
				if (code && (cl != ll || strncmp(lead, code, cl) != 0)) {
					if (!*note && asprintf(note, "the source of %s:%ld in the repository differs"
					    " from the deployed code; no diff proposed", file, ln) < 0)
						*note = NULL;
					col = end_col = op_col = -2;
				}
				if (col >= 0)
					col += ind;
				if (end_col >= 0)
					end_col += ind;
				if (op_col >= 0)
					op_col += ind;
			}
			if (col != -2 && template_apply(&tr_res, lang, record_str(tr, "exception"),
			    record_str(tr, "message"), src, ln, col, end_col, op_col)) {
				char *d = make_diff(file, src, tr_res.changes, tr_res.nchanges), *why = NULL;
				int ok = d ? syntax_check(lang, file, src, tr_res.text, &why) : -1;
				*templates = templates_add(*templates, jv_copy(tr_res.considered), file, ln);
				if (ok == 1 && strlen(d) <= o->max_diff) {
					*diff = jv_string(d);
					jv_free(*edits);
					*edits = make_edits(file, src, tr_res.changes, tr_res.nchanges);
					if (asprintf(what, "%s: %s", tr_res.name ? tr_res.name : "template",
					    tr_res.what ? tr_res.what : "") < 0)
						*what = NULL;
					done = 1;
				} else {
					const char *r = why ? why : !d ? "no diff could be made" :
					    "the diff is larger than the size cap";
					*templates = templates_refuse(*templates, r);
					free(*note);
					if (asprintf(note, "The fix template for %s:%ld was refused: %s", file,
					    ln, r) < 0)
						*note = NULL;
				}
				free(why);
				free(d);
				template_result_release(&tr_res);
			} else if (col != -2) {
				*templates = templates_add(*templates, jv_copy(tr_res.considered), file, ln);
				template_result_release(&tr_res);
			}
		}
		free(line);
		free(src);
		jv_free(f);
		jv_free(tr);
	}
	if (!done && o->repo && n > 0) {
		jv tr = jv_array_get(jv_copy(chain), n - 1);
		done = rules_fix_chain(tr, frames, o, diff, edits, what, note, templates);
		jv_free(tr);
	}
	jv_free(chain);
	jv_free(frames);
	return done;
}

/* The templates refused the innermost frame: follow the value up its
 * callers' frames (template_apply_chain), the same checks after. */
static int
rules_fix_chain(jv tr, jv frames, const struct engine_opts *o, jv *diff, jv *edits,
    char **what, char **note, jv *templates)
{
	struct template_frame fr[8];
	char *srcs[8] = { 0 }, path[PATH_MAX];
	int nf = 0, k, m = jv_array_length(jv_copy(frames)), done = 0;
	struct template_result res;

	for (k = 0; k < m && nf < 8; k++) {
		jv g = jv_array_get(jv_copy(frames), k);
		const char *file = record_str(g, "file");
		if (record_bool(g, "in_app", 0) && file &&
		    snprintf(path, sizeof path, "%s/%s", o->repo, file) < (int)sizeof path &&
		    (srcs[nf] = file_read(path, 4 << 20, NULL))) {
			fr[nf].file = file;
			fr[nf].src = srcs[nf];
			fr[nf].line = (long)record_num(g, "line", 0);
			fr[nf].function = record_str(g, "function");
			nf++;
		}
		jv_free(g);	/* frames keeps the strings alive */
	}
	if (nf >= 2 && template_apply_chain(&res, record_str(tr, "lang"), record_str(tr,
	    "exception"), record_str(tr, "message"), fr, nf)) {
		const struct template_frame *f = &fr[res.frame];
		char *d = make_diff(f->file, f->src, res.changes, res.nchanges), *why = NULL;
		int ok = d ? syntax_check(record_str(tr, "lang"), f->file, f->src, res.text, &why) : -1;
		*templates = templates_add(*templates, jv_copy(res.considered), f->file, f->line);
		if (ok == 1 && strlen(d) <= o->max_diff) {
			*diff = jv_string(d);
			jv_free(*edits);
			*edits = make_edits(f->file, f->src, res.changes, res.nchanges);
			free(*what);
			if (asprintf(what, "%s: %s", res.name ? res.name : "template",
			    res.what ? res.what : "") < 0)
				*what = NULL;
			free(*note);
			*note = NULL;
			done = 1;
		} else
			*templates = templates_refuse(*templates, why ? why : !d ?
			    "no diff could be made" : "the diff is larger than the size cap");
		free(why);
		free(d);
	} else if (nf >= 2)
		*templates = templates_add(*templates, jv_copy(res.considered), fr[0].file,
		    fr[0].line);
	if (nf >= 2)
		template_result_release(&res);
	for (k = 0; k < nf; k++)
		free(srcs[k]);
	return done;
}

/* The probe side of the evidence: how the service itself failed. */
static void
probe_summary(jv inc, const char **err, long *status, int *n5xx)
{
	jv ev = record_get(inc, "evidence");

	*err = NULL;
	*status = 0;
	*n5xx = 0;
	if (jv_get_kind(ev) == JV_KIND_ARRAY) {
		jv_array_foreach(ev, i, e) {
			const char *er = record_str(e, "error");
			long st = (long)record_num(e, "status", 0);
			(void)i;
			if (er && !*err)
				*err = strcmp(er, "status") ? er : NULL;
			if (st)
				*status = st;
			if (st >= 500)
				(*n5xx)++;
			jv_free(e);
		}
	}
	jv_free(ev);
	/* the strings live in inc, which the caller keeps */
}

/* The detail of the last failed probe in the evidence (with error err,
 * or any error when NULL); it lives in inc, which the caller keeps. */
static const char *
probe_detail(jv inc, const char *err)
{
	jv ev = record_get(inc, "evidence");
	const char *d = NULL;

	if (jv_get_kind(ev) == JV_KIND_ARRAY) {
		jv_array_foreach(ev, i, e) {
			const char *er = record_str(e, "error");
			(void)i;
			if (!strcmp(record_type(e), "probe") && er && (!err || !strcmp(er, err)) &&
			    record_str(e, "detail"))
				d = record_str(e, "detail");
			jv_free(e);
		}
	}
	jv_free(ev);
	return d;
}

/*
 * What a failed probe's error says when nothing better is known: the
 * first entry whose error the evidence has, else the 5xx burst (error
 * NULL) when the service answered 5xx.  cause is a format given the
 * last HTTP status (%ld) and, for an entry with no_detail, the failed
 * check's detail or no_detail (%s).
 */
static const struct probe_class {
	const char *error, *category, *cls;
	double conf;
	const char *cause, *no_detail;
	const char *steps[3];
} probe_classes[] = {
	{ "dns", "config", "dns", 0.6,
	  "The service's own host name does not resolve", NULL,
	  { "Check the DNS record of the monitored host", NULL } },
	{ "tls", "config", "tls", 0.6,
	  "The TLS handshake with the service fails", NULL,
	  { "Check the service's certificate (expiry, chain, host name)", NULL } },
	{ "connect", "resource", "down", 0.45,
	  "The service does not accept connections: the process is down, crashing at "
	  "start-up, or listening elsewhere", NULL,
	  { "Check the process manager (systemctl status, pm2 ls) and the start-up log",
	    "Restart the service", NULL } },
	{ "timeout", "resource", "slow", 0.4,
	  "The service is too slow to answer: overloaded, blocked on a dependency, or stuck",
	  NULL,
	  { "Check CPU, memory and the latency of its dependencies", NULL } },
	{ "body", "unknown", "body-check", 0.3,
	  "The service answers HTTP %ld but its body fails the check: %s",
	  "the expected text is not in it",
	  { "Request the URL and compare the body with what the check expects (a changed "
	    "page, an empty list, an error shown as 200)",
	    "Give analyze the application log (--log FILE or --log-cmd CMD) in case the "
	    "service logged why" } },
	{ NULL, "unknown", "5xx-burst", 0.2,
	  "The service answers %ld errors but no stack trace was found", NULL,
	  { "Give analyze the application log (--log FILE or --log-cmd CMD) so it can see "
	    "the exception",
	    "Look at the service's error log around the incident's first_seen time" } },
};

static const struct probe_class *
probe_class_of(const char *err, int n5xx)
{
	size_t i;

	for (i = 0; i < sizeof probe_classes / sizeof probe_classes[0]; i++) {
		const struct probe_class *pc = &probe_classes[i];
		if (pc->error ? err && !strcmp(err, pc->error) : n5xx > 0)
			return pc;
	}
	return NULL;
}

static const char *
where(jv f, char *buf, size_t len)
{
	const char *file = record_str(f, "file") ? record_str(f, "file") : record_str(f, "path");

	snprintf(buf, len, "%s%s%s:%ld", record_str(f, "function") ? record_str(f, "function") : "",
	    record_str(f, "function") ? " (" : "", file ? file : "?", (long)record_num(f, "line", 0));
	if (record_str(f, "function") && strlen(buf) + 2 < len)
		strcat(buf, ")");
	return buf;
}

/*
 * An incident of detect's metric rules (class "resource"): what the rule
 * saw and where to look.  No code change is proposed: a leak or a pinned
 * CPU needs a profile before anyone can say which line is at fault.
 */
static int
resource_cause(struct strbuf *rc, jv *steps, const char **cls, double *conf, jv inc)
{
	const char *reason = record_str(inc, "reason"), *name = record_str(inc, "metric.name");
	const char *summary = record_str(inc, "summary");

	if (!reason || !name || (strcmp(reason, "leak") && strncmp(reason, "metric_", 7)))
		return 0;
	*conf = 0.6;
	if (!strcmp(reason, "leak")) {
		*cls = "memory-leak";
		strbuf_addf(rc, "Memory grows steadily (%s): a leak, or a cache without a bound",
		    summary ? summary : name);
		*steps = jv_array_append(*steps, jv_string("Take two heap snapshots some minutes apart "
		    "and compare what grew (Python: tracemalloc or memray; Node: --inspect heap "
		    "snapshots; Go: pprof heap; Java: jmap -histo)"));
		*steps = jv_array_append(*steps, jv_string("Look for caches, lists or maps that only "
		    "grow, and for connections or listeners that are never released"));
		*steps = jv_array_append(*steps, jv_string("Restart the service to buy time; set a "
		    "memory limit (MemoryMax=, max_memory_restart) so it restarts before the OOM killer"));
	} else if (strstr(name, "cpu")) {
		*cls = "cpu-saturated";
		strbuf_addf(rc, "The CPU is saturated (%s)", summary ? summary : name);
		*steps = jv_array_append(*steps, jv_string("Profile the busy process (py-spy top, "
		    "node --cpu-prof, perf top, go tool pprof) to find the hot path"));
		*steps = jv_array_append(*steps, jv_string("Check for a busy loop, a retry storm or a "
		    "regex on large input; compare with the request rate"));
	} else if (strstr(name, "disk")) {
		*cls = "disk-filling";
		strbuf_addf(rc, "The disk is filling (%s)", summary ? summary : name);
		*steps = jv_array_append(*steps, jv_string("Find what grew: du -xh --max-depth=2 on the "
		    "file system, and large deleted-but-open files (lsof +L1)"));
		*steps = jv_array_append(*steps, jv_string("Rotate or prune logs and temporary files"));
	} else if (!strcmp(name, "up")) {
		*cls = "target-down";
		*conf = 0.45;
		strbuf_addf(rc, "A resource target cannot be read (%s)", summary ? summary : name);
		*steps = jv_array_append(*steps, jv_string("Check the process or /metrics endpoint "
		    "named in the incident's url"));
	} else {
		*cls = "resource-threshold";
		*conf = 0.5;
		strbuf_addf(rc, "A resource metric passed its limit (%s)", summary ? summary : name);
		*steps = jv_array_append(*steps, jv_string("Look at the metric's history around "
		    "first_seen and what changed then (deploys, traffic, a dependency)"));
	}
	return 1;
}

int
engine_rules(jv *out, const struct engine_ctx *e)
{
	jv ctx = e->ctx;
	const struct engine_opts *o = e->o;
	jv a = jv_object(), t = record_get(ctx, "trace"), inc = record_get(ctx, "incident");
	jv frames = record_get(ctx, "frames"), diff = jv_null(), edits = jv_null(), steps;
	jv templates = jv_array();
	const char *category = "unknown", *cls = "unknown";
	char *cause = NULL, *note = NULL, *what = NULL, loc[512];
	double conf = 0.1;
	struct strbuf rc = { 0 };

	steps = jv_array();
	if (jv_get_kind(t) == JV_KIND_OBJECT) {
		const char *ct = record_str(ctx, "exceptions");
		const struct infra *ir = infra_of(ct);
		jv root = trace_root(jv_copy(t)), af = jv_null();
		const char *exc = record_str(root, "exception"), *msg = record_str(root, "message");
		const struct fault *fa = NULL;
		int i, nf = jv_array_length(jv_copy(frames));

		for (i = 0; i < nf; i++) {
			jv f = jv_array_get(jv_copy(frames), i);
			if (record_bool(f, "in_app", 0)) {
				af = f;
				break;
			}
			jv_free(f);
		}
		if (jv_get_kind(af) == JV_KIND_OBJECT)
			where(af, loc, sizeof loc);
		else
			snprintf(loc, sizeof loc, "library code");
		if (!ir) {
			/* The fault of the deepest exception that names one. */
			jv c = jv_copy(t);
			while (jv_get_kind(c) == JV_KIND_OBJECT) {
				const struct fault *x = fault_of(record_str(c, "exception"),
				    record_str(c, "message"));
				jv nx = record_get(c, "cause");
				if (x) {
					fa = x;
					exc = record_str(c, "exception");
					msg = record_str(c, "message");
					/* keep pointers valid: root holds the chain too */
				}
				jv_free(c);
				c = nx;
			}
			jv_free(c);
		}
		if (ir) {
			category = ir->category;
			cls = ir->cls;
			conf = ir->conf;
			strbuf_addf(&rc, "%s: %s in %s", ir->cause, exc ? exc : "an error", loc);
			if (msg)
				strbuf_addf(&rc, " (%s)", msg);
			jv_free(steps);
			steps = strs(ir->steps);
			if (!strcmp(cls, "timeout") && jv_get_kind(af) == JV_KIND_OBJECT)
				templates = upstream_declined(templates, af, frames);
		} else if (fa) {
			const char *code = jv_get_kind(af) == JV_KIND_OBJECT ? record_str(af, "code") : NULL;
			category = fa->category;
			cls = fa->cls;
			if (!strcmp(cls, "missing-key") && code && (strstr(code, "environ") ||
			    strstr(code, "getenv") || strstr(code, "ENV["))) {
				category = "config";
				cls = "missing-config";
			}
			strbuf_addf(&rc, "%s%s%s%s in %s: %s", exc ? exc : "", msg ? " (" : "",
			    msg ? msg : "", msg ? ")" : "", loc, fa->what);
			if (!strcmp(category, "config")) {
				strbuf_add(&rc, "; the service expects a setting that is not set");
				conf = 0.7;
				steps = jv_array_append(steps, jv_string("Set the missing variable in the "
				    "service's environment (systemd EnvironmentFile=, PM2 env) and restart"));
				steps = jv_array_append(steps, jv_string("Fail at start-up with a clear "
				    "message when required settings are missing"));
			} else if (!strcmp(category, "dependency")) {
				conf = 0.65;
				steps = jv_array_append(steps, jv_string("Install the missing package or pin"
				    " the version the code expects, then redeploy"));
			} else {
				int fixed = rules_fix(ctx, o, &diff, &edits, &what, &note, &templates);
				conf = jv_get_kind(af) == JV_KIND_OBJECT ? 0.55 : 0.45;
				if (fixed) {
					conf = 0.75;
					steps = jv_array_append(steps, jv_string_fmt("Apply the proposed diff (%s)",
					    what));
				} else
					steps = jv_array_append(steps, jv_string_fmt("Handle the failing case at %s",
					    loc));
				steps = jv_array_append(steps, jv_string("Add a test with the input of the "
				    "failing request"));
				steps = jv_array_append(steps, jv_string("Check the callers that produced "
				    "the bad value"));
			}
		} else {
			category = "code";
			cls = "unhandled-exception";
			conf = jv_get_kind(af) == JV_KIND_OBJECT ? 0.35 : 0.25;
			strbuf_addf(&rc, "Unhandled %s%s%s in %s", exc ? exc : "error", msg ? ": " : "",
			    msg ? msg : "", loc);
			steps = jv_array_append(steps, jv_string_fmt("Read the code at %s and handle this"
			    " error", loc));
		}
		jv_free(af);
		jv_free(root);
	} else if (resource_cause(&rc, &steps, &cls, &conf, inc)) {
		category = "resource";
	} else {
		const char *text = record_str(ctx, "text"), *err;
		const struct infra *ir = infra_of(text);
		const struct probe_class *pc;
		long status;
		int n5xx, k;

		probe_summary(inc, &err, &status, &n5xx);
		if (!ir && err && strcmp(err, "status") && strcmp(err, "body") && strcmp(err, "http") &&
		    (ir = infra_of(record_str(ctx, "evidence_text"))) && strcmp(ir->cls, "tls-expired"))
			ir = NULL;	/* from a probe's detail only an expired certificate is news */
		if (ir) {
			category = ir->category;
			cls = ir->cls;
			conf = ir->conf - 0.1;	/* seen in the log, not in a trace */
			strbuf_addf(&rc, "%s (seen in the evidence and log, no stack trace)", ir->cause);
			jv_free(steps);
			steps = strs(ir->steps);
		} else if ((pc = probe_class_of(err, n5xx))) {
			const char *detail = pc->no_detail ? probe_detail(inc, pc->error) : NULL;
			category = pc->category;
			cls = pc->cls;
			conf = pc->conf;
			strbuf_addf(&rc, pc->cause, status, detail ? detail : pc->no_detail);
			for (k = 0; pc->steps[k]; k++)
				steps = jv_array_append(steps, jv_string(pc->steps[k]));
		} else {
			const char *detail = probe_detail(inc, NULL);
			strbuf_add(&rc, "No known failure class matches the evidence");
			if (detail)
				strbuf_addf(&rc, " (the check that failed: %s)", detail);
			steps = jv_array_append(steps, jv_string("Look at the evidence and the service's log"));
		}
	}
	/* Past incidents like this one. */
	{
		jv sim = record_get(ctx, "similar");
		if (jv_array_length(jv_copy(sim)) > 0) {
			jv s = jv_array_get(jv_copy(sim), 0);
			if (record_str(s, "incident"))
				steps = jv_array_append(steps, jv_string_fmt("See similar incident %s%s%s",
				    record_str(s, "incident"), record_str(s, "fix") ? ", fixed by " : "",
				    record_str(s, "fix") && strlen(record_str(s, "fix")) < 200 ?
				    record_str(s, "fix") : ""));
			jv_free(s);
		}
		jv_free(sim);
	}
	if (note)
		steps = jv_array_append(steps, jv_string(note));
	/* Why the templates that were not used were not. */
	jv_array_foreach(templates, ti, te) {
		(void)ti;
		if (!record_bool(te, "applied", 0) && record_str(te, "reason"))
			steps = jv_array_append(steps, jv_string_fmt("Fix template %s declined: %s",
			    record_str(te, "template") ? record_str(te, "template") : "?",
			    record_str(te, "reason")));
		jv_free(te);
	}
	cause = strbuf_take(&rc);
	a = record_set_str(a, "engine", "rules");
	a = record_set_str(a, "root_cause", cause);
	a = record_set_str(a, "category", category);
	a = record_set_str(a, "class", cls);
	a = record_set_num(a, "confidence", conf);
	a = jv_object_set(a, jv_string("remediation"), steps);
	a = jv_object_set(a, jv_string("frames"), frames);
	a = record_set(a, "similar", record_get(ctx, "similar"));
	a = jv_object_set(a, jv_string("diff"), diff);
	a = jv_object_set(a, jv_string("templates"), templates);
	if (jv_get_kind(edits) == JV_KIND_ARRAY)
		a = jv_object_set(a, jv_string("edits"), edits);
	else
		jv_free(edits);
	free(cause);
	free(note);
	free(what);
	jv_free(t);
	jv_free(inc);
	*out = a;
	return 0;
}
