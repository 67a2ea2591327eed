/*
 * notify.c - what notify says, and how each webhook wants it said.
 *
 * A record becomes a `struct notify_msg` first: a title that reads well
 * as the one line a phone shows, a few short facts (fields), a few
 * longer sections, and either a fix link or the reason none is offered.
 * All of it is plain text.  The renderers then turn one message into the
 * payloads of one kind of webhook, escaping for that kind and cutting
 * every piece under that service's documented limits:
 *
 *  - Slack (Block Kit): header text 150, section text 3000, section
 *    fields 10 of 2000 each, 50 blocks a message, button text 75 and
 *    URL 3000; the `text` fallback (what notifications show) is kept
 *    under 4000, the length Slack recommends.  A section longer than
 *    3000 is split over several section blocks; blocks beyond 50 go to a
 *    further message.
 *  - Discord (embeds): content 2000, title 256, description 4096, 25
 *    fields, field name 256 and value 1024, footer 2048, and 6000 for
 *    all of an embed's text together.
 *  - JSON: the record itself, with the rendered message under "notify".
 *
 * Lengths are counted in UTF-16 code units, as both services count, and
 * cuts fall on code point boundaries with "…" marking them.  The fix link
 * is never cut: the text around it gives way instead.
 *
 * The text in a record is untrusted (error messages, logs): it is
 * escaped so that it cannot ping a channel (<!channel>, @everyone) or
 * forge a link ([Fix](https://evil)); Discord mentions are also switched
 * off with allowed_mentions.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mend.h"

/* Service limits (see the comment above). */
#define SLACK_TEXT_MAX 4000
#define SLACK_HEADER_MAX 150
#define SLACK_SECTION_MAX 3000
#define SLACK_FIELD_MAX 2000
#define SLACK_FIELDS_MAX 10
#define SLACK_BLOCKS_MAX 50
#define SLACK_BUTTON_MAX 75
#define SLACK_URL_MAX 3000
#define DISCORD_CONTENT_MAX 2000
#define DISCORD_TITLE_MAX 256
#define DISCORD_DESC_MAX 4096
#define DISCORD_FIELDS_MAX 25
#define DISCORD_FNAME_MAX 256
#define DISCORD_FVALUE_MAX 1024
#define DISCORD_FOOTER_MAX 2048
#define DISCORD_TOTAL_MAX 6000
/* Our own caps, so one record is one readable message, not a log dump. */
#define SECTION_CAP 6000
#define EVIDENCE_CAP 1500

/* Length of the UTF-8 sequence starting with byte c. */
static size_t
u8seq(unsigned char c)
{
	return c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

size_t
notify_u16len(const char *s)
{
	size_t n = 0;

	while (*s) {
		size_t k = u8seq((unsigned char)*s);
		n += k == 4 ? 2 : 1;
		while (k-- && *s)
			s++;
	}
	return n;
}

/* Bytes of s that fit in max UTF-16 units, on a code point boundary. */
static size_t
fit_bytes(const char *s, size_t max)
{
	const char *p = s;
	size_t n = 0;

	while (*p) {
		size_t k = u8seq((unsigned char)*p), w = k == 4 ? 2 : 1, i;
		if (n + w > max)
			break;
		n += w;
		for (i = 0; i < k && *p; i++)
			p++;
	}
	return (size_t)(p - s);
}

char *
notify_clip(const char *s, size_t max)
{
	struct strbuf b = { 0 };
	size_t n;

	if (!s)
		s = "";
	if (notify_u16len(s) <= max)
		return strdup(s);
	if (max == 0)
		return strdup("");
	n = fit_bytes(s, max - 1);	/* room for the ellipsis, one unit */
	/* Prefer to cut at a space when one is close. */
	{
		size_t k = n;
		while (k > 0 && k + 40 > n && s[k - 1] != ' ' && s[k - 1] != '\n')
			k--;
		if (k > 0 && k + 40 > n)
			n = k - 1 > 0 ? k - 1 : k;
	}
	strbuf_addn(&b, s, n);
	strbuf_add(&b, "…");
	return strbuf_take(&b);
}

/*
 * Split s into pieces of at most max units, at line ends where possible.
 * Returns a jv array of strings.
 */
static jv
split_chunks(const char *s, size_t max)
{
	jv out = jv_array();

	while (*s) {
		size_t n, k;

		if (notify_u16len(s) <= max) {
			out = jv_array_append(out, jv_string(s));
			break;
		}
		n = fit_bytes(s, max);
		for (k = n; k > 0 && s[k - 1] != '\n'; k--)
			;
		if (k > n / 2)
			n = k;
		out = jv_array_append(out, jv_string_sized(s, (int)n));
		s += n;
	}
	return out;
}

/* ---- escaping ---- */

/* Slack: &, < and > are the only control characters of mrkdwn text. */
static char *
slack_escape(const char *s)
{
	struct strbuf b = { 0 };

	for (; *s; s++)
		switch (*s) {
		case '&': strbuf_add(&b, "&amp;"); break;
		case '<': strbuf_add(&b, "&lt;"); break;
		case '>': strbuf_add(&b, "&gt;"); break;
		default: strbuf_addn(&b, s, 1);
		}
	return strbuf_take(&b);
}

/* Discord markdown: a backslash makes any of these literal. */
static char *
discord_escape(const char *s)
{
	struct strbuf b = { 0 };

	for (; *s; s++) {
		if (strchr("\\*_~`|[]<>#@", *s))
			strbuf_addn(&b, "\\", 1);
		strbuf_addn(&b, s, 1);
	}
	return strbuf_take(&b);
}

/* ---- targets ---- */

static uint64_t
fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static const char *kind_names[] = { "slack", "discord", "json" };

const char *
notify_kind_name(int kind)
{
	return kind >= 0 && kind < 3 ? kind_names[kind] : "?";
}

/* "https://host:port" of url into out (the path, which holds the token, left off). */
static void
url_origin(char *out, size_t len, const char *url)
{
	const char *p = strstr(url, "://"), *end;

	p = p ? p + 3 : url;
	end = p + strcspn(p, "/?#");
	/* Userinfo is a secret too. */
	{
		const char *at = memchr(p, '@', (size_t)(end - p));
		if (at) {
			snprintf(out, len, "%.*s%.*s", (int)(p - url), url, (int)(end - at - 1),
			    at + 1);
			return;
		}
	}
	snprintf(out, len, "%.*s", (int)(end - url), url);
}

static int
host_is(const char *url, const char *domain)
{
	const char *p = strstr(url, "://"), *end, *at;
	size_t hl, dl = strlen(domain);

	p = p ? p + 3 : url;
	end = p + strcspn(p, "/?#");
	if ((at = memchr(p, '@', (size_t)(end - p))))
		p = at + 1;
	hl = strcspn(p, ":/?#");
	if (hl == dl && !strncasecmp(p, domain, dl))
		return 1;
	return hl > dl && p[hl - dl - 1] == '.' && !strncasecmp(p + hl - dl, domain, dl);
}

int
notify_target_parse(struct notify_target *t, const char *spec)
{
	const char *url = spec;
	char origin[512];

	memset(t, 0, sizeof *t);
	t->kind = -1;
	if (!strncmp(spec, "slack:", 6))
		t->kind = NOTIFY_SLACK, url = spec + 6;
	else if (!strncmp(spec, "discord:", 8))
		t->kind = NOTIFY_DISCORD, url = spec + 8;
	else if (!strncmp(spec, "json:", 5))
		t->kind = NOTIFY_JSON, url = spec + 5;
	if (strncmp(url, "http://", 7) && strncmp(url, "https://", 8))
		return mend_err("bad webhook '%.*s...': not an http(s) URL",
		    (int)strcspn(spec, "/"), spec);
	if (t->kind < 0) {
		if (host_is(url, "hooks.slack.com"))
			t->kind = NOTIFY_SLACK;
		else if ((host_is(url, "discord.com") || host_is(url, "discordapp.com")) &&
		    strstr(url, "/api/webhooks/"))
			t->kind = NOTIFY_DISCORD;
		else
			t->kind = NOTIFY_JSON;
	}
	url_origin(origin, sizeof origin, url);
	snprintf(t->id, sizeof t->id, "%08llx", (unsigned long long)(fnv1a(url) >> 32));
	if (!(t->url = strdup(url)) ||
	    asprintf(&t->label, "%s:%s/…", notify_kind_name(t->kind), origin) < 0) {
		free(t->url);
		t->url = t->label = NULL;
		return mend_err("out of memory");
	}
	return 0;
}

void
notify_target_release(struct notify_target *t)
{
	free(t->url);
	free(t->label);
	t->url = t->label = NULL;
}

/* ---- the message ---- */

static void
add_field(struct notify_msg *m, const char *name, const char *value)
{
	if (!value || !*value || m->nfields >= NOTIFY_FIELDS)
		return;
	m->fields[m->nfields].name = strdup(name);
	m->fields[m->nfields].value = notify_clip(value, 900);
	m->nfields++;
}

static void
add_section(struct notify_msg *m, const char *heading, const char *text, size_t cap)
{
	if (!text || !*text || m->nsections >= NOTIFY_SECTIONS)
		return;
	m->sections[m->nsections].heading = strdup(heading);
	m->sections[m->nsections].text = notify_clip(text, cap);
	m->nsections++;
}

void
notify_msg_release(struct notify_msg *m)
{
	size_t i;

	for (i = 0; i < m->nfields; i++) {
		free(m->fields[i].name);
		free(m->fields[i].value);
	}
	for (i = 0; i < m->nsections; i++) {
		free(m->sections[i].heading);
		free(m->sections[i].text);
	}
	free(m->title);
	free(m->fix_url);
	free(m->no_fix);
	free(m->footer);
	memset(m, 0, sizeof *m);
}

/* "14 min", "45 s", "2 h 5 min", "3 d 4 h". */
void
notify_duration(char *out, size_t len, double s)
{
	long t = s < 0 ? 0 : (long)floor(s + 0.5);

	if (t < 60)
		snprintf(out, len, "%ld s", t);
	else if (t < 3600)
		snprintf(out, len, "%ld min", (t + 30) / 60);
	else if (t < 86400)
		snprintf(out, len, t % 3600 / 60 ? "%ld h %ld min" : "%ld h", t / 3600,
		    t % 3600 / 60);
	else
		snprintf(out, len, t % 86400 / 3600 ? "%ld d %ld h" : "%ld d", t / 86400,
		    t % 86400 / 3600);
}

/* "2026-11-22 03:00 UTC" from an RFC 3339 time (or the text as given). */
static void
human_time(char *out, size_t len, const char *rfc)
{
	double t;
	time_t sec;
	struct tm tm;

	if (!rfc || mend_parse_time(&t, rfc) < 0) {
		snprintf(out, len, "%s", rfc ? rfc : "");
		return;
	}
	sec = (time_t)t;
	gmtime_r(&sec, &tm);
	strftime(out, len, "%Y-%m-%d %H:%M UTC", &tm);
}

static const char *
str_or(jv rec, const char *path, const char *dflt)
{
	const char *s = record_str(rec, path);

	return s && *s ? s : dflt;
}

/* The thing that broke, for titles: monitor, else URL, else the incident. */
static const char *
subject(jv rec)
{
	const char *s = str_or(rec, "incident.monitor", NULL);

	if (!s)
		s = str_or(rec, "monitor", NULL);
	if (!s)
		s = str_or(rec, "incident.url", NULL);
	if (!s)
		s = str_or(rec, "incident.id", "a service");
	return s;
}

/* One line per evidence record (the last few), for people. */
static char *
evidence_text(jv rec)
{
	jv ev = record_get(rec, "incident.evidence");
	struct strbuf b = { 0 };
	int n, i;

	if (jv_get_kind(ev) != JV_KIND_ARRAY) {
		jv_free(ev);
		return NULL;
	}
	n = jv_array_length(jv_copy(ev));
	for (i = n > 3 ? n - 3 : 0; i < n; i++) {
		jv e = jv_array_get(jv_copy(ev), i);
		const char *ts = record_str(e, "ts"), *type = record_type(e);
		char when[32] = "";

		if (ts && strlen(ts) >= 19)
			snprintf(when, sizeof when, "%.8s ", ts + 11);
		if (!strcmp(type, "probe")) {
			double st = record_num(e, "status", 0);
			const char *det = str_or(e, "detail", str_or(e, "error", ""));
			char what[32];
			if (st > 0)
				snprintf(what, sizeof what, "HTTP %.0f", st);
			else
				snprintf(what, sizeof what, "no response");
			strbuf_addf(&b, "%s%s in %.0f ms%s%s\n", when, what, record_num(e, "ms", 0),
			    *det ? " — " : "", det);
		} else if (!strcmp(type, "error")) {
			const char *ex = str_or(e, "exception", NULL);
			strbuf_addf(&b, "%s%s%s%s\n", when, ex ? ex : "", ex ? ": " : "",
			    str_or(e, "message", ""));
		} else {
			char *d = record_dump(e), *c = notify_clip(d ? d : "", 200);
			strbuf_addf(&b, "%s%s\n", when, c ? c : "");
			free(d);
			free(c);
		}
		jv_free(e);
	}
	jv_free(ev);
	if (b.len && b.s[b.len - 1] == '\n')
		b.s[--b.len] = '\0';
	return strbuf_take(&b);
}

static void
build_open(struct notify_msg *m, jv rec)
{
	const char *what = str_or(rec, "incident.summary", str_or(rec, "incident.reason",
	    "checks are failing"));
	char since[64];
	char *ev;

	m->color = 0xd93f3f;
	if (asprintf(&m->title, "🔴 %s is failing: %s", subject(rec), what) < 0)
		m->title = NULL;
	add_field(m, "URL", str_or(rec, "incident.url", NULL));
	human_time(since, sizeof since, str_or(rec, "incident.first_seen", NULL));
	add_field(m, "Since", since);
	add_field(m, "Rule", str_or(rec, "incident.reason", NULL));
	ev = evidence_text(rec);
	add_section(m, "Latest checks", ev, EVIDENCE_CAP);
	free(ev);
}

static void
build_resolve(struct notify_msg *m, jv rec)
{
	const char *first = str_or(rec, "incident.first_seen", NULL);
	const char *end = str_or(rec, "incident.resolved_at", str_or(rec,
	    "incident.last_seen", str_or(rec, "ts", NULL)));
	double t0, t1;
	char dur[32], a[64], b[64], span[200];

	m->color = 0x2eb67d;
	if (first && end && mend_parse_time(&t0, first) == 0 &&
	    mend_parse_time(&t1, end) == 0 && t1 >= t0) {
		notify_duration(dur, sizeof dur, t1 - t0);
		if (asprintf(&m->title, "✅ %s recovered after %s", subject(rec), dur) < 0)
			m->title = NULL;
		human_time(a, sizeof a, first);
		human_time(b, sizeof b, end);
		snprintf(span, sizeof span, "%s → %s (%s)", a, b, dur);
		add_field(m, "Down", span);
	} else if (asprintf(&m->title, "✅ %s recovered", subject(rec)) < 0) {
		m->title = NULL;
	}
	add_field(m, "URL", str_or(rec, "incident.url", NULL));
	add_field(m, "Was", str_or(rec, "incident.summary", NULL));
}

/*
 * Can a fix be produced from this analysis (borrowed)?  A diff or edits
 * to apply, or an agent (agent: MEND_AGENT, may be NULL) to write one.
 */
int
notify_fixable(jv rec, const char *agent)
{
	const char *diff = record_str(rec, "analysis.diff");
	jv edits = record_get(rec, "analysis.edits");
	int has = jv_get_kind(edits) == JV_KIND_ARRAY && jv_array_length(jv_copy(edits)) > 0;

	jv_free(edits);
	return (diff && *diff) || has || (agent && *agent);
}

/* Decide the fix link of an analysis: m->fix_url, or m->no_fix saying why not. */
static void
decide_fix(struct notify_msg *m, jv rec, const struct notify_opts *o)
{
	const char *id = record_str(rec, "incident.id");
	const char *cat = str_or(rec, "analysis.category", "unknown");
	double conf = record_num(rec, "analysis.confidence", 0);
	char *why = NULL;
	int rc = 0;

	if (!strcmp(cat, "upstream"))
		rc = asprintf(&why, "No fix offered: the cause is upstream, outside this code. "
		    "A code change will not help; wait for it to recover or fail over.");
	else if (!notify_fixable(rec, o->agent)) {
		jv rem = record_get(rec, "analysis.remediation");
		jv first = jv_get_kind(rem) == JV_KIND_ARRAY && jv_array_length(jv_copy(rem)) > 0
		    ? jv_array_get(jv_copy(rem), 0) : jv_null();
		rc = asprintf(&why, "No fix link: there is no change to apply and no agent "
		    "(MEND_AGENT) to write one, so a fix job could only fail. A person should "
		    "%s%s", jv_get_kind(first) == JV_KIND_STRING ? "start here: " :
		    "read the evidence and the log, and fix it by hand.",
		    jv_get_kind(first) == JV_KIND_STRING ? jv_string_value(first) : "");
		jv_free(first);
		jv_free(rem);
	} else if (conf < o->min_confidence)
		rc = asprintf(&why, "No fix offered: confidence %.0f%% is below the %.0f%% "
		    "needed for an automatic fix. Check the cause by hand first.", conf * 100,
		    o->min_confidence * 100);
	else if (!o->trigger_url || !*o->trigger_url || !o->secret || !*o->secret)
		rc = asprintf(&why, "No fix link: MEND_TRIGGER_URL and MEND_TRIGGER_SECRET "
		    "are not both set.");
	else if (!sign_incident_ok(id))
		rc = asprintf(&why, "No fix link: the record has no usable incident id.");
	else if (sign_link(&m->fix_url, o->trigger_url, o->secret, id,
	    (long long)floor(o->now + o->link_ttl)) < 0) {
		m->fix_url = NULL;
		/* sign's messages never carry the secret. */
		rc = asprintf(&why, "No fix link: %s.", mend_errmsg());
	}
	if (rc < 0)
		why = NULL;
	m->no_fix = why;
}

static void
build_analysis(struct notify_msg *m, jv rec, const struct notify_opts *o)
{
	const char *cause = str_or(rec, "analysis.root_cause", "cause not found");
	double conf = record_num(rec, "analysis.confidence", -1);
	jv a;
	struct strbuf b = { 0 };
	char *first, tmp[128];
	size_t n;
	int i, len;

	m->color = 0xecb22e;
	/* The title carries the first line of the cause, short. */
	n = strcspn(cause, "\n");
	{
		char *line = strndup(cause, n);
		first = notify_clip(line ? line : "", 120);
		free(line);
	}
	if (asprintf(&m->title, "🔎 %s: %s", subject(rec), first ? first : "") < 0)
		m->title = NULL;
	free(first);
	add_field(m, "Category", str_or(rec, "analysis.category", "unknown"));
	if (conf >= 0) {
		snprintf(tmp, sizeof tmp, "%.0f%% (%s)", conf * 100,
		    conf >= 0.75 ? "high" : conf >= 0.4 ? "medium" : "low");
		add_field(m, "Confidence", tmp);
	}
	a = record_get(rec, "analysis.frames");
	if (jv_get_kind(a) == JV_KIND_ARRAY && jv_array_length(jv_copy(a)) > 0) {
		/* The innermost frame of the application, not of a library or
		 * the runtime; its path in the repository when analyze mapped it. */
		jv f = jv_array_get(jv_copy(a), 0);
		const char *fn, *path;
		double line;
		jv_array_foreach(a, k, cand) {
			(void)k;
			if (record_bool(cand, "in_app", 0)) {
				jv_free(f);
				f = cand;
				break;
			}
			jv_free(cand);
		}
		fn = record_str(f, "function");
		line = record_num(f, "line", 0);
		path = record_str(f, "file") ? record_str(f, "file") : str_or(f, "path", "?");
		if (line > 0)
			strbuf_addf(&b, "%s:%.0f", path, line);
		else
			strbuf_add(&b, path);
		if (fn && *fn)
			strbuf_addf(&b, " in %s()", fn);
		jv_free(f);
		first = strbuf_take(&b);
		add_field(m, "Where", first);
		free(first);
	}
	jv_free(a);
	add_field(m, "Engine", str_or(rec, "analysis.engine", NULL));
	add_section(m, "Root cause", cause, SECTION_CAP);

	a = record_get(rec, "analysis.remediation");
	if (jv_get_kind(a) == JV_KIND_ARRAY) {
		len = jv_array_length(jv_copy(a));
		for (i = 0; i < len; i++) {
			jv s = jv_array_get(jv_copy(a), i);
			if (jv_get_kind(s) == JV_KIND_STRING)
				strbuf_addf(&b, "%d. %s\n", i + 1, jv_string_value(s));
			jv_free(s);
		}
	} else if (jv_get_kind(a) == JV_KIND_STRING) {
		strbuf_add(&b, jv_string_value(a));
	}
	jv_free(a);
	first = strbuf_take(&b);
	if (first && first[0] && first[strlen(first) - 1] == '\n')
		first[strlen(first) - 1] = '\0';
	add_section(m, "What to do", first, SECTION_CAP);
	free(first);

	a = record_get(rec, "analysis.similar");
	if (jv_get_kind(a) == JV_KIND_ARRAY) {
		len = jv_array_length(jv_copy(a));
		for (i = 0; i < len && i < 3; i++) {
			jv s = jv_array_get(jv_copy(a), i);
			strbuf_addf(&b, "%s%s (%.2f)", i ? ", " : "", str_or(s, "incident", "?"),
			    record_num(s, "score", 0));
			jv_free(s);
		}
	}
	jv_free(a);
	first = strbuf_take(&b);
	add_field(m, "Seen before", first);
	free(first);
	if (record_str(rec, "analysis.diff")) {
		const char *d = record_str(rec, "analysis.diff");
		int lines = 0;
		for (; *d; d++)
			lines += *d == '\n';
		snprintf(tmp, sizeof tmp, "a patch of %d lines", lines);
		add_field(m, "Proposed", tmp);
	}
	decide_fix(m, rec, o);
}

static void
build_other(struct notify_msg *m, jv rec)
{
	const char *type = record_type(rec);
	char *d, tmp[256];

	m->color = 0x888888;
	if (!strcmp(type, "pr")) {
		const char *url = str_or(rec, "pr.url", NULL), *ck = str_or(rec, "pr.checks", NULL);
		int merged = record_bool(rec, "pr.merged", 0);
		m->color = ck && !strcmp(ck, "failed") ? 0xd93f3f : 0x2eb67d;
		if (asprintf(&m->title, "%s for %s%s%s", merged ? "✅ Fix merged" : ck &&
		    !strcmp(ck, "failed") ? "❌ Fix PR: checks failed" : record_bool(rec,
		    "pr.created", 1) ? "🔧 Fix PR opened" : "🔧 Fix PR already open", subject(rec),
		    url ? ": " : "", url ? url : "") < 0)
			m->title = NULL;
		add_field(m, "Branch", str_or(rec, "pr.branch", NULL));
		add_field(m, "Forge", str_or(rec, "pr.forge", NULL));
		if (ck) {
			/* openpr --wait-checks: the checks' verdict, the merge's. */
			jv cd = record_get(rec, "pr.checks_detail");
			int i, n = jv_get_kind(cd) == JV_KIND_ARRAY ? jv_array_length(jv_copy(cd)) : 0,
			    bad = 0;
			for (i = 0; i < n; i++) {
				jv c = jv_array_get(jv_copy(cd), i);
				bad += str_or(c, "state", NULL) && !strcmp(str_or(c, "state", ""), "failed");
				jv_free(c);
			}
			jv_free(cd);
			if (bad)
				snprintf(tmp, sizeof tmp, "%s (%d of %d)", ck, bad, n);
			else if (n)
				snprintf(tmp, sizeof tmp, "%s (%d)", ck, n);
			else
				snprintf(tmp, sizeof tmp, "%s", ck);
			add_field(m, "Checks", tmp);
			if (merged)
				add_field(m, "Merged", "yes");
			else if (str_or(rec, "pr.merge_refused", NULL)) {
				snprintf(tmp, sizeof tmp, "no: %s", str_or(rec, "pr.merge_refused", ""));
				add_field(m, "Merged", tmp);
			} else
				add_field(m, "Merged", "no (not asked: no --merge)");
			add_section(m, "Failed checks", str_or(rec, "pr.checks_log", NULL),
			    EVIDENCE_CAP);
		}
	} else if (!strcmp(type, "testrun")) {
		int passed = record_bool(rec, "testrun.passed", 0);
		m->color = passed ? 0x2eb67d : 0xd93f3f;
		if (asprintf(&m->title, "🧪 The fix for %s %s its tests (%.0f passed, %.0f failed, "
		    "%.0f rounds)", subject(rec), passed ? "passed" : "failed",
		    record_num(rec, "testrun.tests_passed", 0),
		    record_num(rec, "testrun.tests_failed", 0),
		    record_num(rec, "testrun.iterations", 0)) < 0)
			m->title = NULL;
		add_section(m, "Test output", str_or(rec, "testrun.log", NULL), EVIDENCE_CAP);
	} else if (!strcmp(type, "patch")) {
		if (asprintf(&m->title, "🩹 A fix for %s is on branch %s", subject(rec),
		    str_or(rec, "patch.branch", "?")) < 0)
			m->title = NULL;
		add_field(m, "Commit", str_or(rec, "patch.commit", NULL));
	} else {
		snprintf(tmp, sizeof tmp, "%s", *type ? type : "record");
		if (asprintf(&m->title, "mend %s: %s", tmp, subject(rec)) < 0)
			m->title = NULL;
		d = record_dump(rec);
		add_section(m, "Record", d, EVIDENCE_CAP);
		free(d);
	}
}

int
notify_msg_build(struct notify_msg *m, jv rec, const struct notify_opts *o)
{
	const char *type = record_type(rec), *id = record_str(rec, "incident.id");
	char now[40];
	int i;

	memset(m, 0, sizeof *m);
	if (!strcmp(type, "analysis"))
		build_analysis(m, rec, o);
	else if (!strcmp(type, "incident") &&
	    !strcmp(str_or(rec, "incident.event", ""), "resolve"))
		build_resolve(m, rec);
	else if (!strcmp(type, "incident"))
		build_open(m, rec);
	else
		build_other(m, rec);
	mend_rfc3339(now, sizeof now, o->now);
	if (asprintf(&m->footer, "mend%s%s · %s", id ? " · " : "", id ? id : "", now) < 0)
		m->footer = NULL;
	if (!m->title || !m->footer) {
		notify_msg_release(m);
		return mend_err("out of memory");
	}
	/* Titles are one line. */
	for (i = 0; m->title[i]; i++)
		if (m->title[i] == '\n' || m->title[i] == '\r')
			m->title[i] = ' ';
	return 0;
}

/* ---- renderers ---- */

char *
notify_text(const struct notify_msg *m)
{
	struct strbuf b = { 0 };
	size_t i;

	strbuf_add(&b, m->title);
	for (i = 0; i < m->nfields; i++)
		strbuf_addf(&b, "\n%s: %s", m->fields[i].name, m->fields[i].value);
	for (i = 0; i < m->nsections; i++)
		strbuf_addf(&b, "\n\n%s:\n%s", m->sections[i].heading, m->sections[i].text);
	if (m->fix_url)
		strbuf_addf(&b, "\n\nFix it: %s", m->fix_url);
	else if (m->no_fix)
		strbuf_addf(&b, "\n\n%s", m->no_fix);
	return strbuf_take(&b);
}

static jv
slack_text_obj(const char *type, const char *text)
{
	jv o = jv_object();

	o = jv_object_set(o, jv_string("type"), jv_string(type));
	o = jv_object_set(o, jv_string("text"), jv_string(text));
	if (!strcmp(type, "plain_text"))
		o = jv_object_set(o, jv_string("emoji"), jv_true());
	return o;
}

static jv
slack_block(const char *type)
{
	return jv_object_set(jv_object(), jv_string("type"), jv_string(type));
}

/*
 * Escape, then clip to max: an escaped text never exceeds the limit.  A
 * cut inside an entity ("&am…") would show, so it moves before the '&'.
 */
static char *
slack_clip(const char *s, size_t max)
{
	char *e = slack_escape(s), *c = notify_clip(e ? e : "", max), *amp;
	size_t n;

	free(e);
	if (c && (n = strlen(c)) > 3 && !strcmp(c + n - 3, "…") &&
	    (amp = strrchr(c, '&')) && !strchr(amp, ';'))
		memcpy(amp, "…", 4);	/* "…" is 3 bytes and a NUL */
	return c;
}

/* The fallback text: the whole message as plain text, escaped, under the limit,
 * with the fix link (never cut) at the end. */
static char *
slack_fallback(const struct notify_msg *m)
{
	struct notify_msg t = *m;
	char *body, *fix = NULL, *e, *out;
	struct strbuf b = { 0 };
	size_t room;

	t.fix_url = NULL;
	t.no_fix = NULL;
	body = notify_text(&t);
	if (m->fix_url && asprintf(&fix, "\n\nFix it: %s", m->fix_url) < 0)
		fix = NULL;
	else if (!m->fix_url && m->no_fix && asprintf(&fix, "\n\n%s", m->no_fix) < 0)
		fix = NULL;
	e = fix ? slack_escape(fix) : strdup("");
	room = SLACK_TEXT_MAX - (e ? notify_u16len(e) : 0);
	out = slack_clip(body ? body : "", room);
	strbuf_add(&b, out ? out : "");
	strbuf_add(&b, e ? e : "");
	free(body);
	free(fix);
	free(e);
	free(out);
	return strbuf_take(&b);
}

jv
notify_slack(const struct notify_msg *m)
{
	jv blocks = jv_array(), payloads = jv_array(), fields = jv_array();
	char *s, *fallback;
	size_t i;
	int nb, k, part, parts;

	s = notify_clip(m->title, SLACK_HEADER_MAX);
	blocks = jv_array_append(blocks, jv_object_set(slack_block("header"),
	    jv_string("text"), slack_text_obj("plain_text", s ? s : "")));
	free(s);
	for (i = 0; i < m->nfields && i < SLACK_FIELDS_MAX; i++) {
		char *name = slack_escape(m->fields[i].name);
		char *val = slack_escape(m->fields[i].value);
		struct strbuf b = { 0 };
		char *c;
		strbuf_addf(&b, "*%s*\n%s", name ? name : "", val ? val : "");
		s = strbuf_take(&b);
		c = notify_clip(s ? s : "", SLACK_FIELD_MAX);
		fields = jv_array_append(fields, slack_text_obj("mrkdwn", c ? c : ""));
		free(name);
		free(val);
		free(s);
		free(c);
	}
	if (jv_array_length(jv_copy(fields)) > 0)
		blocks = jv_array_append(blocks, jv_object_set(slack_block("section"),
		    jv_string("fields"), fields));
	else
		jv_free(fields);
	for (i = 0; i < m->nsections; i++) {
		char *h = slack_escape(m->sections[i].heading);
		char *t = slack_escape(m->sections[i].text);
		struct strbuf b = { 0 };
		jv chunks;
		strbuf_addf(&b, "*%s*\n%s", h ? h : "", t ? t : "");
		s = strbuf_take(&b);
		chunks = split_chunks(s ? s : "", SLACK_SECTION_MAX);
		nb = jv_array_length(jv_copy(chunks));
		for (k = 0; k < nb; k++) {
			jv c = jv_array_get(jv_copy(chunks), k);
			blocks = jv_array_append(blocks, jv_object_set(slack_block("section"),
			    jv_string("text"), slack_text_obj("mrkdwn", jv_string_value(c))));
			jv_free(c);
		}
		jv_free(chunks);
		free(h);
		free(t);
		free(s);
	}
	if (m->fix_url && notify_u16len(m->fix_url) <= SLACK_URL_MAX) {
		jv btn = jv_object();
		btn = jv_object_set(btn, jv_string("type"), jv_string("button"));
		btn = jv_object_set(btn, jv_string("text"),
		    slack_text_obj("plain_text", "Review and fix"));
		btn = jv_object_set(btn, jv_string("url"), jv_string(m->fix_url));
		btn = jv_object_set(btn, jv_string("style"), jv_string("primary"));
		btn = jv_object_set(btn, jv_string("action_id"), jv_string("mend_fix"));
		blocks = jv_array_append(blocks, jv_object_set(slack_block("actions"),
		    jv_string("elements"), JV_ARRAY_1(btn)));
	} else if (m->no_fix) {
		s = slack_clip(m->no_fix, SLACK_SECTION_MAX);
		blocks = jv_array_append(blocks, jv_object_set(slack_block("section"),
		    jv_string("text"), slack_text_obj("mrkdwn", s ? s : "")));
		free(s);
	}
	s = slack_clip(m->footer, SLACK_SECTION_MAX);
	blocks = jv_array_append(blocks, jv_object_set(slack_block("context"),
	    jv_string("elements"), JV_ARRAY_1(slack_text_obj("mrkdwn", s ? s : ""))));
	free(s);

	/* Split into messages of at most SLACK_BLOCKS_MAX blocks. */
	fallback = slack_fallback(m);
	nb = jv_array_length(jv_copy(blocks));
	parts = (nb + SLACK_BLOCKS_MAX - 1) / SLACK_BLOCKS_MAX;
	for (part = 0; part < parts; part++) {
		jv p = jv_object(), chunk = jv_array();
		for (k = part * SLACK_BLOCKS_MAX; k < nb && k < (part + 1) * SLACK_BLOCKS_MAX; k++)
			chunk = jv_array_append(chunk, jv_array_get(jv_copy(blocks), k));
		if (part == 0) {
			p = jv_object_set(p, jv_string("text"), jv_string(fallback ? fallback : ""));
		} else {
			char *t = notify_clip(m->title, 200), *e = slack_escape(t ? t : "");
			p = jv_object_set(p, jv_string("text"), jv_string_fmt("%s (part %d of %d)",
			    e ? e : "", part + 1, parts));
			free(t);
			free(e);
		}
		p = jv_object_set(p, jv_string("blocks"), chunk);
		payloads = jv_array_append(payloads, p);
	}
	free(fallback);
	jv_free(blocks);
	return payloads;
}

jv
notify_discord(const struct notify_msg *m)
{
	jv embed = jv_object(), fields = jv_array(), p = jv_object();
	char *title, *footer, *s, *fix = NULL, *body, *desc;
	size_t i, used, room;
	struct strbuf b = { 0 };

	title = notify_clip(m->title, DISCORD_TITLE_MAX);
	footer = notify_clip(m->footer, DISCORD_FOOTER_MAX);
	used = notify_u16len(title ? title : "") + notify_u16len(footer ? footer : "");
	for (i = 0; i < m->nfields && i < DISCORD_FIELDS_MAX; i++) {
		char *n = notify_clip(m->fields[i].name, DISCORD_FNAME_MAX);
		char *e = discord_escape(m->fields[i].value);
		char *v = notify_clip(e ? e : "", DISCORD_FVALUE_MAX);
		jv f = jv_object();
		used += notify_u16len(n ? n : "") + notify_u16len(v ? v : "");
		f = jv_object_set(f, jv_string("name"), jv_string(n ? n : ""));
		f = jv_object_set(f, jv_string("value"), jv_string(v ? v : ""));
		f = jv_object_set(f, jv_string("inline"), jv_true());
		fields = jv_array_append(fields, f);
		free(n);
		free(e);
		free(v);
	}
	if (m->fix_url) {
		if (asprintf(&fix, "\n\n**[Review and fix](%s)**", m->fix_url) < 0)
			fix = NULL;
	} else if (m->no_fix) {
		char *e = discord_escape(m->no_fix);
		if (asprintf(&fix, "\n\n%s", e ? e : "") < 0)
			fix = NULL;
		free(e);
	}
	for (i = 0; i < m->nsections; i++) {
		char *e = discord_escape(m->sections[i].text);
		strbuf_addf(&b, "%s**%s**\n%s", i ? "\n\n" : "", m->sections[i].heading, e ? e : "");
		free(e);
	}
	body = strbuf_take(&b);
	/* What is left of the 6000 total, and of the description's own 4096. */
	room = DISCORD_TOTAL_MAX > used ? DISCORD_TOTAL_MAX - used : 0;
	if (room > DISCORD_DESC_MAX)
		room = DISCORD_DESC_MAX;
	room = room > notify_u16len(fix ? fix : "") ? room - notify_u16len(fix ? fix : "") : 0;
	s = notify_clip(body ? body : "", room);
	if (s && !*s && fix)	/* no sections: drop the leading blank line */
		memmove(fix, fix + 2, strlen(fix + 2) + 1);
	strbuf_add(&b, s ? s : "");
	strbuf_add(&b, fix ? fix : "");
	desc = strbuf_take(&b);

	embed = jv_object_set(embed, jv_string("title"), jv_string(title ? title : ""));
	if (desc && *desc)
		embed = jv_object_set(embed, jv_string("description"), jv_string(desc));
	embed = jv_object_set(embed, jv_string("color"), jv_number(m->color));
	if (jv_array_length(jv_copy(fields)) > 0)
		embed = jv_object_set(embed, jv_string("fields"), fields);
	else
		jv_free(fields);
	embed = jv_object_set(embed, jv_string("footer"), jv_object_set(jv_object(),
	    jv_string("text"), jv_string(footer ? footer : "")));
	{
		/* content is what a phone notification shows */
		char *e = discord_escape(title ? title : ""), *c = notify_clip(e ? e : "",
		    DISCORD_CONTENT_MAX);
		p = jv_object_set(p, jv_string("content"), jv_string(c ? c : ""));
		free(e);
		free(c);
	}
	p = jv_object_set(p, jv_string("embeds"), JV_ARRAY_1(embed));
	p = jv_object_set(p, jv_string("allowed_mentions"), jv_object_set(jv_object(),
	    jv_string("parse"), jv_array()));
	free(title);
	free(footer);
	free(fix);
	free(body);
	free(s);
	free(desc);
	return JV_ARRAY_1(p);
}

jv
notify_json(const struct notify_msg *m, jv rec)
{
	char *text = notify_text(m);
	jv n = jv_object();

	n = jv_object_set(n, jv_string("title"), jv_string(m->title));
	n = jv_object_set(n, jv_string("text"), record_strornull(text));
	n = jv_object_set(n, jv_string("fix_url"), record_strornull(m->fix_url));
	n = jv_object_set(n, jv_string("no_fix"), record_strornull(m->no_fix));
	free(text);
	return JV_ARRAY_1(record_set(jv_copy(rec), "notify", n));
}

jv
notify_payloads(const struct notify_msg *m, int kind, jv rec)
{
	switch (kind) {
	case NOTIFY_SLACK: return notify_slack(m);
	case NOTIFY_DISCORD: return notify_discord(m);
	default: return notify_json(m, rec);
	}
}
