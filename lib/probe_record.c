/*
 * probe_record.c - judging a finished check (its error class, the
 * expected status, the text the body must contain) and writing it as a
 * probe record.
 */
#include <stdlib.h>
#include <string.h>

#include "probe.h"

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
void
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
