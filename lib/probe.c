/*
 * probe.c - concurrent HTTP checks: the libcurl-multi wrapper behind
 * probe(1).  (http.c wraps libcurl for one-off requests; this file and
 * its parts, probe_target.c and probe_record.c, through the private
 * probe.h, are the second, and only other, place that includes curl.h:
 * the multi interface, per-phase timings and certificate details are
 * probe's alone.)
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
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <pthread.h>
#include <unistd.h>

#include "probe.h"

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
