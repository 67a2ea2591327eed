/*
 * shape.c - what a service's answers look like, and whether a new answer
 * lost what the known-good ones had.
 *
 * A shape is a flat JSON object {path: tokens} over a JSON answer:
 * "$" is the root, "$.items" a member, "$.items[]" the elements of an
 * array (the first SHAPE_SAMPLE merged).  Tokens say what a value is and
 * whether it carries data: null, bool, num (non-zero), zero, str, empty
 * (""), bad (a string with "undefined", "NaN", "None", "null" as a word,
 * or "[object Object]": a value formatted from a missing one), arr, arr0
 * (empty array), obj, obj0.  Several tokens at one path (array elements
 * that differ) are joined with '|'.  Depth and paths are capped, so a
 * shape is small whatever the answer.
 *
 * The known-good record of a monitor and URL (the spool's "shape"
 * namespace, written by detect from probes that passed) counts, over the
 * answers that passed, each status, how many were JSON, and per path in
 * how many answers it appeared and with which tokens; and the keys every
 * JSON request body had.
 *
 * shape_judge compares one answer with that record: a status 5xx or no
 * answer failed; a 4xx is right when the request itself is malformed
 * (empty or invalid body, a form field sent empty, a parameter or body
 * key every known-good request had is missing, a body key of another JSON
 * type than every known-good request's), else wrong when this very request
 * (URL and body) was known good, else unproven; a 2xx degraded when it holds a loss token (null,
 * zero, empty, arr0, obj0, bad) that path never had in a known-good
 * answer, lacks a path every known-good answer had, or is no longer
 * JSON.  An answer that says it has nothing -- a count member (count,
 * total, n, size, length) of 0 and none non-zero -- may be empty: its
 * empty arrays and zero counts (plural nouns too: orders, pages) are not
 * losses.  A
 * zero elsewhere (an average, a ratio over nothing) still is when
 * judging a fix (strict: testloop); a recovery (detect) lets it pass,
 * the service is answering with its data again.  Without a
 * known-good record only the bad strings count, and a 2xx is unproven.
 *
 * This does not handle answers over SHAPE_BODY_MAX or that are not JSON
 * (only "no longer JSON" is seen), and it cannot tell a legitimately
 * empty answer from a lost one when the answer has no count-like member.
 */
#include <stdio.h>
#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mend.h"

#define SHAPE_DEPTH 8
#define SHAPE_PATHS 160
#define SHAPE_SAMPLE 20
#define PATH_MAX_LEN 256

static int
is_word(int c)
{
	return isalnum(c) || c == '_';
}

/* Does s hold w as a whole word? */
static int
has_word(const char *s, size_t n, const char *w)
{
	size_t wl = strlen(w);
	const char *p = s, *e = s + n;

	while (p + wl <= e && (p = memmem(p, (size_t)(e - p), w, wl))) {
		if ((p == s || !is_word((unsigned char)p[-1])) &&
		    (p + wl == e || !is_word((unsigned char)p[wl])))
			return 1;
		p++;
	}
	return 0;
}

static const char *
str_token(const char *s, size_t n)
{
	if (n == 0)
		return "empty";
	if (has_word(s, n, "undefined") || has_word(s, n, "NaN") || has_word(s, n, "None") ||
	    has_word(s, n, "null") || memmem(s, n, "[object Object]", 15))
		return "bad";
	return "str";
}

/* Does the '|'-joined list have tok? */
static int
tokens_have(const char *list, const char *tok)
{
	size_t n = strlen(tok);
	const char *p = list;

	while (p && *p) {
		if (!strncmp(p, tok, n) && (p[n] == '|' || !p[n]))
			return 1;
		if ((p = strchr(p, '|')))
			p++;
	}
	return 0;
}

static jv
add_token(jv shape, const char *path, const char *tok)
{
	jv old;

	if (jv_object_has(jv_copy(shape), jv_string(path))) {
		old = jv_object_get(jv_copy(shape), jv_string(path));
		if (!tokens_have(jv_string_value(old), tok))
			shape = jv_object_set(shape, jv_string(path),
			    jv_string_fmt("%s|%s", jv_string_value(old), tok));
		jv_free(old);
		return shape;
	}
	if (jv_object_length(jv_copy(shape)) >= SHAPE_PATHS)
		return shape;
	return jv_object_set(shape, jv_string(path), jv_string(tok));
}

static jv
walk(jv shape, jv v, const char *path, int depth)
{
	char sub[PATH_MAX_LEN];
	int i, n;

	switch (jv_get_kind(v)) {
	case JV_KIND_NULL:
		shape = add_token(shape, path, "null");
		break;
	case JV_KIND_TRUE:
	case JV_KIND_FALSE:
		shape = add_token(shape, path, "bool");
		break;
	case JV_KIND_NUMBER:
		shape = add_token(shape, path, jv_number_value(v) == 0 ? "zero" : "num");
		break;
	case JV_KIND_STRING:
		shape = add_token(shape, path, str_token(jv_string_value(v),
		    (size_t)jv_string_length_bytes(jv_copy(v))));
		break;
	case JV_KIND_ARRAY:
		n = jv_array_length(jv_copy(v));
		shape = add_token(shape, path, n ? "arr" : "arr0");
		if (depth >= SHAPE_DEPTH || snprintf(sub, sizeof sub, "%s[]", path) >=
		    (int)sizeof sub)
			break;
		for (i = 0; i < n && i < SHAPE_SAMPLE; i++)
			shape = walk(shape, jv_array_get(jv_copy(v), i), sub, depth + 1);
		break;
	case JV_KIND_OBJECT:
		shape = add_token(shape, path, jv_object_length(jv_copy(v)) ? "obj" : "obj0");
		if (depth >= SHAPE_DEPTH)
			break;
		jv_object_foreach(v, k, e) {
			if (snprintf(sub, sizeof sub, "%s.%s", path, jv_string_value(k)) <
			    (int)sizeof sub)
				shape = walk(shape, jv_copy(e), sub, depth + 1);
			jv_free(k);
			jv_free(e);
		}
		break;
	default:
		break;
	}
	jv_free(v);
	return shape;
}

jv
shape_of(jv value)
{
	return walk(jv_object(), value, "$", 0);
}

int
shape_of_body(jv *out, const char *body, size_t len)
{
	jv v;

	*out = jv_null();
	if (!body || len == 0 || len > SHAPE_BODY_MAX)
		return -1;
	while (len && isspace((unsigned char)*body))
		body++, len--;
	if (!len || (*body != '{' && *body != '['))
		return -1;
	if (record_parse(&v, body, len) < 0)
		return -1;
	*out = shape_of(v);
	return 0;
}

/* ---- learning ---- */

static jv
bump(jv obj, const char *key, double by)
{
	double n = 0;
	jv old;

	if (jv_object_has(jv_copy(obj), jv_string(key))) {
		old = jv_object_get(jv_copy(obj), jv_string(key));
		if (jv_get_kind(old) == JV_KIND_NUMBER)
			n = jv_number_value(old);
		jv_free(old);
	}
	return jv_object_set(obj, jv_string(key), jv_number(n + by));
}

static jv
obj_or_new(jv o, const char *key)
{
	jv v = jv_get_kind(o) == JV_KIND_OBJECT ? jv_object_get(jv_copy(o), jv_string(key))
	    : jv_null();

	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		return jv_object();
	}
	return v;
}

/* Is body a form (application/x-www-form-urlencoded: "a=1&b=")? */
static int
form_body(const char *body)
{
	const char *p;

	if (!body || !*body || *body == '{' || *body == '[' || !strchr(body, '='))
		return 0;
	for (p = body; *p; p++)
		if (isspace((unsigned char)*p) || *p == '"')
			return 0;
	return 1;
}

/* The keys of a JSON object body (from its types, body_types), or those
 * of a form body that have a value, as an array; null when the body is
 * neither. */
static jv
body_keys(const char *body, jv types)
{
	jv keys;

	if (form_body(body)) {
		const char *q = body;
		keys = jv_array();
		while (*q) {
			size_t kl = strcspn(q, "=&"), vl = q[kl] == '=' ? strcspn(q + kl + 1, "&") : 0;
			if (kl && vl)
				keys = jv_array_append(keys, jv_string_sized(q, (int)kl));
			q += kl + (q[kl] == '=' ? 1 + vl : 0);
			if (*q == '&')
				q++;
		}
		return keys;
	}
	return jv_get_kind(types) == JV_KIND_OBJECT ? jv_keys(jv_copy(types)) : jv_null();
}

/* A request body's fingerprint (FNV-1a, 64 bits, hex), into out[17]. */
static void
body_hash(const char *body, char *out)
{
	unsigned long long h = 1469598103934665603ULL;

	for (; *body; body++)
		h = (h ^ (unsigned char)*body) * 1099511628211ULL;
	snprintf(out, 17, "%016llx", h);
}

#define SHAPE_BODIES 16

/* The JSON type of a body value, in words. */
static const char *
json_type(jv v)
{
	switch (jv_get_kind(v)) {
	case JV_KIND_ARRAY: return "an array";
	case JV_KIND_OBJECT: return "an object";
	case JV_KIND_STRING: return "a string";
	case JV_KIND_NUMBER: return "a number";
	case JV_KIND_TRUE:
	case JV_KIND_FALSE: return "a boolean";
	case JV_KIND_NULL: return "null";
	default: return "?";
	}
}

/* The type of each key of a JSON object body, as {key: type}; null when
 * the body is not one. */
static jv
body_types(const char *body)
{
	jv v, out;

	if (!body || form_body(body) || record_parse(&v, body, strlen(body)) < 0)
		return jv_null();
	if (jv_get_kind(v) != JV_KIND_OBJECT) {
		jv_free(v);
		return jv_null();
	}
	out = jv_object();
	jv_object_foreach(v, k, e) {
		out = jv_object_set(out, k, jv_string(json_type(e)));
		jv_free(e);
	}
	jv_free(v);
	return out;
}

static int
array_has_str(jv a, const char *s)
{
	int i, n = jv_get_kind(a) == JV_KIND_ARRAY ? jv_array_length(jv_copy(a)) : 0, hit = 0;

	for (i = 0; i < n && !hit; i++) {
		jv e = jv_array_get(jv_copy(a), i);
		hit = jv_get_kind(e) == JV_KIND_STRING && !strcmp(jv_string_value(e), s);
		jv_free(e);
	}
	return hit;
}

jv
shape_learn(jv known, const char *monitor, const char *url, long status, jv shape,
    const char *req_body)
{
	jv paths, statuses, keys, types;
	char code[16];
	double n;

	if (jv_get_kind(known) != JV_KIND_OBJECT) {
		jv_free(known);
		known = jv_object();
	}
	n = record_num(known, "n", 0);
	known = record_set_str(known, "monitor", monitor ? monitor : "");
	known = record_set_str(known, "url", url ? url : "");
	known = record_set_num(known, "n", n + 1);
	snprintf(code, sizeof code, "%ld", status);
	statuses = obj_or_new(known, "status");
	known = jv_object_set(known, jv_string("status"), bump(statuses, code, 1));
	if (jv_get_kind(shape) == JV_KIND_OBJECT) {
		known = record_set_num(known, "json", record_num(known, "json", 0) + 1);
		paths = obj_or_new(known, "paths");
		jv_object_foreach(shape, k, toks) {
			jv p = obj_or_new(paths, jv_string_value(k)), tk = obj_or_new(p, "tok");
			const char *t = jv_get_kind(toks) == JV_KIND_STRING ? jv_string_value(toks) : "";

			if (!jv_object_has(jv_copy(paths), jv_copy(k)) &&
			    jv_object_length(jv_copy(paths)) >= 2 * SHAPE_PATHS) {
				jv_free(p), jv_free(tk), jv_free(k), jv_free(toks);
				continue;
			}
			while (*t) {
				const char *bar = strchr(t, '|');
				size_t len = bar ? (size_t)(bar - t) : strlen(t);
				char one[16];
				snprintf(one, sizeof one, "%.*s", (int)(len < 15 ? len : 15), t);
				tk = bump(tk, one, 1);
				t += len + (bar != NULL);
			}
			p = jv_object_set(p, jv_string("tok"), tk);
			p = bump(p, "seen", 1);
			paths = jv_object_set(paths, jv_copy(k), p);
			jv_free(k);
			jv_free(toks);
		}
		known = jv_object_set(known, jv_string("paths"), paths);
	}
	/* Request body keys: those every known-good request had. */
	types = body_types(req_body);	/* the body parsed once, for both */
	keys = body_keys(req_body, types);
	if (jv_get_kind(keys) == JV_KIND_ARRAY) {
		jv old = record_get(known, "request_keys"), kept = jv_array();
		int i, m = jv_array_length(jv_copy(keys));
		for (i = 0; i < m; i++) {
			jv k = jv_array_get(jv_copy(keys), i);
			if (jv_get_kind(old) != JV_KIND_ARRAY || array_has_str(old, jv_string_value(k)))
				kept = jv_array_append(kept, jv_copy(k));
			jv_free(k);
		}
		jv_free(old);
		known = record_set(known, "request_keys", kept);
	} else if (req_body && *req_body) {
		known = record_set(known, "request_keys", jv_array());
	}
	jv_free(keys);
	/* The bodies themselves, as fingerprints: a request with another body is
	 * another request, whatever its URL. */
	if (req_body && *req_body) {
		jv bs = record_get(known, "request_bodies");
		char h[17];
		body_hash(req_body, h);
		if (jv_get_kind(bs) != JV_KIND_ARRAY) {
			jv_free(bs);
			bs = jv_array();
		}
		if (!array_has_str(bs, h) && jv_array_length(jv_copy(bs)) < SHAPE_BODIES)
			bs = jv_array_append(bs, jv_string(h));
		known = record_set(known, "request_bodies", bs);
	}
	/* Their types: kept where every known-good request agreed. */
	if (jv_get_kind(types) == JV_KIND_OBJECT) {
		jv old = record_get(known, "request_types"), kept = jv_object();
		int first = jv_get_kind(old) != JV_KIND_OBJECT;
		jv_object_foreach(types, k, ty) {
			jv was = first ? jv_invalid() : jv_object_get(jv_copy(old), jv_copy(k));
			if (first || (jv_get_kind(was) == JV_KIND_STRING &&
			    !strcmp(jv_string_value(was), jv_string_value(ty))))
				kept = jv_object_set(kept, jv_copy(k), jv_copy(ty));
			jv_free(was);
			jv_free(k);
			jv_free(ty);
		}
		jv_free(old);
		known = record_set(known, "request_types", kept);
	} else if (req_body && *req_body)
		known = record_set(known, "request_types", jv_object());
	jv_free(types);
	jv_free(shape);
	return known;
}

/* ---- judging ---- */

/* Path and query of a URL ("http://h/p?q" -> "/p?q"). */
const char *
shape_url_path(const char *url)
{
	const char *p = url ? strstr(url, "://") : NULL;

	if (!url)
		return "/";
	if (!p)
		return *url ? url : "/";
	p = strchr(p + 3, '/');
	return p ? p : "/";
}

/* Does url's query have key with a non-empty value? */
static int
query_has(const char *url, const char *key)
{
	const char *q = strchr(shape_url_path(url), '?');
	size_t kl = strlen(key);

	while (q && *q) {
		q++;
		if (!strncmp(q, key, kl) && q[kl] == '=' && q[kl + 1] && q[kl + 1] != '&')
			return 1;
		q = strchr(q, '&');
	}
	return 0;
}

/* Same path, query aside? */
static int
same_path(const char *a, const char *b)
{
	size_t la, lb;

	a = shape_url_path(a);
	b = shape_url_path(b);
	la = strcspn(a, "?#");
	lb = strcspn(b, "?#");
	return la == lb && !strncmp(a, b, la);
}

static jv
reason(jv reasons, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static jv
reason(jv reasons, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	if (jv_array_length(jv_copy(reasons)) >= 8)
		return reasons;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return jv_array_append(reasons, jv_string(buf));
}

/*
 * Why the request is malformed, or NULL: an empty or invalid body where
 * one is expected, a body or query key that every known-good request had.
 */
static jv
malformed(jv reasons, const char *method, const char *url, const char *req_body, jv known,
    jv peers)
{
	int body_method = method && (!strcasecmp(method, "POST") || !strcasecmp(method, "PUT") ||
	    !strcasecmp(method, "PATCH"));
	const char *b = req_body;
	jv keys, v;
	int i, n;

	while (b && isspace((unsigned char)*b))
		b++;
	if (body_method && (!b || !*b))
		return reason(reasons, "the request has an empty body");
	if (b && (*b == '{' || *b == '[')) {
		if (record_parse(&v, b, strlen(b)) < 0)
			return reason(reasons, "the request body is not valid JSON");
		keys = record_get(known, "request_keys");
		n = jv_get_kind(keys) == JV_KIND_ARRAY ? jv_array_length(jv_copy(keys)) : 0;
		for (i = 0; i < n; i++) {
			jv k = jv_array_get(jv_copy(keys), i);
			if (jv_get_kind(v) != JV_KIND_OBJECT ||
			    !jv_object_has(jv_copy(v), jv_copy(k)))
				reasons = reason(reasons, "the request body lacks '%s', which every "
				    "known-good request had", jv_string_value(k));
			jv_free(k);
		}
		jv_free(keys);
		/* a key sent with another type than every known-good request's */
		keys = record_get(known, "request_types");
		if (jv_get_kind(keys) == JV_KIND_OBJECT && jv_get_kind(v) == JV_KIND_OBJECT) {
			jv_object_foreach(keys, k, ty) {
				jv e = jv_object_get(jv_copy(v), jv_copy(k));
				if (jv_is_valid(e) && jv_get_kind(ty) == JV_KIND_STRING &&
				    strcmp(json_type(e), jv_string_value(ty)))
					reasons = reason(reasons, "the request body's '%s' is %s where every "
					    "known-good request had %s", jv_string_value(k), json_type(e),
					    jv_string_value(ty));
				jv_free(e);
				jv_free(k);
				jv_free(ty);
			}
		}
		jv_free(keys);
		jv_free(v);
	}
	if (form_body(b)) {
		char *u = NULL;
		const char *q = b;
		/* A form field sent empty ("age=") is no value at all. */
		while (*q) {
			size_t kl = strcspn(q, "=&");
			if (kl && q[kl] == '=' && (!q[kl + 1] || q[kl + 1] == '&'))
				reasons = reason(reasons, "the form's '%.*s' is empty", (int)(kl < 64 ? kl : 64),
				    q);
			q += kl;
			if (*q == '=')
				q += 1 + strcspn(q + 1, "&");
			if (*q == '&')
				q++;
		}
		keys = record_get(known, "request_keys");
		n = jv_get_kind(keys) == JV_KIND_ARRAY ? jv_array_length(jv_copy(keys)) : 0;
		if (n > 0 && asprintf(&u, "/?%s", b) < 0)
			u = NULL;
		for (i = 0; i < n && u; i++) {
			jv k = jv_array_get(jv_copy(keys), i);
			if (!query_has(u, jv_string_value(k)))
				reasons = reason(reasons, "the form lacks a value for '%s', which every "
				    "known-good request had", jv_string_value(k));
			jv_free(k);
		}
		free(u);
		jv_free(keys);
	}
	/* Query parameters every known-good request to this path had. */
	n = jv_get_kind(peers) == JV_KIND_ARRAY ? jv_array_length(jv_copy(peers)) : 0;
	if (n > 0) {
		jv first = jv_array_get(jv_copy(peers), 0);
		const char *fu = record_str(first, "url"), *q = fu ? strchr(fu, '?') : NULL;
		while (q && *q) {
			char key[128];
			size_t kl;
			int all = 1;
			q++;
			kl = strcspn(q, "=&");
			snprintf(key, sizeof key, "%.*s", (int)(kl < 127 ? kl : 127), q);
			for (i = 0; i < n && all; i++) {
				jv e = jv_array_get(jv_copy(peers), i);
				all = query_has(record_str(e, "url"), key);
				jv_free(e);
			}
			if (all && *key && !query_has(url, key))
				reasons = reason(reasons, "the request lacks the parameter '%s', which "
				    "every known-good request to this path had", key);
			q = strchr(q, '&');
		}
		jv_free(first);
	}
	return reasons;
}

static const char *const loss_tokens[] = { "null", "zero", "empty", "arr0", "obj0", "bad", NULL };

static const char *
loss_words(const char *tok)
{
	if (!strcmp(tok, "null")) return "is now null";
	if (!strcmp(tok, "zero")) return "is now 0";
	if (!strcmp(tok, "empty")) return "is now an empty string";
	if (!strcmp(tok, "arr0")) return "is now an empty array";
	if (!strcmp(tok, "obj0")) return "is now an empty object";
	return "holds a value formatted from a missing one (undefined, NaN, None, null)";
}

/*
 * A count-like member: count, total, n, size, length, hits, a name with
 * "count" or "total" in it (strong: these say how much there is), or a
 * plural noun holding a number (orders, pages; weak: only its own zero
 * is excused).
 */
static int
count_like(const char *path, int strong)
{
	const char *k = strrchr(path, '.');
	static const char *const names[] = { "count", "total", "n", "size", "length", "hits",
		NULL };
	size_t n;
	int i;

	if (!k || strchr(k, '['))
		return 0;
	k++;
	for (i = 0; names[i]; i++)
		if (!strcasecmp(k, names[i]))
			return 1;
	if (strcasestr(k, "count") || strcasestr(k, "total"))
		return 1;
	n = strlen(k);
	return !strong && n > 2 && k[n - 1] == 's' && k[n - 2] != 's';
}

/* Does the answer say it has nothing (a count-like 0 and no count-like non-zero)? */
static int
says_empty(jv shape)
{
	int zero = 0, nonzero = 0;

	jv_object_foreach(shape, k, t) {
		if (jv_get_kind(t) == JV_KIND_STRING && count_like(jv_string_value(k), 1)) {
			zero |= tokens_have(jv_string_value(t), "zero");
			nonzero |= tokens_have(jv_string_value(t), "num");
		}
		jv_free(k);
		jv_free(t);
	}
	return zero && !nonzero;
}

/* The parent of a path ("$.a.b" -> "$.a", "$.a[]" -> "$.a"). */
static void
parent_of(char *out, size_t len, const char *path)
{
	const char *dot = strrchr(path, '.'), *br = strrchr(path, '[');
	const char *cut = dot > br ? dot : br;

	snprintf(out, len, "%.*s", cut ? (int)(cut - path) : 0, path);
}

static jv
losses(jv reasons, jv known, jv shape, int strict)
{
	jv paths = record_get(known, "paths");
	double n = record_num(known, "json", 0);
	int empty_ok = says_empty(shape);

	if (jv_get_kind(paths) != JV_KIND_OBJECT) {
		jv_free(paths);
		return reasons;
	}
	jv_object_foreach(paths, k, p) {
		const char *path = jv_string_value(k);
		jv now = jv_object_has(jv_copy(shape), jv_copy(k)) ?
		    jv_object_get(jv_copy(shape), jv_copy(k)) : jv_null();
		jv tok = record_get(p, "tok");
		int i;

		if (jv_get_kind(now) == JV_KIND_STRING) {
			for (i = 0; loss_tokens[i]; i++) {
				const char *t = loss_tokens[i];
				if (!tokens_have(jv_string_value(now), t) || record_num(tok, t, 0) > 0)
					continue;
				/* Nothing to count: empty containers and zero counts are
				 * right; a zero average or ratio over nothing is not. */
				if (empty_ok && (!strcmp(t, "arr0") || !strcmp(t, "obj0") ||
				    (!strcmp(t, "zero") && (!strict || count_like(path, 0)))))
					continue;
				reasons = reason(reasons, "'%s' %s (never in %.0f known-good answer%s)",
				    path, loss_words(t), n, n == 1 ? "" : "s");
			}
		} else if (!strchr(path, '[') && record_num(p, "seen", 0) >= n && n > 0) {
			/* Always there before; missing now while its parent is a
			 * non-empty object (a parent that went away says it already). */
			char par[PATH_MAX_LEN];
			jv pt;
			parent_of(par, sizeof par, path);
			pt = jv_object_has(jv_copy(shape), jv_string(par)) ?
			    jv_object_get(jv_copy(shape), jv_string(par)) : jv_null();
			if (jv_get_kind(pt) == JV_KIND_STRING && tokens_have(jv_string_value(pt), "obj"))
				reasons = reason(reasons, "'%s' is missing (in all %.0f known-good "
				    "answer%s)", path, n, n == 1 ? "" : "s");
			jv_free(pt);
		}
		jv_free(now);
		jv_free(tok);
		jv_free(k);
		jv_free(p);
	}
	jv_free(paths);
	return reasons;
}

/* Bad strings anywhere, judged without a known-good record. */
static jv
bad_strings(jv reasons, jv shape)
{
	jv_object_foreach(shape, k, t) {
		if (jv_get_kind(t) == JV_KIND_STRING && tokens_have(jv_string_value(t), "bad"))
			reasons = reason(reasons, "'%s' %s", jv_string_value(k), loss_words("bad"));
		jv_free(k);
		jv_free(t);
	}
	return reasons;
}

/* Was this very body among the known-good requests' (or are there no
 * bodies to tell: then the URL decides)?  A full list may have lost it. */
static int
same_body(jv known, const char *req_body)
{
	jv bs = record_get(known, "request_bodies");
	char h[17];
	int n = jv_get_kind(bs) == JV_KIND_ARRAY ? jv_array_length(jv_copy(bs)) : 0, r;

	if (!req_body || !*req_body || n == 0 || n >= SHAPE_BODIES) {
		jv_free(bs);
		return 1;
	}
	body_hash(req_body, h);
	r = array_has_str(bs, h);
	jv_free(bs);
	return r;
}

static jv
verdict(const char *v, jv reasons)
{
	return JV_OBJECT(jv_string("verdict"), jv_string(v), jv_string("reasons"), reasons);
}

jv
shape_judge(jv known, jv peers, const char *method, const char *url, const char *req_body,
    long status, jv shape, int strict)
{
	int have = jv_get_kind(known) == JV_KIND_OBJECT && record_num(known, "n", 0) > 0;
	jv reasons = jv_array();

	if (status < 100)
		return verdict("failed", reason(reasons, "no answer"));
	if (status >= 500)
		return verdict("failed", reason(reasons, "answered %ld", status));
	if (status >= 400) {
		reasons = malformed(reasons, method, url, req_body, known, peers);
		if (jv_array_length(jv_copy(reasons)) > 0) {
			jv out = jv_array_append(jv_array(), jv_string_fmt("answered %ld to a malformed "
			    "request, as it should", status));
			return verdict("rejected", jv_array_concat(out, reasons));
		}
		if (have && record_num(known, "n", 0) > 0 && !record_has(known, "peer") &&
		    same_body(known, req_body))
			return verdict("failed", reason(reasons, "answered %ld where known-good "
			    "answers to this request were 2xx", status));
		return verdict("unproven", reason(reasons, "answered %ld; nothing shows the "
		    "request is malformed", status));
	}
	if (jv_get_kind(shape) != JV_KIND_OBJECT) {
		if (have && record_num(known, "json", 0) > 0)
			return verdict("degraded", reason(reasons, "the answer is no longer JSON"));
		return verdict(have ? "good" : "unproven", have ? reasons : reason(reasons,
		    "no known-good answer to compare with"));
	}
	if (have) {
		reasons = losses(reasons, known, shape, strict);
		/* bad strings losses() could not see: paths the known-good never had */
		jv_object_foreach(shape, k, t) {
			jv p = record_get(known, "paths");
			if (jv_get_kind(t) == JV_KIND_STRING && tokens_have(jv_string_value(t), "bad") &&
			    (jv_get_kind(p) != JV_KIND_OBJECT || !jv_object_has(jv_copy(p), jv_copy(k))))
				reasons = reason(reasons, "'%s' %s", jv_string_value(k), loss_words("bad"));
			jv_free(p);
			jv_free(k);
			jv_free(t);
		}
	} else {
		reasons = bad_strings(reasons, shape);
	}
	if (jv_array_length(jv_copy(reasons)) > 0)
		return verdict("degraded", reasons);
	if (!have)
		return verdict("unproven", reason(reasons, "no known-good answer to compare with"));
	return verdict("good", reasons);
}

/* ---- the known-good store ---- */

static char *
store_key(const char *monitor, const char *url)
{
	char *k;

	if (asprintf(&k, "%s %s", monitor ? monitor : "", url ? url : "") < 0)
		return NULL;
	return k;
}

int
shape_known_get(struct spool *sp, jv *out, const char *monitor, const char *url)
{
	char *k = store_key(monitor, url);
	int rc;

	*out = jv_null();
	if (!k)
		return mend_err("out of memory");
	rc = spool_state_get(sp, out, "shape", k);
	free(k);
	if (rc <= 0)
		*out = jv_null();
	return rc;
}

int
shape_known_put(struct spool *sp, const char *monitor, const char *url, jv known)
{
	char *k = store_key(monitor, url);
	int rc;

	if (!k) {
		jv_free(known);
		return mend_err("out of memory");
	}
	rc = spool_state_put(sp, "shape", k, known);
	free(k);
	return rc;
}

int
shape_known_find(struct spool *sp, jv *known, jv *peers, const char *monitor, const char *url)
{
	jv all;
	const char *want = shape_url_path(url);

	*known = jv_null();
	*peers = jv_array();
	if (spool_state_all(sp, &all, "shape") < 0)
		return -1;
	jv_object_foreach(all, k, v) {
		const char *ku = record_str(v, "url"), *km = record_str(v, "monitor");
		if (ku && same_path(ku, url)) {
			*peers = jv_array_append(*peers, jv_copy(v));
			if (!strcmp(shape_url_path(ku), want) &&
			    (jv_get_kind(*known) != JV_KIND_OBJECT || (monitor && km &&
			    !strcmp(km, monitor)))) {
				jv_free(*known);
				*known = jv_copy(v);
			}
		}
		jv_free(k);
		jv_free(v);
	}
	jv_free(all);
	/* No record of this very request: the path's peers stand in, marked. */
	if (jv_get_kind(*known) != JV_KIND_OBJECT && jv_array_length(jv_copy(*peers)) == 1) {
		jv_free(*known);
		*known = record_set(jv_array_get(jv_copy(*peers), 0), "peer", jv_true());
	}
	return 0;
}

jv
shape_checks(jv known, jv shape)
{
	jv paths = record_get(known, "paths"), out = jv_array();
	double n = record_num(known, "json", 0);

	if (jv_get_kind(paths) != JV_KIND_OBJECT || jv_get_kind(shape) != JV_KIND_OBJECT) {
		jv_free(paths);
		return out;
	}
	jv_object_foreach(paths, k, p) {
		jv tok = record_get(p, "tok"), forbid = jv_array();
		jv now = jv_object_has(jv_copy(shape), jv_copy(k)) ?
		    jv_object_get(jv_copy(shape), jv_copy(k)) : jv_null();
		int i, req = !strchr(jv_string_value(k), '[') && n > 0 &&
		    record_num(p, "seen", 0) >= n && jv_get_kind(now) == JV_KIND_STRING;

		for (i = 0; loss_tokens[i]; i++)
			if (record_num(tok, loss_tokens[i], 0) == 0 &&
			    (jv_get_kind(now) != JV_KIND_STRING ||
			    !tokens_have(jv_string_value(now), loss_tokens[i])))
				forbid = jv_array_append(forbid, jv_string(loss_tokens[i]));
		if (jv_array_length(jv_copy(forbid)) > 0 && jv_array_length(jv_copy(out)) < 64)
			out = jv_array_append(out, JV_OBJECT(jv_string("path"), jv_copy(k),
			    jv_string("forbid"), forbid, jv_string("required"), jv_bool(req)));
		else
			jv_free(forbid);
		jv_free(now);
		jv_free(tok);
		jv_free(k);
		jv_free(p);
	}
	jv_free(paths);
	return out;
}
