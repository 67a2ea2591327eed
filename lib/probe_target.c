/*
 * probe_target.c - probe's targets: a line of input (a URL with options,
 * or a JSON object) becomes a target with its request (method, headers,
 * body, CA bundle) and what a passing check is (expected statuses, text
 * the body contains); targets of one origin share its certificate
 * expiry (struct origin).
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "probe.h"

void
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
