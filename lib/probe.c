/*
 * probe.c - concurrent HTTP checks: the libcurl-multi wrapper behind
 * probe(1).  (http.c wraps libcurl for one-off requests; this file is
 * the second, and only other, place that includes curl.h: the multi
 * interface, per-phase timings and certificate details are probe's
 * alone.)
 *
 * A prober holds the targets and a fixed pool of `concurrency` easy
 * handles.  prober_cycle() queues one check per target that has none in
 * flight (so a target that hangs never piles up and never delays the
 * others); prober_run() moves queued checks onto free handles and drives
 * the multi handle, turning each finished transfer into a probe record.
 * Memory is bounded by the pool, not by the number of targets.
 *
 * By default each check opens its own connection (FRESH_CONNECT,
 * FORBID_REUSE, no DNS cache) so DNS, connect and TLS are measured and
 * their failures seen, as a browser would; opts.reuse shares connections
 * among checks and cycles instead.
 *
 * HTTPS checks record the days until the server certificate expires.
 * When verification fails, the certificate is fetched again with
 * verification off (connect only) just to read its dates, so an expired
 * certificate still reports how long ago it expired.
 *
 * The body is streamed, never kept: its size is counted and `contains`
 * is searched across chunk boundaries with a carry of len-1 bytes.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>

#include "mend.h"

struct range {
	int lo, hi;
};

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
};

struct check {
	CURL *h;
	struct target *t;
	double ts;		/* wall clock at start */
	size_t bytes;
	int found;		/* contains seen */
	char *carry;		/* last len(contains)-1 body bytes */
	size_t ncarry;
	char errbuf[CURL_ERROR_SIZE];
	/* Second pass (certificate dates after a verification failure). */
	int certpass;
	jv rec;			/* the record waiting for cert_days */
	struct check *next;	/* free list */
};

struct prober {
	CURLM *multi;
	struct probe_opts o;
	struct target *t;
	size_t nt, capt;
	size_t *q;		/* ring of queued target indexes */
	size_t qhead, qlen, qcap;
	struct check *checks;
	struct check *free;
	int active;
};

static int curl_ready;

int
prober_new(struct prober **out, const struct probe_opts *o)
{
	struct prober *p;
	int i;

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
	if (!(p->multi = curl_multi_init()) ||
	    !(p->checks = calloc((size_t)p->o.concurrency, sizeof *p->checks))) {
		prober_free(p);
		return mend_err("out of memory");
	}
	curl_multi_setopt(p->multi, CURLMOPT_MAXCONNECTS, (long)p->o.concurrency);
	for (i = p->o.concurrency - 1; i >= 0; i--) {
		struct check *c = &p->checks[i];
		if (!(c->h = curl_easy_init())) {
			prober_free(p);
			return mend_err("cannot create a libcurl handle");
		}
		c->rec = jv_invalid();
		c->next = p->free;
		p->free = c;
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
	free(t->expect);
	curl_slist_free_all(t->headers);
	memset(t, 0, sizeof *t);
}

void
prober_free(struct prober *p)
{
	size_t i;

	if (!p)
		return;
	if (p->checks) {
		for (i = 0; i < (size_t)p->o.concurrency; i++) {
			struct check *c = &p->checks[i];
			if (!c->h)
				continue;
			if (c->t)
				curl_multi_remove_handle(p->multi, c->h);
			curl_easy_cleanup(c->h);
			free(c->carry);
			jv_free(c->rec);
		}
		free(p->checks);
	}
	if (p->multi)
		curl_multi_cleanup(p->multi);
	for (i = 0; i < p->nt; i++)
		target_release(&p->t[i]);
	free(p->t);
	free(p->q);
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
						snprintf(exp + strlen(exp), sizeof exp - strlen(exp),
						    "%s%s", i ? "," : "", text);
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
		size_t *nq = realloc(p->q, cap * sizeof *nq);
		if (nt)
			p->t = nt;
		if (nq)
			p->q = nq;
		if (!nt || !nq) {
			target_release(&t);
			return mend_err("out of memory");
		}
		/* The queue is empty while targets are being added. */
		p->capt = p->qcap = cap;
		p->qhead = 0;
	}
	p->t[p->nt++] = t;
	return 1;
}

size_t
prober_cycle(struct prober *p)
{
	size_t i, n = 0;

	for (i = 0; i < p->nt; i++) {
		if (p->t[i].busy)
			continue;
		p->t[i].busy = 1;
		p->q[(p->qhead + p->qlen++) % p->qcap] = i;
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
check_start(struct prober *p, struct check *c, struct target *t)
{
	CURL *h = c->h;
	long tmo = t->timeout_ms ? t->timeout_ms : (long)ceil(p->o.timeout * 1000);

	curl_easy_reset(h);
	c->t = t;
	c->ts = mend_now();
	c->bytes = 0;
	c->found = 0;
	c->ncarry = 0;
	c->errbuf[0] = '\0';
	c->certpass = 0;
	curl_easy_setopt(h, CURLOPT_URL, t->url);
	curl_easy_setopt(h, CURLOPT_PRIVATE, c);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, c->errbuf);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "mend-probe/" MEND_VERSION);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, tmo);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, c);
	curl_easy_setopt(h, CURLOPT_ACCEPT_ENCODING, "");
	if (!p->o.reuse) {
		curl_easy_setopt(h, CURLOPT_FRESH_CONNECT, 1L);
		curl_easy_setopt(h, CURLOPT_FORBID_REUSE, 1L);
		curl_easy_setopt(h, CURLOPT_DNS_CACHE_TIMEOUT, 0L);
	}
	if (t->follow) {
		curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
		curl_easy_setopt(h, CURLOPT_MAXREDIRS, 10L);
	}
	if (t->https)
		curl_easy_setopt(h, CURLOPT_CERTINFO, 1L);
	if (t->cacert)
		curl_easy_setopt(h, CURLOPT_CAINFO, t->cacert);
	if (t->headers)
		curl_easy_setopt(h, CURLOPT_HTTPHEADER, t->headers);
	if (!strcmp(t->method, "HEAD"))
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	else if (strcmp(t->method, "GET") || t->body)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, t->method);
	if (t->body) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDS, t->body);
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE, (long)strlen(t->body));
	}
	if (curl_multi_add_handle(p->multi, h) != CURLM_OK)
		return mend_err("cannot start the check of '%s'", t->shown);
	p->active++;
	return 0;
}

/* After a verification failure: connect again, unverified, to read the dates. */
static int
certpass_start(struct prober *p, struct check *c)
{
	CURL *h = c->h;
	long tmo = c->t->timeout_ms ? c->t->timeout_ms : (long)ceil(p->o.timeout * 1000);

	curl_easy_reset(h);
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
	if (curl_multi_add_handle(p->multi, h) != CURLM_OK)
		return mend_err("cannot start the certificate check of '%s'", c->t->shown);
	p->active++;
	return 0;
}

static int
start_queued(struct prober *p)
{
	while (p->free && p->qlen > 0) {
		struct check *c = p->free;
		size_t i = p->q[p->qhead];

		p->qhead = (p->qhead + 1) % p->qcap;
		p->qlen--;
		p->free = c->next;
		if (check_start(p, c, &p->t[i]) < 0) {
			p->t[i].busy = 0;
			c->t = NULL;
			c->next = p->free;
			p->free = c;
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

/* Microseconds to milliseconds (kept to the microsecond). */
static jv
ms_of(curl_off_t us)
{
	return jv_number(us < 0 ? 0 : (double)us / 1000.0);
}

static jv
timings(CURL *h, int https)
{
	curl_off_t nl = 0, ct = 0, ac = 0, st = 0, tt = 0, base;
	jv o = jv_object();

	curl_easy_getinfo(h, CURLINFO_NAMELOOKUP_TIME_T, &nl);
	curl_easy_getinfo(h, CURLINFO_CONNECT_TIME_T, &ct);
	curl_easy_getinfo(h, CURLINFO_APPCONNECT_TIME_T, &ac);
	curl_easy_getinfo(h, CURLINFO_STARTTRANSFER_TIME_T, &st);
	curl_easy_getinfo(h, CURLINFO_TOTAL_TIME_T, &tt);
	base = ac > 0 ? ac : ct;
	o = jv_object_set(o, jv_string("dns"), ms_of(nl));
	o = jv_object_set(o, jv_string("connect"), ct > 0 ? ms_of(ct - nl) : jv_null());
	o = jv_object_set(o, jv_string("tls"), https && ac > 0 ? ms_of(ac - ct) : jv_null());
	o = jv_object_set(o, jv_string("ttfb"), st > 0 ? ms_of(st - base) : jv_null());
	o = jv_object_set(o, jv_string("total"), ms_of(tt));
	return o;
}

/* Days until the server certificate expires, from CURLINFO_CERTINFO. */
static int
cert_days(CURL *h, double *days)
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
		*days = floor(((double)timegm(&tm) - mend_now()) / 86400.0 * 10) / 10;
		return 0;
	}
	return -1;
}

static jv
probe_record(struct prober *p, struct check *c, CURLcode code)
{
	struct target *t = c->t;
	char ts[40], detail[CURL_ERROR_SIZE + 256];
	const char *err = NULL;
	long status = 0, redirects = 0;
	curl_off_t tt = 0;
	char *loc = NULL;
	jv r = jv_object();

	curl_easy_getinfo(c->h, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(c->h, CURLINFO_TOTAL_TIME_T, &tt);
	curl_easy_getinfo(c->h, CURLINFO_REDIRECT_COUNT, &redirects);
	if (code != CURLE_OK) {
		err = error_class(code);
		snprintf(detail, sizeof detail, "%s", c->errbuf[0] ? c->errbuf
		    : curl_easy_strerror(code));
	} else if (!in_expect(t, status)) {
		err = "status";
		snprintf(detail, sizeof detail, "HTTP %ld, expected %s", status, t->expect_text);
	} else if (t->contains && !c->found) {
		err = "body";
		snprintf(detail, sizeof detail, "HTTP %ld, body does not contain '%.200s'",
		    status, t->contains);
	} else {
		snprintf(detail, sizeof detail, "HTTP %ld", status);
	}
	r = jv_object_set(r, jv_string("type"), jv_string("probe"));
	r = jv_object_set(r, jv_string("ts"), jv_string(mend_rfc3339(ts, sizeof ts, c->ts)));
	r = jv_object_set(r, jv_string("monitor"), jv_string(t->name));
	r = jv_object_set(r, jv_string("url"), jv_string(t->shown));
	r = jv_object_set(r, jv_string("method"), jv_string(t->method));
	r = jv_object_set(r, jv_string("ok"), jv_bool(err == NULL));
	r = jv_object_set(r, jv_string("status"), jv_number((double)status));
	r = jv_object_set(r, jv_string("ms"), ms_of(tt));
	r = jv_object_set(r, jv_string("bytes"), jv_number((double)c->bytes));
	r = jv_object_set(r, jv_string("error"), record_strornull(err));
	r = jv_object_set(r, jv_string("detail"), jv_string(detail));
	r = jv_object_set(r, jv_string("timings"), timings(c->h, t->https));
	if (t->https) {
		double d;
		r = jv_object_set(r, jv_string("cert_days"),
		    cert_days(c->h, &d) == 0 ? jv_number(d) : jv_null());
	}
	if (redirects > 0)
		r = jv_object_set(r, jv_string("redirects"), jv_number((double)redirects));
	if (status >= 300 && status < 400 && !t->follow &&
	    curl_easy_getinfo(c->h, CURLINFO_REDIRECT_URL, &loc) == CURLE_OK && loc)
		r = jv_object_set(r, jv_string("location"), jv_string(loc));
	if (p->o.source)
		r = jv_object_set(r, jv_string("source"), jv_string(p->o.source));
	return r;
}

/* A transfer ended: 1 the record is ready in *out, 0 a second pass started. */
static int
check_done(struct prober *p, struct check *c, CURLcode code, jv *out)
{
	double d;

	curl_multi_remove_handle(p->multi, c->h);
	p->active--;
	if (c->certpass) {
		jv rec = c->rec;
		c->rec = jv_invalid();
		if (code == CURLE_OK && cert_days(c->h, &d) == 0)
			rec = jv_object_set(rec, jv_string("cert_days"), jv_number(d));
		*out = rec;
		return 1;
	}
	*out = probe_record(p, c, code);
	if (c->t->https && code == CURLE_PEER_FAILED_VERIFICATION) {
		c->rec = *out;
		if (certpass_start(p, c) == 0)
			return 0;
		*out = c->rec;
		c->rec = jv_invalid();
	}
	return 1;
}

int
prober_run(struct prober *p, double until, int (*fn)(jv rec, void *arg), void *arg)
{
	for (;;) {
		CURLMsg *m;
		int running, left, done = 0;

		if (start_queued(p) < 0)
			return -1;
		if (p->active == 0)
			return 0;
		if (curl_multi_perform(p->multi, &running) != CURLM_OK)
			return mend_err("libcurl multi interface failed");
		while ((m = curl_multi_info_read(p->multi, &left))) {
			struct check *c = NULL;
			jv rec;

			if (m->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&c);
			if (!check_done(p, c, m->data.result, &rec))
				continue;
			c->t->busy = 0;
			c->t = NULL;
			c->next = p->free;
			p->free = c;
			done++;
			if (fn(rec, arg) < 0)
				return -1;
		}
		if (done > 0)
			continue;
		{
			double wait = 1.0;
			if (until > 0) {
				double now = mend_mono();
				if (now >= until)
					return 1;
				if (until - now < wait)
					wait = until - now;
			}
			if (curl_multi_poll(p->multi, NULL, 0, (int)ceil(wait * 1000), NULL)
			    != CURLM_OK)
				return mend_err("libcurl multi interface failed");
		}
	}
}
