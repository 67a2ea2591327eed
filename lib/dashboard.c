/*
 * dashboard.c - the read-only incident pages that trigger serves.
 *
 *   /                 open and recent incidents, each with its stage
 *                     (analysing, fix proposed, PR open, resolved) and
 *                     what waits for a person; the monitors with their
 *                     uptime over 24 h and 7 d and a latency sparkline
 *   /incident/ID      one incident's timeline: probe evidence, analysis,
 *                     notification, fix job, patch, tests and replay, PR,
 *                     verdict
 *   /status           the public status page: name, state and uptime of
 *                     the monitors marked public, nothing else
 *   /events           Server-Sent Events: "incident", "stage", "resolved"
 *
 * Everything here renders into a strbuf; trigger does the HTTP.  The pages
 * are plain server-rendered HTML that read well without JavaScript (a
 * refresh link, and a meta refresh inside <noscript>); /dashboard.js, a
 * static file, listens to /events and swaps in the freshly rendered
 * <main> when something happens.  No inline script, no inline handler.
 *
 * Every string that comes from the spool goes through redact_jv (the
 * spool's text as redacted, once more, before it leaves) and then through
 * html_escape, the one escaping function, also used by trigger's fix page.
 * Only URLs that start with http:// or https:// become links.  The fix
 * links notify sent are never shown: they are bearer tokens.
 *
 * Uptime is the share of the window in which the monitor had no open
 * incident, from the incidents' open and resolve times; the sparkline is
 * the latency of the checks in detect's window (its state in the spool,
 * by default the last 10 minutes).  This does not know when monitoring
 * of a monitor began: time before the first check counts as up.
 *
 * Access: with a token (MEND_DASHBOARD_TOKEN) every dashboard request
 * needs the session cookie a signed login link sets; without one, only
 * requests from loopback are served.  Both are decided here
 * (dash_access), the signatures made and checked by lib/sign.c in
 * constant time.
 */
#include <arpa/inet.h>
#include <math.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "mend.h"

#define RECENT_S (7 * 86400.0)	/* resolved incidents stay on / this long */
#define LIST_MAX 50		/* incidents on / at most */
#define SPARK_N 60		/* checks in a sparkline at most */
#define EVENTS_MAX 200		/* SSE events per read at most */
#define DAY 86400.0

/* ---- escaping ---- */

void
html_escape(struct strbuf *b, const char *s)
{
	const char *run = s;

	for (; s && *s; s++) {
		const char *e;
		switch (*s) {
		case '&': e = "&amp;"; break;
		case '<': e = "&lt;"; break;
		case '>': e = "&gt;"; break;
		case '"': e = "&quot;"; break;
		case '\'': e = "&#39;"; break;
		default: continue;
		}
		strbuf_addn(b, run, (size_t)(s - run));
		strbuf_add(b, e);
		run = s + 1;
	}
	if (run && s > run)
		strbuf_addn(b, run, (size_t)(s - run));
}

void
html_escapef(struct strbuf *b, const char *fmt, ...)
{
	struct strbuf t = { 0 };
	va_list ap;

	va_start(ap, fmt);
	strbuf_vaddf(&t, fmt, ap);
	va_end(ap);
	if (t.oom)
		b->oom = 1;
	else
		html_escape(b, t.s);
	strbuf_release(&t);
}

/* Markup we wrote ourselves. */
static void
raw(struct strbuf *b, const char *s)
{
	strbuf_add(b, s);
}


/* The string at path of rec, escaped, or dflt (ours) when absent. */
static void
field(struct strbuf *b, jv rec, const char *path, const char *dflt)
{
	const char *s = record_str(rec, path);

	html_escape(b, s && *s ? s : dflt);
}

/* pre, the string at path of rec escaped, then post; nothing when absent. */
static void
field_if(struct strbuf *b, jv rec, const char *path, const char *pre, const char *post)
{
	if (!record_str(rec, path))
		return;
	raw(b, pre);
	field(b, rec, path, "");
	raw(b, post);
}

/* A link when url is http(s), else plain text: no javascript: or data:. */
static void
link(struct strbuf *b, const char *url, const char *label)
{
	if (url && (!strncasecmp(url, "https://", 8) || !strncasecmp(url, "http://", 7))) {
		raw(b, "<a rel=\"noreferrer noopener\" href=\"");
		html_escape(b, url);
		raw(b, "\">");
		html_escape(b, label ? label : url);
		raw(b, "</a>");
	} else {
		html_escape(b, label ? label : url);
	}
}

/* The strings of array a (borrowed) as an <ol> or <ul>, each item in
 * <code> when code is set; nothing when a is not a non-empty array. */
static void
str_list(struct strbuf *b, jv a, const char *tag, int code)
{
	int i, n = jv_get_kind(a) == JV_KIND_ARRAY ? jv_array_length(jv_copy(a)) : 0;

	if (!n)
		return;
	strbuf_addf(b, "<%s>", tag);
	for (i = 0; i < n; i++) {
		jv s = jv_array_get(jv_copy(a), i);
		if (jv_get_kind(s) == JV_KIND_STRING) {
			raw(b, code ? "<li><code>" : "<li>");
			html_escape(b, jv_string_value(s));
			raw(b, code ? "</code></li>" : "</li>");
		}
		jv_free(s);
	}
	strbuf_addf(b, "</%s>", tag);
}

/* ---- times ---- */

static double
num_time(jv rec, const char *path)
{
	const char *s = record_str(rec, path);
	double t;

	if (s && mend_parse_time(&t, s) == 0)
		return t;
	return 0;
}

static void
span_text(struct strbuf *b, double secs)
{
	if (secs < 0)
		secs = 0;
	if (secs < 90)
		html_escapef(b, "%.0f s", secs);
	else if (secs < 90 * 60)
		html_escapef(b, "%.0f min", secs / 60);
	else if (secs < 36 * 3600)
		html_escapef(b, "%.1f h", secs / 3600);
	else
		html_escapef(b, "%.1f d", secs / DAY);
}

/* <time> with the UTC time and how long ago. */
static void
when(struct strbuf *b, double t, double now)
{
	char iso[40], shown[40];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t <= 0) {
		raw(b, "?");
		return;
	}
	gmtime_r(&tt, &tm);
	strftime(shown, sizeof shown, now - t < 20 * 3600 ? "%H:%M:%S UTC" : "%Y-%m-%d %H:%M UTC",
	    &tm);
	raw(b, "<time datetime=\"");
	html_escape(b, mend_rfc3339(iso, sizeof iso, t));
	raw(b, "\">");
	html_escape(b, shown);
	raw(b, "</time> <span class=\"ago\">(");
	span_text(b, now - t);
	raw(b, " ago)</span>");
}

/* ---- page frame ---- */

static const char css[] =
	"<style>"
	":root{--fg:#1d2127;--mute:#5d6570;--line:#dde1e6;--bg:#fff;--card:#f7f8fa;"
	"--red:#b42318;--redbg:#fdecea;--amber:#8a5300;--amberbg:#fff4de;--blue:#1849a9;"
	"--bluebg:#e8f0fe;--green:#16693a;--greenbg:#e6f5ec}"
	"*{box-sizing:border-box}"
	"body{font:15px/1.5 system-ui,-apple-system,'Segoe UI',sans-serif;color:var(--fg);"
	"background:var(--bg);margin:0}"
	"header{display:flex;flex-wrap:wrap;gap:.4em 1.2em;align-items:baseline;"
	"padding:.7em 1em;border-bottom:1px solid var(--line);background:var(--card)}"
	"header .brand{font-weight:700;color:var(--fg);text-decoration:none}"
	"header nav a{margin-right:1em}"
	"#live{margin-left:auto;color:var(--mute);font-size:.9em}"
	"#live.on::before{content:'\\25CF  ';color:var(--green)}"
	"main{max-width:64em;margin:0 auto;padding:.5em 1em 2em}"
	"h1,h3{overflow-wrap:anywhere}.card h3>*{min-width:0}"
	"h1{font-size:1.4em;margin:.6em 0 .2em}h2{font-size:1.1em;margin:1.4em 0 .5em}"
	"a{color:var(--blue)}"
	".summary{color:var(--mute);margin:0 0 .5em}"
	".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(18em,1fr));gap:.7em}"
	".card{border:1px solid var(--line);border-radius:8px;padding:.6em .8em;"
	"background:var(--bg);min-width:0}"
	".card h3{font-size:1em;margin:0 0 .3em;display:flex;gap:.5em;align-items:baseline;"
	"flex-wrap:wrap}"
	".card p{margin:.2em 0;overflow-wrap:anywhere}"
	".meta,.ago{color:var(--mute);font-size:.88em}"
	".badge{display:inline-block;font-size:.78em;font-weight:600;padding:.05em .55em;"
	"border-radius:1em;white-space:nowrap}"
	".s-analysing,.s-down{background:var(--redbg);color:var(--red)}"
	".s-fix-proposed{background:var(--amberbg);color:var(--amber)}"
	".s-pr-open{background:var(--bluebg);color:var(--blue)}"
	".s-resolved,.s-up{background:var(--greenbg);color:var(--green)}"
	".wait{background:var(--amberbg);border-radius:6px;padding:.2em .5em}"
	".mon .spark{display:block;margin-top:.3em;color:var(--blue);max-width:100%}"
	".mon .spark .f{fill:var(--red)}"
	".up{font-variant-numeric:tabular-nums}"
	"dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:.2em 1em;margin:.5em 0}"
	"dl.facts dt{color:var(--mute)}dl.facts dd{margin:0;overflow-wrap:anywhere}"
	"ol.tl{list-style:none;padding:0;margin:0;border-left:2px solid var(--line)}"
	"ol.tl>li{position:relative;padding:.1em 0 .9em 1em}"
	"ol.tl>li::before{content:'';position:absolute;left:-7px;top:.45em;width:12px;"
	"height:12px;border-radius:50%;background:var(--line)}"
	"ol.tl>li.t-incident::before{background:var(--red)}"
	"ol.tl>li.t-resolve::before,ol.tl>li.t-pr::before{background:var(--green)}"
	"ol.tl>li.t-analysis::before,ol.tl>li.t-testrun::before{background:var(--blue)}"
	".tl strong{margin-right:.4em}"
	".tl ul,.tl ol{margin:.2em 0;padding-left:1.3em}"
	"pre{background:var(--card);border:1px solid var(--line);border-radius:6px;"
	"padding:.4em .6em;overflow-x:auto;font-size:.85em;white-space:pre-wrap;"
	"overflow-wrap:anywhere;margin:.3em 0}"
	"table.status{border-collapse:collapse;width:100%}"
	"table.status td,table.status th{text-align:left;padding:.45em .3em;"
	"border-bottom:1px solid var(--line)}"
	"table.status .up{text-align:right}"
	".empty{color:var(--mute)}"
	"footer{color:var(--mute);font-size:.85em;text-align:center;padding:1em}"
	"@media (max-width:34em){dl.facts{grid-template-columns:1fr}"
	"dl.facts dd{margin-bottom:.3em}#live{margin-left:0}}"
	"</style>";

static void
page_open(struct strbuf *b, const char *title, int live)
{
	raw(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	    "<meta name=\"robots\" content=\"noindex\">"
	    "<noscript><meta http-equiv=\"refresh\" content=\"30\"></noscript><title>");
	html_escape(b, title);
	raw(b, "</title>");
	raw(b, css);
	if (live)
		raw(b, "<script src=\"/dashboard.js\" defer></script>");
	raw(b, "</head><body>\n<header><a class=\"brand\" href=\"");
	raw(b, live ? "/" : "/status");
	raw(b, "\">mend</a>");
	if (live)
		raw(b, "<nav><a href=\"/\">Incidents</a><a href=\"/status\">Status page</a></nav>");
	raw(b, "<span id=\"live\">");
	raw(b, live ? "not live: <a href=\"\">refresh</a>" : "<a href=\"\">refresh</a>");
	raw(b, "</span></header>\n");
}

static void
page_close(struct strbuf *b, double now)
{
	char iso[40];

	raw(b, "<footer>rendered ");
	html_escape(b, mend_rfc3339(iso, sizeof iso, now));
	raw(b, " by mend trigger</footer>\n</body></html>\n");
}

/* ---- incidents: stage and what waits for a person ---- */

enum stage { ST_ANALYSING, ST_PROPOSED, ST_PR, ST_RESOLVED };
static const char *stage_name[] = { "analysing", "fix proposed", "PR open", "resolved" };
static const char *stage_class[] = { "s-analysing", "s-fix-proposed", "s-pr-open",
	"s-resolved" };

/* Whether name is in the comma-separated list. */
static int
listed(const char *list, const char *name)
{
	size_t n = strlen(name);
	const char *p = list;

	while (p && *p) {
		size_t len = strcspn(p, ",");
		if (len == n && !strncmp(p, name, n))
			return 1;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* The stage's badge: <span class="badge s-...">name</span>. */
static void
stage_badge(struct strbuf *b, enum stage st)
{
	raw(b, "<span class=\"badge ");
	raw(b, stage_class[st]);
	raw(b, "\">");
	raw(b, stage_name[st]);
	raw(b, "</span>");
}

static enum stage
stage_of(jv inc)
{
	const char *st = record_str(inc, "state"), *stages = record_str(inc, "stages");

	if (st && !strcmp(st, "resolved"))
		return ST_RESOLVED;
	if (listed(stages, "pr"))
		return ST_PR;
	if (listed(stages, "analysis") || listed(stages, "patch") ||
	    listed(stages, "testrun"))
		return ST_PROPOSED;
	return ST_ANALYSING;
}

/* The job on the fix queue for incident id (key "fix:ID"), or null. */
static jv
fix_job(jv jobs, const char *id)
{
	char key[128];
	int i, n;

	if (jv_get_kind(jobs) != JV_KIND_ARRAY)
		return jv_null();
	snprintf(key, sizeof key, "fix:%s", id ? id : "");
	n = jv_array_length(jv_copy(jobs));
	for (i = n - 1; i >= 0; i--) {
		jv j = jv_array_get(jv_copy(jobs), i);
		const char *k = record_str(j, "key");
		if (k && !strcmp(k, key))
			return j;
		jv_free(j);
	}
	return jv_null();
}

/* What a person has to do for the incident now, or NULL. */
static const char *
waiting_for(enum stage st, jv inc, jv job)
{
	const char *state = record_str(job, "state");
	const char *stages = record_str(inc, "stages");

	if (st == ST_RESOLVED)
		return NULL;
	if (st == ST_PR)
		return "review and merge the pull request";
	if (state && !strcmp(state, "dead"))
		return "the fix job gave up: read its error (spool show JOB) and fix by hand";
	if (st == ST_PROPOSED && !state && !listed(stages, "patch"))
		return listed(stages, "notified")
		    ? "press the fix link in the notification, or fix by hand"
		    : "read the analysis and decide";
	return NULL;
}

/* ---- monitors: uptime and latency ---- */

struct mon {
	char *name;
	char *url;
	double down24, down7;
	int open;
	double *t, *ms;		/* the checks in detect's window, by time */
	unsigned char *fail;
	size_t n, cap;
};

struct mons {
	struct mon *v;
	size_t n, cap;
};

static void
mons_release(struct mons *m)
{
	size_t i;

	for (i = 0; i < m->n; i++) {
		free(m->v[i].name);
		free(m->v[i].url);
		free(m->v[i].t);
		free(m->v[i].ms);
		free(m->v[i].fail);
	}
	free(m->v);
	memset(m, 0, sizeof *m);
}

static struct mon *
mons_get(struct mons *m, const char *name)
{
	size_t i;

	for (i = 0; i < m->n; i++)
		if (!strcmp(m->v[i].name, name))
			return &m->v[i];
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 16;
		struct mon *v = realloc(m->v, cap * sizeof *v);
		if (!v)
			return NULL;
		m->v = v;
		m->cap = cap;
	}
	memset(&m->v[m->n], 0, sizeof m->v[m->n]);
	if (!(m->v[m->n].name = strdup(name)))
		return NULL;
	return &m->v[m->n++];
}

static int
mon_sample(struct mon *m, double t, double ms, int fail)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 64;
		double *a = realloc(m->t, cap * sizeof *a), *b;
		unsigned char *f;
		if (!a)
			return -1;
		m->t = a;
		if (!(b = realloc(m->ms, cap * sizeof *b)))
			return -1;
		m->ms = b;
		if (!(f = realloc(m->fail, cap)))
			return -1;
		m->fail = f;
		m->cap = cap;
	}
	m->t[m->n] = t;
	m->ms[m->n] = ms;
	m->fail[m->n] = (unsigned char)fail;
	m->n++;
	return 0;
}

static int
cmp_name(const void *a, const void *b)
{
	return strcmp(((const struct mon *)a)->name, ((const struct mon *)b)->name);
}

/* Insertion sort of the samples by time (sources are merged unsorted). */
static void
mon_sort(struct mon *m)
{
	size_t i, j;

	for (i = 1; i < m->n; i++)
		for (j = i; j > 0 && m->t[j - 1] > m->t[j]; j--) {
			double t = m->t[j], ms = m->ms[j];
			unsigned char f = m->fail[j];
			m->t[j] = m->t[j - 1];
			m->ms[j] = m->ms[j - 1];
			m->fail[j] = m->fail[j - 1];
			m->t[j - 1] = t;
			m->ms[j - 1] = ms;
			m->fail[j - 1] = f;
		}
}

/* Downtime of one monitor from its incident spans (sorted by opened),
 * merged so that overlapping incidents count once. */
static double
downtime(jv spans, const char *name, double from, double now)
{
	double down = 0, cur_a = -1, cur_b = -1;
	int i, n = jv_array_length(jv_copy(spans));

	for (i = 0; i < n; i++) {
		jv s = jv_array_get(jv_copy(spans), i);
		const char *mn = record_str(s, "monitor");
		double a = record_num(s, "opened", 0), b = record_num(s, "resolved", now);
		jv_free(s);
		if (!mn || strcmp(mn, name))
			continue;
		if (a < from)
			a = from;
		if (b > now)
			b = now;
		if (b <= a)
			continue;
		if (cur_b >= 0 && a <= cur_b) {
			if (b > cur_b)
				cur_b = b;
			continue;
		}
		if (cur_b >= 0)
			down += cur_b - cur_a;
		cur_a = a;
		cur_b = b;
	}
	if (cur_b >= 0)
		down += cur_b - cur_a;
	return down;
}

/* Monitors from detect's state and from the incidents, with uptime. */
static int
mons_load(struct mons *out, struct spool *sp, double now)
{
	jv st, spans;
	int iter, i, n;

	memset(out, 0, sizeof *out);
	if (spool_state_all(sp, &st, "detect") < 0)
		return -1;
	if (spool_incident_spans(sp, &spans, now - 7 * DAY) < 0) {
		jv_free(st);
		return -1;
	}
	st = redact_jv(st, NULL);
	spans = redact_jv(spans, NULL);
	for (iter = jv_object_iter(st); jv_object_iter_valid(st, iter);
	    iter = jv_object_iter_next(st, iter)) {
		jv k = jv_object_iter_key(st, iter), v = jv_object_iter_value(st, iter);
		const char *key = jv_string_value(k), *name = record_str(v, "name");
		struct mon *m;
		jv srcs;
		int s, ns;

		if (strncmp(key, "m:", 2) || jv_get_kind(v) != JV_KIND_OBJECT ||
		    !(m = mons_get(out, name ? name : key + 2))) {
			jv_free(k);
			jv_free(v);
			continue;
		}
		if (!m->url && record_str(v, "url"))
			m->url = strdup(record_str(v, "url"));
		srcs = record_get(v, "sources");
		ns = jv_get_kind(srcs) == JV_KIND_ARRAY ? jv_array_length(jv_copy(srcs)) : 0;
		for (s = 0; s < ns; s++) {
			jv src = jv_array_get(jv_copy(srcs), s);
			jv smp = record_get(src, "samples");
			int j, nn = jv_get_kind(smp) == JV_KIND_ARRAY ?
			    jv_array_length(jv_copy(smp)) : 0;
			for (j = 0; j < nn; j++) {
				jv x = jv_array_get(jv_copy(smp), j);
				if (jv_get_kind(x) == JV_KIND_ARRAY && jv_array_length(jv_copy(x)) >= 3) {
					jv t = jv_array_get(jv_copy(x), 0), ms = jv_array_get(jv_copy(x), 1),
					    f = jv_array_get(jv_copy(x), 2);
					if (jv_get_kind(t) == JV_KIND_NUMBER &&
					    jv_get_kind(ms) == JV_KIND_NUMBER)
						mon_sample(m, jv_number_value(t), jv_number_value(ms),
						    jv_get_kind(f) == JV_KIND_NUMBER &&
						    jv_number_value(f) != 0);
					jv_free(t);
					jv_free(ms);
					jv_free(f);
				}
				jv_free(x);
			}
			jv_free(smp);
			jv_free(src);
		}
		jv_free(srcs);
		jv_free(k);
		jv_free(v);
	}
	n = jv_array_length(jv_copy(spans));
	for (i = 0; i < n; i++) {
		jv s = jv_array_get(jv_copy(spans), i);
		const char *mn = record_str(s, "monitor");
		struct mon *m = mn ? mons_get(out, mn) : NULL;
		if (m && record_num(s, "resolved", -1) < 0)
			m->open = 1;
		jv_free(s);
	}
	for (i = 0; i < (int)out->n; i++) {
		out->v[i].down24 = downtime(spans, out->v[i].name, now - DAY, now);
		out->v[i].down7 = downtime(spans, out->v[i].name, now - 7 * DAY, now);
		mon_sort(&out->v[i]);
	}
	if (out->n > 1)
		qsort(out->v, out->n, sizeof *out->v, cmp_name);
	jv_free(st);
	jv_free(spans);
	return 0;
}

static void
uptime_text(struct strbuf *b, double down, double window)
{
	double up = 100 * (1 - down / window);

	if (up >= 99.995)
		raw(b, "100%");
	else
		html_escapef(b, "%.2f%%", up < 0 ? 0 : up);
}

/* An inline SVG of the last checks' latency, failures as red dots.  Only
 * numbers go in: nothing from the spool. */
static void
sparkline(struct strbuf *b, const struct mon *m)
{
	const double w = 160, h = 32, pad = 3;
	size_t i, from = m->n > SPARK_N ? m->n - SPARK_N : 0, k = m->n - from;
	double max = 1, min = -1, x, y, sum = 0;

	if (k == 0) {
		raw(b, "<p class=\"meta\">no checks in detect's window</p>");
		return;
	}
	for (i = from; i < m->n; i++) {
		if (m->ms[i] > max)
			max = m->ms[i];
		if (min < 0 || m->ms[i] < min)
			min = m->ms[i];
		sum += m->ms[i];
	}
	strbuf_addf(b, "<svg class=\"spark\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\""
	    " role=\"img\" aria-label=\"latency of the last %zu checks: %.0f to %.0f ms\">"
	    "<title>latency of the last %zu checks: min %.0f ms, mean %.0f ms, max %.0f ms</title>"
	    "<polyline fill=\"none\" stroke=\"currentColor\" stroke-width=\"1.5\" points=\"",
	    w, h, w, h, k, min, max, k, min, sum / (double)k, max);
	for (i = from; i < m->n; i++) {
		x = k == 1 ? w / 2 : pad + (w - 2 * pad) * (double)(i - from) / (double)(k - 1);
		y = h - pad - (h - 2 * pad) * m->ms[i] / max;
		strbuf_addf(b, "%s%.1f,%.1f", i == from ? "" : " ", x, y);
	}
	raw(b, "\"/>");
	for (i = from; i < m->n; i++)
		if (m->fail[i]) {
			x = k == 1 ? w / 2 : pad + (w - 2 * pad) * (double)(i - from) / (double)(k - 1);
			strbuf_addf(b, "<circle class=\"f\" cx=\"%.1f\" cy=\"%.1f\" r=\"2.5\"/>", x,
			    h - pad);
		}
	raw(b, "</svg><p class=\"meta\">");
	html_escapef(b, "latency of the last %zu check%s: %.0f to %.0f ms", k, k == 1 ? "" : "s", min,
	    max);
	raw(b, "</p>");
}

static void
monitor_card(struct strbuf *b, const struct mon *m)
{
	raw(b, "<article class=\"card mon\"><h3>");
	html_escape(b, m->name);
	raw(b, m->open ? " <span class=\"badge s-down\">down</span>" :
	    " <span class=\"badge s-up\">up</span>");
	raw(b, "</h3>");
	if (m->url) {
		raw(b, "<p class=\"meta\">");
		html_escape(b, m->url);
		raw(b, "</p>");
	}
	raw(b, "<p class=\"up\">uptime 24 h <strong>");
	uptime_text(b, m->down24, DAY);
	raw(b, "</strong> &middot; 7 d <strong>");
	uptime_text(b, m->down7, 7 * DAY);
	raw(b, "</strong></p>");
	sparkline(b, m);
	raw(b, "</article>\n");
}

/* ---- the incident list ---- */

static void
incident_card(struct strbuf *b, jv inc, jv jobs, double now)
{
	const char *id = record_str(inc, "id");
	enum stage st = stage_of(inc);
	jv job = fix_job(jobs, id);
	const char *wait = waiting_for(st, inc, job);
	double opened = num_time(inc, "opened"), resolved = num_time(inc, "resolved");

	raw(b, "<article class=\"card inc\" id=\"");
	html_escape(b, id);
	raw(b, "\"><h3><a href=\"/incident/");
	html_escape(b, id);
	raw(b, "\">");
	field(b, inc, "monitor", "(no monitor)");
	raw(b, "</a> ");
	stage_badge(b, st);
	raw(b, "</h3><p>");
	field(b, inc, "summary", "(no summary)");
	raw(b, "</p><p class=\"meta\">");
	if (st == ST_RESOLVED) {
		raw(b, "resolved ");
		when(b, resolved, now);
		raw(b, " after ");
		span_text(b, resolved - opened);
	} else {
		raw(b, "since ");
		when(b, opened, now);
	}
	field_if(b, inc, "reason", " &middot; ", "");
	if (jv_get_kind(job) == JV_KIND_OBJECT) {
		html_escapef(b, " \xc2\xb7 fix job %.0f %s", record_num(job, "id", 0),
		    record_str(job, "state") ? record_str(job, "state") : "");
	}
	raw(b, "</p>");
	if (wait) {
		raw(b, "<p class=\"wait\">Waiting for a person: ");
		html_escape(b, wait);
		raw(b, "</p>");
	}
	raw(b, "</article>\n");
	jv_free(job);
}

/* Jobs on the fix queue (for the fix job of each incident): ids, keys
 * and states, no payloads (and not redacted: a job's "key" is no secret,
 * though its name says so). */
static int
load_jobs(jv *out, struct spool *sp, const char *queue)
{
	return spool_jobs(sp, out, queue && *queue ? queue : "fix", NULL);
}

/* The cards of the incidents in list that are resolved (or not): count
 * of them, in <div id="resolved"> (or "open"); else the empty text. */
static void
cards(struct strbuf *b, jv list, jv jobs, double now, int resolved, int count,
    const char *empty)
{
	int i, n = jv_array_length(jv_copy(list));

	if (!count) {
		raw(b, "<p class=\"empty\">");
		raw(b, empty);
		raw(b, "</p>\n");
		return;
	}
	strbuf_addf(b, "<div class=\"cards\" id=\"%s\">\n", resolved ? "resolved" : "open");
	for (i = 0; i < n; i++) {
		jv inc = jv_array_get(jv_copy(list), i);
		if ((stage_of(inc) == ST_RESOLVED) == resolved)
			incident_card(b, inc, jobs, now);
		jv_free(inc);
	}
	raw(b, "</div>\n");
}

int
dash_index(struct strbuf *b, struct spool *sp, const char *queue, double now)
{
	jv list, jobs;
	struct mons mons;
	int i, n, nopen = 0, nwait = 0;
	int64_t seq = spool_timeline_last(sp);
	size_t k;

	if (seq < 0)
		return -1;
	if (spool_incidents_recent(sp, &list, now - RECENT_S, LIST_MAX) < 0)
		return -1;
	if (load_jobs(&jobs, sp, queue) < 0) {
		jv_free(list);
		return -1;
	}
	if (mons_load(&mons, sp, now) < 0) {
		jv_free(list);
		jv_free(jobs);
		return -1;
	}
	list = redact_jv(list, NULL);
	n = jv_array_length(jv_copy(list));
	for (i = 0; i < n; i++) {
		jv inc = jv_array_get(jv_copy(list), i);
		enum stage st = stage_of(inc);
		jv job = fix_job(jobs, record_str(inc, "id"));
		nopen += st != ST_RESOLVED;
		nwait += waiting_for(st, inc, job) != NULL;
		jv_free(job);
		jv_free(inc);
	}
	page_open(b, nopen ? "mend: incidents open" : "mend: all clear", 1);
	strbuf_addf(b, "<main id=\"main\" data-page=\"index\" data-seq=\"%lld\">\n",
	    (long long)seq);
	raw(b, "<h1>Incidents</h1><p class=\"summary\">");
	if (nopen)
		html_escapef(b, "%d open, %d waiting for a person.", nopen, nwait);
	else
		raw(b, "Nothing is broken.");
	raw(b, "</p>\n<h2>Open</h2>\n");
	cards(b, list, jobs, now, 0, nopen, "No open incidents.");
	raw(b, "<h2>Resolved in the last 7 days</h2>\n");
	cards(b, list, jobs, now, 1, n - nopen, "None.");
	raw(b, "<h2>Monitors</h2>\n");
	if (!mons.n)
		raw(b, "<p class=\"empty\">No monitors yet: detect has seen no checks.</p>\n");
	else
		raw(b, "<div class=\"cards\" id=\"monitors\">\n");
	for (k = 0; k < mons.n; k++)
		monitor_card(b, &mons.v[k]);
	if (mons.n)
		raw(b, "</div>\n");
	raw(b, "</main>\n");
	page_close(b, now);
	mons_release(&mons);
	jv_free(list);
	jv_free(jobs);
	return 0;
}

/* ---- one incident's timeline ---- */

static void
tl_open(struct strbuf *b, const char *cls, const char *label, double t, double now)
{
	raw(b, "<li class=\"");
	raw(b, cls);
	raw(b, "\"><strong>");
	raw(b, label);
	raw(b, "</strong>");
	when(b, t, now);
	raw(b, "<div>");
}

static void
tl_close(struct strbuf *b)
{
	raw(b, "</div></li>\n");
}

/* A short text block, pre-formatted, at most max bytes. */
static void
pre(struct strbuf *b, const char *s, size_t max)
{
	size_t n = s ? strlen(s) : 0;
	char *cut;

	if (!n)
		return;
	raw(b, "<pre>");
	if (n > max && (cut = strndup(s, max))) {
		html_escape(b, cut);
		free(cut);
		html_escapef(b, "\n... (%zu more bytes)", n - max);
	} else {
		html_escape(b, s);
	}
	raw(b, "</pre>");
}

/* Probe evidence: one line per record, as compact JSON. */
static void
evidence(struct strbuf *b, jv rec)
{
	jv ev = record_get(rec, "incident.evidence");
	struct strbuf lines = { 0 };
	int i, n;

	if (jv_get_kind(ev) != JV_KIND_ARRAY || !(n = jv_array_length(jv_copy(ev)))) {
		jv_free(ev);
		return;
	}
	for (i = 0; i < n; i++) {
		jv x = jv_array_get(jv_copy(ev), i);
		if (jv_get_kind(x) == JV_KIND_STRING) {
			strbuf_add(&lines, jv_string_value(x));
		} else if (!strcmp(record_type(x), "probe")) {
			/* ts method url -> status in ms (error: detail) */
			const char *err = record_str(x, "error"), *det = record_str(x, "detail");
			strbuf_addf(&lines, "%s %s %s -> %.0f in %.0f ms", record_str(x, "ts") ?
			    record_str(x, "ts") : "?", record_str(x, "method") ?
			    record_str(x, "method") : "GET", record_str(x, "url") ?
			    record_str(x, "url") : "?", record_num(x, "status", 0),
			    record_num(x, "ms", 0));
			if (err)
				strbuf_addf(&lines, " (%s%s%s)", err, det ? ": " : "", det ? det : "");
		} else if (!strcmp(record_type(x), "error")) {
			strbuf_addf(&lines, "%s %s: %s", record_str(x, "ts") ? record_str(x, "ts") : "?",
			    record_str(x, "exception") ? record_str(x, "exception") : "error",
			    record_str(x, "message") ? record_str(x, "message") : "");
		} else {
			jv d = jv_dump_string(jv_copy(x), 0);
			strbuf_add(&lines, jv_string_value(d));
			jv_free(d);
		}
		strbuf_add(&lines, "\n");
		jv_free(x);
	}
	html_escapef(b, " Evidence (%d record%s):", n, n == 1 ? "" : "s");
	pre(b, lines.s, 8192);
	strbuf_release(&lines);
	jv_free(ev);
}

static void
tl_incident(struct strbuf *b, jv rec, double t, double now)
{
	const char *ev = record_str(rec, "incident.event");
	int resolve = ev && !strcmp(ev, "resolve");

	tl_open(b, resolve ? "t-resolve" : "t-incident", resolve ? "Resolved" : "Opened", t, now);
	raw(b, "<p>");
	field(b, rec, "incident.summary", resolve ? "the checks pass again" : "");
	field_if(b, rec, "incident.reason", " <span class=\"meta\">(", ")</span>");
	raw(b, "</p>");
	evidence(b, rec);
	tl_close(b);
}

static void
tl_analysis(struct strbuf *b, jv rec, double t, double now)
{
	double conf = record_num(rec, "analysis.confidence", -1);
	jv a;

	tl_open(b, "t-analysis", "Analysis", t, now);
	raw(b, "<p>");
	field(b, rec, "analysis.root_cause", "root cause unknown");
	raw(b, "</p><p class=\"meta\">");
	field(b, rec, "analysis.engine", "?");
	raw(b, " engine &middot; ");
	field(b, rec, "analysis.category", "unknown");
	if (conf >= 0)
		html_escapef(b, " \xc2\xb7 confidence %.0f%%", conf * 100);
	raw(b, "</p>");
	a = record_get(rec, "analysis.frames");
	if (jv_get_kind(a) == JV_KIND_ARRAY && jv_array_length(jv_copy(a)) > 0) {
		jv f = jv_array_get(jv_copy(a), 0);
		raw(b, "<p>at <code>");
		field(b, f, "path", "?");
		if (record_num(f, "line", 0) > 0)
			html_escapef(b, ":%.0f", record_num(f, "line", 0));
		field_if(b, f, "function", " in ", "()");
		raw(b, "</code></p>");
		jv_free(f);
	}
	jv_free(a);
	a = record_get(rec, "analysis.remediation");
	str_list(b, a, "ol", 0);
	jv_free(a);
	tl_close(b);
}

static void
tl_notified(struct strbuf *b, jv rec, double t, double now)
{
	jv a = record_get(rec, "notified");
	int i, n = jv_get_kind(a) == JV_KIND_ARRAY ? jv_array_length(jv_copy(a)) : 0, ok = 0;
	int link = 0;

	for (i = 0; i < n; i++) {
		jv x = jv_array_get(jv_copy(a), i);
		ok += record_bool(x, "ok", 0);
		link |= record_str(x, "fix_url") != NULL;
		jv_free(x);
	}
	tl_open(b, "t-notified", "Notification", t, now);
	raw(b, "<p>");
	html_escapef(b, "sent to %d of %d target%s", ok, n, n == 1 ? "" : "s");
	if (record_str(rec, "of") || !strcmp(record_type(rec), "analysis")) {
		raw(b, " (about the ");
		field(b, rec, "of", record_type(rec));
		raw(b, ")");
	}
	if (link)
		raw(b, ", with a fix link (not shown here: it is a key)");
	raw(b, "</p>");
	tl_close(b);
	jv_free(a);
}

static void
tl_patch(struct strbuf *b, jv rec, double t, double now)
{
	jv files = record_get(rec, "patch.files");

	tl_open(b, "t-patch", "Patch", t, now);
	raw(b, "<p>branch <code>");
	field(b, rec, "patch.branch", "?");
	raw(b, "</code>");
	if (record_str(rec, "patch.commit")) {
		char c[13];
		snprintf(c, sizeof c, "%s", record_str(rec, "patch.commit"));
		raw(b, ", commit <code>");
		html_escape(b, c);
		raw(b, "</code>");
	}
	raw(b, "</p>");
	str_list(b, files, "ul", 1);
	jv_free(files);
	tl_close(b);
}

static void
tl_testrun(struct strbuf *b, jv rec, double t, double now)
{
	int passed = record_bool(rec, "testrun.passed", 0);

	tl_open(b, "t-testrun", "Tests and replay", t, now);
	raw(b, "<p>");
	html_escapef(b, "%s after %.0f iteration%s: %.0f passed, %.0f failed; failing request "
	    "replayed: %s; confidence %.0f%%", passed ? "passed" : "failed",
	    record_num(rec, "testrun.iterations", 0),
	    record_num(rec, "testrun.iterations", 0) == 1 ? "" : "s",
	    record_num(rec, "testrun.tests_passed", 0), record_num(rec, "testrun.tests_failed", 0),
	    record_bool(rec, "testrun.replayed", 0) ? "yes, it passes" : "no",
	    record_num(rec, "testrun.confidence", 0) * 100);
	raw(b, "</p>");
	if (record_str(rec, "testrun.log")) {
		raw(b, "<details><summary>test log</summary>");
		pre(b, record_str(rec, "testrun.log"), 16384);
		raw(b, "</details>");
	}
	tl_close(b);
}

static void
tl_pr(struct strbuf *b, jv rec, double t, double now)
{
	char label[64];

	tl_open(b, "t-pr", "Pull request", t, now);
	raw(b, "<p>");
	if (record_str(rec, "pr.forge") && !strcmp(record_str(rec, "pr.forge"), "none")) {
		raw(b, "branch <code>");
		field(b, rec, "pr.branch", "?");
		raw(b, "</code> pushed; no forge, so no pull request was opened (forge none)</p>");
		tl_close(b);
		return;
	}
	if (record_num(rec, "pr.number", 0) > 0)
		snprintf(label, sizeof label, "#%.0f", record_num(rec, "pr.number", 0));
	else
		snprintf(label, sizeof label, "%s", "pull request");
	if (record_str(rec, "pr.url"))
		link(b, record_str(rec, "pr.url"), label);
	else
		html_escape(b, label);
	raw(b, " on ");
	field(b, rec, "pr.forge", "?");
	raw(b, ", branch <code>");
	field(b, rec, "pr.branch", "?");
	raw(b, "</code>");
	if (record_has(rec, "pr.created") && !record_bool(rec, "pr.created", 1))
		raw(b, " (it already existed)");
	raw(b, "</p>");
	tl_close(b);
}

static void
tl_verdict(struct strbuf *b, jv rec, double t, double now)
{
	tl_open(b, "t-verdict", record_bool(rec, "verdict.worse", 0) ? "Verdict: worse" :
	    "Verdict", t, now);
	raw(b, "<p>");
	field(b, rec, "verdict.summary", "");
	raw(b, "</p>");
	tl_close(b);
}

/* fmt has a %.0f and a %s: the job's attempts, and "s" unless one. */
static void
job_attempts(struct strbuf *b, jv job, const char *fmt)
{
	double n = record_num(job, "attempts", 0);

	html_escapef(b, fmt, n, n == 1 ? "" : "s");
}

/* The fix job, placed in the timeline when it was queued. */
static void
tl_job(struct strbuf *b, jv job, double now)
{
	tl_open(b, "t-job", "Fix job", num_time(job, "created"), now);
	raw(b, "<p>");
	html_escapef(b, "job %.0f queued on ", record_num(job, "id", 0));
	field(b, job, "queue", "?");
	raw(b, " (the fix link was pressed); now ");
	field(b, job, "state", "?");
	job_attempts(b, job, " after %.0f attempt%s");
	raw(b, "</p>");
	tl_close(b);
}

static void
tl_other(struct strbuf *b, const char *type, jv rec, double t, double now)
{
	jv d = jv_dump_string(jv_copy(rec), 0);

	raw(b, "<li class=\"t-other\"><strong>");
	html_escape(b, type);
	raw(b, "</strong>");
	when(b, t, now);
	pre(b, jv_string_value(d), 4096);
	raw(b, "</li>\n");
	jv_free(d);
}

/* How each record type shows in the timeline; tl_other for the rest. */
static const struct {
	const char *type;
	void (*show)(struct strbuf *, jv, double, double);
} tl_types[] = {
	{ "incident", tl_incident },
	{ "analysis", tl_analysis },
	{ "notified", tl_notified },
	{ "patch", tl_patch },
	{ "testrun", tl_testrun },
	{ "pr", tl_pr },
	{ "verdict", tl_verdict },
};

static void
tl_entry(struct strbuf *b, const char *type, jv rec, double t, double now)
{
	size_t i;

	if (!strcmp(type, "analysis") && record_has(rec, "notified")) {
		tl_notified(b, rec, t, now);	/* notify stores what it sent */
		return;
	}
	for (i = 0; i < sizeof tl_types / sizeof tl_types[0]; i++)
		if (!strcmp(type, tl_types[i].type)) {
			tl_types[i].show(b, rec, t, now);
			return;
		}
	tl_other(b, type, rec, t, now);
}

int
dash_incident(struct strbuf *b, struct spool *sp, const char *queue, const char *id,
    double now)
{
	jv inc, tl, jobs, job, row;
	enum stage st;
	const char *wait;
	double opened, resolved;
	int64_t seq = spool_timeline_last(sp);
	int i, n, rc, job_shown = 0;

	if (seq < 0)
		return -1;
	if ((rc = spool_incident_get(sp, &inc, id)) <= 0)
		return rc;
	if (load_jobs(&jobs, sp, queue) < 0) {
		jv_free(inc);
		return -1;
	}
	inc = redact_jv(inc, NULL);
	tl = record_get(inc, "timeline");
	n = jv_get_kind(tl) == JV_KIND_ARRAY ? jv_array_length(jv_copy(tl)) : 0;
	/* The stages, as the list computes them. */
	{
		struct strbuf s = { 0 };
		for (i = 0; i < n; i++) {
			jv e = jv_array_get(jv_copy(tl), i);
			if (record_str(e, "type")) {
				strbuf_add(&s, i ? "," : "");
				strbuf_add(&s, record_str(e, "type"));
			}
			jv_free(e);
		}
		row = record_set_str(jv_copy(inc), "stages", s.s ? s.s : "");
		strbuf_release(&s);
	}
	st = stage_of(row);
	job = fix_job(jobs, id);
	wait = waiting_for(st, row, job);
	opened = num_time(inc, "opened");
	resolved = num_time(inc, "resolved");

	page_open(b, record_str(inc, "monitor") ? record_str(inc, "monitor") : id, 1);
	raw(b, "<main id=\"main\" data-page=\"incident\" data-incident=\"");
	html_escape(b, id);
	strbuf_addf(b, "\" data-seq=\"%lld\">\n", (long long)seq);
	raw(b, "<p><a href=\"/\">&larr; all incidents</a></p><h1>");
	field(b, inc, "monitor", "(no monitor)");
	raw(b, " ");
	stage_badge(b, st);
	raw(b, "</h1><p>");
	field(b, inc, "summary", "");
	raw(b, "</p>\n");
	if (wait) {
		raw(b, "<p class=\"wait\">Waiting for a person: ");
		html_escape(b, wait);
		raw(b, "</p>\n");
	}
	raw(b, "<dl class=\"facts\"><dt>Incident</dt><dd><code>");
	html_escape(b, id);
	raw(b, "</code></dd><dt>Opened</dt><dd>");
	when(b, opened, now);
	raw(b, "</dd>");
	if (st == ST_RESOLVED) {
		raw(b, "<dt>Resolved</dt><dd>");
		when(b, resolved, now);
		raw(b, " after ");
		span_text(b, resolved - opened);
		raw(b, "</dd>");
	}
	field_if(b, inc, "reason", "<dt>Reason</dt><dd>", "</dd>");
	field_if(b, inc, "url", "<dt>Checked URL</dt><dd>", "</dd>");
	raw(b, "<dt>Fix job</dt><dd>");
	if (jv_get_kind(job) == JV_KIND_OBJECT) {
		html_escapef(b, "job %.0f on queue ", record_num(job, "id", 0));
		field(b, job, "queue", "?");
		raw(b, ": ");
		field(b, job, "state", "?");
		job_attempts(b, job, " (%.0f attempt%s)");
	} else {
		raw(b, "none queued");
	}
	raw(b, "</dd></dl>\n<h2>Timeline</h2>\n<ol class=\"tl\" id=\"timeline\">\n");
	for (i = 0; i < n; i++) {
		jv e = jv_array_get(jv_copy(tl), i), rec = record_get(e, "record");
		const char *type = record_str(e, "type");
		double t = num_time(e, "ts");
		if (!type)
			type = "?";
		if (jv_get_kind(job) == JV_KIND_OBJECT && !job_shown &&
		    num_time(job, "created") > 0 && t >= num_time(job, "created")) {
			tl_job(b, job, now);
			job_shown = 1;
		}
		tl_entry(b, type, rec, t, now);
		jv_free(rec);
		jv_free(e);
	}
	if (jv_get_kind(job) == JV_KIND_OBJECT && !job_shown)
		tl_job(b, job, now);
	raw(b, "</ol>\n</main>\n");
	page_close(b, now);
	jv_free(tl);
	jv_free(row);
	jv_free(job);
	jv_free(jobs);
	jv_free(inc);
	return 1;
}

/* ---- the public status page ---- */

int
dash_status(struct strbuf *b, struct spool *sp, const char *public, double now)
{
	struct mons mons;
	size_t k, shown = 0, down = 0;

	if (mons_load(&mons, sp, now) < 0)
		return -1;
	for (k = 0; k < mons.n; k++)
		if (listed(public, mons.v[k].name)) {
			shown++;
			down += mons.v[k].open;
		}
	page_open(b, "Status", 0);
	raw(b, "<main id=\"main\" data-page=\"status\"><h1>Status</h1><p class=\"summary\">");
	if (!shown)
		raw(b, "No public monitors.");
	else if (!down)
		raw(b, "All systems operational.");
	else
		html_escapef(b, "%zu of %zu systems %s down.", down, shown, down == 1 ? "is" : "are");
	raw(b, "</p>\n");
	if (shown) {
		raw(b, "<table class=\"status\"><thead><tr><th>Service</th><th>Now</th>"
		    "<th class=\"up\">24 h</th><th class=\"up\">7 days</th></tr></thead><tbody>\n");
		for (k = 0; k < mons.n; k++) {
			const struct mon *m = &mons.v[k];
			if (!listed(public, m->name))
				continue;
			raw(b, "<tr><td>");
			html_escape(b, m->name);
			raw(b, m->open ? "</td><td><span class=\"badge s-down\">down</span>" :
			    "</td><td><span class=\"badge s-up\">operational</span>");
			raw(b, "</td><td class=\"up\">");
			uptime_text(b, m->down24, DAY);
			raw(b, "</td><td class=\"up\">");
			uptime_text(b, m->down7, 7 * DAY);
			raw(b, "</td></tr>\n");
		}
		raw(b, "</tbody></table>\n");
	}
	raw(b, "</main>\n");
	page_close(b, now);
	mons_release(&mons);
	return 0;
}

/* ---- live events ---- */

int
dash_events(struct strbuf *b, struct spool *sp, int64_t *cursor)
{
	jv rows;
	int i, n;

	if (spool_timeline_since(sp, &rows, *cursor, EVENTS_MAX) < 0)
		return -1;
	n = jv_array_length(jv_copy(rows));
	for (i = 0; i < n; i++) {
		jv r = jv_array_get(jv_copy(rows), i), data, d;
		const char *type = record_str(r, "type"), *ev = record_str(r, "event");
		const char *name = "stage";
		int64_t seq = (int64_t)record_num(r, "seq", 0);

		if (type && !strcmp(type, "incident"))
			name = ev && !strcmp(ev, "resolve") ? "resolved" : "incident";
		/* Ids and stage names only: no text from the records. */
		data = jv_object();
		data = record_set(data, "incident", record_get(r, "incident"));
		data = record_set(data, "type", record_get(r, "type"));
		data = record_set(data, "state", record_get(r, "state"));
		d = jv_dump_string(data, 0);
		strbuf_addf(b, "id: %lld\nevent: %s\ndata: %s\n\n", (long long)seq, name,
		    jv_string_value(d));
		jv_free(d);
		jv_free(r);
		if (seq > *cursor)
			*cursor = seq;
	}
	jv_free(rows);
	return n;
}

/*
 * The browser side: listen to /events and, on any event that concerns
 * this page, fetch the page again and swap in its <main>.  Changes that
 * come in a burst are fetched once.  Without EventSource nothing runs and
 * the page keeps its refresh link and <noscript> meta refresh.
 */
const char dash_js[] =
	"'use strict';\n"
	"(function () {\n"
	"  var live = document.getElementById('live');\n"
	"  var main = document.getElementById('main');\n"
	"  if (!window.EventSource || !live || !main || main.dataset.page === 'status') return;\n"
	"  var timer = null, busy = false, again = false;\n"
	"  function mine(e) {\n"
	"    if (main.dataset.page !== 'incident') return true;\n"
	"    try { return JSON.parse(e.data).incident === main.dataset.incident; }\n"
	"    catch (x) { return true; }\n"
	"  }\n"
	"  function swap() {\n"
	"    if (busy) { again = true; return; }\n"
	"    busy = true;\n"
	"    fetch(location.href, { credentials: 'same-origin', cache: 'no-store' })\n"
	"      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.text(); })\n"
	"      .then(function (html) {\n"
	"        var doc = new DOMParser().parseFromString(html, 'text/html');\n"
	"        var fresh = doc.getElementById('main');\n"
	"        if (fresh) {\n"
	"          fresh = document.adoptNode(fresh);\n"
	"          main.replaceWith(fresh);\n"
	"          main = fresh;\n"
	"          document.title = doc.title;\n"
	"        }\n"
	"      })\n"
	"      .catch(function (err) { live.textContent = 'update failed (' + err.message + '): reload'; })\n"
	"      .then(function () { busy = false; if (again) { again = false; swap(); } });\n"
	"  }\n"
	"  function changed(e) {\n"
	"    if (!mine(e)) return;\n"
	"    clearTimeout(timer);\n"
	"    timer = setTimeout(swap, 150);\n"
	"  }\n"
	"  var es = new EventSource('/events?after=' + encodeURIComponent(main.dataset.seq || '0'));\n"
	"  es.onopen = function () { live.textContent = 'live'; live.className = 'on'; };\n"
	"  es.onerror = function () { live.textContent = 'reconnecting'; live.className = ''; };\n"
	"  ['incident', 'stage', 'resolved'].forEach(function (t) { es.addEventListener(t, changed); });\n"
	"})();\n";

/* ---- access ---- */

#define LOGIN_MSG "dashboard-login"
#define SESSION_MSG "dashboard-session"

int
dash_loopback(const struct sockaddr *sa)
{
	if (!sa)
		return 0;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)sa;
		return (ntohl(a->sin_addr.s_addr) >> 24) == 127;
	}
	if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)sa;
		const unsigned char *p = a->sin6_addr.s6_addr;
		if (IN6_IS_ADDR_LOOPBACK(&a->sin6_addr))
			return 1;
		return IN6_IS_ADDR_V4MAPPED(&a->sin6_addr) && p[12] == 127;
	}
	return 0;
}

int
dash_token_ok(const char *token, const char *secret)
{
	if (!token)
		return 0;
	if (sign_secret_ok(token) < 0)
		return mend_err("MEND_DASHBOARD_TOKEN: %s", mend_errmsg());
	if (secret && !strcmp(token, secret))
		return mend_err("MEND_DASHBOARD_TOKEN must differ from MEND_TRIGGER_SECRET");
	return 0;
}

int
dash_login_link(char **out, const char *base, const char *token, long long exp)
{
	char sig[SIGN_HEX_LEN + 1];
	size_t n = strlen(base);

	while (n > 0 && base[n - 1] == '/')
		n--;
	if (sign_token(sig, token, LOGIN_MSG, exp) < 0)
		return -1;
	if (asprintf(out, "%.*s/login?exp=%lld&sig=%s", (int)n, base, exp, sig) < 0)
		return mend_err("out of memory");
	return 0;
}

int
dash_login_verify(const char *token, const char *exp, const char *sig, double now)
{
	return sign_verify(token, LOGIN_MSG, exp, sig, now);
}

int
dash_session(char *out, size_t len, const char *token, long long exp)
{
	char sig[SIGN_HEX_LEN + 1];

	if (sign_token(sig, token, SESSION_MSG, exp) < 0)
		return -1;
	if ((size_t)snprintf(out, len, "%lld.%s", exp, sig) >= len)
		return mend_err("session value too long");
	return 0;
}

/* "EXP.SIG" from the cookie, checked in constant time by sign_verify. */
static int
session_ok(const char *token, const char *cookie, double now)
{
	char exp[32];
	const char *dot;

	if (!cookie || !(dot = strchr(cookie, '.')) || (size_t)(dot - cookie) >= sizeof exp)
		return 0;
	snprintf(exp, sizeof exp, "%.*s", (int)(dot - cookie), cookie);
	return sign_verify(token, SESSION_MSG, exp, dot + 1, now) == SIGN_OK;
}

int
dash_access(const char *token, int loopback, const char *cookie, double now)
{
	if (token && *token)
		return session_ok(token, cookie, now) ? DASH_ALLOW : DASH_LOGIN;
	return loopback ? DASH_ALLOW : DASH_DENY;
}
