/*
 * test_otlp.c - lib/otlp.c: OTLP/JSON export requests to error records,
 * and the bounded gzip decoder.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <cmocka.h>

#include "mend.h"

static jv
parse(const char *s)
{
	jv v;

	assert_int_equal(record_parse(&v, s, strlen(s)), 0);
	return v;
}

/* Convert, expecting success; returns the records array. */
static jv
convert(enum otlp_signal sig, const char *body, struct otlp_stats *st)
{
	jv out;

	assert_int_equal(otlp_errors(&out, st, sig, parse(body), 1000.0), 0);
	assert_int_equal(jv_get_kind(out), JV_KIND_ARRAY);
	return out;
}

static void
expect_str(jv rec, const char *path, const char *want)
{
	const char *got = record_str(rec, path);

	if (!want) {
		assert_null(got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
}

#define SPAN_PRE "{\"resourceSpans\":[{\"resource\":{\"attributes\":[{\"key\":" \
	"\"service.name\",\"value\":{\"stringValue\":\"shop\"}}]},\"scopeSpans\":" \
	"[{\"spans\":["
#define SPAN_POST "]}]}]}"

static void
exception_event(void **state)
{
	struct otlp_stats st;
	jv out = convert(OTLP_TRACES, SPAN_PRE
	    "{\"traceId\":\"5B8EFFF798038103D269B633813FC60C\",\"spanId\":\"EEE19B7EC3C1B174\","
	    "\"name\":\"GET /avg\",\"endTimeUnixNano\":\"1544712661000000000\","
	    "\"attributes\":[{\"key\":\"http.route\",\"value\":{\"stringValue\":\"/avg\"}},"
	    "{\"key\":\"n\",\"value\":{\"intValue\":\"3\"}}],"
	    "\"events\":[{\"name\":\"exception\",\"timeUnixNano\":\"1544712660500000000\","
	    "\"attributes\":[{\"key\":\"exception.type\",\"value\":{\"stringValue\":\"ZeroDivisionError\"}},"
	    "{\"key\":\"exception.message\",\"value\":{\"stringValue\":\"division by zero\"}},"
	    "{\"key\":\"exception.stacktrace\",\"value\":{\"stringValue\":\"Traceback...\"}}]}],"
	    "\"status\":{\"code\":2}}" SPAN_POST, &st);
	jv r;

	/* An exception event and an ERROR status make one record, not two. */
	assert_int_equal(jv_array_length(jv_copy(out)), 1);
	assert_int_equal(st.items, 1);
	assert_int_equal(st.rejected, 0);
	r = jv_array_get(jv_copy(out), 0);
	expect_str(r, "type", "error");
	expect_str(r, "monitor", "shop /avg");
	expect_str(r, "message", "division by zero");
	expect_str(r, "exception", "ZeroDivisionError");
	expect_str(r, "stacktrace", "Traceback...");
	expect_str(r, "trace_id", "5b8efff798038103d269b633813fc60c");
	expect_str(r, "span_id", "eee19b7ec3c1b174");
	expect_str(r, "ts", "2018-12-13T14:51:00.500Z");
	assert_true(record_num(r, "attributes.n", 0) == 3);
	jv_free(r);
	jv_free(out);
}

static void
status_error(void **state)
{
	struct otlp_stats st;
	jv out = convert(OTLP_TRACES, SPAN_PRE
	    "{\"name\":\"charge\",\"status\":{\"code\":\"STATUS_CODE_ERROR\",\"message\":\"declined\"}},"
	    "{\"name\":\"fine\",\"status\":{\"code\":\"STATUS_CODE_OK\"}},"
	    "{\"name\":\"unset\"},"
	    "{\"name\":\"two\",\"status\":{\"code\":\"2\"}}" SPAN_POST, &st);
	jv r;

	assert_int_equal(jv_array_length(jv_copy(out)), 2);
	r = jv_array_get(jv_copy(out), 0);
	expect_str(r, "monitor", "shop charge");
	expect_str(r, "message", "declined");
	assert_int_equal(jv_get_kind(record_get(r, "exception")), JV_KIND_NULL);
	assert_int_equal(jv_get_kind(record_get(r, "trace_id")), JV_KIND_NULL);
	/* No time at all: `now` stands in. */
	expect_str(r, "ts", "1970-01-01T00:16:40.000Z");
	jv_free(r);
	r = jv_array_get(jv_copy(out), 1);
	expect_str(r, "message", "span 'two' ended with status ERROR");
	jv_free(r);
	jv_free(out);
}

static void
partial_rejects(void **state)
{
	struct otlp_stats st;
	jv out = convert(OTLP_TRACES, SPAN_PRE
	    "42,"
	    "{\"traceId\":\"zz8efff798038103d269b633813fc60c\",\"status\":{\"code\":2}},"
	    "{\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"spanId\":\"123\",\"status\":{\"code\":2}},"
	    "{\"traceId\":5,\"status\":{\"code\":2}},"
	    "{\"traceId\":\"\",\"spanId\":\"\",\"name\":\"ok\",\"status\":{\"code\":2}}" SPAN_POST, &st);

	assert_int_equal(st.items, 5);
	assert_int_equal(st.rejected, 4);
	assert_int_equal(jv_array_length(out), 1);
}

static void
not_a_request(void **state)
{
	struct otlp_stats st;
	jv out;

	assert_int_equal(otlp_errors(&out, &st, OTLP_TRACES, parse("[1,2]"), 0), -1);
	assert_int_equal(otlp_errors(&out, &st, OTLP_TRACES,
	    parse("{\"resourceSpans\":{}}"), 0), -1);
	assert_non_null(strstr(mend_errmsg(), "resourceSpans"));
	/* An empty request is a valid one. */
	out = convert(OTLP_LOGS, "{}", &st);
	assert_int_equal(jv_array_length(out), 0);
	/* Wrong shapes inside are skipped and counted, never fatal. */
	out = convert(OTLP_TRACES, "{\"resourceSpans\":[1,{\"scopeSpans\":[2,"
	    "{\"spans\":\"x\"}]},{\"resource\":7,\"scopeSpans\":[{\"spans\":[{\"events\":5,"
	    "\"attributes\":[1,{\"key\":3},{\"key\":\"k\"}],\"status\":{\"code\":2}}]}]}]}", &st);
	assert_int_equal(jv_array_length(out), 1);
	assert_int_equal(st.bad_containers, 3);
}

static void
snake_case_and_old_names(void **state)
{
	struct otlp_stats st;
	jv out = convert(OTLP_TRACES, "{\"resource_spans\":[{\"instrumentation_library_spans\":"
	    "[{\"spans\":[{\"trace_id\":\"5b8efff798038103d269b633813fc60c\","
	    "\"status\":{\"code\":2}}]}]}]}", &st);
	jv r = jv_array_get(out, 0);

	expect_str(r, "trace_id", "5b8efff798038103d269b633813fc60c");
	/* No service.name: the monitor is what there is. */
	expect_str(r, "monitor", "unknown");
	jv_free(r);
}

static void
anyvalues(void **state)
{
	struct otlp_stats st;
	jv out = convert(OTLP_LOGS, "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{"
	    "\"severityNumber\":17,\"body\":{\"stringValue\":\"x\"},\"attributes\":["
	    "{\"key\":\"s\",\"value\":{\"stringValue\":\"v\"}},"
	    "{\"key\":\"b\",\"value\":{\"boolValue\":false}},"
	    "{\"key\":\"i\",\"value\":{\"intValue\":\"-12\"}},"
	    "{\"key\":\"d\",\"value\":{\"doubleValue\":1.5}},"
	    "{\"key\":\"a\",\"value\":{\"arrayValue\":{\"values\":[{\"intValue\":1},{}]}}},"
	    "{\"key\":\"m\",\"value\":{\"kvlistValue\":{\"values\":[{\"key\":\"k\",\"value\":"
	    "{\"stringValue\":\"w\"}}]}}},"
	    "{\"key\":\"e\",\"value\":{}}]}]}]}]}", &st);
	jv r = jv_array_get(out, 0), a = record_get(r, "attributes");
	char *s = record_dump(a);

	jv_free(a);
	assert_string_equal(s, "{\"s\":\"v\",\"b\":false,\"i\":-12,\"d\":1.5,\"a\":[1,null],"
	    "\"m\":{\"k\":\"w\"},\"e\":null}");
	free(s);
	jv_free(r);
}

static void
log_severity(void **state)
{
	struct otlp_stats st;
	jv out = convert(OTLP_LOGS, "{\"resourceLogs\":[{\"resource\":{\"attributes\":"
	    "[{\"key\":\"service.name\",\"value\":{\"stringValue\":\"api\"}}]},"
	    "\"scopeLogs\":[{\"logRecords\":["
	    "{\"severityNumber\":16,\"body\":{\"stringValue\":\"warn4\"}},"
	    "{\"severityNumber\":17,\"body\":{\"stringValue\":\"error\"}},"
	    "{\"severityNumber\":\"SEVERITY_NUMBER_FATAL4\",\"body\":{\"stringValue\":\"fatal4\"}},"
	    "{\"severityNumber\":\"SEVERITY_NUMBER_INFO\",\"body\":{\"stringValue\":\"info\"}},"
	    "{\"severityText\":\"Critical\",\"body\":{\"stringValue\":\"crit\"}},"
	    "{\"severityText\":\"Information\",\"body\":{\"stringValue\":\"info text\"}},"
	    "{\"severityNumber\":9,\"severityText\":\"ERROR\",\"body\":{\"stringValue\":\"number wins\"}},"
	    "{\"body\":{\"stringValue\":\"Traceback (most recent call last):\\n"
	    "  File \\\"a.py\\\", line 1, in <module>\\nKeyError: 'id'\\n\"},"
	    "\"attributes\":[{\"key\":\"exception.stacktrace\",\"value\":{\"stringValue\":\"st\"}}]}"
	    "]}]}]}", &st);
	jv r;

	assert_int_equal(jv_array_length(jv_copy(out)), 4);
	r = jv_array_get(jv_copy(out), 0);
	expect_str(r, "message", "error");
	expect_str(r, "monitor", "api");
	jv_free(r);
	r = jv_array_get(jv_copy(out), 1);
	expect_str(r, "message", "fatal4");
	assert_true(record_num(r, "severity", 0) == 24);
	jv_free(r);
	r = jv_array_get(jv_copy(out), 2);
	expect_str(r, "message", "crit");
	jv_free(r);
	r = jv_array_get(jv_copy(out), 3);
	/* exception.stacktrace wins over the body. */
	expect_str(r, "stacktrace", "st");
	jv_free(r);
	jv_free(out);
}

static void
log_traceback_body(void **state)
{
	struct otlp_stats st;
	jv out = convert(OTLP_LOGS, "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":["
	    "{\"severityNumber\":17,\"observedTimeUnixNano\":2000000000,"
	    "\"body\":{\"stringValue\":\"Traceback (most recent call last):\\n"
	    "  File \\\"app.py\\\", line 9, in avg\\n    return total / count\\n"
	    "ZeroDivisionError: division by zero\\n\"}},"
	    "{\"severityNumber\":18,\"body\":{\"stringValue\":\"java.lang.IllegalStateException: bad\\n"
	    "\\tat com.x.A.run(A.java:3)\\n\"}}]}]}]}", &st);
	jv r = jv_array_get(jv_copy(out), 0);

	expect_str(r, "message", "division by zero");
	expect_str(r, "exception", "ZeroDivisionError");
	assert_non_null(strstr(record_str(r, "stacktrace"), "line 9, in avg"));
	expect_str(r, "ts", "1970-01-01T00:00:02.000Z");
	jv_free(r);
	r = jv_array_get(jv_copy(out), 1);
	expect_str(r, "message", "bad");
	expect_str(r, "exception", "java.lang.IllegalStateException");
	jv_free(r);
	jv_free(out);
}

static void
deep_nesting(void **state)
{
	/* AnyValue nested past the cut (jq parses up to 256 levels): no crash. */
	char *buf = malloc(200000), *p = buf;
	struct otlp_stats st;
	jv out;
	int i;

	p += sprintf(p, "{\"resourceLogs\":[{\"scopeLogs\":[{\"logRecords\":[{"
	    "\"severityNumber\":17,\"body\":");
	for (i = 0; i < 40; i++)
		p += sprintf(p, "{\"arrayValue\":{\"values\":[");
	p += sprintf(p, "{\"intValue\":1}");
	for (i = 0; i < 40; i++)
		p += sprintf(p, "]}}");
	sprintf(p, "}]}]}]}");
	out = convert(OTLP_LOGS, buf, &st);
	assert_int_equal(jv_array_length(out), 1);
	free(buf);
}

static void
gunzip(void **state)
{
	const char *text = "{\"resourceSpans\":[]}";
	unsigned char gz[256];
	z_stream z;
	char *out;
	size_t len;

	memset(&z, 0, sizeof z);
	assert_int_equal(deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)text;
	z.avail_in = strlen(text);
	z.next_out = gz;
	z.avail_out = sizeof gz;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	assert_int_equal(otlp_gunzip(&out, &len, (char *)gz, z.total_out, 1 << 20), 0);
	assert_int_equal(len, strlen(text));
	assert_string_equal(out, text);
	free(out);
	/* The limit holds after decoding too. */
	assert_int_equal(otlp_gunzip(&out, &len, (char *)gz, z.total_out, 10), -1);
	assert_non_null(strstr(mend_errmsg(), "more than 10"));
	assert_int_equal(otlp_gunzip(&out, &len, (char *)gz, z.total_out - 4, 1 << 20), -1);
	assert_int_equal(otlp_gunzip(&out, &len, "not gzip", 8, 1 << 20), -1);
	assert_int_equal(otlp_gunzip(&out, &len, "", 0, 1 << 20), -1);
}

static void
gunzip_bomb(void **state)
{
	/* 8 MiB of zeros compress to a few kB; a 1 MiB limit refuses them. */
	size_t n = 8 << 20, cap = compressBound(n) + 64;
	char *zeros = calloc(1, n), *out;
	unsigned char *gz = malloc(cap);
	z_stream z;
	size_t len;

	memset(&z, 0, sizeof z);
	assert_int_equal(deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8,
	    Z_DEFAULT_STRATEGY), Z_OK);
	z.next_in = (unsigned char *)zeros;
	z.avail_in = n;
	z.next_out = gz;
	z.avail_out = cap;
	assert_int_equal(deflate(&z, Z_FINISH), Z_STREAM_END);
	deflateEnd(&z);
	assert_true(z.total_out < 65536);
	assert_int_equal(otlp_gunzip(&out, &len, (char *)gz, z.total_out, 1 << 20), -1);
	free(zeros);
	free(gz);
}

/*
 * Random shapes made of OTLP's own field names and values of every kind:
 * whatever the request looks like, conversion must not crash or leak
 * (ASan runs this), and everything it emits is an error record.
 */
static const char *vocab[] = {
	"resourceSpans", "resourceLogs", "scopeSpans", "scopeLogs", "spans", "logRecords",
	"resource", "attributes", "key", "value", "stringValue", "intValue", "boolValue",
	"doubleValue", "arrayValue", "kvlistValue", "values", "bytesValue", "events", "name",
	"status", "code", "message", "traceId", "spanId", "timeUnixNano", "endTimeUnixNano",
	"severityNumber", "severityText", "body", "exception", "exception.type",
	"exception.stacktrace", "service.name", "http.route", "instrumentationLibrarySpans",
};

static uint32_t rng = 12345;

static uint32_t
next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static jv
random_value(int depth)
{
	int n, i;
	jv v;

	switch (next_rand() % (depth > 6 ? 5 : 8)) {
	case 0: return jv_null();
	case 1: return jv_number((double)(int32_t)next_rand());
	case 2: return jv_string(vocab[next_rand() % (sizeof vocab / sizeof *vocab)]);
	case 3: return next_rand() % 2 ? jv_true() : jv_false();
	case 4: return jv_string(next_rand() % 2 ? "5b8efff798038103d269b633813fc60c"
	    : "STATUS_CODE_ERROR");
	case 5: case 6:
		v = jv_object();
		n = next_rand() % 5;
		for (i = 0; i < n; i++)
			v = jv_object_set(v, jv_string(vocab[next_rand() %
			    (sizeof vocab / sizeof *vocab)]), random_value(depth + 1));
		return v;
	default:
		v = jv_array();
		n = next_rand() % 4;
		for (i = 0; i < n; i++)
			v = jv_array_append(v, random_value(depth + 1));
		return v;
	}
}

/* v (consumed) with some of its parts replaced by random values. */
static jv
mutate(jv v, int depth)
{
	jv keys;
	int i, n;

	if (next_rand() % 10 == 0)
		return (jv_free(v), random_value(depth));
	switch (jv_get_kind(v)) {
	case JV_KIND_OBJECT:
		keys = jv_keys(jv_copy(v));
		n = jv_array_length(jv_copy(keys));
		for (i = 0; i < n; i++) {
			jv k = jv_array_get(jv_copy(keys), i);
			v = jv_object_set(v, jv_copy(k),
			    mutate(jv_object_get(jv_copy(v), jv_copy(k)), depth + 1));
			jv_free(k);
		}
		jv_free(keys);
		return v;
	case JV_KIND_ARRAY:
		n = jv_array_length(jv_copy(v));
		for (i = 0; i < n; i++)
			v = jv_array_set(v, i, mutate(jv_array_get(jv_copy(v), i), depth + 1));
		return v;
	default:
		return v;
	}
}

static void
random_shapes(void **state)
{
	const char *templates[2] = { SPAN_PRE
	    "{\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"name\":\"GET /a\","
	    "\"attributes\":[{\"key\":\"http.route\",\"value\":{\"stringValue\":\"/a\"}}],"
	    "\"events\":[{\"name\":\"exception\",\"attributes\":[{\"key\":\"exception.type\","
	    "\"value\":{\"stringValue\":\"E\"}},{\"key\":\"x\",\"value\":{\"arrayValue\":"
	    "{\"values\":[{\"intValue\":\"1\"}]}}}]}],\"status\":{\"code\":2}}" SPAN_POST,
	    "{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":\"service.name\","
	    "\"value\":{\"stringValue\":\"s\"}}]},\"scopeLogs\":[{\"logRecords\":["
	    "{\"severityNumber\":17,\"body\":{\"kvlistValue\":{\"values\":[{\"key\":\"k\","
	    "\"value\":{\"stringValue\":\"Traceback (most recent call last):\\nE: x\"}}]}},"
	    "\"attributes\":[{\"key\":\"exception.message\",\"value\":{\"stringValue\":\"m\"}}]}"
	    "]}]}]}" };
	long total = 0;
	int i, j;

	for (i = 0; i < 3000; i++) {
		jv body = mutate(parse(templates[i % 2]), 0), out;
		struct otlp_stats st;
		int n;

		if (otlp_errors(&out, &st, i % 2 ? OTLP_LOGS : OTLP_TRACES, body, 0) < 0)
			continue;
		n = jv_array_length(jv_copy(out));
		total += n;
		for (j = 0; j < n; j++) {
			jv r = jv_array_get(jv_copy(out), j);
			assert_string_equal(record_type(r), "error");
			assert_non_null(record_str(r, "monitor"));
			jv_free(r);
		}
		jv_free(out);
	}
	/* The mutations leave many requests intact enough to yield records. */
	assert_true(total > 300);
}

/*
 * otlp_json.c: the fast path (a streaming pass that cuts healthy items
 * out, then the parse of the rest) and the full parse of the same text
 * give the same records, the same counts and the same failures.  Returns
 * how many items the fast path cut.
 */
static long
same_both_ways(enum otlp_signal sig, const char *text, size_t len)
{
	struct otlp_stats s1, s2;
	jv full, fast, r1, r2;
	char msg1[512] = "", msg2[512];
	long skipped = -1;
	int rc1, rc2;

	rc1 = record_parse(&full, text, len);
	if (rc1 < 0)
		snprintf(msg1, sizeof msg1, "%s", mend_errmsg());
	rc2 = otlp_json_decode(&fast, &skipped, sig, text, len);
	assert_int_equal(rc1, rc2);
	if (rc1 < 0) {
		snprintf(msg2, sizeof msg2, "%s", mend_errmsg());
		assert_string_equal(msg1, msg2);
		return 0;
	}
	rc1 = otlp_errors(&r1, &s1, sig, full, 0);
	if (rc1 < 0)
		snprintf(msg1, sizeof msg1, "%s", mend_errmsg());
	rc2 = otlp_errors(&r2, &s2, sig, fast, 0);
	assert_int_equal(rc1, rc2);
	if (rc1 < 0) {
		snprintf(msg2, sizeof msg2, "%s", mend_errmsg());
		assert_string_equal(msg1, msg2);
		return skipped;
	}
	if (!jv_equal(jv_copy(r1), jv_copy(r2))) {
		char *a = record_dump(r1), *b = record_dump(r2);

		print_error("body %.*s\nfull %s\nfast %s\n", (int)len, text, a, b);
		free(a);
		free(b);
		fail();
	}
	assert_int_equal(s1.items, s2.items + skipped);
	assert_int_equal(s1.rejected, s2.rejected);
	assert_int_equal(s1.bad_containers, s2.bad_containers);
	assert_int_equal(s1.errors, s2.errors);
	jv_free(r1);
	jv_free(r2);
	return skipped;
}

static long
same_both_ways_str(enum otlp_signal sig, const char *text)
{
	return same_both_ways(sig, text, strlen(text));
}

#define OK_SPAN(more) "{\"traceId\":\"5b8efff798038103d269b633813fc60c\"," \
	"\"spanId\":\"eee19b7ec3c1b174\",\"name\":\"GET /ok\"" more "}"
#define LOGS_PRE "{\"resourceLogs\":[{\"resource\":{\"attributes\":[{\"key\":" \
	"\"service.name\",\"value\":{\"stringValue\":\"shop\"}}]},\"scopeLogs\":" \
	"[{\"logRecords\":["

static void
json_fast_path_spans(void **state)
{
	static const char *cases[] = {
		/* status codes: only the healthy ones are cut */
		OK_SPAN(",\"status\":{\"code\":0}"), OK_SPAN(",\"status\":{\"code\":1}"),
		OK_SPAN(",\"status\":{\"code\":\"STATUS_CODE_OK\"}"),
		OK_SPAN(",\"status\":{\"code\":\"STATUS_CODE_UNSET\"}"),
		OK_SPAN(",\"status\":{\"code\":null}"), OK_SPAN(",\"status\":{}"),
		OK_SPAN(",\"status\":{\"code\":{}}"), OK_SPAN(",\"status\":7"),
		OK_SPAN(",\"status\":{\"code\":2}"), OK_SPAN(",\"status\":{\"code\":2.5}"),
		OK_SPAN(",\"status\":{\"code\":\"2\"}"), OK_SPAN(",\"status\":{\"code\":\"02\"}"),
		OK_SPAN(",\"status\":{\"code\":-1}"), OK_SPAN(",\"status\":{\"code\":4294967298}"),
		OK_SPAN(",\"status\":{\"code\":\"STATUS_CODE_ERROR\",\"message\":\"m\"}"),
		OK_SPAN(",\"status\":{\"code\":\"STATUS_\\u0043ODE_ERROR\"}"),
		OK_SPAN(",\"status\":{\"code\":1,\"code\":2}"),
		OK_SPAN(",\"status\":{\"code\":2},\"status\":{\"code\":0}"),
		OK_SPAN(",\"attributes\":[{\"key\":\"status\",\"value\":{\"intValue\":2}}]"),
		/* events */
		OK_SPAN(",\"events\":[{\"name\":\"exception\"}]"),
		OK_SPAN(",\"events\":[{\"name\":\"exception\\u0000x\"}]"),
		OK_SPAN(",\"events\":[{\"name\":\"Exception\"},{\"name\":\"log\"}]"),
		OK_SPAN(",\"events\":{\"name\":\"exception\"}"),
		OK_SPAN(",\"events\":[{\"name\":\"x\",\"attributes\":[{\"key\":\"name\","
		    "\"value\":{\"stringValue\":\"exception\"}}]}]"),
		/* ids */
		OK_SPAN(",\"traceId\":\"\""), OK_SPAN(",\"traceId\":null"),
		OK_SPAN(",\"traceId\":\"5B8EFFF798038103D269B633813FC60C\""),
		OK_SPAN(",\"traceId\":\"5b8e\""), OK_SPAN(",\"spanId\":7"),
		OK_SPAN(",\"spanId\":\"eee19b7ec3c1b17z\""), OK_SPAN(",\"span_id\":[]"),
		OK_SPAN(",\"trace_id\":\"5b8efff798038103d269b633813fc60\\u0000\""),
		/* not objects */
		"1", "null", "[]", "\"span\"",
	};
	char buf[4096];
	long cut = 0;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		/* the case between two healthy spans, and alone */
		snprintf(buf, sizeof buf, SPAN_PRE OK_SPAN("") ",%s," OK_SPAN("") SPAN_POST,
		    cases[i]);
		cut += same_both_ways_str(OTLP_TRACES, buf);
		snprintf(buf, sizeof buf, SPAN_PRE "%s" SPAN_POST, cases[i]);
		cut += same_both_ways_str(OTLP_TRACES, buf);
	}
	assert_true(cut >= 2 * (long)(sizeof cases / sizeof *cases) + 6);
}

static void
json_fast_path_logs(void **state)
{
	static const char *cases[] = {
		"{\"severityNumber\":9}", "{\"severityNumber\":16.5}", "{\"severityNumber\":17}",
		"{\"severityNumber\":0}", "{\"severityNumber\":-3}", "{}",
		"{\"severityNumber\":\"SEVERITY_NUMBER_INFO\"}",
		"{\"severityNumber\":\"SEVERITY_NUMBER_WARN4\"}",
		"{\"severityNumber\":\"SEVERITY_NUMBER_ERROR\"}", "{\"severityNumber\":\"9\"}",
		"{\"severity_number\":9}", "{\"severityNumber\":null,\"severity_number\":9}",
		"{\"severityNumber\":9,\"severity_number\":17}",
		"{\"severityText\":\"ERROR\"}", "{\"severityNumber\":9,\"severityText\":\"ERROR\"}",
		"{\"severityText\":\"INFO\",\"attributes\":[{\"key\":\"exception.stacktrace\","
		"\"value\":{\"stringValue\":\"x\"}}]}",
		"{\"severityNumber\":9,\"traceId\":\"abc\"}", "{\"severityNumber\":{}}",
		"{\"severityNumber\":21,\"body\":{\"stringValue\":\"boom\"}}", "7",
	};
	char buf[4096];
	long cut = 0;
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++) {
		snprintf(buf, sizeof buf, LOGS_PRE "{\"severityNumber\":9},%s,"
		    "{\"severityNumber\":13}" SPAN_POST, cases[i]);
		cut += same_both_ways_str(OTLP_LOGS, buf);
	}
	assert_true(cut >= 2 * (long)(sizeof cases / sizeof *cases));
}

/* Requests whose shape makes the fast path step aside, or fail as a whole. */
static void
json_fast_path_odd(void **state)
{
	static const char *cases[] = {
		/* the same container twice, or in both spellings */
		"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[" OK_SPAN("") "],\"spans\":["
		OK_SPAN(",\"status\":{\"code\":2}") "]}]}]}",
		"{\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":[" OK_SPAN("") "]}],"
		"\"scope_spans\":[{\"spans\":[" OK_SPAN("") "]}]}]}",
		"{\"resource_spans\":[],\"resourceSpans\":[{\"scopeSpans\":[{\"spans\":["
		OK_SPAN("") "]}]}]}",
		/* both scope lists are read: fine */
		"{\"resourceSpans\":[{\"instrumentationLibrarySpans\":[{\"spans\":["
		OK_SPAN("") "," OK_SPAN(",\"status\":{\"code\":2}") "]}],\"scopeSpans\":"
		"[{\"spans\":[" OK_SPAN("") "]}]}]}",
		"{\"resource_spans\":[{\"scope_spans\":[{\"spans\":[" OK_SPAN("") "]}]}]}",
		/* containers of the wrong kind */
		"{\"resourceSpans\":{\"scopeSpans\":[{\"spans\":[" OK_SPAN("") "]}]}}",
		"{\"resourceSpans\":[{\"scopeSpans\":{\"spans\":[" OK_SPAN("") "]}}]}",
		"{\"resourceSpans\":[7,{\"scopeSpans\":[8,{\"spans\":{}}]}]}",
		"[{\"resourceSpans\":[]}]", "7", "",
		/* not JSON for one parser or the other */
		"{\"resourceSpans\":[]} {}", "{\"resourceSpans\":[]",
		SPAN_PRE OK_SPAN(",\"name\":\"\\ud800\"") SPAN_POST,
		SPAN_PRE OK_SPAN(",\"name\":\"\\ud83d\\ude00\"") SPAN_POST,
		SPAN_PRE OK_SPAN(",\"name\":\"\\ud83dx\"") SPAN_POST,
		SPAN_PRE OK_SPAN(",\"name\":\"\xff\xfe bad UTF-8\"") SPAN_POST,
		SPAN_PRE OK_SPAN(",\"name\":\"a\\qb\"") SPAN_POST,
		SPAN_PRE OK_SPAN(",\"x\":nan") SPAN_POST,
		SPAN_PRE OK_SPAN(",\"x\":01") SPAN_POST,
		SPAN_PRE OK_SPAN(",\"x\":1e999") SPAN_POST,
		SPAN_PRE OK_SPAN(",\"x\":\"\x01\"") SPAN_POST,
		SPAN_PRE OK_SPAN("") "," SPAN_POST,
		"\xef\xbb\xbf" SPAN_PRE OK_SPAN("") SPAN_POST,
		/* pretty-printed, with the spaces JSON allows */
		"{ \"resourceSpans\" : [ { \"scopeSpans\" : [ { \"spans\" : [\n\t"
		OK_SPAN("") " ,\r\n " OK_SPAN(",\"status\":{\"code\":2}") " , " OK_SPAN("")
		" ] } ] } ] }\n",
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof *cases; i++)
		same_both_ways_str(OTLP_TRACES, cases[i]);
}

/* Nesting past jq's limit inside a healthy span: both refuse it. */
static void
json_fast_path_deep(void **state)
{
	static const int depths[] = { 200, 240, 249, 250, 251, 255, 256, 257, 300 };
	char *buf = malloc(8192), *p;
	size_t i;
	int d;

	for (i = 0; i < sizeof depths / sizeof *depths; i++) {
		p = buf + sprintf(buf, SPAN_PRE "{\"x\":");
		for (d = 0; d < depths[i]; d++)
			*p++ = '[';
		for (d = 0; d < depths[i]; d++)
			*p++ = ']';
		p += sprintf(p, "}," OK_SPAN("") SPAN_POST);
		same_both_ways(OTLP_TRACES, buf, (size_t)(p - buf));
	}
	free(buf);
}

/* The random shapes of random_shapes, with healthy spans beside them. */
static void
json_fast_path_random(void **state)
{
	const char *templates[2] = { SPAN_PRE OK_SPAN(",\"status\":{\"code\":1}") ","
	    "{\"traceId\":\"5b8efff798038103d269b633813fc60c\",\"name\":\"GET /a\","
	    "\"events\":[{\"name\":\"exception\",\"attributes\":[{\"key\":\"exception.type\","
	    "\"value\":{\"stringValue\":\"E\"}}]}],\"status\":{\"code\":2}}," OK_SPAN("")
	    SPAN_POST,
	    LOGS_PRE "{\"severityNumber\":9,\"body\":{\"stringValue\":\"ok\"}},"
	    "{\"severityNumber\":17,\"body\":{\"stringValue\":\"boom\"}},"
	    "{\"severityNumber\":\"SEVERITY_NUMBER_INFO\",\"traceId\":"
	    "\"5b8efff798038103d269b633813fc60c\"}]}]}]}" };
	long cut = 0;
	int i;

	for (i = 0; i < 3000; i++) {
		jv body = mutate(parse(templates[i % 2]), 0);
		char *text = jv_get_kind(body) == JV_KIND_INVALID ? NULL : record_dump(body);

		jv_free(body);
		cut += same_both_ways_str(i % 2 ? OTLP_LOGS : OTLP_TRACES, text);
		free(text);
	}
	assert_true(cut > 1000);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(exception_event),
		cmocka_unit_test(status_error),
		cmocka_unit_test(partial_rejects),
		cmocka_unit_test(not_a_request),
		cmocka_unit_test(snake_case_and_old_names),
		cmocka_unit_test(anyvalues),
		cmocka_unit_test(log_severity),
		cmocka_unit_test(log_traceback_body),
		cmocka_unit_test(deep_nesting),
		cmocka_unit_test(gunzip),
		cmocka_unit_test(gunzip_bomb),
		cmocka_unit_test(random_shapes),
		cmocka_unit_test(json_fast_path_spans),
		cmocka_unit_test(json_fast_path_logs),
		cmocka_unit_test(json_fast_path_odd),
		cmocka_unit_test(json_fast_path_deep),
		cmocka_unit_test(json_fast_path_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
