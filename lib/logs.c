/*
 * logs.c - group a log's lines into `error` records.
 *
 * A stack trace printed to a log arrives as many lines, mixed with the
 * lines of other streams (two files, docker's stdout and stderr, the
 * units of a journal, the apps of pm2, the containers of kubectl).  Each
 * stream - the source and the line's own stream name - gets its state:
 *
 *   held   the last two lines not yet decided, because Java, Node and
 *          .NET traces are only recognised at their first "at" line,
 *          below the exception's header, and a logger's "ERROR ..." line
 *          often sits above that header;
 *   block  the trace being collected: started by a line only a trace
 *          starts with (Python's "Traceback", Go's "panic:", Rust's
 *          "panicked at", a sanitizer's "ERROR: ...Sanitizer", PHP's
 *          "Fatal error", Ruby's "file:line:in `m': msg (Class)") or by an
 *          "at" line under a held header; continued by lines that
 *          language's traces continue with (indented lines, "Caused by:",
 *          Python's chaining sentences, Go's goroutine sections, ...);
 *          ended by the first line that does not continue it, by a quiet
 *          gap, or at the end of input;
 *   count  error and fatal lines outside traces, sent as one record per
 *          stream per interval.
 *
 * A finished block is parsed by lib/trace.c (trace_parse): its first
 * trace gives the record's exception, message and frames; the block's
 * text is the stacktrace.  A block trace_parse finds nothing in counts
 * as one error line when its first line was one.
 *
 * Memory is bounded: a block keeps max_lines lines and max_bytes bytes
 * (the rest is dropped and the record says truncated), a line max_line
 * bytes, and at most max_streams streams are tracked (the least recently
 * used idle one is forgotten first).
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mend.h"

enum { K_NONE, K_AT, K_PY, K_GO, K_RUST, K_SAN, K_UBSAN, K_PHP, K_RUBY };

struct held {
	struct strbuf text;
	int level;
	double ts;
	long long off;
};

struct stream {
	struct stream *prev, *next;	/* most recently used first */
	char *src, *name;
	char monitor[128];
	struct strbuf part;		/* pieces of a line cut by the collector */
	long long part_off, block_off;	/* where they started in src, -1 unknown */
	long long off;			/* where the line being fed starts */
	struct held held[2];
	int nheld;
	int kind, state, blanks, level, truncated;
	struct strbuf block;
	size_t lines, dropped;
	double block_ts;
	char trace_id[64];
	double last;			/* mono time of the last line */
	long count;			/* error lines outside traces */
	double count_since, count_ts;
	int count_level;
	struct strbuf count_msg;
};

struct logs {
	struct logs_opts o;
	struct stream *head, *tail;
	size_t n;
	jv out;
};

void
logs_opts_init(struct logs_opts *o)
{
	memset(o, 0, sizeof *o);
	o->gap = 1;
	o->interval = 10;
	o->max_lines = 200;
	o->max_bytes = 64 * 1024;
	o->max_line = 16 * 1024;
	o->max_streams = 1024;
}

int
logs_new(struct logs **out, const struct logs_opts *o)
{
	struct logs *g = calloc(1, sizeof *g);

	if (!g)
		return mend_err("out of memory");
	g->o = *o;
	g->out = jv_array();
	*out = g;
	return 0;
}

static void
stream_free(struct stream *s)
{
	int i;

	for (i = 0; i < 2; i++)
		strbuf_release(&s->held[i].text);
	strbuf_release(&s->part);
	strbuf_release(&s->block);
	strbuf_release(&s->count_msg);
	free(s->src);
	free(s->name);
	free(s);
}

static void
unlink_stream(struct logs *g, struct stream *s)
{
	if (s->prev)
		s->prev->next = s->next;
	else
		g->head = s->next;
	if (s->next)
		s->next->prev = s->prev;
	else
		g->tail = s->prev;
	s->prev = s->next = NULL;
}

static void
push_front(struct logs *g, struct stream *s)
{
	s->next = g->head;
	s->prev = NULL;
	if (g->head)
		g->head->prev = s;
	g->head = s;
	if (!g->tail)
		g->tail = s;
}

void
logs_free(struct logs *g)
{
	struct stream *s, *next;

	if (!g)
		return;
	for (s = g->head; s; s = next) {
		next = s->next;
		stream_free(s);
	}
	jv_free(g->out);
	free(g);
}

jv
logs_take(struct logs *g)
{
	jv r = g->out;

	g->out = jv_array();
	return r;
}

char *
logs_monitor_of(const char *path)
{
	const char *b = strrchr(path, '/');
	char *m;
	size_t n;

	b = b ? b + 1 : path;
	if (!(m = strdup(*b ? b : path)))
		return NULL;
	n = strlen(m);
	if (n > 4 && !strcmp(m + n - 4, ".log"))
		m[n -= 4] = '\0';
	if (n > 4 && !strcmp(m + n - 4, "-out"))
		m[n -= 4] = '\0';
	else if (n > 6 && !strcmp(m + n - 6, "-error"))
		m[n -= 6] = '\0';
	else if (n > 5 && !strcmp(m + n - 5, "-json"))	/* docker's <id>-json.log */
		m[n > 17 ? 12 : (n -= 5)] = '\0';
	return m;
}

/* ---- records ---- */

static const char *
level_name(int level)
{
	return level == LOGL_FATAL ? "fatal" : level == LOGL_ERROR ? "error" : NULL;
}

static jv
base_record(struct stream *s, double ts)
{
	char buf[40];
	jv r = jv_object(), a = jv_object();

	r = jv_object_set(r, jv_string("type"), jv_string("error"));
	r = jv_object_set(r, jv_string("ts"), jv_string(mend_rfc3339(buf, sizeof buf, ts)));
	r = jv_object_set(r, jv_string("monitor"), jv_string(s->monitor));
	if (strcmp(s->src, "-"))
		a = jv_object_set(a, jv_string("log.file.path"), jv_string(s->src));
	if (*s->name)
		a = jv_object_set(a, jv_string("log.stream"), jv_string(s->name));
	return jv_object_set(r, jv_string("attributes"), a);
}

static jv
set_attr(jv r, const char *k, jv v)
{
	jv a = jv_object_get(jv_copy(r), jv_string("attributes"));

	a = jv_object_set(a, jv_string(k), v);
	return jv_object_set(r, jv_string("attributes"), a);
}

/*
 * The record for a trace: the first trace trace_parse finds in text.
 * 0 with *out, 1 when text holds no trace.
 */
static int
trace_record(jv *out, struct stream *s, double ts, const char *text, const char *msg,
    const char *exc, const char *trace_id, int level)
{
	jv traces, t = jv_null(), r;
	const char *tm = NULL, *te = NULL;

	if (trace_parse(&traces, text) < 0)
		return -1;
	if (jv_array_length(jv_copy(traces)) > 0)
		t = jv_array_get(jv_copy(traces), 0);
	jv_free(traces);
	if (jv_get_kind(t) != JV_KIND_OBJECT && !msg && !exc) {
		jv_free(t);
		return 1;
	}
	if (jv_get_kind(t) == JV_KIND_OBJECT) {
		tm = record_str(t, "message");
		te = record_str(t, "exception");
	}
	if (!exc || !*exc)
		exc = te;
	if (!msg || !*msg)
		msg = tm && *tm ? tm : exc;
	r = base_record(s, ts);
	r = jv_object_set(r, jv_string("message"), record_strornull(msg));
	r = jv_object_set(r, jv_string("exception"), record_strornull(exc));
	r = jv_object_set(r, jv_string("stacktrace"), jv_string(text));
	r = jv_object_set(r, jv_string("trace_id"),
	    record_strornull(trace_id && *trace_id ? trace_id : NULL));
	if (jv_get_kind(t) == JV_KIND_OBJECT) {
		r = jv_object_set(r, jv_string("lang"), record_get(t, "lang"));
		r = jv_object_set(r, jv_string("frames"), record_get(t, "frames"));
	} else {
		r = jv_object_set(r, jv_string("lang"), jv_null());
		r = jv_object_set(r, jv_string("frames"), jv_array());
	}
	r = set_attr(r, "log.level", jv_string(level_name(level > LOGL_ERROR ? level :
	    LOGL_ERROR)));
	jv_free(t);
	*out = r;
	return 0;
}

static void
count_line(struct logs *g, struct stream *s, const char *text, size_t len, int level,
    double ts, double mono)
{
	if (level < LOGL_ERROR)
		return;
	if (s->count == 0)
		s->count_since = mono;
	s->count++;
	s->count_ts = ts;
	if (level > s->count_level)
		s->count_level = level;
	s->count_msg.len = 0;
	strbuf_addn(&s->count_msg, text, len < 1024 ? len : 1024);
	(void)g;
}

static void
send_count(struct logs *g, struct stream *s)
{
	jv r;

	if (s->count == 0)
		return;
	r = base_record(s, s->count_ts);
	r = jv_object_set(r, jv_string("message"),
	    jv_string(s->count_msg.s && !s->count_msg.oom ? s->count_msg.s : ""));
	r = jv_object_set(r, jv_string("exception"), jv_null());
	r = jv_object_set(r, jv_string("stacktrace"), jv_null());
	r = jv_object_set(r, jv_string("trace_id"), jv_null());
	r = jv_object_set(r, jv_string("count"), jv_number((double)s->count));
	r = set_attr(r, "log.level", jv_string(level_name(s->count_level)));
	g->out = jv_array_append(g->out, r);
	s->count = 0;
	s->count_level = LOGL_OTHER;
	s->count_msg.len = 0;
}

/* ---- held lines ---- */

static void
release_held(struct logs *g, struct stream *s, int i, double mono)
{
	struct held *h = &s->held[i];

	count_line(g, s, h->text.s ? h->text.s : "", h->text.len, h->level, h->ts, mono);
	h->text.len = 0;
}

/* Release held lines [0, n) and keep the rest, in order. */
static void
release_first(struct logs *g, struct stream *s, int n, double mono)
{
	int i;

	for (i = 0; i < n && i < s->nheld; i++)
		release_held(g, s, i, mono);
	if (n >= s->nheld) {
		s->nheld = 0;
		return;
	}
	if (n == 1) {	/* nheld == 2: move held[1] to held[0] */
		struct strbuf t = s->held[0].text;
		s->held[0] = s->held[1];
		s->held[1].text = t;
		s->held[1].text.len = 0;
	}
	s->nheld -= n;
}

static void
hold(struct logs *g, struct stream *s, const char *text, size_t len, int level, double ts,
    double mono)
{
	struct held *h;

	if (s->nheld == 2)
		release_first(g, s, 1, mono);
	h = &s->held[s->nheld++];
	h->text.len = 0;
	strbuf_addn(&h->text, text, len);
	h->level = level;
	h->ts = ts;
	h->off = s->off;
}

/* ---- trace blocks ---- */

static int
starts(const char *s, size_t n, const char *p)
{
	size_t k = strlen(p);

	return n >= k && !memcmp(s, p, k);
}

static const char *
find(const char *s, size_t n, const char *needle)
{
	return memmem(s, n, needle, strlen(needle));
}

static int
is_blank(const char *s, size_t n)
{
	while (n && isspace((unsigned char)*s))
		s++, n--;
	return n == 0;
}

static int
indented(const char *s, size_t n)
{
	return n > 0 && (s[0] == ' ' || s[0] == '\t') && !is_blank(s, n);
}

/* "  at ..." (Java, Node, .NET) */
static int
at_line(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	return i > 0 && starts(s + i, n - i, "at ") && n - i > 3;
}

/* Ruby's "path:12:in `meth': message (Class)" */
static int
ruby_start(const char *s, size_t n)
{
	const char *in = find(s, n, ":in `");

	if (!in)
		in = find(s, n, ":in '");
	if (!in || in == s || !isdigit((unsigned char)in[-1]) || isspace((unsigned char)s[0]))
		return 0;
	return n > 3 && s[n - 1] == ')' && find(in, (size_t)(s + n - in), "': ") &&
	    memrchr(s, '(', n) > (void *)in;
}

/* A Ruby frame at column 0 (Rails): "app/models/order.rb:31:in `total'" */
static int
ruby_frame(const char *s, size_t n)
{
	const char *in = find(s, n, ":in `");

	if (!in)
		in = find(s, n, ":in '");
	return in && in > s && isdigit((unsigned char)in[-1]);
}

/* Rails: "NoMethodError (undefined method `x' for nil):" */
static int
rails_start(const char *s, size_t n)
{
	size_t i = 0;

	if (n < 5 || !isupper((unsigned char)s[0]) || s[n - 1] != ':' || s[n - 2] != ')')
		return 0;
	while (i < n && (isalnum((unsigned char)s[i]) || s[i] == ':' || s[i] == '_'))
		i++;
	return i + 2 < n && s[i] == ' ' && s[i + 1] == '(' &&
	    (find(s, i, "Error") || find(s, i, "Exception") || find(s, i, "Invalid") ||
	    find(s, i, "NotFound") || find(s, i, "Missing"));
}

/* The kind of trace a line can only start, or K_NONE. */
static int
start_kind(const char *s, size_t n, int *state)
{
	const char *p, *e = s + n;

	*state = 0;
	if (starts(s, n, "panic: ") || starts(s, n, "fatal error: "))
		return K_GO;
	if (starts(s, n, "thread '") && find(s, n, " panicked at ")) {
		*state = n > 0 && s[n - 1] == ':';	/* the message is on the next line */
		return K_RUST;
	}
	if (starts(s, n, "Exception in thread \"") || starts(s, n, "Unhandled exception. ") ||
	    starts(s, n, "Unhandled Exception: "))
		return K_AT;
	/* Every other start has a colon: look around each (one pass; most
	 * lines are no trace, and this runs on every line). */
	for (p = s; (p = memchr(p, ':', (size_t)(e - p))); p++) {
		size_t before = (size_t)(p - s), after = (size_t)(e - p);
#define ENDS(lit) (before >= sizeof(lit) - 1 && !memcmp(p - (sizeof(lit) - 1), lit, \
		sizeof(lit) - 1))
#define NEXT(lit) (after >= sizeof(lit) - 1 && !memcmp(p, lit, sizeof(lit) - 1))
		if (ENDS("Traceback (most recent call last)"))
			return K_PY;
		if (ENDS("http") && NEXT(": panic serving "))
			return K_GO;
		if (ENDS("ERROR") && NEXT(": ") && find(p, after, "Sanitizer: ") &&
		    (starts(s, n, "==") || starts(s, n, "ERROR")))
			return K_SAN;
		if (NEXT(": runtime error: ") && before > 0 && isdigit((unsigned char)p[-1]) &&
		    !isspace((unsigned char)s[0]))
			return K_UBSAN;
		if ((ENDS("PHP Fatal error") || ENDS("PHP Parse error")) && NEXT(": "))
			return K_PHP;
		if (ENDS("Fatal error") && NEXT(": Uncaught "))
			return K_PHP;
		if ((NEXT(":in `") || NEXT(":in '")) && ruby_start(s, n))
			return K_RUBY;
#undef ENDS
#undef NEXT
	}
	if (n > 2 && s[n - 1] == ':' && rails_start(s, n))
		return K_RUBY;
	return K_NONE;
}

/* A Go function line of a goroutine dump: "main.f(0x1, ...)" */
static int
go_func(const char *s, size_t n)
{
	return n > 2 && !isspace((unsigned char)s[0]) && s[n - 1] == ')' && memchr(s, '(', n) &&
	    !memchr(s, ' ', (size_t)((const char *)memchr(s, '(', n) - s));
}

/* Does line s continue the block of s->kind?  (Blank lines are handled
 * by the caller.)  May update the kind's state. */
static int
continues(struct stream *st, const char *s, size_t n)
{
	int ind = indented(s, n);

	switch (st->kind) {
	case K_PY:
		if (find(s, n, "Traceback (most recent call last):") ||
		    find(s, n, "During handling of the above exception") ||
		    find(s, n, "The above exception was the direct cause")) {
			st->state = 0;
			return 1;
		}
		if (ind)
			return 1;
		if (st->state == 0) {	/* the exception line */
			st->state = 1;
			return 1;
		}
		return 0;
	case K_GO:
		return ind || starts(s, n, "goroutine ") || starts(s, n, "[signal ") ||
		    starts(s, n, "created by ") || starts(s, n, "exit status ") ||
		    starts(s, n, "panic: ") || go_func(s, n);
	case K_RUST:
		if (st->state == 1) {
			st->state = 0;
			return 1;
		}
		return ind || starts(s, n, "note: ") || starts(s, n, "stack backtrace:");
	case K_SAN:
		if (st->state == 2)
			return 0;
		if (st->state == 0) {
			if (starts(s, n, "SUMMARY: "))
				st->state = 1;
			return 1;
		}
		if (starts(s, n, "==") && find(s, n, "ABORTING")) {
			st->state = 2;
			return 1;
		}
		return ind || starts(s, n, "Shadow ");
	case K_UBSAN:
		if (st->state == 2)
			return 0;
		if (starts(s, n, "SUMMARY: UndefinedBehaviorSanitizer")) {
			st->state = 2;
			return 1;
		}
		return ind;
	case K_PHP:
		return ind || starts(s, n, "Stack trace:") || starts(s, n, "PHP Stack trace:") ||
		    (n > 1 && s[0] == '#' && isdigit((unsigned char)s[1])) ||
		    (starts(s, n, "PHP ") && n > 5 && (s[4] == ' ' || s[4] == '#')) ||
		    starts(s, n, "[stacktrace]");
	case K_RUBY:
		return ind || ruby_frame(s, n);
	case K_AT:
		return ind || starts(s, n, "Caused by: ") || starts(s, n, "Node.js v") ||
		    (n == 1 && s[0] == '}') || starts(s, n, "--- End of");
	}
	return 0;
}

static void
block_add(struct logs *g, struct stream *s, const char *text, size_t len)
{
	if (s->lines >= g->o.max_lines || s->block.len + len + 1 > g->o.max_bytes) {
		s->truncated = 1;
		s->dropped++;
		return;
	}
	strbuf_addn(&s->block, text, len);
	strbuf_addn(&s->block, "\n", 1);
	s->lines++;
}

static void
block_begin(struct logs *g, struct stream *s, int kind, int state, double ts, int level)
{
	(void)g;
	s->kind = kind;
	s->state = state;
	s->blanks = 0;
	s->lines = s->dropped = 0;
	s->truncated = 0;
	s->block.len = 0;
	s->block_ts = ts;
	s->level = level;
	s->trace_id[0] = '\0';
	s->block_off = s->off;
}

static int
block_end(struct logs *g, struct stream *s, double mono)
{
	jv r;
	int rc;

	if (s->kind == K_NONE)
		return 0;
	s->kind = K_NONE;
	if (!s->block.s || s->block.oom) {
		s->block.len = 0;
		return mend_err("out of memory");
	}
	rc = trace_record(&r, s, s->block_ts, s->block.s, NULL, NULL, s->trace_id, s->level);
	if (rc < 0)
		return -1;
	if (rc == 0) {
		if (s->truncated) {
			r = set_attr(r, "log.truncated", jv_true());
			r = set_attr(r, "log.lines_dropped", jv_number((double)s->dropped));
		}
		g->out = jv_array_append(g->out, r);
	} else {
		const char *nl = strchr(s->block.s, '\n');
		count_line(g, s, s->block.s, nl ? (size_t)(nl - s->block.s) : s->block.len,
		    s->level, s->block_ts, mono);
	}
	s->block.len = 0;
	return 0;
}

/* ---- streams ---- */

static struct stream *
stream_get(struct logs *g, const char *src, const struct logline *l, double mono)
{
	const char *name = l->stream;
	struct stream *s;

	for (s = g->head; s; s = s->next)
		if (!strcmp(s->name, name) && !strcmp(s->src, src))
			break;
	if (s) {
		if (s != g->head) {
			unlink_stream(g, s);
			push_front(g, s);
		}
		return s;
	}
	if (g->n >= g->o.max_streams && g->tail) {
		/* Forget the least recently used stream, sending what it held. */
		struct stream *old = g->tail;
		if (block_end(g, old, mono) < 0)
			return NULL;
		release_first(g, old, 2, mono);
		send_count(g, old);
		unlink_stream(g, old);
		stream_free(old);
		g->n--;
	}
	if (!(s = calloc(1, sizeof *s)) || !(s->src = strdup(src)) ||
	    !(s->name = strdup(name))) {
		if (s)
			free(s->src);
		free(s);
		mend_err("out of memory");
		return NULL;
	}
	if (g->o.monitor)
		snprintf(s->monitor, sizeof s->monitor, "%s", g->o.monitor);
	else if (l->service[0])
		snprintf(s->monitor, sizeof s->monitor, "%s", l->service);
	else if (!strcmp(src, "-"))
		snprintf(s->monitor, sizeof s->monitor, "%s", *name ? name : "stdin");
	else {
		char *m = logs_monitor_of(src);
		snprintf(s->monitor, sizeof s->monitor, "%s", m ? m : src);
		free(m);
	}
	push_front(g, s);
	g->n++;
	return s;
}

/* A structured line that carries its own stack: one record now. */
static int
stack_line(struct logs *g, struct stream *s, const struct logline *l, double ts,
    double mono)
{
	struct strbuf b = { 0 };
	char *text;
	jv r;
	int rc;

	strbuf_add(&b, l->stack);
	if (b.len && b.s[b.len - 1] != '\n')
		strbuf_addn(&b, "\n", 1);
	if (!(text = strbuf_take(&b)))
		return mend_err("out of memory");
	if (strlen(text) > g->o.max_bytes) {
		text[g->o.max_bytes] = '\0';
	}
	{
		char *msg = strndup(l->text, l->len < 4096 ? l->len : 4096);
		/* The exception's own message is the record's; the logger's
		 * line is kept beside it. */
		rc = trace_record(&r, s, ts, text, NULL,
		    l->exception[0] ? l->exception : NULL, l->trace_id,
		    l->level ? l->level : LOGL_ERROR);
		if (rc == 0 && msg && *msg)
			r = set_attr(r, "log.message", jv_string(msg));
		free(msg);
	}
	free(text);
	if (rc < 0)
		return -1;
	if (rc == 0)
		g->out = jv_array_append(g->out, r);
	else
		count_line(g, s, l->text, l->len, l->level, ts, mono);
	return 0;
}

static int
feed_text(struct logs *g, struct stream *s, const char *t, size_t n, int level, double ts,
    double mono)
{
	int kind, state;

	if (s->kind != K_NONE) {
		if (is_blank(t, n)) {
			s->blanks++;
			return 0;
		}
		if (continues(s, t, n)) {
			for (; s->blanks > 0; s->blanks--)
				block_add(g, s, "", 0);
			block_add(g, s, t, n);
			return 0;
		}
		s->blanks = 0;
		if (block_end(g, s, mono) < 0)
			return -1;
	}
	if ((kind = start_kind(t, n, &state)) != K_NONE) {
		/* A logger's error line just above belongs to it. */
		int take = s->nheld > 0 && s->held[s->nheld - 1].level >= LOGL_ERROR;
		struct held *h = take ? &s->held[s->nheld - 1] : NULL;
		release_first(g, s, s->nheld - take, mono);
		block_begin(g, s, kind, state, h ? h->ts : ts, h && h->level > level ? h->level :
		    level);
		if (h) {
			s->block_off = h->off;
			block_add(g, s, h->text.s ? h->text.s : "", h->text.len);
			s->nheld = 0;
		}
		block_add(g, s, t, n);
		return 0;
	}
	if (at_line(t, n) && s->nheld > 0) {
		/* The held line is the header; a logger's error line above it
		 * joins too. */
		int lead = s->nheld == 2 && s->held[0].level >= LOGL_ERROR &&
		    s->held[1].level < LOGL_ERROR;
		int first = s->nheld - 1 - lead, i, lvl = level;
		release_first(g, s, first, mono);
		for (i = 0; i < s->nheld; i++)
			if (s->held[i].level > lvl)
				lvl = s->held[i].level;
		block_begin(g, s, K_AT, 0, s->held[0].ts, lvl);
		s->block_off = s->held[0].off;
		for (i = 0; i < s->nheld; i++)
			block_add(g, s, s->held[i].text.s ? s->held[i].text.s : "",
			    s->held[i].text.len);
		s->nheld = 0;
		block_add(g, s, t, n);
		return 0;
	}
	if (!is_blank(t, n))
		hold(g, s, t, n, level, ts, mono);
	return 0;
}

static int
feed_stream(struct logs *g, struct stream *s, const struct logline *l, long long off,
    double now, double mono)
{
	double ts = l->ts > 0 ? l->ts : now;
	const char *t = l->text;
	size_t n = l->len;
	int rc, level = l->level;

	s->last = mono;
	s->off = off;
	if (l->partial && s->part.len == 0)
		s->part_off = off;
	if (s->part.len)
		s->off = s->part_off;
	if (l->partial || s->part.len) {
		/* Join the pieces; what passes max_line is dropped. */
		size_t room = g->o.max_line > s->part.len ? g->o.max_line - s->part.len : 0;
		strbuf_addn(&s->part, t, n < room ? n : room);
		if (l->partial)
			return 0;
		if (s->part.oom) {
			s->part.len = 0;
			s->part.oom = 0;
			return mend_err("out of memory");
		}
		t = s->part.s ? s->part.s : "";
		n = s->part.len;
		if (!l->stack && logline_level(t, n) > level)
			level = logline_level(t, n);
	}
	if (n > g->o.max_line)
		n = g->o.max_line;
	if (l->stack) {
		if (block_end(g, s, mono) < 0)
			return -1;
		release_first(g, s, 2, mono);
		rc = stack_line(g, s, l, ts, mono);
	} else if (memchr(t, '\n', n)) {
		/* a message of several lines (journald, JSON): line by line */
		const char *p = t, *e = t + n;
		rc = 0;
		while (rc == 0 && p <= e) {
			const char *nl = memchr(p, '\n', (size_t)(e - p));
			size_t k = nl ? (size_t)(nl - p) : (size_t)(e - p);
			rc = feed_text(g, s, p, k, p == t ? level : logline_level(p, k), ts, mono);
			if (!nl)
				break;
			p = nl + 1;
		}
		if (rc == 0 && l->trace_id[0])
			snprintf(s->trace_id, sizeof s->trace_id, "%s", l->trace_id);
	} else {
		rc = feed_text(g, s, t, n, level, ts, mono);
		if (rc == 0 && s->kind != K_NONE && l->trace_id[0] && !s->trace_id[0])
			snprintf(s->trace_id, sizeof s->trace_id, "%s", l->trace_id);
	}
	s->part.len = 0;
	return rc;
}

int
logs_feed(struct logs *g, const char *src, const struct logline *l, long long off,
    double now, double mono)
{
	struct stream *s = stream_get(g, src, l, mono);

	return s ? feed_stream(g, s, l, off, now, mono) : -1;
}

static int
stream_end(struct logs *g, struct stream *s, double mono)
{
	if (block_end(g, s, mono) < 0)
		return -1;
	release_first(g, s, 2, mono);
	return 0;
}

int
logs_tick(struct logs *g, double mono)
{
	struct stream *s;

	for (s = g->head; s; s = s->next) {
		if (mono - s->last >= g->o.gap && stream_end(g, s, mono) < 0)
			return -1;
		if (s->count && mono - s->count_since >= g->o.interval)
			send_count(g, s);
	}
	return 0;
}

int
logs_end(struct logs *g, const char *src, double mono)
{
	struct stream *s;

	for (s = g->head; s; s = s->next) {
		if (src && strcmp(s->src, src))
			continue;
		if (s->part.len) {
			/* a line whose last piece never came */
			struct logline l;
			logline_init(&l);
			l.text = "";
			if (feed_stream(g, s, &l, s->part_off, mend_now(), mono) < 0)
				return -1;
		}
		if (stream_end(g, s, mono) < 0)
			return -1;
		send_count(g, s);
	}
	return 0;
}

void
logs_drop(struct logs *g, const char *src)
{
	struct stream *s;
	int i;

	for (s = g->head; s; s = s->next) {
		if (strcmp(s->src, src))
			continue;
		s->kind = K_NONE;
		s->block.len = 0;
		s->blanks = 0;
		s->part.len = 0;
		for (i = 0; i < s->nheld; i++)
			s->held[i].text.len = 0;
		s->nheld = 0;
		send_count(g, s);
	}
}

double
logs_deadline(const struct logs *g)
{
	const struct stream *s;
	double d = 0;

	for (s = g->head; s; s = s->next) {
		if (s->kind != K_NONE || s->nheld) {
			if (d == 0 || s->last + g->o.gap < d)
				d = s->last + g->o.gap;
		}
		if (s->count && (d == 0 || s->count_since + g->o.interval < d))
			d = s->count_since + g->o.interval;
	}
	return d;
}

int
logs_held(const struct logs *g, const char *src, long long *off)
{
	const struct stream *s;
	int held = 0;

	for (s = g->head; s; s = s->next) {
		long long o = -1;
		if (strcmp(s->src, src))
			continue;
		if (s->part.len)
			o = s->part_off;
		else if (s->kind != K_NONE)
			o = s->block_off;
		else if (s->nheld)
			o = s->held[0].off;
		else
			continue;
		if (!held || o < *off)
			*off = o;
		held = 1;
	}
	return held;
}
