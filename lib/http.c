/*
 * http.c - the HTTP client every stage that talks to the outside uses
 * (model APIs, webhooks, forges), on libcurl's easy interface.
 *
 * http_do_retry() owns the retry policy in one place: transport errors,
 * 429 and 5xx are retried with exponential backoff and jitter, and a
 * server's Retry-After header (or the JSON "retry_after" Discord sends)
 * is honoured, capped so a hostile value cannot park a worker for hours.
 */
#include <ctype.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "mend.h"

#define RETRY_AFTER_CAP 120.0

static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct http_resp *r = arg;
	size_t len = size * n;
	char *nb = realloc(r->body, r->body_len + len + 1);

	if (!nb)
		return 0;
	r->body = nb;
	memcpy(r->body + r->body_len, p, len);
	r->body_len += len;
	r->body[r->body_len] = '\0';
	return len;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	struct http_resp *r = arg;
	size_t len = size * n;

	/* GitHub's x-ratelimit-*, GitLab's RateLimit-*: the reset is in epoch seconds. */
	if (len > 21 && !strncasecmp(p, "x-ratelimit-remaining:", 22))
		r->ratelimit_remaining = strtol(p + 22, NULL, 10);
	else if (len > 19 && !strncasecmp(p, "ratelimit-remaining:", 20))
		r->ratelimit_remaining = strtol(p + 20, NULL, 10);
	else if (len > 17 && !strncasecmp(p, "x-ratelimit-reset:", 18))
		r->ratelimit_reset = strtod(p + 18, NULL);
	else if (len > 15 && !strncasecmp(p, "ratelimit-reset:", 16))
		r->ratelimit_reset = strtod(p + 16, NULL);
	if (len > 12 && !strncasecmp(p, "retry-after:", 12)) {
		char *end, date[64];
		double v = strtod(p + 12, &end);
		size_t dl = len - 12;
		time_t t;

		if (end != p + 12) {
			r->retry_after = v;
			return len;
		}
		/* Or an HTTP-date: "Wed, 21 Oct 2026 07:28:00 GMT". */
		if (dl >= sizeof date)
			dl = sizeof date - 1;
		memcpy(date, p + 12, dl);
		date[dl] = '\0';
		date[strcspn(date, "\r\n")] = '\0';
		if ((t = curl_getdate(date, NULL)) != -1)
			r->retry_after = t > time(NULL) ? (double)(t - time(NULL)) : 0;
	}
	return len;
}

/*
 * The URL as it may appear in a message: scheme and host only.  Webhook
 * and API URLs carry their secret in the path or query, and error
 * messages end up in logs.
 */
static void
url_for_log(char *buf, size_t len, const char *url)
{
	const char *p = strstr(url, "://"), *end;
	const char *at;

	if (!p) {
		snprintf(buf, len, "(url)");
		return;
	}
	p += 3;
	end = p + strcspn(p, "/?#");
	at = memchr(p, '@', (size_t)(end - p));
	if (at)
		p = at + 1;	/* user:password@ too */
	snprintf(buf, len, "%.*s://%.*s%s", (int)(strstr(url, "://") - url), url,
	    (int)(end - p), p, *end ? "/..." : "");
}

/* A socket from the request's open_socket (a sandbox's network). */
static curl_socket_t
open_socket(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	const struct http_req *req = arg;
	int fd;

	if (purpose != CURLSOCKTYPE_IPCXN)
		return CURL_SOCKET_BAD;
	fd = req->open_socket(req->socket_arg, a->family, a->socktype, a->protocol);
	return fd < 0 ? CURL_SOCKET_BAD : fd;
}

int
http_do(struct http_resp *resp, const struct http_req *req)
{
	struct curl_slist *hdrs = NULL;
	CURL *c;
	CURLcode rc;
	char errbuf[CURL_ERROR_SIZE] = "";
	const char *method = req->method ? req->method : "GET";

	pthread_once(&once, global_init);
	memset(resp, 0, sizeof *resp);
	resp->retry_after = -1;
	resp->ratelimit_remaining = -1;
	resp->ratelimit_reset = -1;
	if (!(c = curl_easy_init()))
		return mend_err("cannot start an HTTP request");
	for (const char *const *h = req->headers; h && *h; h++)
		hdrs = curl_slist_append(hdrs, *h);
	if (req->body)
		hdrs = curl_slist_append(hdrs, "Expect:");
	curl_easy_setopt(c, CURLOPT_URL, req->url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	if (!strcmp(method, "HEAD"))
		curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
	if (req->body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, req->body);
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "mend/" MEND_VERSION);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : 30000L);
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, resp);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "");
	if (req->open_socket) {
		curl_easy_setopt(c, CURLOPT_OPENSOCKETFUNCTION, open_socket);
		curl_easy_setopt(c, CURLOPT_OPENSOCKETDATA, (void *)req);
	}
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	resp->attempts = 1;
	if (!resp->body && (resp->body = strdup("")))
		resp->body_len = 0;
	if (rc != CURLE_OK) {
		resp->status = 0;
		char where[256];
		url_for_log(where, sizeof where, req->url);
		/* curl's own message may quote the URL: keep only its reason. */
		return mend_err("%s %s: %s", method, where, strstr(errbuf, "://") ||
		    !*errbuf ? curl_easy_strerror(rc) : errbuf);
	}
	return 0;
}

/* Discord puts the wait in the body: {"retry_after": 0.53, ...}. */
static double
body_retry_after(const struct http_resp *r)
{
	jv v;
	double d = -1;

	if (!r->body || r->body_len == 0 || r->body[0] != '{')
		return -1;
	if (record_parse(&v, r->body, r->body_len) < 0)
		return -1;
	d = record_num(v, "retry_after", -1);
	jv_free(v);
	return d;
}

int
http_do_retry(struct http_resp *resp, const struct http_req *req)
{
	int max = req->max_attempts > 0 ? req->max_attempts : 4, attempt;
	double backoff = 0.5;
	char saved[1024] = "";

	for (attempt = 1;; attempt++) {
		int rc = http_do(resp, req);
		double wait;

		if (rc == 0 && resp->status != 429 && resp->status < 500) {
			resp->attempts = attempt;
			return 0;
		}
		if (rc < 0)
			snprintf(saved, sizeof saved, "%s", mend_errmsg());
		if (attempt >= max) {
			resp->attempts = attempt;
			if (rc < 0)
				return mend_err("%s (after %d attempts)", saved, attempt);
			return 0;
		}
		wait = backoff / 2 + backoff / 2 * ((double)rand() / RAND_MAX);
		if (rc == 0) {
			double ra = resp->retry_after >= 0 ? resp->retry_after
			    : body_retry_after(resp);
			if (ra >= 0)
				wait = ra < RETRY_AFTER_CAP ? ra : RETRY_AFTER_CAP;
		}
		http_resp_release(resp);
		mend_sleep(wait, NULL);
		backoff *= 2;
	}
}

void
http_resp_release(struct http_resp *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
}
