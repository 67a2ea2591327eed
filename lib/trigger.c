/*
 * trigger.c - the requests of the trigger program's server: the one-click
 * fix links that notify sends, and the dashboard's routes.
 *
 *   GET  /fix/{incident}?exp=&sig=   a page: what broke, the root cause,
 *                                     the confidence, and one button
 *   POST /fix/{incident}?exp=&sig=   queue the fix (the incident's latest
 *                                     analysis, on queue "fix"), once
 *   GET  /healthz                    "ok" while the spool answers
 *   GET  / /incident/ID /events      the dashboard (lib/dashboard.c), for
 *        /dashboard.js /login        loopback or a token's session cookie
 *   GET  /status                     the public status page
 *
 * GET never changes anything: Slack and Discord fetch links to preview
 * them, and a preview must not start a fix.  Every request re-checks the
 * link: a bad signature is 403, an expired or used link 410, and neither
 * queues a job.  A POST claims the link (spool state ns "trigger", key
 * "INCIDENT:EXP" with EXP as a number, taken only after the signature
 * checked out) and adds the job in one transaction, so a link queues at
 * most one job even when two clicks race, and a job is never lost to a
 * claim without one.  The key is never the query as sent: hex in another
 * case, or an expiry with leading zeros, is the same link.
 *
 * libmicrohttpd runs one internal polling thread (epoll or poll) with a
 * cap on connections, a cap per client address, an idle timeout and a
 * small per-connection memory limit: a slow or idle client costs one
 * slot, not the thread, so /healthz keeps answering.  The spool handle
 * is used by that thread alone.  The main thread only waits for SIGTERM
 * or SIGINT and then stops the daemon, which finishes the request in
 * hand.
 *
 * /events streams Server-Sent Events through lib/feed.c: a stream with
 * nothing to send suspends its connection (MHD_suspend_connection, so it
 * holds a slot but not the thread) until the feed's watcher, woken by a
 * commit to the spool, resumes it.
 *
 * All text that reaches a page passes through html_escape.  Request
 * logs on stderr carry the method, path and status, never the query (the
 * signature is a bearer token), and nothing prints the secret; they go
 * through mend_warn, which escapes control bytes, so a path with %0a in
 * it cannot forge a log line.
 *
 * One server per process: trigger_init takes the options, trigger_start
 * serves them through lib/httpd.c with the feed, trigger_stop ends both.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "httpd.h"

#define BODY_MAX 4096		/* a POST from our form has an empty body */

static struct spool *spool;
static const char *secret;
static const char *queue = "fix";
static int quiet;
/* The dashboard: its token (NULL: loopback only), the public monitors,
 * the session lifetime, and the cap on event streams. */
static const char *dash_token;
static const char *status_public;
static double session_s = 12 * 3600;
static int max_streams = 32;

/* ---- HTML ---- */

/* Markup we wrote ourselves. */
static void
raw(struct strbuf *p, const char *s)
{
	strbuf_add(p, s);
}

/* Text from anywhere else: escaped for element content and attributes. */
static void
text(struct strbuf *p, const char *s)
{
	html_escape(p, s);
}

static void
page_open(struct strbuf *p, const char *title)
{
	raw(p, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
	    "<meta name=\"robots\" content=\"noindex\"><title>");
	text(p, title);
	raw(p, "</title><style>body{font:16px/1.5 system-ui,sans-serif;max-width:40em;"
	    "margin:1em auto;padding:0 1em;color:#222}h1{font-size:1.3em}"
	    "dt{font-weight:bold;margin-top:.6em}dd{margin:0;white-space:pre-wrap;"
	    "overflow-wrap:anywhere}button{font-size:1.1em;padding:.6em 1.4em;margin-top:1em}"
	    ".note{color:#555;font-size:.9em}</style></head><body>\n<h1>");
	text(p, title);
	raw(p, "</h1>\n");
}

static void
page_close(struct strbuf *p)
{
	raw(p, "\n<p class=\"note\">mend trigger</p></body></html>\n");
}

static void
dl_item(struct strbuf *p, const char *name, const char *value)
{
	if (!value || !*value)
		return;
	raw(p, "<dt>");
	text(p, name);
	raw(p, "</dt><dd>");
	text(p, value);
	raw(p, "</dd>\n");
}

/* ---- responses ---- */

static const char fix_csp[] = "default-src 'none'; style-src 'unsafe-inline'; "
	"form-action 'self'; frame-ancestors 'none'";
static const char dash_csp[] = "default-src 'none'; script-src 'self'; connect-src 'self'; "
	"style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'self'; "
	"frame-ancestors 'none'";

/* Answer with body (copied) and the headers every page has: csp, allow
 * on a 405, and cookie and location where set. */
static enum MHD_Result
reply(struct MHD_Connection *c, unsigned code, const char *ctype, const char *body, size_t len,
    const char *csp, const char *allow, const char *cookie, const char *location)
{
	const char *h[20] = { "Cache-Control", "no-store", "X-Content-Type-Options", "nosniff",
		"X-Frame-Options", "DENY", "Referrer-Policy", "no-referrer",
		"Content-Security-Policy", csp };
	int n = 10;

	if (code == MHD_HTTP_METHOD_NOT_ALLOWED) {
		h[n++] = "Allow";
		h[n++] = allow;
	}
	if (cookie) {
		h[n++] = "Set-Cookie";
		h[n++] = cookie;
	}
	if (location) {
		h[n++] = "Location";
		h[n++] = location;
	}
	return httpd_respond(c, code, ctype, body, len, h);
}

static enum MHD_Result
respond(struct MHD_Connection *c, unsigned code, const char *ctype, const char *body,
    size_t len)
{
	return reply(c, code, ctype, body, len, fix_csp, "GET, HEAD, POST", NULL, NULL);
}

static enum MHD_Result
respond_page(struct MHD_Connection *c, unsigned code, struct strbuf *p)
{
	enum MHD_Result ret;

	if (p->oom) {
		free(p->s);
		return respond(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
		    "out of memory\n", 14);
	}
	ret = respond(c, code, "text/html; charset=utf-8", p->s ? p->s : "", p->len);
	free(p->s);
	return ret;
}

/* A page that only says something went wrong and why. */
static enum MHD_Result
respond_msg(struct MHD_Connection *c, unsigned code, const char *title, const char *msg)
{
	struct strbuf p = { 0 };

	page_open(&p, title);
	raw(&p, "<p>");
	text(&p, msg);
	raw(&p, "</p>");
	page_close(&p);
	return respond_page(c, code, &p);
}

/* ---- the dashboard (pages in lib/dashboard.c) ---- */

static int
dash_route(const char *url)
{
	return !strcmp(url, "/") || !strncmp(url, "/incident/", 10) ||
	    !strcmp(url, "/events") || !strcmp(url, "/dashboard.js") ||
	    !strcmp(url, "/status") || !strcmp(url, "/login") || !strcmp(url, "/favicon.ico");
}

static void
dash_headers(struct MHD_Response *r, const char *ctype)
{
	MHD_add_response_header(r, "Content-Type", ctype);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Content-Security-Policy", dash_csp);
}

static enum MHD_Result
dash_respond(struct MHD_Connection *c, unsigned code, const char *ctype, const char *body,
    size_t len, const char *cookie, const char *location)
{
	return reply(c, code, ctype, body, len, dash_csp, "GET, HEAD", cookie, location);
}

static enum MHD_Result
dash_page(struct MHD_Connection *c, unsigned code, struct strbuf *p)
{
	enum MHD_Result ret;

	if (p->oom) {
		strbuf_release(p);
		return dash_respond(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "text/plain; charset=utf-8",
		    "out of memory\n", 14, NULL, NULL);
	}
	ret = dash_respond(c, code, "text/html; charset=utf-8", p->s ? p->s : "", p->len,
	    NULL, NULL);
	strbuf_release(p);
	return ret;
}

/* A short page that says why not (the fix page's frame: no script). */
static enum MHD_Result
dash_msg(struct MHD_Connection *c, unsigned code, const char *title, const char *msg)
{
	return respond_msg(c, code, title, msg);
}

/* ---- live updates: Server-Sent Events (lib/feed.c) ---- */

static struct feed *feed;

static void
conn_suspend(void *conn)
{
	MHD_suspend_connection(conn);
}

static void
conn_resume(void *conn)
{
	MHD_resume_connection(conn);
}

/* MHD wants more of a stream: on the daemon's thread, which owns spool. */
static ssize_t
stream_read(void *cls, uint64_t pos, char *out, size_t max)
{
	ssize_t n = feed_read(feed, cls, spool, out, max);

	(void)pos;
	if (n == FEED_ERROR)
		mend_warn("events: %s", mend_errmsg());
	return n >= 0 ? n : n == FEED_END ? MHD_CONTENT_READER_END_OF_STREAM :
	    MHD_CONTENT_READER_END_WITH_ERROR;
}

static void
stream_free(void *cls)
{
	feed_close(feed, cls);
}

static enum MHD_Result
stream_start(struct MHD_Connection *c, unsigned *code)
{
	const char *last = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Last-Event-ID");
	const char *after = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "after");
	struct MHD_Response *r;
	struct feed_stream *s;
	enum MHD_Result ret;
	long long from = -1;

	if (last && *last)
		from = strtoll(last, NULL, 10);
	else if (after && *after)
		from = strtoll(after, NULL, 10);
	if (from < 0 && (from = spool_timeline_last(spool)) < 0) {
		mend_warn("%s", mend_errmsg());
		*code = MHD_HTTP_SERVICE_UNAVAILABLE;
		return dash_msg(c, *code, "Try again", "The spool is not answering.");
	}
	if (!(s = feed_open(feed, c, from))) {
		*code = MHD_HTTP_SERVICE_UNAVAILABLE;
		return dash_msg(c, *code, "Too many live pages",
		    "Too many pages are following live updates; reload later.");
	}
	r = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 4096, stream_read, s,
	    stream_free);
	if (!r) {
		feed_close(feed, s);
		return MHD_NO;
	}
	dash_headers(r, "text/event-stream; charset=utf-8");
	MHD_add_response_header(r, "X-Accel-Buffering", "no");
	/* A stream is idle between events by design: no idle timeout. */
	MHD_set_connection_option(c, MHD_CONNECTION_OPTION_TIMEOUT, 0u);
	*code = MHD_HTTP_OK;
	ret = MHD_queue_response(c, *code, r);
	MHD_destroy_response(r);
	return ret;
}

/* GET /login?exp=&sig=: a signed login link sets the session cookie. */
static enum MHD_Result
dash_login(struct MHD_Connection *c, unsigned *code)
{
	const char *exp = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "exp");
	const char *sig = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "sig");
	const char *proto = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Forwarded-Proto");
	char val[128], cookie[256];
	long long until = (long long)(mend_now() + session_s);
	int v;

	if (!dash_token) {
		*code = MHD_HTTP_NOT_FOUND;
		return dash_msg(c, *code, "No login here",
		    "MEND_DASHBOARD_TOKEN is not set: the dashboard answers on loopback only.");
	}
	v = dash_login_verify(dash_token, exp, sig, mend_now());
	if (v == SIGN_EXPIRED) {
		*code = MHD_HTTP_GONE;
		return dash_msg(c, *code, "This login link has expired",
		    "Ask for a new one: trigger --login-link.");
	}
	if (v != SIGN_OK || dash_session(val, sizeof val, dash_token, until) < 0) {
		*code = MHD_HTTP_FORBIDDEN;
		return dash_msg(c, *code, "This login link is not valid",
		    "The link was changed or was not made with this dashboard token.");
	}
	snprintf(cookie, sizeof cookie, "%s=%s; Path=/; Max-Age=%.0f; HttpOnly; SameSite=Lax%s",
	    DASH_COOKIE, val, session_s, proto && !strcmp(proto, "https") ? "; Secure" : "");
	*code = MHD_HTTP_SEE_OTHER;
	return dash_respond(c, *code, "text/plain; charset=utf-8", "logged in\n", 10, cookie,
	    "/");
}

static enum MHD_Result
handle_dash(struct MHD_Connection *c, const char *url, int get, unsigned *code)
{
	const union MHD_ConnectionInfo *ci;
	struct strbuf p = { 0 };
	int rc;

	if (!get) {
		*code = MHD_HTTP_METHOD_NOT_ALLOWED;
		return dash_respond(c, *code, "text/plain; charset=utf-8", "GET only\n", 9, NULL,
		    NULL);
	}
	if (!strcmp(url, "/favicon.ico")) {
		*code = MHD_HTTP_NO_CONTENT;
		return dash_respond(c, *code, "image/x-icon", "", 0, NULL, NULL);
	}
	if (!strcmp(url, "/dashboard.js")) {
		*code = MHD_HTTP_OK;
		return dash_respond(c, *code, "text/javascript; charset=utf-8", dash_js,
		    strlen(dash_js), NULL, NULL);
	}
	if (!strcmp(url, "/status")) {
		if (dash_status(&p, spool, status_public, mend_now()) < 0)
			goto fail;
		*code = MHD_HTTP_OK;
		return dash_page(c, *code, &p);
	}
	if (!strcmp(url, "/login"))
		return dash_login(c, code);
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	switch (dash_access(dash_token, ci && dash_loopback(ci->client_addr),
	    MHD_lookup_connection_value(c, MHD_COOKIE_KIND, DASH_COOKIE), mend_now())) {
	case DASH_ALLOW:
		break;
	case DASH_LOGIN:
		*code = MHD_HTTP_UNAUTHORIZED;
		return dash_msg(c, *code, "Log in first",
		    "Open a login link: trigger --login-link prints one.");
	default:
		*code = MHD_HTTP_FORBIDDEN;
		return dash_msg(c, *code, "Not from here",
		    "The dashboard answers only on this machine (loopback) unless "
		    "MEND_DASHBOARD_TOKEN is set; then a login link opens it.");
	}
	if (!strcmp(url, "/events"))
		return stream_start(c, code);
	if (!strcmp(url, "/")) {
		if (dash_index(&p, spool, queue, mend_now()) < 0)
			goto fail;
		*code = MHD_HTTP_OK;
		return dash_page(c, *code, &p);
	}
	if (!sign_incident_ok(url + 10) ||
	    (rc = dash_incident(&p, spool, queue, url + 10, mend_now())) == 0) {
		strbuf_release(&p);
		*code = MHD_HTTP_NOT_FOUND;
		return dash_msg(c, *code, "No such incident", "The spool has no incident by that id.");
	}
	if (rc < 0)
		goto fail;
	*code = MHD_HTTP_OK;
	return dash_page(c, *code, &p);
fail:
	mend_warn("%s", mend_errmsg());
	strbuf_release(&p);
	*code = MHD_HTTP_SERVICE_UNAVAILABLE;
	return dash_msg(c, *code, "Try again", "The spool is not answering.");
}

/* ---- the fix link ---- */

static const char *
str_or(jv rec, const char *path, const char *dflt)
{
	const char *s = record_str(rec, path);

	return s && *s ? s : dflt;
}

static void
describe(struct strbuf *p, jv an, jv inc)
{
	double conf = record_num(an, "analysis.confidence", -1);
	jv a;
	int i, n;

	raw(p, "<dl>\n");
	dl_item(p, "Service", str_or(an, "incident.monitor", str_or(inc, "monitor", NULL)));
	dl_item(p, "URL", str_or(an, "incident.url", str_or(inc, "url", NULL)));
	dl_item(p, "What broke", str_or(an, "incident.summary", str_or(inc, "summary", NULL)));
	dl_item(p, "Root cause", str_or(an, "analysis.root_cause", "unknown"));
	dl_item(p, "Category", str_or(an, "analysis.category", NULL));
	if (conf >= 0) {
		raw(p, "<dt>Confidence</dt><dd>");
		html_escapef(p, "%.0f%% (%s)", conf * 100, conf >= 0.75 ? "high" : conf >= 0.4
		    ? "medium" : "low");
		raw(p, "</dd>\n");
	}
	a = record_get(an, "analysis.frames");
	if (jv_get_kind(a) == JV_KIND_ARRAY && jv_array_length(jv_copy(a)) > 0) {
		jv f = jv_array_get(jv_copy(a), 0);
		raw(p, "<dt>Where</dt><dd>");
		text(p, str_or(f, "path", "?"));
		if (record_num(f, "line", 0) > 0)
			html_escapef(p, ":%.0f", record_num(f, "line", 0));
		if (record_str(f, "function"))
			html_escapef(p, " in %s()", record_str(f, "function"));
		raw(p, "</dd>\n");
		jv_free(f);
	}
	jv_free(a);
	a = record_get(an, "analysis.remediation");
	if (jv_get_kind(a) == JV_KIND_ARRAY && (n = jv_array_length(jv_copy(a))) > 0) {
		raw(p, "<dt>What to do</dt><dd><ol>");
		for (i = 0; i < n; i++) {
			jv s = jv_array_get(jv_copy(a), i);
			if (jv_get_kind(s) == JV_KIND_STRING) {
				raw(p, "<li>");
				text(p, jv_string_value(s));
				raw(p, "</li>");
			}
			jv_free(s);
		}
		raw(p, "</ol></dd>\n");
	}
	jv_free(a);
	if (record_str(an, "analysis.diff"))
		dl_item(p, "Proposed change", record_str(an, "analysis.diff"));
	dl_item(p, "Incident", record_str(an, "incident.id"));
	raw(p, "</dl>\n");
}

/*
 * Was the link (incident, exp) used?  1 with the claim in *used, 0, -1.
 * Before links were keyed "INCIDENT:EXP" they were keyed by their
 * signature as notify writes it (lowercase hex): a link used then is
 * still used.
 */
static int
link_used(jv *used, const char *link, const char *id, const char *exp)
{
	char canon[SIGN_HEX_LEN + 1];
	int rc;

	*used = jv_invalid();
	if ((rc = spool_state_get(spool, used, "trigger", link)) != 0)
		return rc;
	if (sign_token(canon, secret, id, strtoll(exp, NULL, 10)) < 0)
		return -1;
	return spool_state_get(spool, used, "trigger", canon);
}

struct req {
	size_t body;		/* bytes of POST body seen (and dropped) */
	int too_big;
};

static enum MHD_Result
handle_fix(struct MHD_Connection *c, const char *id, int post, unsigned *code)
{
	const char *exp = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "exp");
	const char *sig = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "sig");
	jv used = jv_invalid(), an = jv_invalid(), inc = jv_null(), job = jv_invalid();
	struct strbuf p = { 0 };
	enum MHD_Result ret;
	char link[128];
	int v, rc;

	v = sign_verify(secret, id, exp, sig, mend_now());
	if (v == SIGN_BAD || v < 0) {
		*code = MHD_HTTP_FORBIDDEN;
		return respond_msg(c, *code, "This link is not valid",
		    "The link was changed or was not made by this mend. Nothing was done.");
	}
	if (v == SIGN_EXPIRED) {
		*code = MHD_HTTP_GONE;
		return respond_msg(c, *code, "This link has expired",
		    "Fix links work for a limited time. Nothing was done; the next analysis "
		    "of this incident will come with a new link.");
	}
	/* The link, whatever case its hex came in: incident and expiry. */
	snprintf(link, sizeof link, "%s:%lld", id, strtoll(exp, NULL, 10));
	if (link_used(&used, link, id, exp) < 0) {
		mend_warn("%s", mend_errmsg());
		*code = MHD_HTTP_SERVICE_UNAVAILABLE;
		return respond_msg(c, *code, "Try again", "The spool is not answering.");
	}
	if (jv_is_valid(used) && jv_get_kind(used) != JV_KIND_NULL) {
		char msg[256];
		snprintf(msg, sizeof msg, "This link was used %s%s: the fix was queued then "
		    "(job %.0f). Nothing more was done.", record_str(used, "used_at")
		    ? "at " : "", str_or(used, "used_at", ""), record_num(used, "job", 0));
		jv_free(used);
		*code = MHD_HTTP_GONE;
		return respond_msg(c, *code, "This link was already used", msg);
	}
	jv_free(used);
	rc = spool_incident_latest(spool, &an, id, "analysis");
	if (rc <= 0) {
		if (rc < 0)
			mend_warn("%s", mend_errmsg());
		*code = rc < 0 ? MHD_HTTP_SERVICE_UNAVAILABLE : MHD_HTTP_NOT_FOUND;
		return respond_msg(c, *code, rc < 0 ? "Try again" : "Nothing to fix",
		    rc < 0 ? "The spool is not answering." :
		    "This incident has no analysis in the spool. Nothing was done.");
	}
	/* A job with nothing to apply and no agent would only fail (patch exits 65). */
	if (!notify_fixable(an, getenv("MEND_AGENT"))) {
		jv_free(an);
		jv_free(inc);
		*code = MHD_HTTP_CONFLICT;
		return respond_msg(c, *code, "Nothing to apply",
		    "The analysis of this incident has no change to apply and no agent "
		    "(MEND_AGENT) is configured to write one. Nothing was queued; the "
		    "alert says what to check by hand.");
	}
	if (!record_str(an, "incident.summary") || !record_str(an, "incident.monitor")) {
		jv row;
		if (spool_incident_get(spool, &row, id) == 1) {
			jv_free(inc);
			inc = row;
		}
	}

	if (!post) {
		char when[40];
		time_t t = (time_t)strtoll(exp, NULL, 10);
		struct tm tm;
		page_open(&p, "Fix this incident?");
		describe(&p, an, inc);
		raw(&p, "<form method=\"post\"><button type=\"submit\">Start the fix</button></form>\n"
		    "<p class=\"note\">This queues one fix job: mend writes a patch on a branch, "
		    "runs the tests, and opens a pull request for review. The link then stops "
		    "working. Link valid until ");
		gmtime_r(&t, &tm);
		strftime(when, sizeof when, "%Y-%m-%d %H:%M UTC", &tm);
		text(&p, when);
		raw(&p, ".</p>");
		page_close(&p);
		jv_free(an);
		jv_free(inc);
		*code = MHD_HTTP_OK;
		return respond_page(c, *code, &p);
	}

	/* Claim the link and queue the job together, or neither. */
	{
		struct job_opts o = { .queue = queue };
		char key[96], now[40];
		jv claim;
		const char *state;

		snprintf(key, sizeof key, "fix:%s", id);
		o.key = key;
		mend_rfc3339(now, sizeof now, mend_now());
		if (spool_begin(spool) < 0)
			goto fail;
		claim = jv_object();
		claim = record_set_str(claim, "incident", id);
		claim = record_set_str(claim, "used_at", now);
		rc = spool_state_claim(spool, "trigger", link, claim);
		if (rc == 0) {
			spool_rollback(spool);
			jv_free(an);
			jv_free(inc);
			*code = MHD_HTTP_GONE;
			return respond_msg(c, *code, "This link was already used",
			    "Another click got there first. Nothing more was done.");
		}
		/* A "job" the analysis carries is the incidents-queue job it came
		 * from, stale on the fix queue. */
		if (rc < 0 || spool_job_add(spool, &job, &o, record_del(jv_copy(an), "job")) < 0)
			goto fail_tx;
		/* Remember the job with the claim, for the "already used" page. */
		claim = jv_object();
		claim = record_set_str(claim, "incident", id);
		claim = record_set_str(claim, "used_at", now);
		claim = record_set(claim, "job", record_get(job, "id"));
		if (spool_state_put(spool, "trigger", link, claim) < 0 || spool_commit(spool) < 0)
			goto fail_tx;
		state = str_or(job, "state", "queued");
		page_open(&p, !strcmp(state, "duplicate") ? "A fix is already queued"
		    : "Fix queued");
		raw(&p, "<p>");
		if (!strcmp(state, "duplicate"))
			html_escapef(&p, "A fix for this incident was already waiting (job %.0f on "
			    "queue %s); no second one was added.", record_num(job, "id", 0), queue);
		else
			html_escapef(&p, "Job %.0f is on queue %s. A pull request will follow when the "
			    "fix passes the tests.", record_num(job, "id", 0), queue);
		raw(&p, "</p>\n");
		describe(&p, an, inc);
		page_close(&p);
		*code = !strcmp(state, "duplicate") ? MHD_HTTP_OK : MHD_HTTP_ACCEPTED;
		ret = respond_page(c, *code, &p);
		jv_free(job);
		jv_free(an);
		jv_free(inc);
		return ret;
	}
fail_tx:
	mend_warn("cannot queue the fix for %s: %s", id, mend_errmsg());
	spool_rollback(spool);
	goto out;
fail:
	mend_warn("cannot queue the fix for %s: %s", id, mend_errmsg());
out:
	jv_free(job);
	jv_free(an);
	jv_free(inc);
	*code = MHD_HTTP_SERVICE_UNAVAILABLE;
	return respond_msg(c, *code, "Try again",
	    "The fix could not be queued just now. The link still works.");
}

static enum MHD_Result
on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
	struct req *r = *con_cls;
	int get = !strcmp(method, "GET") || !strcmp(method, "HEAD");
	int post = !strcmp(method, "POST");
	unsigned code = 0;
	enum MHD_Result ret;

	(void)cls;
	(void)version;
	if (!r) {
		/* First call: headers only.  Keep state for the body. */
		if (!(r = calloc(1, sizeof *r)))
			return MHD_NO;
		*con_cls = r;
		return MHD_YES;
	}
	if (*upload_size) {
		/* Our form sends nothing worth reading: count and drop. */
		r->body += *upload_size;
		r->too_big |= r->body > BODY_MAX;
		*upload_size = 0;
		return MHD_YES;
	}
	if (r->too_big) {
		code = 413;
		ret = respond(c, code, "text/plain; charset=utf-8", "too large\n", 10);
	} else if (!strcmp(url, "/healthz")) {
		if (!get) {
			code = MHD_HTTP_METHOD_NOT_ALLOWED;
			ret = respond(c, code, "text/plain; charset=utf-8", "GET only\n", 9);
		} else if (spool_data_version(spool) < 0) {
			code = MHD_HTTP_SERVICE_UNAVAILABLE;
			ret = respond(c, code, "text/plain; charset=utf-8", "spool unavailable\n",
			    18);
		} else {
			code = MHD_HTTP_OK;
			ret = respond(c, code, "text/plain; charset=utf-8", "ok\n", 3);
		}
	} else if (!strncmp(url, "/fix/", 5) && sign_incident_ok(url + 5)) {
		if (!get && !post) {
			code = MHD_HTTP_METHOD_NOT_ALLOWED;
			ret = respond_msg(c, code, "Not allowed", "Use the link, then the button.");
		} else {
			ret = handle_fix(c, url + 5, post, &code);
		}
	} else if (dash_route(url)) {
		ret = handle_dash(c, url, get, &code);
	} else {
		code = MHD_HTTP_NOT_FOUND;
		ret = respond(c, code, "text/plain; charset=utf-8", "not found\n", 10);
	}
	if (!quiet) {
		/* Path only: the query holds the link's signature.  mend_warn
		 * escapes what the path decoded to (%0a, %1b). */
		mend_warn("%s %.200s %u", method, url, code);
	}
	return ret;
}

static void
on_completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	(void)cls;
	(void)c;
	(void)toe;
	free(*con_cls);
	*con_cls = NULL;
}

void
trigger_init(const struct trigger_opts *o)
{
	spool = o->spool;
	secret = o->secret;
	queue = o->queue;
	quiet = o->quiet;
	dash_token = o->dash_token;
	status_public = o->status_public;
	session_s = o->session_s;
	max_streams = o->max_streams;
}

int
trigger_start(struct httpd **out, struct httpd_opts *o)
{
	static const struct feed_ops ops = { conn_suspend, conn_resume };
	char why[512];

	o->handler = on_request;
	o->completed = on_completed;
	o->suspend = 1;
	o->quiet = &quiet;
	if (httpd_start(out, o) < 0)
		return -1;
	if (feed_start(&feed, spool_dir(spool), max_streams, &ops) < 0) {
		snprintf(why, sizeof why, "%s", mend_errmsg());
		httpd_stop(*out);
		*out = NULL;
		return mend_err("cannot watch the spool: %s", why);
	}
	return 0;
}

void
trigger_stop(struct httpd *h)
{
	feed_end(feed);
	httpd_stop(h);
	feed_free(feed);
}
