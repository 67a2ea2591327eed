/*
 * detect_scan.c - detect's fast path: a small validating scanner that
 * picks the fields the rules need out of a probe record's text without
 * building a jv, and the common "...Z" timestamp without strptime.
 *
 * It answers "unsure" (-1) for anything unusual (escapes in the fields
 * it reads, a shape it does not check), and detect.c then parses the
 * line with libjq, which stays the authority on what a bad line is.  So
 * the scanner may refuse too much, never accept what libjq would not.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "detect.h"

static int
digits(const char *p, int n)
{
	int v = 0;

	while (n--) {
		if (*p < '0' || *p > '9')
			return -1;
		v = v * 10 + (*p++ - '0');
	}
	return v;
}

/* RFC 3339 time of a record: the common "...Z" shape fast, else time.c. */
int
detect_parse_ts(double *out, const char *s, size_t n)
{
	char buf[64];

	if (n >= 20 && s[4] == '-' && s[7] == '-' && (s[10] == 'T' || s[10] == 't') &&
	    s[13] == ':' && s[16] == ':' && (s[n - 1] == 'Z' || s[n - 1] == 'z')) {
		int y = digits(s, 4), mo = digits(s + 5, 2), d = digits(s + 8, 2);
		int h = digits(s + 11, 2), mi = digits(s + 14, 2), se = digits(s + 17, 2);
		double frac = 0, scale = 0.1;
		size_t i = 19;

		if (y >= 0 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h >= 0 && h < 24 &&
		    mi >= 0 && mi < 60 && se >= 0 && se <= 60) {
			if (i < n - 1 && s[i] == '.') {
				for (i++; i < n - 1 && s[i] >= '0' && s[i] <= '9'; i++, scale /= 10)
					frac += (s[i] - '0') * scale;
			}
			if (i == n - 1) {
				*out = (double)mend_days_from_civil(y, mo, d) * 86400.0 + h * 3600 +
				    mi * 60 + se + frac;
				return 0;
			}
		}
	}
	if (n >= sizeof buf)
		return mend_err("bad time");
	memcpy(buf, s, n);
	buf[n] = '\0';
	return mend_parse_time(out, buf);
}

static const char *
ws(const char *p, const char *e)
{
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
		p++;
	return p;
}

/* Past the string at p (a quote); *esc set when it has escapes.  NULL: unsure. */
static const char *
skip_str(const char *p, const char *e, int *esc)
{
	for (p++; p < e; p++) {
		unsigned char c = (unsigned char)*p;
		if (c == '"')
			return p + 1;
		if (c == '\\') {
			*esc = 1;
			if (++p >= e)
				return NULL;
			if (*p == 'u') {
				if (e - p < 5 || !isxdigit((unsigned char)p[1]) ||
				    !isxdigit((unsigned char)p[2]) ||
				    !isxdigit((unsigned char)p[3]) ||
				    !isxdigit((unsigned char)p[4]))
					return NULL;
				p += 4;
			} else if (!strchr("\"\\/bfnrt", *p)) {
				return NULL;
			}
		} else if (c < 0x20) {
			return NULL;
		}
	}
	return NULL;
}

static const char *
skip_num(const char *p, const char *e)
{
	if (p < e && *p == '-')
		p++;
	if (p < e && *p == '0')
		p++;
	else if (p < e && *p >= '1' && *p <= '9')
		while (p < e && isdigit((unsigned char)*p))
			p++;
	else
		return NULL;
	if (p < e && *p == '.') {
		if (++p >= e || !isdigit((unsigned char)*p))
			return NULL;
		while (p < e && isdigit((unsigned char)*p))
			p++;
	}
	if (p < e && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < e && (*p == '+' || *p == '-'))
			p++;
		if (p >= e || !isdigit((unsigned char)*p))
			return NULL;
		while (p < e && isdigit((unsigned char)*p))
			p++;
	}
	return p;
}

static const char *
skip_value(const char *p, const char *e, int depth)
{
	int esc = 0;

	if (p >= e || depth > 64)
		return NULL;
	switch (*p) {
	case '"':
		return skip_str(p, e, &esc);
	case '{':
	case '[': {
		char close = *p == '{' ? '}' : ']';
		p = ws(p + 1, e);
		if (p < e && *p == close)
			return p + 1;
		for (;;) {
			if (close == '}') {
				if (p >= e || *p != '"' || !(p = skip_str(p, e, &esc)))
					return NULL;
				p = ws(p, e);
				if (p >= e || *p != ':')
					return NULL;
				p = ws(p + 1, e);
			}
			if (!(p = skip_value(p, e, depth + 1)))
				return NULL;
			p = ws(p, e);
			if (p < e && *p == ',') {
				p = ws(p + 1, e);
				continue;
			}
			if (p < e && *p == close)
				return p + 1;
			return NULL;
		}
	}
	case 't':
		return e - p >= 4 && !memcmp(p, "true", 4) ? p + 4 : NULL;
	case 'f':
		return e - p >= 5 && !memcmp(p, "false", 5) ? p + 5 : NULL;
	case 'n':
		return e - p >= 4 && !memcmp(p, "null", 4) ? p + 4 : NULL;
	default:
		return skip_num(p, e);
	}
}

/* Scan a record's top level for the fields; 0 done, -1 unsure (use libjq). */
int
detect_scan(struct detect_fields *f, const char *p, size_t len)
{
	const char *e = p + len;

	memset(f, 0, sizeof *f);
	f->ok = -1;
	f->status = f->ms = NAN;
	p = ws(p, e);
	if (p >= e || *p != '{')
		return -1;
	p = ws(p + 1, e);
	if (p < e && *p == '}')
		return ws(p + 1, e) == e ? 0 : -1;
	for (;;) {
		const char *k, *v, *ve;
		size_t kn;
		int esc = 0;

		if (p >= e || *p != '"' || !(v = skip_str(p, e, &esc)) || esc)
			return -1;
		k = p + 1;
		kn = (size_t)(v - 1 - k);
		p = ws(v, e);
		if (p >= e || *p != ':')
			return -1;
		v = ws(p + 1, e);
		if (!(ve = skip_value(v, e, 0)))
			return -1;
		if (*v == '"') {
			const char *s = v + 1;
			size_t n = (size_t)(ve - 1 - s);
			int interesting = 1;
			if (KEYIS(k, kn, "type"))
				f->type = s, f->ntype = n;
			else if (KEYIS(k, kn, "monitor"))
				f->monitor = s, f->nmonitor = n;
			else if (KEYIS(k, kn, "url"))
				f->url = s, f->nurl = n;
			else if (KEYIS(k, kn, "ts"))
				f->ts = s, f->nts = n;
			else if (KEYIS(k, kn, "source"))
				f->source = s, f->nsource = n;
			else if (KEYIS(k, kn, "error"))
				f->error = s, f->nerror = n;
			else if (KEYIS(k, kn, "method"))
				f->method = s, f->nmethod = n;
			else if (KEYIS(k, kn, "request_body"))
				return -1;	/* wanted unescaped: the libjq path */
			else
				interesting = 0;
			if (interesting && memchr(s, '\\', n))
				return -1;
		} else if (*v == '{' && KEYIS(k, kn, "shape")) {
			f->shape = v, f->nshape = (size_t)(ve - v);
		} else if (KEYIS(k, kn, "ok")) {
			f->ok = *v == 't' ? 1 : *v == 'f' ? 0 : -1;
		} else if (*v == '-' || isdigit((unsigned char)*v)) {
			if (KEYIS(k, kn, "status"))
				f->status = strtod(v, NULL);
			else if (KEYIS(k, kn, "ms"))
				f->ms = strtod(v, NULL);
		} else if (*v == 'n' && KEYIS(k, kn, "error")) {
			f->error = NULL;
		}
		p = ws(ve, e);
		if (p < e && *p == ',') {
			p = ws(p + 1, e);
			continue;
		}
		if (p < e && *p == '}')
			return ws(p + 1, e) == e ? 0 : -1;
		return -1;
	}
}

/* The same fields from a parsed record (strings borrowed from rec). */
void
detect_fields_of(struct detect_fields *f, jv rec)
{
	const char *s;

	memset(f, 0, sizeof *f);
#define STR(field, name) \
	if ((s = record_str(rec, name))) { f->field = s; f->n##field = strlen(s); }
	STR(type, "type");
	STR(monitor, "monitor");
	STR(url, "url");
	STR(ts, "ts");
	STR(source, "source");
	STR(error, "error");
	STR(method, "method");
#undef STR
	f->request_body = record_str(rec, "request_body");
	if (record_has(rec, "shape")) {
		jv sh = record_get(rec, "shape");
		if (jv_get_kind(sh) == JV_KIND_OBJECT && (f->shape_own = record_dump(sh))) {
			f->shape = f->shape_own;
			f->nshape = strlen(f->shape_own);
		}
		jv_free(sh);
	}
	f->ok = record_bool(rec, "ok", -1);
	f->status = record_num(rec, "status", NAN);
	f->ms = record_num(rec, "ms", NAN);
}

double
detect_fields_ts(struct detect_fields *f)
{
	double t;

	if (f->ts && detect_parse_ts(&t, f->ts, f->nts) == 0)
		return t;
	return 0;
}
