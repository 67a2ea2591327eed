/*
 * otlp.c - OTLP/JSON export requests to `error` records, and the gzip
 * decoding the receiver needs (the one file that includes zlib.h).
 *
 * The conversion is pure: a parsed ExportTraceServiceRequest or
 * ExportLogsServiceRequest in, an array of error records out, so it is
 * tested without a socket.  What becomes a record:
 *
 *  - every span event named "exception" (exception.type, .message,
 *    .stacktrace, as the semantic conventions name them);
 *  - a span whose status code is ERROR (2 or "STATUS_CODE_ERROR") and
 *    that has no exception event, with the status message;
 *  - a log record at severity ERROR or above (severityNumber >= 17, or
 *    severityText ERROR/FATAL/CRITICAL/... when the number is unset).
 *
 * The monitor is the service.name resource attribute and the route: the
 * http.route, url.path or http.target attribute, else the span name.
 *
 * The OTLP/JSON rules followed: lowerCamelCase field names (the proto's
 * snake_case names are accepted too), trace and span ids as hex (any
 * case; lowercased here), 64-bit integers as decimal strings or numbers,
 * enums as integers or their names, unknown fields ignored.  A span or
 * log record that is not an object or carries a malformed id is rejected
 * and counted, and the rest of the request goes on (partial success).
 * A body that is not an export request at all fails as a whole.
 *
 * The protobuf encoding reaches otlp_errors as the same jv document:
 * otlp_pb.c decodes it into the JSON shape.  Both decoders leave out the
 * items that cannot make a record (otlp_json.c cuts them from the JSON
 * text before it is parsed), so a rule added here about which items make
 * records must be taught to span_matters/log_matters and to
 * otlp_json.c's pass too (tests/unit/test_otlp.c compares the paths).
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>

#include "mend.h"

/* AnyValue nesting deeper than this is cut (the JSON parser allows 256). */
#define MAX_DEPTH 32

/* obj[camel] or obj[snake], new reference; jv_null() when absent. */
static jv
field(jv obj, const char *camel, const char *snake)
{
	const char *names[2] = { camel, snake };
	int i;

	if (jv_get_kind(obj) != JV_KIND_OBJECT)
		return jv_null();
	for (i = 0; i < 2; i++) {
		jv k;

		if (!names[i])
			continue;
		k = jv_string(names[i]);
		if (jv_object_has(jv_copy(obj), jv_copy(k)))
			return jv_object_get(jv_copy(obj), k);
		jv_free(k);
	}
	return jv_null();
}

/* An array field, or an empty array when absent; -1 when not an array. */
static int
array_field(jv *out, jv obj, const char *camel, const char *snake)
{
	jv a = field(obj, camel, snake);

	if (jv_get_kind(a) == JV_KIND_NULL) {
		jv_free(a);
		*out = jv_array();
		return 0;
	}
	if (jv_get_kind(a) != JV_KIND_ARRAY) {
		jv_free(a);
		return -1;
	}
	*out = a;
	return 0;
}

static jv anyvalue(jv v, int depth);

/* [{key, value: AnyValue}] (borrowed) to a plain object. */
static jv
keyvalues(jv kvs, int depth)
{
	jv o = jv_object();
	int i, n;

	if (jv_get_kind(kvs) != JV_KIND_ARRAY)
		return o;
	n = jv_array_length(jv_copy(kvs));
	for (i = 0; i < n; i++) {
		jv kv = jv_array_get(jv_copy(kvs), i);
		jv k = field(kv, "key", NULL);

		if (jv_get_kind(k) == JV_KIND_STRING) {
			jv v = field(kv, "value", NULL);
			o = jv_object_set(o, k, anyvalue(v, depth + 1));
			jv_free(v);
		} else
			jv_free(k);
		jv_free(kv);
	}
	return o;
}

/* An OTLP AnyValue (borrowed) as plain JSON: a new reference. */
static jv
anyvalue(jv v, int depth)
{
	static const char *scalars[][2] = {
		{ "stringValue", "string_value" }, { "boolValue", "bool_value" },
		{ "doubleValue", "double_value" }, { "bytesValue", "bytes_value" },
	};
	jv x;
	size_t i;

	if (jv_get_kind(v) != JV_KIND_OBJECT || depth > MAX_DEPTH)
		return jv_null();
	for (i = 0; i < sizeof scalars / sizeof *scalars; i++) {
		x = field(v, scalars[i][0], scalars[i][1]);
		if (jv_get_kind(x) != JV_KIND_NULL)
			return x;
		jv_free(x);
	}
	x = field(v, "intValue", "int_value");
	if (jv_get_kind(x) == JV_KIND_STRING) {
		/* int64 as a decimal string: a number when it is one. */
		const char *s = jv_string_value(x);
		char *end;
		double d = strtod(s, &end);

		if (*s && !*end) {
			jv_free(x);
			return jv_number(d);
		}
		return x;
	}
	if (jv_get_kind(x) != JV_KIND_NULL)
		return x;
	jv_free(x);
	x = field(v, "arrayValue", "array_value");
	if (jv_get_kind(x) == JV_KIND_OBJECT) {
		jv vals = field(x, "values", NULL), a = jv_array();
		int n = jv_get_kind(vals) == JV_KIND_ARRAY
		    ? jv_array_length(jv_copy(vals)) : 0;

		for (int j = 0; j < n; j++) {
			jv e = jv_array_get(jv_copy(vals), j);
			a = jv_array_append(a, anyvalue(e, depth + 1));
			jv_free(e);
		}
		jv_free(vals);
		jv_free(x);
		return a;
	}
	jv_free(x);
	x = field(v, "kvlistValue", "kvlist_value");
	if (jv_get_kind(x) == JV_KIND_OBJECT) {
		jv vals = field(x, "values", NULL);
		jv o = keyvalues(vals, depth + 1);

		jv_free(vals);
		jv_free(x);
		return o;
	}
	jv_free(x);
	return jv_null();
}

/* attributes of obj (borrowed) as an object. */
static jv
attributes(jv obj)
{
	jv kvs = field(obj, "attributes", NULL);
	jv o = keyvalues(kvs, 0);

	jv_free(kvs);
	return o;
}

/* attrs[name] as a C string when it is a non-empty string (borrowed). */
static const char *
attr_str(jv attrs, const char *name)
{
	jv v;
	const char *s = NULL;

	if (jv_get_kind(attrs) != JV_KIND_OBJECT)
		return NULL;
	v = jv_object_get(jv_copy(attrs), jv_string(name));
	if (jv_get_kind(v) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(v)) > 0)
		s = jv_string_value(v);	/* attrs keeps it alive */
	jv_free(v);
	return s;
}

/*
 * A hex id field: *out is the lowercased id, or jv_null() when absent or
 * empty.  Returns -1 when present but not `len` hex digits.
 */
static int
hex_id(jv *out, jv obj, const char *camel, const char *snake, int len)
{
	jv v = field(obj, camel, snake);
	char buf[64];
	const char *s;
	int i;

	*out = jv_null();
	if (jv_get_kind(v) == JV_KIND_NULL) {
		jv_free(v);
		return 0;
	}
	if (jv_get_kind(v) != JV_KIND_STRING) {
		jv_free(v);
		return -1;
	}
	s = jv_string_value(v);
	if (!*s) {
		jv_free(v);
		return 0;
	}
	if ((int)strlen(s) != len || len >= (int)sizeof buf) {
		jv_free(v);
		return -1;
	}
	for (i = 0; i < len; i++) {
		if (!isxdigit((unsigned char)s[i])) {
			jv_free(v);
			return -1;
		}
		buf[i] = (char)tolower((unsigned char)s[i]);
	}
	buf[len] = '\0';
	jv_free(v);
	*out = jv_string(buf);
	return 0;
}

/* A fixed64 nanosecond time (string or number) in seconds; 0 when unset. */
static double
nanos(jv obj, const char *camel, const char *snake)
{
	jv v = field(obj, camel, snake);
	double t = 0;

	if (jv_get_kind(v) == JV_KIND_STRING) {
		char *end;
		unsigned long long n = strtoull(jv_string_value(v), &end, 10);

		if (*jv_string_value(v) && !*end)
			t = (double)(n / 1000000ULL) / 1000.0;
	} else if (jv_get_kind(v) == JV_KIND_NUMBER && jv_number_value(v) > 0)
		t = jv_number_value(v) / 1e9;
	jv_free(v);
	return t;
}

/* An enum field given as an integer or by name; dflt when unset. */
static int
enum_field(jv obj, const char *camel, const char *snake, const char *const *names,
    int nnames, int dflt)
{
	jv v = field(obj, camel, snake);
	int e = dflt;

	if (jv_get_kind(v) == JV_KIND_NUMBER)
		e = (int)jv_number_value(v);
	else if (jv_get_kind(v) == JV_KIND_STRING) {
		const char *s = jv_string_value(v);
		char *end;
		long n = strtol(s, &end, 10);

		if (*s && !*end)
			e = (int)n;
		else
			for (int i = 0; i < nnames; i++)
				if (names[i] && !strcmp(s, names[i]))
					e = i;
	}
	jv_free(v);
	return e;
}

static const char *const status_names[] = {
	"STATUS_CODE_UNSET", "STATUS_CODE_OK", "STATUS_CODE_ERROR",
};

static const char *const severity_names[] = {
	"SEVERITY_NUMBER_UNSPECIFIED",
	"SEVERITY_NUMBER_TRACE", "SEVERITY_NUMBER_TRACE2", "SEVERITY_NUMBER_TRACE3",
	"SEVERITY_NUMBER_TRACE4", "SEVERITY_NUMBER_DEBUG", "SEVERITY_NUMBER_DEBUG2",
	"SEVERITY_NUMBER_DEBUG3", "SEVERITY_NUMBER_DEBUG4", "SEVERITY_NUMBER_INFO",
	"SEVERITY_NUMBER_INFO2", "SEVERITY_NUMBER_INFO3", "SEVERITY_NUMBER_INFO4",
	"SEVERITY_NUMBER_WARN", "SEVERITY_NUMBER_WARN2", "SEVERITY_NUMBER_WARN3",
	"SEVERITY_NUMBER_WARN4", "SEVERITY_NUMBER_ERROR", "SEVERITY_NUMBER_ERROR2",
	"SEVERITY_NUMBER_ERROR3", "SEVERITY_NUMBER_ERROR4", "SEVERITY_NUMBER_FATAL",
	"SEVERITY_NUMBER_FATAL2", "SEVERITY_NUMBER_FATAL3", "SEVERITY_NUMBER_FATAL4",
};

/* The route of a span or log: from its attributes, else `fallback`. */
static const char *
route_of(jv attrs, const char *fallback)
{
	static const char *keys[] = { "http.route", "url.path", "http.target" };
	const char *s;

	for (size_t i = 0; i < sizeof keys / sizeof *keys; i++)
		if ((s = attr_str(attrs, keys[i])))
			return s;
	return fallback;
}

/* The common part of an error record. */
static jv
error_record(double ts, const char *service, const char *route, jv trace_id,
    jv span_id, const char *signal)
{
	char buf[40], mon[1024];
	jv r = jv_object();

	if (service && route)
		snprintf(mon, sizeof mon, "%s %s", service, route);
	else
		snprintf(mon, sizeof mon, "%s", service ? service : route ? route : "unknown");
	r = jv_object_set(r, jv_string("type"), jv_string("error"));
	r = jv_object_set(r, jv_string("ts"), jv_string(mend_rfc3339(buf, sizeof buf, ts)));
	r = jv_object_set(r, jv_string("monitor"), jv_string(mon));
	r = jv_object_set(r, jv_string("service"), record_strornull(service));
	r = jv_object_set(r, jv_string("route"), record_strornull(route));
	r = jv_object_set(r, jv_string("trace_id"), trace_id);
	r = jv_object_set(r, jv_string("span_id"), span_id);
	r = jv_object_set(r, jv_string("source"), jv_string("otlp"));
	r = jv_object_set(r, jv_string("signal"), jv_string(signal));
	return r;
}

/* Set message, exception, stacktrace; NULLs become null. */
static jv
set_exception(jv r, const char *message, const char *type, const char *stack)
{
	r = jv_object_set(r, jv_string("message"), record_strornull(message));
	r = jv_object_set(r, jv_string("exception"), record_strornull(type));
	r = jv_object_set(r, jv_string("stacktrace"), record_strornull(stack));
	return r;
}

/* attrs (consumed) without the exception.* keys already lifted out. */
static jv
strip_exception(jv attrs)
{
	attrs = jv_object_delete(attrs, jv_string("exception.type"));
	attrs = jv_object_delete(attrs, jv_string("exception.message"));
	return jv_object_delete(attrs, jv_string("exception.stacktrace"));
}

/* attrs (borrowed) of any http-ish url, for detect's incident url. */
static jv
url_of(jv attrs)
{
	const char *s = attr_str(attrs, "url.full");

	if (!s)
		s = attr_str(attrs, "http.url");
	return record_strornull(s);
}

/* service.name of a resource{Spans,Logs} item (borrowed). */
static jv
resource_attrs(jv item)
{
	jv res = field(item, "resource", NULL);
	jv a = attributes(res);

	jv_free(res);
	return a;
}

/* Is one of the events (borrowed array) named "exception"? */
static int
has_exception(jv events)
{
	int i, n = jv_array_length(jv_copy(events)), yes = 0;

	for (i = 0; i < n && !yes; i++) {
		jv ev = jv_array_get(jv_copy(events), i);
		jv name = field(ev, "name", NULL);

		yes = jv_get_kind(name) == JV_KIND_STRING &&
		    !strcmp(jv_string_value(name), "exception");
		jv_free(name);
		jv_free(ev);
	}
	return yes;
}

static int
span_errors(jv *out, jv span, jv res, double now)
{
	jv attrs, events, tid, sid, name, status;
	const char *service = attr_str(res, "service.name");
	const char *route, *sname;
	double end = nanos(span, "endTimeUnixNano", "end_time_unix_nano");
	int i, n, emitted = 0, code;

	if (jv_get_kind(span) != JV_KIND_OBJECT)
		return -1;
	if (hex_id(&tid, span, "traceId", "trace_id", 32) < 0)
		return -1;
	if (hex_id(&sid, span, "spanId", "span_id", 16) < 0) {
		jv_free(tid);
		return -1;
	}
	if (array_field(&events, span, "events", NULL) < 0)
		events = jv_array();
	status = field(span, "status", NULL);
	code = enum_field(status, "code", NULL, status_names, 3, 0);
	/* Most spans succeed: leave them before building anything. */
	if (code != 2 && !has_exception(events)) {
		jv_free(status);
		jv_free(events);
		jv_free(tid);
		jv_free(sid);
		return 0;
	}
	if (end <= 0)
		end = nanos(span, "startTimeUnixNano", "start_time_unix_nano");
	if (end <= 0)
		end = now;
	attrs = attributes(span);
	name = field(span, "name", NULL);
	sname = jv_get_kind(name) == JV_KIND_STRING ? jv_string_value(name) : NULL;
	route = route_of(attrs, sname);

	n = jv_array_length(jv_copy(events));
	for (i = 0; i < n; i++) {
		jv ev = jv_array_get(jv_copy(events), i);
		jv ename = field(ev, "name", NULL), ea, r, all;
		double t;

		if (jv_get_kind(ename) != JV_KIND_STRING ||
		    strcmp(jv_string_value(ename), "exception")) {
			jv_free(ename);
			jv_free(ev);
			continue;
		}
		jv_free(ename);
		ea = attributes(ev);
		t = nanos(ev, "timeUnixNano", "time_unix_nano");
		r = error_record(t > 0 ? t : end, service, route, jv_copy(tid), jv_copy(sid),
		    "trace");
		r = set_exception(r, attr_str(ea, "exception.message"),
		    attr_str(ea, "exception.type"), attr_str(ea, "exception.stacktrace"));
		r = jv_object_set(r, jv_string("span_name"), jv_copy(name));
		r = jv_object_set(r, jv_string("url"), url_of(attrs));
		all = jv_object_merge(jv_copy(attrs), strip_exception(ea));
		r = jv_object_set(r, jv_string("attributes"), all);
		r = jv_object_set(r, jv_string("resource"), jv_copy(res));
		*out = jv_array_append(*out, r);
		emitted++;
		jv_free(ev);
	}

	if (code == 2 && !emitted) {
		jv msg = field(status, "message", NULL), r;
		char fallback[1024];
		const char *m = jv_get_kind(msg) == JV_KIND_STRING &&
		    *jv_string_value(msg) ? jv_string_value(msg) : NULL;

		if (!m) {
			snprintf(fallback, sizeof fallback, "span '%s' ended with status ERROR",
			    sname ? sname : "");
			m = fallback;
		}
		r = error_record(end, service, route, jv_copy(tid), jv_copy(sid), "trace");
		r = set_exception(r, m, NULL, NULL);
		r = jv_object_set(r, jv_string("span_name"), jv_copy(name));
		r = jv_object_set(r, jv_string("url"), url_of(attrs));
		r = jv_object_set(r, jv_string("attributes"), jv_copy(attrs));
		r = jv_object_set(r, jv_string("resource"), jv_copy(res));
		*out = jv_array_append(*out, r);
		jv_free(msg);
	}
	jv_free(status);
	jv_free(name);
	jv_free(attrs);
	jv_free(events);
	jv_free(tid);
	jv_free(sid);
	return 0;
}

/* Severity text that means ERROR or worse, for logs without a number. */
static int
severe_text(jv lr)
{
	static const char *words[] = { "ERROR", "ERR", "FATAL", "CRITICAL", "CRIT",
		"ALERT", "EMERG", "EMERGENCY", "PANIC", "SEVERE" };
	jv t = field(lr, "severityText", "severity_text");
	int yes = 0;

	if (jv_get_kind(t) == JV_KIND_STRING)
		for (size_t i = 0; i < sizeof words / sizeof *words; i++)
			if (!strcasecmp(jv_string_value(t), words[i]))
				yes = 1;
	jv_free(t);
	return yes;
}

/* Does text look like a stack trace (several lines, a known shape)? */
static int
looks_like_trace(const char *s)
{
	return strchr(s, '\n') && (strstr(s, "Traceback (most recent call last)") ||
	    strstr(s, "\n    at ") || strstr(s, "\n\tat ") || strstr(s, "goroutine ") ||
	    strstr(s, "\n  File \""));
}

/*
 * The line of a trace that says what went wrong (Python's last line, the
 * first line of the others) into *msg, and the exception type when that
 * line reads "Type: message" into *type (else jv_null()).
 */
static void
trace_message(jv *msg, jv *type, const char *s)
{
	const char *end = s + strlen(s), *b = s, *p;

	if (strncmp(s, "Traceback (most recent call last)", 33) == 0) {
		while (end > s && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' '))
			end--;
		for (b = end; b > s && b[-1] != '\n'; b--)
			;
	} else if ((p = strchr(s, '\n')))
		end = p;
	*type = jv_null();
	for (p = b; p < end && (isalnum((unsigned char)*p) || *p == '_' || *p == '.' ||
	    *p == '$'); p++)
		;
	if (p > b && p + 1 < end && p[0] == ':' && p[1] == ' ') {
		*type = jv_string_sized(b, (int)(p - b));
		b = p + 2;
	}
	*msg = jv_string_sized(b, (int)(end - b));
}

static int
log_errors(jv *out, jv lr, jv res, double now)
{
	jv attrs, tid, sid, body, bodyv, r, msg, type, stack;
	const char *service = attr_str(res, "service.name");
	const char *s;
	double ts;
	int sev;

	if (jv_get_kind(lr) != JV_KIND_OBJECT)
		return -1;
	if (hex_id(&tid, lr, "traceId", "trace_id", 32) < 0)
		return -1;
	if (hex_id(&sid, lr, "spanId", "span_id", 16) < 0) {
		jv_free(tid);
		return -1;
	}
	sev = enum_field(lr, "severityNumber", "severity_number", severity_names, 25, 0);
	attrs = attributes(lr);
	if (!(sev >= 17 || (sev == 0 && (severe_text(lr) ||
	    attr_str(attrs, "exception.stacktrace"))))) {
		jv_free(attrs);
		jv_free(tid);
		jv_free(sid);
		return 0;
	}
	ts = nanos(lr, "timeUnixNano", "time_unix_nano");
	if (ts <= 0)
		ts = nanos(lr, "observedTimeUnixNano", "observed_time_unix_nano");
	if (ts <= 0)
		ts = now;
	body = field(lr, "body", NULL);
	bodyv = anyvalue(body, 0);
	jv_free(body);
	if (jv_get_kind(bodyv) != JV_KIND_STRING && jv_get_kind(bodyv) != JV_KIND_NULL)
		bodyv = jv_dump_string(bodyv, 0);

	msg = record_strornull(attr_str(attrs, "exception.message"));
	type = record_strornull(attr_str(attrs, "exception.type"));
	stack = record_strornull(attr_str(attrs, "exception.stacktrace"));
	if (jv_get_kind(bodyv) == JV_KIND_STRING) {
		s = jv_string_value(bodyv);
		if (jv_get_kind(stack) == JV_KIND_NULL && looks_like_trace(s)) {
			jv_free(stack);
			stack = jv_copy(bodyv);
			if (jv_get_kind(msg) == JV_KIND_NULL) {
				jv m, t;

				trace_message(&m, &t, s);
				jv_free(msg);
				msg = m;
				if (jv_get_kind(type) == JV_KIND_NULL) {
					jv_free(type);
					type = t;
				} else
					jv_free(t);
			}
		}
		if (jv_get_kind(msg) == JV_KIND_NULL) {
			jv_free(msg);
			msg = jv_copy(bodyv);
		}
	}
	r = error_record(ts, service, route_of(attrs, NULL), tid, sid, "log");
	r = jv_object_set(r, jv_string("message"), msg);
	r = jv_object_set(r, jv_string("exception"), type);
	r = jv_object_set(r, jv_string("stacktrace"), stack);
	r = jv_object_set(r, jv_string("severity"), jv_number(sev));
	r = jv_object_set(r, jv_string("body"), bodyv);
	r = jv_object_set(r, jv_string("url"), url_of(attrs));
	r = jv_object_set(r, jv_string("attributes"), strip_exception(attrs));
	r = jv_object_set(r, jv_string("resource"), jv_copy(res));
	*out = jv_array_append(*out, r);
	return 0;
}

int
otlp_errors(jv *records, struct otlp_stats *st, enum otlp_signal sig, jv body, double now)
{
	const char *top[2][2] = { { "resourceSpans", "resource_spans" },
		{ "resourceLogs", "resource_logs" } };
	const char *scope[2][2] = { { "scopeSpans", "scope_spans" },
		{ "scopeLogs", "scope_logs" } };
	/* Before OTLP 0.15 the scope was called the instrumentation library. */
	const char *oldscope[2][2] = {
		{ "instrumentationLibrarySpans", "instrumentation_library_spans" },
		{ "instrumentationLibraryLogs", "instrumentation_library_logs" } };
	const char *items[2][2] = { { "spans", NULL }, { "logRecords", "log_records" } };
	int s = sig == OTLP_LOGS, i, j, k, ni, nj, nk;
	jv rs, out = jv_array();

	memset(st, 0, sizeof *st);
	if (jv_get_kind(body) != JV_KIND_OBJECT) {
		jv_free(body);
		jv_free(out);
		return mend_err("request body is not a JSON object");
	}
	if (array_field(&rs, body, top[s][0], top[s][1]) < 0) {
		jv_free(body);
		jv_free(out);
		return mend_err("'%s' is not an array", top[s][0]);
	}
	ni = jv_array_length(jv_copy(rs));
	for (i = 0; i < ni; i++) {
		jv item = jv_array_get(jv_copy(rs), i), res, ss, old;

		if (jv_get_kind(item) != JV_KIND_OBJECT) {
			jv_free(item);
			st->bad_containers++;
			continue;
		}
		res = resource_attrs(item);
		if (array_field(&ss, item, scope[s][0], scope[s][1]) < 0)
			ss = (st->bad_containers++, jv_array());
		if (array_field(&old, item, oldscope[s][0], oldscope[s][1]) < 0)
			old = (st->bad_containers++, jv_array());
		ss = jv_array_concat(ss, old);
		nj = jv_array_length(jv_copy(ss));
		for (j = 0; j < nj; j++) {
			jv sc = jv_array_get(jv_copy(ss), j), list;

			if (jv_get_kind(sc) != JV_KIND_OBJECT ||
			    array_field(&list, sc, items[s][0], items[s][1]) < 0) {
				jv_free(sc);
				st->bad_containers++;
				continue;
			}
			nk = jv_array_length(jv_copy(list));
			for (k = 0; k < nk; k++) {
				jv x = jv_array_get(jv_copy(list), k);
				int rc = s ? log_errors(&out, x, res, now)
				    : span_errors(&out, x, res, now);

				st->items++;
				if (rc < 0)
					st->rejected++;
				jv_free(x);
			}
			jv_free(list);
			jv_free(sc);
		}
		jv_free(ss);
		jv_free(res);
		jv_free(item);
	}
	jv_free(rs);
	jv_free(body);
	st->errors = jv_array_length(jv_copy(out));
	*records = out;
	return 0;
}

int
otlp_gunzip(char **out, size_t *out_len, const char *in, size_t in_len, size_t max)
{
	z_stream z;
	size_t cap = in_len * 4 + 1024, len = 0;
	char *buf;
	int rc;

	if (cap > max + 1)
		cap = max + 1;
	if (!(buf = malloc(cap + 1)))
		return mend_err("out of memory");
	memset(&z, 0, sizeof z);
	/* 16 + MAX_WBITS: a gzip header, not zlib's. */
	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) {
		free(buf);
		return mend_err("cannot start gzip decoding");
	}
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)in_len;
	for (;;) {
		if (len == cap) {
			char *nb;

			if (cap > max) {
				inflateEnd(&z);
				free(buf);
				return mend_err("gzip body inflates to more than %zu bytes", max);
			}
			cap = cap * 2 > max + 1 ? max + 1 : cap * 2;
			if (!(nb = realloc(buf, cap + 1))) {
				inflateEnd(&z);
				free(buf);
				return mend_err("out of memory");
			}
			buf = nb;
		}
		z.next_out = (Bytef *)buf + len;
		z.avail_out = (uInt)(cap - len);
		rc = inflate(&z, Z_NO_FLUSH);
		len = cap - z.avail_out;
		if (rc == Z_STREAM_END)
			break;
		if (rc == Z_BUF_ERROR && z.avail_in == 0) {
			inflateEnd(&z);
			free(buf);
			return mend_err("truncated gzip body");
		}
		if (rc != Z_OK && rc != Z_BUF_ERROR) {
			inflateEnd(&z);
			free(buf);
			return mend_err("bad gzip body: %s", z.msg ? z.msg : "corrupt data");
		}
	}
	inflateEnd(&z);
	if (len > max) {
		free(buf);
		return mend_err("gzip body inflates to more than %zu bytes", max);
	}
	buf[len] = '\0';
	*out = buf;
	*out_len = len;
	return 0;
}
