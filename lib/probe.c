/*
 * probe.c - concurrent HTTP checks: the libcurl-multi wrapper behind
 * probe(1).  (http.c wraps libcurl for one-off requests; this file is
 * the second, and only other, place that includes curl.h: the multi
 * interface, per-phase timings and certificate details are probe's
 * alone.)
 *
 * A prober holds the targets and a fixed pool of `concurrency` easy
 * handles, split among `threads` lanes; each lane is one thread with its
 * own multi handle, handles and queue, and shares nothing with the others
 * but the targets array (a target is queued on one lane at a time) and
 * the lock around the caller's output function.  prober_cycle() queues
 * one check per target that has none in flight (so a target that hangs
 * never piles up and never delays the others), round robin over the
 * lanes; prober_run() moves queued checks onto free handles and drives
 * the multi handles, turning each finished transfer into a probe record.
 * Memory is bounded by the pool, not by the number of targets.
 *
 * By default each check opens its own connection (FRESH_CONNECT,
 * FORBID_REUSE, no DNS cache) so DNS, connect and TLS are measured and
 * their failures seen, as a browser would; opts.reuse shares connections
 * among checks and cycles instead.
 *
 * Speed, measured (tests/bench/probe.sh): records are formatted as text
 * rather than built as jv objects (libjq was a third of the time); a
 * handle that did a plain GET is not curl_easy_reset for the next one;
 * curl_multi_socket_action with epoll was tried and was no faster than
 * curl_multi_perform at this concurrency.
 *
 * HTTPS checks record the days until the server certificate expires.
 * When verification fails, the certificate is fetched again with
 * verification off (connect only) just to read its dates, so an expired
 * certificate still reports how long ago it expired.  With reuse, a
 * check on a reused connection has no handshake of its own and reports
 * its origin's last one (struct origin).
 *
 * The body is streamed: its size is counted and `contains` is searched
 * across chunk boundaries with a carry of len-1 bytes.  Only a JSON body
 * (by its Content-Type) up to SHAPE_BODY_MAX is kept, for the length of
 * the check, to put its shape (shape.c) in the record: what detect and
 * testloop compare later answers with.
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <pthread.h>
#include <unistd.h>

#include <curl/curl.h>

#include "mend.h"

struct range {
	int lo, hi;
};

/*
 * Certificate expiry per origin (scheme://host:port): a check on a reused
 * connection has no handshake to read it from, so it reports the last
 * one seen for its origin.  Read and written under the prober's lock.
 */
struct origin {
	char *key;
	double expires;		/* seconds since the epoch; 0: not seen yet */
	struct origin *next;	/* hash chain */
};

#define ORIGIN_BUCKETS 4096

struct target {
	char *url;		/* as given, for libcurl */
	char *shown;		/* url with any password masked, for records */
	char *name;		/* the monitor */
	char *method;		/* "GET" unless set */
	char *contains;		/* body must contain, or NULL */
	char *body;		/* request body, or NULL */
	char *expect_text;	/* "200-399", for details */
	char *cacert;		/* CA bundle for this target, or NULL */
	struct curl_slist *headers;
	struct range *expect;
	int nexpect;
	long timeout_ms;	/* 0: the prober's */
	int follow;
	int https;
	int busy;		/* a check is queued or in flight */
	char *origin_key;	/* until the target is added */
	struct origin *origin;
};

/* What a finished transfer said, kept over a certificate second pass. */
struct result {
	CURLcode code;
	long status, redirects;
	curl_off_t nl, ct, ac, st, tt;	/* libcurl's cumulative times, us */
	char ctype[80];		/* Content-Type, "" when none */
	char *location;
	int has_days;
	double days;
};

struct check {
	CURL *h;
	struct target *t;
	double ts;		/* wall clock at start */
	size_t bytes;
	int found;		/* contains seen */
	char *carry;		/* last len(contains)-1 body bytes */
	size_t ncarry;
	char *body;		/* a JSON body kept for its shape, capacity SHAPE_BODY_MAX */
	size_t nbody;
	int body_state;		/* 0 not seen yet, 1 keeping it, 2 not (not JSON, too big) */
	char errbuf[CURL_ERROR_SIZE];
	/* Second pass (certificate dates after a verification failure). */
	int certpass;
	int plain;		/* the handle is set up for a plain GET */
	struct result res;	/* what the (first) transfer said */
	struct check *next;	/* free list */
};

/* One thread's share: its own multi handle, handles and queue. */
struct lane {
	struct prober *p;
	CURLM *multi;
	struct check *checks;
	int nchecks;
	struct check *free;
	int active;
	size_t *q;		/* ring of queued target indexes */
	size_t qhead, qlen;
	struct strbuf o;	/* the record being written */
	double until;
	int rc;
	char err[256];
	pthread_t thread;
};

struct prober {
	struct probe_opts o;
	struct target *t;
	size_t nt, capt;
	struct lane *lanes;
	int nlanes;
	size_t next_lane;
	pthread_mutex_t lock;	/* around fn: records are written whole */
	struct curl_slist *close_hdr;	/* "Connection: close" */
	struct origin **origins;	/* ORIGIN_BUCKETS chains */
	int (*fn)(const char *line, size_t len, void *arg);
	void *arg;
};

static int curl_ready;

int
prober_new(struct prober **out, const struct probe_opts *o)
{
	struct prober *p;
	long ncpu;
	int i, k;

	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
			return mend_err("cannot initialise libcurl");
		curl_ready = 1;
	}
	if (!(p = calloc(1, sizeof *p)))
		return mend_err("out of memory");
	p->o = *o;
	if (p->o.concurrency <= 0)
		p->o.concurrency = 64;
	if (p->o.timeout <= 0)
		p->o.timeout = 10;
	if (p->o.threads <= 0) {
		ncpu = sysconf(_SC_NPROCESSORS_ONLN);
		p->o.threads = ncpu < 1 ? 1 : ncpu > 4 ? 4 : (int)ncpu;
	}
	if (p->o.threads > p->o.concurrency)
		p->o.threads = p->o.concurrency;
	pthread_mutex_init(&p->lock, NULL);
	p->close_hdr = curl_slist_append(NULL, "Connection: close");
	if (!(p->origins = calloc(ORIGIN_BUCKETS, sizeof *p->origins))) {
		free(p);
		return mend_err("out of memory");
	}
	p->nlanes = p->o.threads;
	if (!(p->lanes = calloc((size_t)p->nlanes, sizeof *p->lanes))) {
		free(p);
		return mend_err("out of memory");
	}
	for (k = 0; k < p->nlanes; k++) {
		struct lane *l = &p->lanes[k];
		l->p = p;
		l->nchecks = p->o.concurrency / p->nlanes +
		    (k < p->o.concurrency % p->nlanes);
		if (!(l->multi = curl_multi_init()) ||
		    !(l->checks = calloc((size_t)l->nchecks, sizeof *l->checks))) {
			prober_free(p);
			return mend_err("out of memory");
		}
		curl_multi_setopt(l->multi, CURLMOPT_MAXCONNECTS, (long)l->nchecks);
		for (i = l->nchecks - 1; i >= 0; i--) {
			struct check *c = &l->checks[i];
			if (!(c->h = curl_easy_init())) {
				prober_free(p);
				return mend_err("cannot create a libcurl handle");
			}
			c->next = l->free;
			l->free = c;
		}
	}
	*out = p;
	return 0;
}

static void
target_release(struct target *t)
{
	free(t->url);
	free(t->shown);
	free(t->name);
	free(t->method);
	free(t->contains);
	free(t->body);
	free(t->expect_text);
	free(t->cacert);
	free(t->origin_key);
	free(t->expect);
	curl_slist_free_all(t->headers);
	memset(t, 0, sizeof *t);
}

void
prober_free(struct prober *p)
{
	size_t i;
	int k;

	if (!p)
		return;
	for (k = 0; p->lanes && k < p->nlanes; k++) {
		struct lane *l = &p->lanes[k];
		for (i = 0; l->checks && i < (size_t)l->nchecks; i++) {
			struct check *c = &l->checks[i];
			if (!c->h)
				continue;
			if (c->t)
				curl_multi_remove_handle(l->multi, c->h);
			curl_easy_cleanup(c->h);
			free(c->carry);
			free(c->body);
			free(c->res.location);
		}
		free(l->checks);
		if (l->multi)
			curl_multi_cleanup(l->multi);
		free(l->q);
		strbuf_release(&l->o);
	}
	free(p->lanes);
	for (i = 0; i < p->nt; i++)
		target_release(&p->t[i]);
	free(p->t);
	for (i = 0; p->origins && i < ORIGIN_BUCKETS; i++) {
		struct origin *o, *next;
		for (o = p->origins[i]; o; o = next) {
			next = o->next;
			free(o->key);
			free(o);
		}
	}
	free(p->origins);
	curl_slist_free_all(p->close_hdr);
	pthread_mutex_destroy(&p->lock);
	free(p);
}

size_t
prober_ntargets(const struct prober *p)
{
	return p->nt;
}

/* "200-399", "200,204", "2xx,301" into ranges. */
static int
parse_expect(struct target *t, const char *s)
{
	const char *p = s;
	struct range *r = NULL;
	int n = 0;

	while (*p) {
		struct range x;
		char *end;
		long a, b;

		if (!isdigit((unsigned char)*p))
			goto bad;
		if (isdigit((unsigned char)p[0]) && (p[1] == 'x' || p[1] == 'X') &&
		    (p[2] == 'x' || p[2] == 'X')) {
			x.lo = (p[0] - '0') * 100;
			x.hi = x.lo + 99;
			p += 3;
		} else {
			a = strtol(p, &end, 10);
			b = a;
			p = end;
			if (*p == '-') {
				b = strtol(p + 1, &end, 10);
				if (end == p + 1)
					goto bad;
				p = end;
			}
			if (a < 100 || b > 999 || b < a)
				goto bad;
			x.lo = (int)a;
			x.hi = (int)b;
		}
		if (*p == ',')
			p++;
		else if (*p)
			goto bad;
		{
			struct range *nr = realloc(r, (size_t)(n + 1) * sizeof *r);
			if (!nr) {
				free(r);
				return mend_err("out of memory");
			}
			r = nr;
		}
		r[n++] = x;
	}
	if (n == 0)
		goto bad;
	free(t->expect);
	free(t->expect_text);
	t->expect = r;
	t->nexpect = n;
	t->expect_text = strdup(s);
	return 0;
bad:
	free(r);
	return mend_err("bad expect '%s': want statuses or ranges like 200-399,404 or 2xx", s);
}

static int
set_str(char **dst, const char *v)
{
	free(*dst);
	if (!(*dst = strdup(v)))
		return mend_err("out of memory");
	return 0;
}

static int
parse_bool(int *out, const char *v)
{
	if (!strcmp(v, "1") || !strcasecmp(v, "true") || !strcasecmp(v, "yes"))
		*out = 1;
	else if (!strcmp(v, "0") || !strcasecmp(v, "false") || !strcasecmp(v, "no"))
		*out = 0;
	else
		return mend_err("bad boolean '%s'", v);
	return 0;
}

/* One key=value of a target. */
static int
target_set(struct target *t, const char *k, const char *v)
{
	double d;

	if (!strcmp(k, "name"))
		return *v ? set_str(&t->name, v) : mend_err("empty name");
	if (!strcmp(k, "method")) {
		const char *c;
		if (!*v)
			return mend_err("empty method");
		for (c = v; *c; c++)
			if (!isalpha((unsigned char)*c))
				return mend_err("bad method '%s'", v);
		if (set_str(&t->method, v) < 0)
			return -1;
		for (char *m = t->method; *m; m++)
			*m = (char)toupper((unsigned char)*m);
		return 0;
	}
	if (!strcmp(k, "expect"))
		return parse_expect(t, v);
	if (!strcmp(k, "timeout")) {
		if (mend_parse_duration(&d, v) < 0 || d <= 0)
			return mend_err("bad timeout '%s'", v);
		t->timeout_ms = (long)ceil(d * 1000);
		return 0;
	}
	if (!strcmp(k, "contains"))
		return *v ? set_str(&t->contains, v) : mend_err("empty contains");
	if (!strcmp(k, "header")) {
		struct curl_slist *l;
		if (!strchr(v, ':'))
			return mend_err("bad header '%s': want 'Name: value'", v);
		if (!(l = curl_slist_append(t->headers, v)))
			return mend_err("out of memory");
		t->headers = l;
		return 0;
	}
	if (!strcmp(k, "body"))
		return set_str(&t->body, v);
	if (!strcmp(k, "follow"))
		return parse_bool(&t->follow, v);
	if (!strcmp(k, "cacert"))
		return *v ? set_str(&t->cacert, v) : mend_err("empty cacert");
	return mend_err("unknown key '%s'", k);
}

/* Check the URL, mask its password, derive the default monitor name. */
static int
target_url(struct target *t, const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL;
	char *pass = NULL, *shown = NULL;
	int rc = -1;

	if (!u)
		return mend_err("out of memory");
	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK) {
		mend_err("bad URL '%s'", url);
		goto out;
	}
	curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	if (!scheme || (strcasecmp(scheme, "http") && strcasecmp(scheme, "https"))) {
		mend_err("bad URL '%s': only http and https are probed", url);
		goto out;
	}
	t->https = !strcasecmp(scheme, "https");
	curl_url_get(u, CURLUPART_HOST, &host, 0);
	curl_url_get(u, CURLUPART_PORT, &port, 0);
	{
		char *dport = NULL;
		curl_url_get(u, CURLUPART_PORT, &dport, CURLU_DEFAULT_PORT);
		if (asprintf(&t->origin_key, "%s://%s:%s", scheme, host ? host : "",
		    dport ? dport : "") < 0)
			t->origin_key = NULL;
		curl_free(dport);
		if (!t->origin_key) {
			mend_err("out of memory");
			goto out;
		}
	}
	curl_url_get(u, CURLUPART_PATH, &path, 0);
	curl_url_get(u, CURLUPART_QUERY, &query, 0);
	if (curl_url_get(u, CURLUPART_PASSWORD, &pass, 0) == CURLUE_OK && pass) {
		curl_url_set(u, CURLUPART_PASSWORD, "***", 0);
		curl_url_get(u, CURLUPART_URL, &shown, 0);
	}
	if (!(t->url = strdup(url)) || !(t->shown = strdup(shown ? shown : url))) {
		mend_err("out of memory");
		goto out;
	}
	if (!t->name) {
		size_t n = strlen(host ? host : "") + strlen(port ? port : "") +
		    strlen(path ? path : "") + strlen(query ? query : "") + 4;
		if (!(t->name = malloc(n))) {
			mend_err("out of memory");
			goto out;
		}
		snprintf(t->name, n, "%s%s%s%s%s%s", host ? host : "", port ? ":" : "",
		    port ? port : "", path && strcmp(path, "/") ? path : "",
		    query ? "?" : "", query ? query : "");
	}
	rc = 0;
out:
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_free(path);
	curl_free(query);
	curl_free(pass);
	curl_free(shown);
	curl_url_cleanup(u);
	return rc;
}

/*
 * A token of a text line, quoted as in sh: 'single' (literal) or
 * "double" (with \" and \\ escapes) quotes, any part of a word.
 */
static int
next_token(char **out, const char **pp, const char *end)
{
	const char *p = *pp;
	char *buf, *b;

	while (p < end && isspace((unsigned char)*p))
		p++;
	if (p == end) {
		*pp = p;
		*out = NULL;
		return 0;
	}
	if (!(buf = b = malloc((size_t)(end - p) + 1)))
		return mend_err("out of memory");
	while (p < end && !isspace((unsigned char)*p)) {
		if (*p == '"' || *p == '\'') {
			char q = *p++;
			while (p < end && *p != q) {
				if (q == '"' && *p == '\\' && p + 1 < end)
					p++;
				*b++ = *p++;
			}
			if (p == end) {
				free(buf);
				return mend_err("unterminated quote");
			}
			p++;
		} else {
			*b++ = *p++;
		}
	}
	*b = '\0';
	*pp = p;
	*out = buf;
	return 1;
}

static int
target_from_text(struct target *t, const char *s, size_t len)
{
	const char *p = s, *end = s + len;
	char *url = NULL, *tok;
	int n, rc = 0;

	if (next_token(&url, &p, end) <= 0)
		return -1;
	if (strncasecmp(url, "http://", 7) && strncasecmp(url, "https://", 8)) {
		rc = mend_err("bad URL '%s': only http and https are probed", url);
		free(url);
		return rc;
	}
	while (rc == 0 && (n = next_token(&tok, &p, end)) != 0) {
		char *eq;
		if (n < 0)
			rc = -1;
		else if (!(eq = strchr(tok, '=')) || eq == tok)
			rc = mend_err("bad '%s': want key=value", tok);
		else {
			*eq = '\0';
			rc = target_set(t, tok, eq + 1);
		}
		if (n > 0)
			free(tok);
	}
	if (rc == 0)
		rc = target_url(t, url);
	free(url);
	return rc;
}

/* The value of a JSON target key as text (numbers and booleans too). */
static int
json_text(char **out, jv v, const char *k)
{
	char buf[64];

	switch (jv_get_kind(v)) {
	case JV_KIND_STRING:
		*out = strdup(jv_string_value(v));
		break;
	case JV_KIND_NUMBER:
		snprintf(buf, sizeof buf, "%.17g", jv_number_value(v));
		*out = strdup(buf);
		break;
	case JV_KIND_TRUE:
	case JV_KIND_FALSE:
		*out = strdup(jv_get_kind(v) == JV_KIND_TRUE ? "true" : "false");
		break;
	default:
		return mend_err("bad value for '%s'", k);
	}
	return *out ? 0 : mend_err("out of memory");
}

static int
target_from_json(struct target *t, const char *s, size_t len)
{
	jv o, url = jv_invalid();
	int rc = 0, iter;

	if (record_parse(&o, s, len) < 0)
		return -1;
	if (jv_get_kind(o) != JV_KIND_OBJECT) {
		jv_free(o);
		return mend_err("not a JSON object");
	}
	for (iter = jv_object_iter(o); rc == 0 && jv_object_iter_valid(o, iter);
	    iter = jv_object_iter_next(o, iter)) {
		jv k = jv_object_iter_key(o, iter), v = jv_object_iter_value(o, iter);
		const char *key = jv_string_value(k);
		char *text = NULL;

		if (!strcmp(key, "url")) {
			if (jv_get_kind(v) != JV_KIND_STRING)
				rc = mend_err("url must be a string");
			else
				url = jv_copy(v);
		} else if (jv_get_kind(v) == JV_KIND_ARRAY &&
		    (!strcmp(key, "header") || !strcmp(key, "headers") ||
		    !strcmp(key, "expect"))) {
			int i, n = jv_array_length(jv_copy(v));
			char exp[512] = "";
			for (i = 0; rc == 0 && i < n; i++) {
				jv e = jv_array_get(jv_copy(v), i);
				if ((rc = json_text(&text, e, key)) == 0) {
					if (!strcmp(key, "expect"))
						snprintf(exp + strlen(exp),
						    sizeof exp - strlen(exp), "%s%s",
						    i ? "," : "", text);
					else
						rc = target_set(t, "header", text);
					free(text);
				}
				jv_free(e);
			}
			if (rc == 0 && !strcmp(key, "expect"))
				rc = parse_expect(t, exp);
		} else if ((rc = json_text(&text, v, key)) == 0) {
			rc = target_set(t, strcmp(key, "headers") ? key : "header", text);
			free(text);
		}
		jv_free(k);
		jv_free(v);
	}
	if (rc == 0 && !jv_is_valid(url))
		rc = mend_err("no url");
	if (rc == 0)
		rc = target_url(t, jv_string_value(url));
	jv_free(url);
	jv_free(o);
	return rc;
}

int
prober_add_target(struct prober *p, const char *line, size_t len)
{
	struct target t;
	int rc;

	while (len > 0 && isspace((unsigned char)*line))
		line++, len--;
	while (len > 0 && isspace((unsigned char)line[len - 1]))
		len--;
	if (len == 0 || *line == '#')
		return 0;
	memset(&t, 0, sizeof t);
	rc = *line == '{' ? target_from_json(&t, line, len) : target_from_text(&t, line, len);
	if (rc == 0 && !t.expect)
		rc = parse_expect(&t, "200-399");
	if (rc == 0 && !t.method)
		rc = set_str(&t.method, t.body ? "POST" : "GET");
	if (rc < 0) {
		target_release(&t);
		return -1;
	}
	if (p->nt == p->capt) {
		size_t cap = p->capt ? p->capt * 2 : 64;
		struct target *nt = realloc(p->t, cap * sizeof *nt);
		int k;
		if (!nt) {
			target_release(&t);
			return mend_err("out of memory");
		}
		p->t = nt;
		/* The queues are empty while targets are being added. */
		for (k = 0; k < p->nlanes; k++) {
			size_t *nq = realloc(p->lanes[k].q, cap * sizeof *nq);
			if (!nq) {
				target_release(&t);
				return mend_err("out of memory");
			}
			p->lanes[k].q = nq;
			p->lanes[k].qhead = 0;
		}
		p->capt = cap;
	}
	{
		uint64_t h = 1469598103934665603ULL;
		const char *k;
		struct origin *o;
		for (k = t.origin_key; *k; k++)
			h = (h ^ (unsigned char)*k) * 1099511628211ULL;
		for (o = p->origins[h % ORIGIN_BUCKETS]; o; o = o->next)
			if (!strcmp(o->key, t.origin_key))
				break;
		if (!o) {
			if (!(o = calloc(1, sizeof *o))) {
				target_release(&t);
				return mend_err("out of memory");
			}
			o->key = t.origin_key;
			t.origin_key = NULL;
			o->next = p->origins[h % ORIGIN_BUCKETS];
			p->origins[h % ORIGIN_BUCKETS] = o;
		}
		t.origin = o;
		free(t.origin_key);
		t.origin_key = NULL;
	}
	p->t[p->nt++] = t;
	return 1;
}

size_t
prober_cycle(struct prober *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->nt; i++) {
		struct lane *l = &p->lanes[p->next_lane++ % (size_t)p->nlanes];
		if (p->t[i].busy)
			continue;
		p->t[i].busy = 1;
		l->q[(l->qhead + l->qlen++) % p->capt] = i;
		n++;
	}
	return n;
}

static size_t
on_body(char *data, size_t size, size_t nmemb, void *arg)
{
	struct check *c = arg;
	size_t n = size * nmemb, k;
	const char *needle = c->t->contains;

	c->bytes += n;
	if (c->body_state == 0) {
		char *ct = NULL;
		curl_easy_getinfo(c->h, CURLINFO_CONTENT_TYPE, &ct);
		c->body_state = ct && strcasestr(ct, "json") ? 1 : 2;
	}
	if (c->body_state == 1) {
		if (c->nbody + n > SHAPE_BODY_MAX) {
			c->body_state = 2;
		} else {
			if (!c->body && !(c->body = malloc(SHAPE_BODY_MAX)))
				c->body_state = 2;
			else {
				memcpy(c->body + c->nbody, data, n);
				c->nbody += n;
			}
		}
	}
	if (!needle || c->found)
		return n;
	k = strlen(needle);
	if (c->ncarry) {
		/* A match across the previous chunk's end. */
		size_t take = n < k - 1 ? n : k - 1;
		char joined[2 * 1024];
		if (c->ncarry + take <= sizeof joined) {
			memcpy(joined, c->carry, c->ncarry);
			memcpy(joined + c->ncarry, data, take);
			if (memmem(joined, c->ncarry + take, needle, k))
				c->found = 1;
		}
	}
	if (!c->found && memmem(data, n, needle, k))
		c->found = 1;
	if (!c->found && k > 1 && k - 1 <= 1024) {
		/* Keep the last k-1 bytes of carry+data. */
		size_t keep = k - 1;
		if (!c->carry && !(c->carry = malloc(keep)))
			return 0;
		if (n >= keep) {
			memcpy(c->carry, data + n - keep, keep);
			c->ncarry = keep;
		} else {
			size_t old = c->ncarry + n > keep ? keep - n : c->ncarry;
			memmove(c->carry, c->carry + c->ncarry - old, old);
			memcpy(c->carry + old, data, n);
			c->ncarry = old + n;
		}
	}
	return n;
}

static size_t
discard(char *data, size_t size, size_t nmemb, void *arg)
{
	(void)data;
	(void)arg;
	return size * nmemb;
}

static int
check_start(struct lane *l, struct check *c, struct target *t)
{
	struct prober *p = l->p;
	CURL *h = c->h;
	long tmo = t->timeout_ms ? t->timeout_ms : (long)ceil(p->o.timeout * 1000);
	/* A plain GET needs only a new URL on a handle that did a plain GET:
	 * curl_easy_reset and the full setup cost more than the request. */
	int plain = !strcmp(t->method, "GET") && !t->body && !t->follow && !t->cacert &&
	    !t->https && !t->headers;

	c->t = t;
	c->ts = mend_now();
	c->bytes = 0;
	c->found = 0;
	c->ncarry = 0;
	c->nbody = 0;
	c->body_state = 0;
	c->errbuf[0] = '\0';
	c->certpass = 0;
	if (!plain || !c->plain) {
		curl_easy_reset(h);
		curl_easy_setopt(h, CURLOPT_PRIVATE, c);
		curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(h, CURLOPT_USERAGENT, "mend-probe/" MEND_VERSION);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
		if (!p->o.reuse) {
			curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
			curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
			curl_easy_setopt(h, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
		}
		/* Forbidding reuse, say so: the server then closes first and
		 * keeps the TIME_WAIT, not the prober's port range. */
		if (t->headers)
			curl_easy_setopt(h, CURLOPT_HTTPHEADER, t->headers);
		else if (!p->o.reuse)
			curl_easy_setopt(h, CURLOPT_HTTPHEADER, p->close_hdr);
		if (t->follow) {
			curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
			curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
		}
		if (t->https)
			curl_easy_setopt(h, CURLOPT_CERTINFO, 1L);
		if (t->cacert)
			curl_easy_setopt(h, CURLOPT_CAINFO, t->cacert);
		if (!strcmp(t->method, "HEAD"))
			curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
		else if (strcmp(t->method, "GET") || t->body)
			curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, t->method);
		if (t->body) {
			curl_easy_setopt(h, CURLOPT_POSTFIELDS, t->body);
			curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(t->body));
		}
	}
	c->plain = plain;
	curl_easy_setopt(h, CURLOPT_URL, t->url);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, tmo);
	if (curl_multi_add_handle(l->multi, h) != CURLM_OK)
		return mend_err("cannot start the check of '%s'", t->shown);
	l->active++;
	return 0;
}

/* After a verification failure: connect again, unverified, to read the dates. */
static int
certpass_start(struct lane *l, struct check *c)
{
	struct prober *p = l->p;
	CURL *h = c->h;
	long tmo = c->t->timeout_ms ? c->t->timeout_ms : (long)ceil(p->o.timeout * 1000);

	curl_easy_reset(h);
	c->plain = 0;
	c->certpass = 1;
	curl_easy_setopt(h, CURLOPT_URL, c->t->url);
	curl_easy_setopt(h, CURLOPT_PRIVATE, c);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "https");
	curl_easy_setopt(h, CURLOPT_CONNECT_ONLY, 1L);
	curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
	curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
	curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(h, CURLOPT_CERTINFO, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, tmo);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, discard);
	if (curl_multi_add_handle(l->multi, h) != CURLM_OK)
		return mend_err("cannot start the certificate check of '%s'", c->t->shown);
	l->active++;
	return 0;
}

static int
start_queued(struct lane *l)
{
	struct prober *p = l->p;

	while (l->free && l->qlen > 0) {
		struct check *c = l->free;
		size_t i = l->q[l->qhead];

		l->qhead = (l->qhead + 1) % p->capt;
		l->qlen--;
		l->free = c->next;
		if (check_start(l, c, &p->t[i]) < 0) {
			p->t[i].busy = 0;
			c->t = NULL;
			c->next = l->free;
			l->free = c;
			return -1;
		}
	}
	return 0;
}

static int
in_expect(const struct target *t, long status)
{
	int i;

	for (i = 0; i < t->nexpect; i++)
		if (status >= t->expect[i].lo && status <= t->expect[i].hi)
			return 1;
	return 0;
}

static const char *
error_class(CURLcode code)
{
	switch (code) {
	case CURLE_OPERATION_TIMEDOUT:
		return "timeout";
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_RESOLVE_PROXY:
		return "dns";
	case CURLE_COULDNT_CONNECT:
		return "connect";
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_PEER_FAILED_VERIFICATION:
	case CURLE_SSL_CERTPROBLEM:
	case CURLE_SSL_CIPHER:
	case CURLE_SSL_CACERT_BADFILE:
	case CURLE_SSL_ISSUER_ERROR:
	case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
	case CURLE_SSL_INVALIDCERTSTATUS:
	case CURLE_SSL_CRL_BADFILE:
	case CURLE_SSL_SHUTDOWN_FAILED:
	case CURLE_SSL_ENGINE_NOTFOUND:
	case CURLE_SSL_ENGINE_SETFAILED:
	case CURLE_SSL_ENGINE_INITFAILED:
	case CURLE_SSL_CLIENTCERT:
		return "tls";
	default:
		return "http";
	}
}


/* When the server certificate expires, from CURLINFO_CERTINFO. */
static int
cert_expiry(CURL *h, double *expires)
{
	struct curl_certinfo *ci = NULL;
	struct curl_slist *s;

	if (curl_easy_getinfo(h, CURLINFO_CERTINFO, &ci) != CURLE_OK || !ci ||
	    ci->num_of_certs < 1)
		return -1;
	for (s = ci->certinfo[0]; s; s = s->next) {
		struct tm tm;
		const char *v;
		if (strncasecmp(s->data, "Expire date:", 12))
			continue;
		memset(&tm, 0, sizeof tm);
		v = s->data + 12;
		/* OpenSSL prints "Nov 24 06:00:00 2027 GMT". */
		if (!strptime(v, "%b %d %H:%M:%S %Y", &tm))
			return -1;
		*expires = (double)timegm(&tm);
		return 0;
	}
	return -1;
}

/* Days left (to a tenth), from this handshake or the origin's last one. */
static void
result_days(struct result *r, struct prober *p, CURL *h, const struct target *t,
    int handshake)
{
	double expires = 0;

	if (handshake && cert_expiry(h, &expires) == 0) {
		pthread_mutex_lock(&p->lock);
		t->origin->expires = expires;
		pthread_mutex_unlock(&p->lock);
	} else if (r->code == CURLE_OK) {
		pthread_mutex_lock(&p->lock);
		expires = t->origin->expires;
		pthread_mutex_unlock(&p->lock);
	}
	if (expires > 0) {
		r->has_days = 1;
		r->days = floor((expires - mend_now()) / 86400.0 * 10) / 10;
	}
}

static void
result_get(struct result *r, struct prober *p, CURL *h, CURLcode code,
    const struct target *t)
{
	char *loc = NULL;

	memset(r, 0, sizeof *r);
	r->code = code;
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(h, CURLINFO_REDIRECT_COUNT, &r->redirects);
	curl_easy_getinfo(h, CURLINFO_NAMELOOKUP_TIME_T, &r->nl);
	curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &r->ct);
	curl_easy_getinfo(h, CURLINFO_APPCONNECT_TIME_T, &r->ac);
	curl_easy_getinfo(h, CURLINFO_STARTTRANSFER_TIME_T, &r->st);
	curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &r->tt);
	{
		char *ct = NULL;
		if (curl_easy_getinfo(h, CURLINFO_CONTENT_TYPE, &ct) == CURLE_OK && ct)
			snprintf(r->ctype, sizeof r->ctype, "%s", ct);
	}
	if (r->status >= 300 && r->status < 400 && !t->follow &&
	    curl_easy_getinfo(h, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc)
		r->location = strdup(loc);
	if (t->https)
		result_days(r, p, h, t, 1);
}

/* Length of the valid UTF-8 sequence at s (0 if invalid). */
static size_t
utf8_len(const unsigned char *s, size_t n)
{
	size_t k, i;
	unsigned c = s[0];

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		k = 2;
	else if (c >= 0xe0 && c <= 0xef)
		k = 3;
	else if (c >= 0xf0 && c <= 0xf4)
		k = 4;
	else
		return 0;
	if (n < k)
		return 0;
	for (i = 1; i < k; i++)
		if ((s[i] & 0xc0) != 0x80)
			return 0;
	if ((c == 0xe0 && s[1] < 0xa0) || (c == 0xed && s[1] > 0x9f) ||
	    (c == 0xf0 && s[1] < 0x90) || (c == 0xf4 && s[1] > 0x8f))
		return 0;
	return k;
}

static void
put_str(struct strbuf *o, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t n = strlen(str), i = 0, run = 0;

	strbuf_addn(o, "\"", 1);
	while (i < n) {
		unsigned char c = s[i];
		size_t k;
		if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
			i++;
			run++;
			continue;
		}
		strbuf_addn(o, (const char *)s + i - run, run);
		run = 0;
		if (c == '"' || c == '\\') {
			char e[2] = { '\\', (char)c };
			strbuf_addn(o, e, 2);
			i++;
		} else if (c < 0x20) {
			strbuf_addf(o, "\\u%04x", c);
			i++;
		} else if ((k = utf8_len(s + i, n - i)) > 0) {
			strbuf_addn(o, (const char *)s + i, k);
			i += k;
		} else {
			strbuf_addn(o, "\xef\xbf\xbd", 3);
			i++;
		}
	}
	strbuf_addn(o, (const char *)s + i - run, run);
	strbuf_addn(o, "\"", 1);
}

/* Microseconds as milliseconds, to the microsecond: 2421 -> 2.421 */
static void
put_ms(struct strbuf *o, curl_off_t us)
{
	char buf[48];
	int n;

	if (us < 0)
		us = 0;
	n = snprintf(buf, sizeof buf, "%lld.%03lld", (long long)(us / 1000),
	    (long long)(us % 1000));
	while (n > 0 && buf[n - 1] == '0')
		n--;
	if (n > 0 && buf[n - 1] == '.')
		n--;
	strbuf_addn(o, buf, (size_t)n);
}

static void
put_ms_or_null(struct strbuf *o, int have, curl_off_t us)
{
	if (have)
		put_ms(o, us);
	else
		strbuf_add(o, "null");
}

/*
 * The record is written as text, not built as a jv: at tens of
 * thousands of checks a second, libjq's object building was a third of
 * probe's time.  Strings are escaped for JSON and invalid UTF-8 becomes
 * U+FFFD, as jq would print it.
 */
static void
format_record(struct prober *p, struct check *c, const struct result *r, struct strbuf *o)
{
	struct target *t = c->t;
	char ts[40], detail[CURL_ERROR_SIZE + 256];
	const char *err = NULL;
	curl_off_t base = r->ac > 0 ? r->ac : r->ct;

	if (r->code != CURLE_OK) {
		err = error_class(r->code);
		snprintf(detail, sizeof detail, "%s", c->errbuf[0] ? c->errbuf
		    : curl_easy_strerror(r->code));
	} else if (!in_expect(t, r->status)) {
		err = "status";
		snprintf(detail, sizeof detail, "HTTP %ld, expected %s", r->status,
		    t->expect_text);
	} else if (t->contains && !c->found) {
		err = "body";
		snprintf(detail, sizeof detail, "HTTP %ld, body does not contain '%.200s'",
		    r->status, t->contains);
	} else {
		snprintf(detail, sizeof detail, "HTTP %ld", r->status);
	}
	strbuf_reset(o);
	strbuf_add(o, "{\"type\":\"probe\",\"ts\":\"");
	strbuf_add(o, mend_rfc3339(ts, sizeof ts, c->ts));
	strbuf_add(o, "\",\"monitor\":");
	put_str(o, t->name);
	strbuf_add(o, ",\"url\":");
	put_str(o, t->shown);
	strbuf_add(o, ",\"method\":");
	put_str(o, t->method);
	strbuf_addf(o, ",\"ok\":%s,\"status\":%ld,\"ms\":", err ? "false" : "true", r->status);
	put_ms(o, r->tt);
	strbuf_addf(o, ",\"bytes\":%zu,\"error\":", c->bytes);
	if (err) {
		strbuf_addn(o, "\"", 1);
		strbuf_add(o, err);
		strbuf_addn(o, "\"", 1);
	} else {
		strbuf_add(o, "null");
	}
	strbuf_add(o, ",\"detail\":");
	put_str(o, detail);
	strbuf_add(o, ",\"timings\":{\"dns\":");
	put_ms(o, r->nl);
	strbuf_add(o, ",\"connect\":");
	put_ms_or_null(o, r->ct > 0, r->ct - r->nl);
	strbuf_add(o, ",\"tls\":");
	put_ms_or_null(o, t->https && r->ac > 0, r->ac - r->ct);
	strbuf_add(o, ",\"ttfb\":");
	put_ms_or_null(o, r->st > 0, r->st - base);
	strbuf_add(o, ",\"total\":");
	put_ms(o, r->tt);
	strbuf_add(o, "}");
	if (t->https) {
		if (r->has_days)
			strbuf_addf(o, ",\"cert_days\":%.1f", r->days);
		else
			strbuf_add(o, ",\"cert_days\":null");
	}
	if (r->ctype[0]) {
		strbuf_add(o, ",\"content_type\":");
		put_str(o, r->ctype);
	}
	if (c->body_state == 1 && c->nbody > 0 && r->code == CURLE_OK) {
		jv shape;
		char *text;
		if (shape_of_body(&shape, c->body, c->nbody) == 0 && (text = record_dump(shape))) {
			strbuf_add(o, ",\"shape\":");
			strbuf_add(o, text);
			free(text);
		}
		jv_free(shape);
	}
	if (t->body && strlen(t->body) <= 4096) {
		strbuf_add(o, ",\"request_body\":");
		put_str(o, t->body);
	}
	if (r->redirects > 0)
		strbuf_addf(o, ",\"redirects\":%ld", r->redirects);
	if (r->location) {
		strbuf_add(o, ",\"location\":");
		put_str(o, r->location);
	}
	if (p->o.source) {
		strbuf_add(o, ",\"source\":");
		put_str(o, p->o.source);
	}
	strbuf_addn(o, "}", 1);
}

/* A transfer ended: 1 the result is final, 0 a second pass started. */
static int
check_done(struct lane *l, struct check *c, CURLcode code)
{
	curl_multi_remove_handle(l->multi, c->h);
	l->active--;
	if (c->certpass) {
		if (code == CURLE_OK)
			result_days(&c->res, l->p, c->h, c->t, 1);
		return 1;
	}
	result_get(&c->res, l->p, c->h, code, c->t);
	if (c->t->https && code == CURLE_PEER_FAILED_VERIFICATION && certpass_start(l, c) == 0)
		return 0;
	return 1;
}

static int
emit(struct prober *p, const char *line, size_t len)
{
	int rc;

	pthread_mutex_lock(&p->lock);
	rc = p->fn(line, len, p->arg);
	pthread_mutex_unlock(&p->lock);
	return rc;
}

/* Drive one lane until it is idle (0) or l->until passes (1); -1 error. */
static int
lane_run(struct lane *l)
{
	struct prober *p = l->p;

	for (;;) {
		CURLMsg *m;
		int running, left, done = 0;

		if (start_queued(l) < 0)
			return -1;
		if (l->active == 0)
			return 0;
		if (curl_multi_perform(l->multi, &running) != CURLM_OK)
			return mend_err("libcurl multi interface failed");
		while ((m = curl_multi_info_read(l->multi, &left))) {
			struct check *c = NULL;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
			if (!check_done(l, c, m->data.result))
				continue;
			format_record(p, c, &c->res, &l->o);
			free(c->res.location);
			c->res.location = NULL;
			c->t->busy = 0;
			c->t = NULL;
			c->next = l->free;
			l->free = c;
			done++;
			if (l->o.oom)
				return mend_err("out of memory");
			if (emit(p, l->o.s, l->o.len) < 0)
				return -1;
		}
		if (done > 0) {
			/* A batch of records is out: let the caller flush. */
			if (emit(p, NULL, 0) < 0)
				return -1;
			continue;
		}
		{
			double wait = 1.0;
			if (l->until > 0) {
				double now = mend_mono();
				if (now >= l->until)
					return 1;
				if (l->until - now < wait)
					wait = l->until - now;
			}
			if (curl_multi_poll(l->multi, NULL, 0, (int)ceil(wait * 1000), NULL)
			    != CURLM_OK)
				return mend_err("libcurl multi interface failed");
		}
	}
}

static void *
lane_thread(void *arg)
{
	struct lane *l = arg;

	if ((l->rc = lane_run(l)) < 0)
		snprintf(l->err, sizeof l->err, "%s", mend_errmsg());
	return NULL;
}

int
prober_run(struct prober *p, double until, int (*fn)(const char *line, size_t len,
    void *arg), void *arg)
{
	int k, rc = 0, started = 0;

	p->fn = fn;
	p->arg = arg;
	for (k = 0; k < p->nlanes; k++) {
		p->lanes[k].until = until;
		p->lanes[k].rc = 0;
	}
	/* Lane 0 runs here; the others in threads when they have work. */
	for (k = 1; k < p->nlanes; k++) {
		struct lane *l = &p->lanes[k];
		if (l->qlen == 0 && l->active == 0)
			continue;
		if (pthread_create(&l->thread, NULL, lane_thread, l) != 0) {
			l->rc = lane_run(l);
			if (l->rc < 0)
				snprintf(l->err, sizeof l->err, "%s", mend_errmsg());
			continue;
		}
		started |= 1 << k;
	}
	lane_thread(&p->lanes[0]);
	for (k = 1; k < p->nlanes; k++)
		if (started & (1 << k))
			pthread_join(p->lanes[k].thread, NULL);
	for (k = 0; k < p->nlanes; k++) {
		struct lane *l = &p->lanes[k];
		if (l->rc < 0) {
			mend_err("%s", l->err);
			return -1;
		}
		if (l->rc > 0)
			rc = 1;
	}
	return rc;
}
