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
 * The engines (rules.c, llm.c, agent.c) sit below: this file chooses
 * one, and an engine that fails hands over to rules, the record saying
 * why.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mend.h"

#define MAX_TEXT	(256 * 1024)	/* evidence + log text we look at */
#define MAX_FILES	20000		/* repository files indexed for mapping */
#define SNIPPET		6		/* lines of source either side */

/* ---- options ---- */

void
analyze_opts_init(struct analyze_opts *o)
{
	memset(o, 0, sizeof *o);
	o->log_lines = 200;
	engine_opts_init(&o->e);
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

/* ---- text ---- */

/* The last `lines` lines of s (a pointer into s). */
static const char *
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

/* ---- context ---- */

static void
collect_strings(jv v, struct strbuf *b)
{
	switch (jv_get_kind(v)) {
	case JV_KIND_STRING:
		if (b->len < MAX_TEXT) {
			strbuf_add(b, jv_string_value(v));
			strbuf_add(b, "\n");
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
expand_json_lines(const char *text, struct strbuf *b)
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
		if (!(raw = file_read(o->log_path, 1 << 20, &len))) {
			mend_warn("%s", mend_errmsg());
			return NULL;
		}
	} else if (o->log_cmd) {
		char *argv[] = { "/bin/sh", "-c", (char *)o->log_cmd, NULL };
		int code = proc_capture(&raw, argv, NULL, NULL, 20);
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
	struct strbuf b = { 0 };
	const char *p = text;
	long ln = 1;

	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p) : strlen(p);
		if (ln >= mark - around && ln <= mark + around)
			strbuf_addf(&b, "%5ld%s %.*s\n", ln, ln == mark ? ">" : " ", (int)n, p);
		if (ln > mark + around)
			break;
		ln++;
		p = nl ? nl + 1 : NULL;
	}
	return strbuf_take(&b);
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
	if (proc_capture(&out, argv, NULL, NULL, 10) != 0) {
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
	struct strbuf b = { 0 };
	jv t = record_get(ctx, "trace");

	if (jv_get_kind(t) == JV_KIND_OBJECT) {
		jv r = trace_root(jv_copy(t));
		strbuf_addf(&b, "%s %s ", record_str(r, "exception") ? record_str(r, "exception") : "",
		    record_str(r, "message") ? record_str(r, "message") : "");
		jv_free(r);
		{
			jv fr = record_get(ctx, "frames");
			int i, n = jv_array_length(jv_copy(fr));
			for (i = 0; i < n && i < 4; i++) {
				jv f = jv_array_get(jv_copy(fr), i);
				if (record_bool(f, "in_app", 0) && fstr(f, "function"))
					strbuf_addf(&b, "%s ", fstr(f, "function"));
				jv_free(f);
			}
			jv_free(fr);
		}
	}
	jv_free(t);
	if (b.len < 8) {
		strbuf_addf(&b, "%s %s", record_str(ctx, "incident.reason") ?
		    record_str(ctx, "incident.reason") : "",
		    record_str(ctx, "incident.summary") ? record_str(ctx, "incident.summary") : "");
	}
	return strbuf_take(&b);
}

static char *
chain_text(jv t)
{
	struct strbuf b = { 0 };

	t = jv_copy(t);
	while (jv_get_kind(t) == JV_KIND_OBJECT) {
		jv c;
		strbuf_addf(&b, "%s: %s\n", record_str(t, "exception") ? record_str(t, "exception") : "",
		    record_str(t, "message") ? record_str(t, "message") : "");
		c = record_get(t, "cause");
		jv_free(t);
		t = c;
	}
	jv_free(t);
	return strbuf_take(&b);
}


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
	struct strbuf text = { 0 }, all = { 0 };
	jv ctx = jv_object(), inc = record_get(rec, "incident"), traces, primary = jv_null();
	char *log = NULL, *red;
	struct repo repo = { 0 };
	int i, n;

	/* The evidence as text, and any JSON log lines inside it. */
	collect_strings(record_get(inc, "evidence"), &text);
	strbuf_addf(&text, "%s\n", record_str(inc, "summary") ? record_str(inc, "summary") : "");
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
		strbuf_add(&all, "\n");
		strbuf_add(&all, log);
		expand_json_lines(log, &all);
	}
	/* Traces in the evidence come first: they are this incident's. */
	if (text.s && strstr(text.s, "&quot;")) {
		char *u = html_unescape(text.s);
		if (u) {
			free(text.s);
			text.s = u;
			text.len = text.cap = strlen(u);
		}
	}
	if (trace_parse(&traces, text.s ? text.s : "") < 0)
		traces = jv_array();
	n = jv_array_length(jv_copy(traces));
	if (log) {
		jv lt;
		struct strbuf lb = { 0 };
		strbuf_add(&lb, log);
		expand_json_lines(log, &lb);
		if (trace_parse(&lt, lb.s ? lb.s : "") == 0) {
			int m = jv_array_length(jv_copy(lt));
			jv_array_foreach(lt, k, t)
				traces = jv_array_append(traces, t), (void)k;
			jv_free(lt);
			if (n == 0 && m > 0)	/* the most recent one in the log */
				primary = jv_array_get(jv_copy(traces), jv_array_length(jv_copy(traces)) - 1);
		}
		free(lb.s);
	}
	if (n > 0)
		primary = jv_array_get(jv_copy(traces), 0);

	/* Frames of the primary trace, mapped onto the repository. */
	if (o->e.repo) {
		/* One walk per process and repository: analyze sees many
		 * incidents of one service. */
		static struct repo cached;
		static char *cached_root;
		if (!cached_root || strcmp(cached_root, o->e.repo)) {
			repo_release(&cached);
			free(cached_root);
			cached_root = strdup(o->e.repo);
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
				if (snprintf(path, sizeof path, "%s/%s", o->e.repo, file) < (int)sizeof path &&
				    (src = file_read(path, 4 << 20, NULL))) {
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
							gl = git_log(o->e.repo, file);
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
	red = redact(text.s ? text.s : "", NULL);
	ctx = record_set_str(ctx, "evidence_text", red);
	free(red);
	red = redact(all.s ? all.s : "", NULL);
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
	free(text.s);
	free(all.s);
	free(log);
	*out = ctx;
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

/*
 * The fields of the rules engine's analysis a (borrowed) that an agent
 * which changed the code but gave no verdict lacks: what failed and
 * where is the rules' reading, the change is the agent's.
 */
static jv
agent_without_verdict(jv ag, jv rules)
{
	double conf = record_num(rules, "confidence", 0.1);
	jv steps = jv_array_append(jv_array(), jv_string("Review the agent's change: it "
	    "gave no verdict of its own")), rs = record_get(rules, "remediation");

	ag = record_set(ag, "root_cause", record_get(rules, "root_cause"));
	ag = record_set(ag, "category", record_get(rules, "category"));
	ag = record_set_num(ag, "confidence", conf < 0.5 ? conf : 0.5);
	if (jv_get_kind(rs) == JV_KIND_ARRAY)
		jv_array_foreach(rs, i, st)
			steps = jv_array_append(steps, st), (void)i;
	jv_free(rs);
	return record_set(ag, "remediation", steps);
}

int
analyze_record(jv *out, jv rec, const struct analyze_opts *o, int revise, int *cannot)
{
	const char *engine = o->engine ? o->engine : "rules";
	struct engine_ctx e = { .o = &o->e };
	jv a = jv_null(), kept = jv_null(), rv = jv_null();
	char *why = NULL;
	int rc = 0;

	*cannot = 0;
	if (strcmp(engine, "llm") && strcmp(engine, "agent") && strcmp(engine, "rules"))
		return mend_err("unknown engine '%s' (rules, llm or agent)", engine);
	if (analyze_context(&e.ctx, rec, o) < 0)
		return -1;
	if (revise)
		rv = revise_input(rec);
	e.revise = rv;
	if (!strcmp(engine, "llm") || !strcmp(engine, "agent")) {
		rc = !strcmp(engine, "llm") ? engine_llm(&a, &e, &why) : engine_agent(&a, &e, &why);
		if (rc < 0) {
			jv_free(a);
			jv_free(e.ctx);
			jv_free(rv);
			return -1;
		}
		if (rc == 1) {
			kept = a;
			a = jv_null();
		} else if (!record_has(a, "root_cause")) {
			jv r;
			engine_rules(&r, &e);
			a = agent_without_verdict(a, r);
			jv_free(r);
		}
		if (rc == 0) {
			a = record_set_str(a, "engine", engine);
			a = record_set(a, "frames", record_get(e.ctx, "frames"));
			a = record_set(a, "similar", record_get(e.ctx, "similar"));
		}
	}
	if (!strcmp(engine, "rules") || rc == 1) {
		engine_rules(&a, &e);
		if (rc == 1) {
			mend_warn("%s engine: %s; falling back to rules", engine, why ? why : "failed");
			a = record_set_str(a, "fallback", why);
			a = record_set_str(a, "requested_engine", engine);
			/* What the failed engine did stays on record (the agent's log). */
			if (jv_get_kind(kept) == JV_KIND_OBJECT)
				jv_object_foreach(kept, k, v)
					a = jv_object_set(a, k, v);
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
	jv_free(kept);
	if (revise) {
		double n = record_num(rec, "analysis.revision", 0);
		a = record_set(a, "revised", jv_bool(!*cannot));
		a = record_set_num(a, "revision", n + 1);
		a = record_set(a, "previous_diff", record_get(rv, "diff"));
	}
	a = trace_fields(a, record_get(e.ctx, "trace"));
	free(why);
	jv_free(e.ctx);
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
