/*
 * analyze.c - from an incident to an analysis: gather the context, run an
 * engine, check what it says.
 *
 * The context is one jv object built once per incident and handed to
 * every engine: the incident, the text of its evidence, the tail of the
 * application's log, the stack traces found in either, the frames of the
 * primary trace mapped onto the repository (longest matching path
 * suffix; a tie goes to the file matched whole, else to none), the source around each in-app frame,
 * the last commits that touched those files, and similar past incidents
 * from the knowledge base.  Every string in it has been through
 * redact(): the context is what may leave the process.  Traces are parsed
 * before redaction (a redacted path is still a path) and redacted after.
 *
 * Engines: rules is here (known failure classes from the trace and the
 * text, and a one-line fix from template.c where one fits; no network);
 * llm and agent, the prompt and the checking of answers are in model.c.
 * An engine that fails hands over to rules and the record says so.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mend.h"
#include "analyze.h"

#define MAX_TEXT	(256 * 1024)	/* evidence + log text we look at */
#define MAX_FILES	20000		/* repository files indexed for mapping */
#define SNIPPET		6		/* lines of source either side */

/* ---- a string buffer ---- */

void
sbuf_add(struct sbuf *b, const char *s, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 1024;
		char *np;
		while (cap < b->n + n + 1)
			cap *= 2;
		if (!(np = realloc(b->p, cap)))
			return;		/* keeps what fits; callers cap sizes anyway */
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

void
sbuf_puts(struct sbuf *b, const char *s)
{
	if (s)
		sbuf_add(b, s, strlen(s));
}

void
sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	char small[1024], *big = NULL;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof small, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n < sizeof small) {
		sbuf_add(b, small, (size_t)n);
		return;
	}
	if (!(big = malloc((size_t)n + 1)))
		return;
	va_start(ap, fmt);
	vsnprintf(big, (size_t)n + 1, fmt, ap);
	va_end(ap);
	sbuf_add(b, big, (size_t)n);
	free(big);
}

char *
sbuf_take(struct sbuf *b)
{
	char *p = b->p ? b->p : strdup("");

	b->p = NULL;
	b->n = b->cap = 0;
	return p;
}

/* ---- options ---- */

void
analyze_opts_init(struct analyze_opts *o)
{
	const char *v;

	memset(o, 0, sizeof *o);
	o->log_lines = 200;
	o->repo = getenv("MEND_REPO");
	o->llm_url = getenv("MEND_LLM_URL");
	o->llm_model = getenv("MEND_LLM_MODEL");
	o->llm_key = getenv("MEND_LLM_KEY");
	if (!o->llm_key || !*o->llm_key)
		o->llm_key = getenv("OPENAI_API_KEY");
	o->llm_api_version = getenv("MEND_LLM_API_VERSION");
	o->llm_timeout = (v = getenv("MEND_LLM_TIMEOUT")) ? atof(v) : 120;
	o->agent = getenv("MEND_AGENT");
	o->agent_timeout = (v = getenv("MEND_AGENT_TIMEOUT")) ? atof(v) : 900;
	o->llm_attempts = (v = getenv("MEND_LLM_ATTEMPTS")) ? atoi(v) : 4;
	if (o->llm_attempts < 1)
		o->llm_attempts = 1;
	o->max_diff = 64 * 1024;
	if (o->repo && !*o->repo)
		o->repo = NULL;
}

const char *
analyze_engine(const char *flag)
{
	const char *e = flag;

	if (!e || !*e)
		e = getenv("MEND_ENGINE");
	if (e && *e)
		return e;
	if ((e = getenv("MEND_LLM_URL")) && *e)
		return "llm";
	if ((e = getenv("MEND_AGENT")) && *e)
		return "agent";
	return "rules";
}

/* ---- files ---- */

char *
read_file(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	struct stat st;
	char *buf;
	size_t n = 0;
	off_t off = 0;

	if (fd < 0) {
		mend_errno("cannot open '%s'", path);
		return NULL;
	}
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (size_t)st.st_size > max)
		off = st.st_size - (off_t)max;	/* the tail is what matters */
	if (off && lseek(fd, off, SEEK_SET) < 0)
		off = 0;
	if (!(buf = malloc(max + 1))) {
		close(fd);
		mend_err("out of memory");
		return NULL;
	}
	for (;;) {
		ssize_t r = read(fd, buf + n, max - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
		if (n == max)
			break;
	}
	close(fd);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}

/* The last `lines` lines of s (a pointer into s). */
const char *
tail_lines(const char *s, size_t len, int lines)
{
	const char *p = s + len;

	if (len && p[-1] == '\n')
		p--;
	while (p > s) {
		if (p[-1] == '\n' && --lines <= 0)
			break;
		p--;
	}
	return p;
}

int
analyze_split_ws(char **argv, int max, char *s)
{
	int n = 0;

	while (*s && n < max - 1) {
		char q = 0, *out;
		while (isspace((unsigned char)*s))
			s++;
		if (!*s)
			break;
		argv[n++] = out = s;
		while (*s && (q || !isspace((unsigned char)*s))) {
			if (!q && (*s == '"' || *s == '\'')) {
				q = *s++;
				continue;
			}
			if (q && *s == q) {
				q = 0;
				s++;
				continue;
			}
			*out++ = *s++;
		}
		if (*s)
			s++;
		*out = '\0';
	}
	argv[n] = NULL;
	return n;
}

/* ---- the repository: files and path mapping ---- */

struct repo {
	const char *root;
	char **files;
	size_t n;
};

static int
skip_dir(const char *name)
{
	static const char *const skip[] = { ".git", "node_modules", "__pycache__", ".venv",
		"venv", ".tox", "target", "vendor", ".mypy_cache", ".pytest_cache", "dist",
		"build", ".next", NULL };
	int i;

	for (i = 0; skip[i]; i++)
		if (!strcmp(name, skip[i]))
			return 1;
	return 0;
}

static void
repo_walk(struct repo *r, const char *rel, int depth)
{
	char path[PATH_MAX];
	DIR *d;
	struct dirent *e;

	if (depth > 12 || r->n >= MAX_FILES)
		return;
	if (snprintf(path, sizeof path, "%s/%s", r->root, rel) >= (int)sizeof path ||
	    !(d = opendir(path)))
		return;
	while ((e = readdir(d)) && r->n < MAX_FILES) {
		char sub[PATH_MAX];
		struct stat st;
		if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
			continue;
		if (snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", e->d_name) >=
		    (int)sizeof sub)
			continue;
		if (snprintf(path, sizeof path, "%s/%s", r->root, sub) >= (int)sizeof path ||
		    lstat(path, &st) < 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (!skip_dir(e->d_name))
				repo_walk(r, sub, depth + 1);
		} else if (S_ISREG(st.st_mode)) {
			char **nf = realloc(r->files, (r->n + 1) * sizeof *nf);
			if (!nf)
				break;
			r->files = nf;
			if ((r->files[r->n] = strdup(sub)))
				r->n++;
		}
	}
	closedir(d);
}

static void
repo_release(struct repo *r)
{
	size_t i;

	for (i = 0; i < r->n; i++)
		free(r->files[i]);
	free(r->files);
	memset(r, 0, sizeof *r);
}

/* Components shared at the end of a and b ("x/app/views.py" vs
 * "srv/app/views.py": 2). */
static int
common_suffix(const char *a, const char *b)
{
	const char *pa = a + strlen(a), *pb = b + strlen(b);
	int n = 0;

	for (;;) {
		const char *sa = pa, *sb = pb;
		while (sa > a && sa[-1] != '/')
			sa--;
		while (sb > b && sb[-1] != '/')
			sb--;
		if (pa - sa != pb - sb || pa == sa || strncmp(sa, sb, (size_t)(pa - sa)))
			return n;
		n++;
		if (sa == a || sb == b)
			return n;
		pa = sa - 1;
		pb = sb - 1;
	}
}

static int
components(const char *p)
{
	int n = 1;

	for (; *p; p++)
		n += *p == '/';
	return n;
}

/* The repository file a frame path means: the longest matching suffix,
 * when exactly one file has it.  NULL when none or ambiguous. */
static const char *
repo_map(const struct repo *r, const char *path)
{
	size_t i;
	int best = 0, ties = 0, whole = 0;
	const char *hit = NULL, *whole_hit = NULL;

	if (!path || !r->n || strstr(path, "/../") || !strncmp(path, "../", 3))
		return NULL;
	if (!strncmp(path, "file://", 7))
		path += 7;
	for (i = 0; i < r->n; i++) {
		int c = common_suffix(path, r->files[i]);
		/* all of the repository path matched: "/srv/shop/app.py" is the
		 * top-level app.py rather than examples/app.py */
		int all = c > 0 && c == components(r->files[i]);
		if (c > best) {
			best = c;
			ties = 1;
			hit = r->files[i];
			whole = all;
			whole_hit = all ? r->files[i] : NULL;
		} else if (c == best && c > 0) {
			ties++;
			if (all) {
				whole++;
				whole_hit = r->files[i];
			}
		}
	}
	if (best > 0 && ties == 1)
		return hit;
	return best > 0 && whole == 1 ? whole_hit : NULL;
}

/* ---- running things ---- */

int
analyze_run(char **out, char *const argv[], const char *cwd, const char *input, double timeout)
{
	struct proc_opts po = { 0 };
	struct proc_result res = { 0 };
	int code;

	po.cwd = cwd;
	po.new_pgrp = 1;
	po.stdin_null = input == NULL;
	po.merge_stderr = 1;
	if (proc_run(&res, argv, &po, input, input ? strlen(input) : 0, timeout, 1 << 20) < 0)
		return -1;
	code = res.timed_out ? 124 : proc_exitcode(res.status);
	if (out)
		*out = res.out ? res.out : strdup("");
	else
		free(res.out);
	res.out = NULL;
	proc_result_release(&res);
	return code;
}

/* ---- context ---- */

static void
collect_strings(jv v, struct sbuf *b)
{
	switch (jv_get_kind(v)) {
	case JV_KIND_STRING:
		if (b->n < MAX_TEXT) {
			sbuf_puts(b, jv_string_value(v));
			sbuf_puts(b, "\n");
		}
		break;
	case JV_KIND_ARRAY:
		jv_array_foreach(v, i, e)
			collect_strings(e, b);
		break;
	case JV_KIND_OBJECT:
		jv_object_foreach(v, k, e) {
			jv_free(k);
			collect_strings(e, b);
		}
		break;
	default:
		break;
	}
	jv_free(v);
}

/* Structured log lines ({"msg":..,"stack":"..\n.."}): their multi-line
 * strings, so traces inside JSON logs parse too. */
static void
expand_json_lines(const char *text, struct sbuf *b)
{
	const char *p = text;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (*p == '{' && n > 2 && memchr(p, '\\', n)) {
			jv v;
			if (record_parse(&v, p, n) == 0)
				collect_strings(v, b);
		}
		p = nl ? nl + 1 : NULL;
	}
}

static char *
get_log(const struct analyze_opts *o)
{
	char *raw = NULL, *res;
	size_t len = 0;

	if (o->log_path) {
		if (!(raw = read_file(o->log_path, 1 << 20, &len))) {
			mend_warn("%s", mend_errmsg());
			return NULL;
		}
	} else if (o->log_cmd) {
		char *argv[] = { "/bin/sh", "-c", (char *)o->log_cmd, NULL };
		int code = analyze_run(&raw, argv, NULL, NULL, 20);
		if (code < 0) {
			mend_warn("log command: %s", mend_errmsg());
			return NULL;
		}
		if (code != 0)
			mend_warn("log command exited %d", code);
		len = strlen(raw);
	} else
		return NULL;
	res = strdup(tail_lines(raw, len, o->log_lines > 0 ? o->log_lines : 200));
	free(raw);
	return res;
}

static const char *
fstr(jv f, const char *k)
{
	return record_str(f, k);
}

/* Source lines [from, to] of a file, numbered, the `mark` line flagged. */
static char *
snippet(const char *text, long mark, int around)
{
	struct sbuf b = { 0 };
	const char *p = text;
	long ln = 1;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (ln >= mark - around && ln <= mark + around)
			sbuf_printf(&b, "%5ld%s %.*s\n", ln, ln == mark ? ">" : " ", (int)n, p);
		if (ln > mark + around)
			break;
		ln++;
		p = nl ? nl + 1 : NULL;
	}
	return sbuf_take(&b);
}

static jv
git_log(const char *repo, const char *rel)
{
	char *argv[] = { "git", "-C", (char *)repo, "log", "-n", "3", "--date=short",
		"--format=%h %ad %an: %s", "--", (char *)rel, NULL };
	char *out = NULL, *p, *save = NULL;
	jv a = jv_array();
	char gitdir[PATH_MAX];
	struct stat st;

	if (snprintf(gitdir, sizeof gitdir, "%s/.git", repo) >= (int)sizeof gitdir ||
	    stat(gitdir, &st) < 0)
		return a;
	if (analyze_run(&out, argv, NULL, NULL, 10) != 0) {
		free(out);
		return a;
	}
	for (p = strtok_r(out, "\n", &save); p; p = strtok_r(NULL, "\n", &save))
		a = jv_array_append(a, jv_string(p));
	free(out);
	return a;
}

/* Words for a knowledge-base query: exception, message, functions. */
static char *
kb_query(jv ctx)
{
	struct sbuf b = { 0 };
	jv t = record_get(ctx, "trace");

	if (jv_get_kind(t) == JV_KIND_OBJECT) {
		jv r = trace_root(jv_copy(t));
		sbuf_printf(&b, "%s %s ", record_str(r, "exception") ? record_str(r, "exception") : "",
		    record_str(r, "message") ? record_str(r, "message") : "");
		jv_free(r);
		{
			jv fr = record_get(ctx, "frames");
			int i, n = jv_array_length(jv_copy(fr));
			for (i = 0; i < n && i < 4; i++) {
				jv f = jv_array_get(jv_copy(fr), i);
				if (record_bool(f, "in_app", 0) && fstr(f, "function"))
					sbuf_printf(&b, "%s ", fstr(f, "function"));
				jv_free(f);
			}
			jv_free(fr);
		}
	}
	jv_free(t);
	if (b.n < 8) {
		sbuf_printf(&b, "%s %s", record_str(ctx, "incident.reason") ?
		    record_str(ctx, "incident.reason") : "",
		    record_str(ctx, "incident.summary") ? record_str(ctx, "incident.summary") : "");
	}
	return sbuf_take(&b);
}

static char *chain_text(jv t);

/* "&quot;" and friends: tracebacks inside HTML error pages. */
static char *
html_unescape(const char *s)
{
	static const struct { const char *ent; char c; } ents[] = {
		{ "&quot;", '"' }, { "&#39;", '\'' }, { "&#x27;", '\'' }, { "&lt;", '<' },
		{ "&gt;", '>' }, { "&amp;", '&' }, { "&#34;", '"' },
	};
	char *out = malloc(strlen(s) + 1), *o = out;
	size_t k;

	if (!out)
		return NULL;
	while (*s) {
		if (*s == '&')
			for (k = 0; k < sizeof ents / sizeof *ents; k++)
				if (!strncmp(s, ents[k].ent, strlen(ents[k].ent))) {
					*o++ = ents[k].c;
					s += strlen(ents[k].ent);
					goto next;
				}
		*o++ = *s++;
next:
		;
	}
	*o = '\0';
	return out;
}

int
analyze_context(jv *out, jv rec, const struct analyze_opts *o)
{
	struct sbuf text = { 0 }, all = { 0 };
	jv ctx = jv_object(), inc = record_get(rec, "incident"), traces, primary = jv_null();
	char *log = NULL, *red;
	struct repo repo = { 0 };
	int i, n;

	/* The evidence as text, and any JSON log lines inside it. */
	collect_strings(record_get(inc, "evidence"), &text);
	sbuf_printf(&text, "%s\n", record_str(inc, "summary") ? record_str(inc, "summary") : "");
	log = get_log(o);
	/* "text" is what the application said (error records, the log): a
	 * probe's own detail describes the service, not its dependencies. */
	{
		jv ev = record_get(inc, "evidence");
		if (jv_get_kind(ev) == JV_KIND_ARRAY) {
			jv_array_foreach(ev, k, e) {
				(void)k;
				if (strcmp(record_type(e), "probe"))
					collect_strings(e, &all);
				else
					jv_free(e);
			}
		}
		jv_free(ev);
	}
	if (log) {
		sbuf_puts(&all, "\n");
		sbuf_puts(&all, log);
		expand_json_lines(log, &all);
	}
	/* Traces in the evidence come first: they are this incident's. */
	if (text.p && strstr(text.p, "&quot;")) {
		char *u = html_unescape(text.p);
		if (u) {
			free(text.p);
			text.p = u;
			text.n = text.cap = strlen(u);
		}
	}
	if (trace_parse(&traces, text.p ? text.p : "") < 0)
		traces = jv_array();
	n = jv_array_length(jv_copy(traces));
	if (log) {
		jv lt;
		struct sbuf lb = { 0 };
		sbuf_puts(&lb, log);
		expand_json_lines(log, &lb);
		if (trace_parse(&lt, lb.p ? lb.p : "") == 0) {
			int m = jv_array_length(jv_copy(lt));
			jv_array_foreach(lt, k, t)
				traces = jv_array_append(traces, t), (void)k;
			jv_free(lt);
			if (n == 0 && m > 0)	/* the most recent one in the log */
				primary = jv_array_get(jv_copy(traces), jv_array_length(jv_copy(traces)) - 1);
		}
		free(lb.p);
	}
	if (n > 0)
		primary = jv_array_get(jv_copy(traces), 0);

	/* Frames of the primary trace, mapped onto the repository. */
	if (o->repo) {
		/* One walk per process and repository: analyze sees many
		 * incidents of one service. */
		static struct repo cached;
		static char *cached_root;
		if (!cached_root || strcmp(cached_root, o->repo)) {
			repo_release(&cached);
			free(cached_root);
			cached_root = strdup(o->repo);
			cached.root = cached_root;
			repo_walk(&cached, "", 0);
		}
		repo = cached;
	}
	{
		jv frames = jv_array(), source = jv_array(), commits = jv_array();
		jv seen = jv_object();
		jv pf = jv_array();
		int mapped = 0, nf;

		/* Prefer the root cause's frames when it has in-app ones (Java's
		 * Caused by, Python's direct cause); else the top trace's. */
		if (jv_get_kind(primary) == JV_KIND_OBJECT) {
			jv root = trace_root(jv_copy(primary));
			jv af = trace_app_frame(jv_copy(root));
			if (jv_get_kind(af) != JV_KIND_OBJECT) {
				jv_free(pf);
				pf = record_get(primary, "frames");
			} else {
				jv_free(pf);
				pf = record_get(root, "frames");
			}
			jv_free(af);
			jv_free(root);
		}
		nf = jv_array_length(jv_copy(pf));
		for (i = 0; i < nf; i++) {
			jv f = jv_array_get(jv_copy(pf), i);
			const char *file = record_bool(f, "in_app", 0) ?
			    repo_map(&repo, fstr(f, "path")) : NULL;
			if (file) {
				f = record_set_str(f, "file", file);
				mapped++;
			}
			frames = jv_array_append(frames, f);
		}
		jv_free(pf);
		/* With a repository, in-app means "in the repository" too. */
		if (mapped)
			for (i = 0; i < nf; i++) {
				jv f = jv_array_get(jv_copy(frames), i);
				if (!record_has(f, "file") && record_bool(f, "in_app", 0)) {
					f = record_set(f, "in_app", jv_false());
					frames = jv_array_set(frames, i, f);
				} else
					jv_free(f);
			}
		for (i = 0; i < nf && jv_array_length(jv_copy(source)) < 5; i++) {
			jv f = jv_array_get(jv_copy(frames), i);
			const char *file = fstr(f, "file");
			long line = (long)record_num(f, "line", 0);
			if (file && line > 0) {
				char path[PATH_MAX];
				char *src;
				if (snprintf(path, sizeof path, "%s/%s", o->repo, file) < (int)sizeof path &&
				    (src = read_file(path, 4 << 20, NULL))) {
					char *snip = snippet(src, line, SNIPPET);
					jv s = jv_object();
					s = record_set_str(s, "file", file);
					s = record_set_num(s, "line", (double)line);
					s = record_set(s, "function", record_get(f, "function"));
					s = record_set_str(s, "snippet", snip);
					source = jv_array_append(source, s);
					free(snip);
					free(src);
					if (!jv_object_has(jv_copy(seen), jv_string(file))) {
						/* git log per file once per process */
						static jv logs;
						jv gl;
						if (!jv_is_valid(logs) || jv_get_kind(logs) != JV_KIND_OBJECT)
							logs = jv_object();
						if (jv_object_has(jv_copy(logs), jv_string(file)))
							gl = jv_object_get(jv_copy(logs), jv_string(file));
						else {
							gl = git_log(o->repo, file);
							logs = jv_object_set(logs, jv_string(file), jv_copy(gl));
						}
						seen = jv_object_set(seen, jv_string(file), jv_true());
						jv_array_foreach(gl, k, c)
							commits = jv_array_append(commits, c), (void)k;
						jv_free(gl);
					}
				}
			}
			jv_free(f);
		}
		jv_free(seen);
		ctx = jv_object_set(ctx, jv_string("frames"), frames);
		ctx = jv_object_set(ctx, jv_string("source"), source);
		ctx = jv_object_set(ctx, jv_string("commits"), commits);
	}

	ctx = jv_object_set(ctx, jv_string("incident"), redact_jv(jv_copy(inc), NULL));
	red = redact(text.p ? text.p : "", NULL);
	ctx = record_set_str(ctx, "evidence_text", red);
	free(red);
	red = redact(all.p ? all.p : "", NULL);
	ctx = record_set_str(ctx, "text", red);
	free(red);
	if (log) {
		red = redact(log, NULL);
		ctx = record_set_str(ctx, "log", red);
		free(red);
	} else
		ctx = record_set(ctx, "log", jv_null());
	ctx = jv_object_set(ctx, jv_string("traces"), redact_jv(traces, NULL));
	ctx = jv_object_set(ctx, jv_string("trace"), redact_jv(primary, NULL));
	{
		jv t = record_get(ctx, "trace");
		char *ct = jv_get_kind(t) == JV_KIND_OBJECT ? chain_text(t) : NULL;
		ctx = record_set_str(ctx, "exceptions", ct);
		free(ct);
		jv_free(t);
	}

	/* Similar past incidents. */
	{
		jv sim = jv_array();
		if (o->sp) {
			char *q = kb_query(ctx);
			jv res;
			const char *self = record_str(inc, "id");
			if (spool_kb_search(o->sp, &res, q, 6) == 0) {
				jv_array_foreach(res, k, m) {
					const char *id = record_str(m, "incident");
					(void)k;
					if (id && (!self || strcmp(id, self)) &&
					    jv_array_length(jv_copy(sim)) < 3) {
						jv s = jv_object();
						s = record_set_str(s, "incident", id);
						s = record_set(s, "score", record_get(m, "score"));
						s = record_set(s, "root_cause", record_get(m, "root_cause"));
						s = record_set(s, "fix", record_get(m, "fix"));
						sim = jv_array_append(sim, s);
					}
					jv_free(m);
				}
				jv_free(res);
			} else
				mend_warn("knowledge base: %s", mend_errmsg());
			free(q);
		}
		ctx = jv_object_set(ctx, jv_string("similar"), sim);
	}
	jv_free(inc);
	free(text.p);
	free(all.p);
	free(log);
	*out = ctx;
	return 0;
}

/* ---- the rules engine ---- */

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

static char *
chain_text(jv t)
{
	struct sbuf b = { 0 };

	t = jv_copy(t);
	while (jv_get_kind(t) == JV_KIND_OBJECT) {
		jv c;
		sbuf_printf(&b, "%s: %s\n", record_str(t, "exception") ? record_str(t, "exception") : "",
		    record_str(t, "message") ? record_str(t, "message") : "");
		c = record_get(t, "cause");
		jv_free(t);
		t = c;
	}
	jv_free(t);
	return sbuf_take(&b);
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
diff_add_lines(struct sbuf *b, const char *t, long *count)
{
	const char *p = t;

	for (;;) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		sbuf_printf(b, "+%.*s\n", (int)n, p);
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
	struct sbuf b = { 0 };
	const char **lines;
	size_t *lens, n, c = 0;
	int no_eol;
	long shift = 0;

	if (!(lines = split_lines(text, &lens, &n, &no_eol)))
		return NULL;
	sbuf_printf(&b, "diff --git a/%s b/%s\n--- a/%s\n+++ b/%s\n", rel, rel, rel, rel);
	while (c < nch) {
		size_t last = c, k;
		long from, to, i, oldc = 0, newc = 0;
		struct sbuf h = { 0 };
		/* changes within 6 lines of each other share a hunk */
		while (last + 1 < nch && ch[last + 1].line - ch[last].line <= 6)
			last++;
		from = ch[c].line - 3 < 1 ? 1 : ch[c].line - 3;
		to = ch[last].line + 3 > (long)n ? (long)n : ch[last].line + 3;
		if (ch[c].line < 1 || ch[last].line > (long)n) {
			free(lines);
			free(lens);
			free(b.p);
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
			sbuf_printf(&h, "%c%.*s\n", del ? '-' : ' ', (int)lens[i - 1], lines[i - 1]);
			if (last_line)
				sbuf_puts(&h, "\\ No newline at end of file\n");
			oldc++;
			if (!del)
				newc++;
			for (j = k0; j < k; j++)
				if (ch[j].del)
					diff_add_lines(&h, ch[j].text, &newc);
		}
		sbuf_printf(&b, "@@ -%ld,%ld +%ld,%ld @@\n", from, oldc, from + shift, newc);
		sbuf_puts(&b, h.p);
		free(h.p);
		shift += newc - oldc;
		c = last + 1;
	}
	free(lines);
	free(lens);
	return sbuf_take(&b);
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
		struct sbuf s = { 0 }, r = { 0 };
		jv e;
		if (L < 1 || L > (long)n)
			break;
		for (;;) {
			long i;
			free(s.p);
			s = (struct sbuf){ 0 };
			for (i = a; i <= L; i++)
				sbuf_printf(&s, "%.*s%s", (int)lens[i - 1], lines[i - 1], i < L ? "\n" : "");
			if (count_in(text, s.p ? s.p : "") <= 1 || a == 1)
				break;
			a--;
		}
		if (a < L)
			sbuf_printf(&r, "%.*s", (int)(lines[L - 1] - lines[a - 1]), lines[a - 1]);
		sbuf_puts(&r, ch[c].text);
		if (!ch[c].del)
			sbuf_printf(&r, "\n%.*s", (int)lens[L - 1], lines[L - 1]);
		e = jv_object();
		e = record_set_str(e, "path", file);
		e = record_set_str(e, "search", s.p ? s.p : "");
		e = record_set_str(e, "replace", r.p ? r.p : "");
		edits = jv_array_append(edits, e);
		free(s.p);
		free(r.p);
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
static int rules_fix_chain(jv tr, jv frames, const struct analyze_opts *o, jv *diff,
    jv *edits, char **what, char **note, jv *templates);

static int
rules_fix(jv ctx, const struct analyze_opts *o, jv *diff, jv *edits, char **what,
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
				if (record_bool(g, "in_app", 0) && fstr(g, "file") &&
				    record_num(g, "line", 0) == record_num(a, "line", -1) &&
				    fstr(g, "path") && fstr(a, "path") &&
				    !strcmp(fstr(g, "path"), fstr(a, "path"))) {
					jv_free(f);
					f = g;
					break;
				}
				jv_free(g);
			}
			jv_free(a);
		}
		if (jv_get_kind(f) != JV_KIND_OBJECT || !(file = fstr(f, "file"))) {
			jv_free(f);
			jv_free(tr);
			continue;
		}
		ln = (long)record_num(f, "line", 0);
		if (snprintf(path, sizeof path, "%s/%s", o->repo, file) < (int)sizeof path)
			src = read_file(path, 4 << 20, NULL);
		if (src)
			line = line_of(src, ln);
		if (line) {
			const char *code = fstr(f, "code");
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
rules_fix_chain(jv tr, jv frames, const struct analyze_opts *o, jv *diff, jv *edits,
    char **what, char **note, jv *templates)
{
	struct template_frame fr[8];
	char *srcs[8] = { 0 }, path[PATH_MAX];
	int nf = 0, k, m = jv_array_length(jv_copy(frames)), done = 0;
	struct template_result res;

	for (k = 0; k < m && nf < 8; k++) {
		jv g = jv_array_get(jv_copy(frames), k);
		const char *file = fstr(g, "file");
		if (record_bool(g, "in_app", 0) && file &&
		    snprintf(path, sizeof path, "%s/%s", o->repo, file) < (int)sizeof path &&
		    (srcs[nf] = read_file(path, 4 << 20, NULL))) {
			fr[nf].file = file;
			fr[nf].src = srcs[nf];
			fr[nf].line = (long)record_num(g, "line", 0);
			fr[nf].function = fstr(g, "function");
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

static const char *
where(jv f, char *buf, size_t len)
{
	const char *file = fstr(f, "file") ? fstr(f, "file") : fstr(f, "path");

	snprintf(buf, len, "%s%s%s:%ld", fstr(f, "function") ? fstr(f, "function") : "",
	    fstr(f, "function") ? " (" : "", file ? file : "?", (long)record_num(f, "line", 0));
	if (fstr(f, "function") && strlen(buf) + 2 < len)
		strcat(buf, ")");
	return buf;
}

/*
 * An incident of detect's metric rules (class "resource"): what the rule
 * saw and where to look.  No code change is proposed: a leak or a pinned
 * CPU needs a profile before anyone can say which line is at fault.
 */
static int
resource_cause(struct sbuf *rc, jv *steps, const char **cls, double *conf, jv inc)
{
	const char *reason = record_str(inc, "reason"), *name = record_str(inc, "metric.name");
	const char *summary = record_str(inc, "summary");

	if (!reason || !name || (strcmp(reason, "leak") && strncmp(reason, "metric_", 7)))
		return 0;
	*conf = 0.6;
	if (!strcmp(reason, "leak")) {
		*cls = "memory-leak";
		sbuf_printf(rc, "Memory grows steadily (%s): a leak, or a cache without a bound",
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
		sbuf_printf(rc, "The CPU is saturated (%s)", summary ? summary : name);
		*steps = jv_array_append(*steps, jv_string("Profile the busy process (py-spy top, "
		    "node --cpu-prof, perf top, go tool pprof) to find the hot path"));
		*steps = jv_array_append(*steps, jv_string("Check for a busy loop, a retry storm or a "
		    "regex on large input; compare with the request rate"));
	} else if (strstr(name, "disk")) {
		*cls = "disk-filling";
		sbuf_printf(rc, "The disk is filling (%s)", summary ? summary : name);
		*steps = jv_array_append(*steps, jv_string("Find what grew: du -xh --max-depth=2 on the "
		    "file system, and large deleted-but-open files (lsof +L1)"));
		*steps = jv_array_append(*steps, jv_string("Rotate or prune logs and temporary files"));
	} else if (!strcmp(name, "up")) {
		*cls = "target-down";
		*conf = 0.45;
		sbuf_printf(rc, "A resource target cannot be read (%s)", summary ? summary : name);
		*steps = jv_array_append(*steps, jv_string("Check the process or /metrics endpoint "
		    "named in the incident's url"));
	} else {
		*cls = "resource-threshold";
		*conf = 0.5;
		sbuf_printf(rc, "A resource metric passed its limit (%s)", summary ? summary : name);
		*steps = jv_array_append(*steps, jv_string("Look at the metric's history around "
		    "first_seen and what changed then (deploys, traffic, a dependency)"));
	}
	return 1;
}

int
analyze_rules(jv *out, jv ctx, const struct analyze_opts *o)
{
	jv a = jv_object(), t = record_get(ctx, "trace"), inc = record_get(ctx, "incident");
	jv frames = record_get(ctx, "frames"), diff = jv_null(), edits = jv_null(), steps;
	jv templates = jv_array();
	const char *category = "unknown", *cls = "unknown";
	char *cause = NULL, *note = NULL, *what = NULL, loc[512];
	double conf = 0.1;
	struct sbuf rc = { 0 };

	steps = jv_array();
	if (jv_get_kind(t) == JV_KIND_OBJECT) {
		char *ct = chain_text(t);
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
			sbuf_printf(&rc, "%s: %s in %s", ir->cause, exc ? exc : "an error", loc);
			if (msg)
				sbuf_printf(&rc, " (%s)", msg);
			jv_free(steps);
			steps = strs(ir->steps);
		} else if (fa) {
			const char *code = jv_get_kind(af) == JV_KIND_OBJECT ? fstr(af, "code") : NULL;
			category = fa->category;
			cls = fa->cls;
			if (!strcmp(cls, "missing-key") && code && (strstr(code, "environ") ||
			    strstr(code, "getenv") || strstr(code, "ENV["))) {
				category = "config";
				cls = "missing-config";
			}
			sbuf_printf(&rc, "%s%s%s%s in %s: %s", exc ? exc : "", msg ? " (" : "",
			    msg ? msg : "", msg ? ")" : "", loc, fa->what);
			if (!strcmp(category, "config")) {
				sbuf_puts(&rc, "; the service expects a setting that is not set");
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
			sbuf_printf(&rc, "Unhandled %s%s%s in %s", exc ? exc : "error", msg ? ": " : "",
			    msg ? msg : "", loc);
			steps = jv_array_append(steps, jv_string_fmt("Read the code at %s and handle this"
			    " error", loc));
		}
		jv_free(af);
		jv_free(root);
		free(ct);
	} else if (resource_cause(&rc, &steps, &cls, &conf, inc)) {
		category = "resource";
	} else {
		const char *text = record_str(ctx, "text"), *err;
		const struct infra *ir = infra_of(text);
		long status;
		int n5xx;

		probe_summary(inc, &err, &status, &n5xx);
		if (!ir && err && strcmp(err, "status") && strcmp(err, "body") && strcmp(err, "http") &&
		    (ir = infra_of(record_str(ctx, "evidence_text"))) && strcmp(ir->cls, "tls-expired"))
			ir = NULL;	/* from a probe's detail only an expired certificate is news */
		if (ir) {
			category = ir->category;
			cls = ir->cls;
			conf = ir->conf - 0.1;	/* seen in the log, not in a trace */
			sbuf_printf(&rc, "%s (seen in the evidence and log, no stack trace)", ir->cause);
			jv_free(steps);
			steps = strs(ir->steps);
		} else if (err && !strcmp(err, "dns")) {
			category = "config";
			cls = "dns";
			conf = 0.6;
			sbuf_puts(&rc, "The service's own host name does not resolve");
			steps = jv_array_append(steps, jv_string("Check the DNS record of the monitored host"));
		} else if (err && !strcmp(err, "tls")) {
			category = "config";
			cls = "tls";
			conf = 0.6;
			sbuf_puts(&rc, "The TLS handshake with the service fails");
			steps = jv_array_append(steps, jv_string("Check the service's certificate "
			    "(expiry, chain, host name)"));
		} else if (err && !strcmp(err, "connect")) {
			category = "resource";
			cls = "down";
			conf = 0.45;
			sbuf_puts(&rc, "The service does not accept connections: the process is down, "
			    "crashing at start-up, or listening elsewhere");
			steps = jv_array_append(steps, jv_string("Check the process manager (systemctl status,"
			    " pm2 ls) and the start-up log"));
			steps = jv_array_append(steps, jv_string("Restart the service"));
		} else if (err && !strcmp(err, "timeout")) {
			category = "resource";
			cls = "slow";
			conf = 0.4;
			sbuf_puts(&rc, "The service is too slow to answer: overloaded, blocked on a "
			    "dependency, or stuck");
			steps = jv_array_append(steps, jv_string("Check CPU, memory and the latency of its "
			    "dependencies"));
		} else if (err && !strcmp(err, "body")) {
			const char *detail = probe_detail(inc, "body");
			category = "unknown";
			cls = "body-check";
			conf = 0.3;
			sbuf_printf(&rc, "The service answers HTTP %ld but its body fails the check: %s",
			    status, detail ? detail : "the expected text is not in it");
			steps = jv_array_append(steps, jv_string("Request the URL and compare the body with"
			    " what the check expects (a changed page, an empty list, an error shown as 200)"));
			steps = jv_array_append(steps, jv_string("Give analyze the application log "
			    "(--log FILE or --log-cmd CMD) in case the service logged why"));
		} else if (n5xx > 0) {
			category = "unknown";
			cls = "5xx-burst";
			conf = 0.2;
			sbuf_printf(&rc, "The service answers %ld errors but no stack trace was found", status);
			steps = jv_array_append(steps, jv_string("Give analyze the application log "
			    "(--log FILE or --log-cmd CMD) so it can see the exception"));
			steps = jv_array_append(steps, jv_string("Look at the service's error log around "
			    "the incident's first_seen time"));
		} else {
			const char *detail = probe_detail(inc, NULL);
			sbuf_puts(&rc, "No known failure class matches the evidence");
			if (detail)
				sbuf_printf(&rc, " (the check that failed: %s)", detail);
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
	cause = sbuf_take(&rc);
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

/* ---- one record ---- */

static jv
revise_input(jv rec)
{
	jv r = jv_object();
	const char *diff = record_str(rec, "revise.diff");
	const char *log = record_str(rec, "revise.log");

	if (!diff)
		diff = record_str(rec, "patch.diff");
	if (!diff)
		diff = record_str(rec, "analysis.diff");
	if (!log)
		log = record_str(rec, "testrun.log");
	if (log) {
		size_t n = strlen(log);
		const char *t = tail_lines(log, n, 150);
		char *red = redact(t, NULL);
		r = record_set_str(r, "log", red);
		free(red);
	} else
		r = record_set(r, "log", jv_null());
	r = record_set_str(r, "diff", diff);
	return r;
}

int
analyze_record(jv *out, jv rec, const struct analyze_opts *o, int revise, int *cannot)
{
	const char *engine = o->engine ? o->engine : "rules";
	jv ctx, a, rv = jv_null();
	char *why = NULL;
	int rc = 0;

	*cannot = 0;
	if (analyze_context(&ctx, rec, o) < 0)
		return -1;
	if (revise)
		rv = revise_input(rec);
	if (!strcmp(engine, "llm") || !strcmp(engine, "agent")) {
		rc = !strcmp(engine, "llm") ? analyze_llm(&a, ctx, rv, o, &why) :
		    analyze_agent(&a, ctx, rv, o, &why);
		if (rc < 0) {
			jv_free(ctx);
			jv_free(rv);
			return -1;
		}
		if (rc == 0) {
			a = record_set_str(a, "engine", engine);
			a = record_set(a, "frames", record_get(ctx, "frames"));
			a = record_set(a, "similar", record_get(ctx, "similar"));
		}
	}
	if (strcmp(engine, "llm") && strcmp(engine, "agent") && strcmp(engine, "rules")) {
		jv_free(ctx);
		jv_free(rv);
		return mend_err("unknown engine '%s' (rules, llm or agent)", engine);
	}
	if (!strcmp(engine, "rules") || rc == 1) {
		analyze_rules(&a, ctx, o);
		if (rc == 1) {
			mend_warn("%s engine: %s; falling back to rules", engine, why ? why : "failed");
			a = record_set_str(a, "fallback", why);
			a = record_set_str(a, "requested_engine", engine);
		}
		if (revise) {
			/* The rules engine has one fix per fault; it cannot do better
			 * than the change that already failed. */
			a = record_set(a, "diff", jv_null());
			a = record_del(a, "edits");
			a = record_set_num(a, "confidence", 0);
			a = record_set(a, "remediation", jv_array_append(jv_array(), jv_string(
			    "The rules engine cannot revise a fix that failed its tests; use the llm "
			    "or agent engine, or fix it by hand")));
			*cannot = 1;
		}
	}
	if (revise) {
		double n = record_num(rec, "analysis.revision", 0);
		a = record_set(a, "revised", jv_bool(!*cannot));
		a = record_set_num(a, "revision", n + 1);
		a = record_set(a, "previous_diff", record_get(rv, "diff"));
	}
	a = trace_fields(a, record_get(ctx, "trace"));
	free(why);
	jv_free(ctx);
	jv_free(rv);
	rec = record_set_str(jv_copy(rec), "type", "analysis");
	if (revise) {
		rec = record_del(rec, "testrun");
		rec = record_del(rec, "patch");
		rec = record_del(rec, "revise");
	}
	*out = jv_object_set(rec, jv_string("analysis"), a);
	return 0;
}
