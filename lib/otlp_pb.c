/*
 * otlp_pb.c - the OTLP/HTTP protobuf encoding (the one file that includes
 * protobuf-c): export requests in, the answers out.
 *
 * A protobuf request is decoded with the code protoc-c generates from
 * proto/otlp.proto and turned into the same jv document the OTLP/JSON
 * encoding parses to (lowerCamelCase names, ids as lowercase hex, 64-bit
 * integers as decimal strings, enums as numbers, bytes as base64), so
 * otlp.c's one conversion to error records serves both encodings.  Fields
 * the proto subset does not declare are skipped by the decoder.
 *
 * Only the items that can make a record, or that otlp_errors must reject,
 * are converted: a span with status ERROR or an event named "exception",
 * a log record at severity ERROR or above or with no severity number, and
 * any item whose ids have the wrong length.  The others are only counted.
 * Building jv values is most of the cost, and most spans are healthy.
 *
 * protobuf-c allocates the whole decoded message; it is freed before these
 * functions return.  The bound on its size is the caller's (--max-body).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>

#include "mend.h"
#include "otlp.pb-c.h"

/* AnyValue nesting deeper than this is cut, as in the JSON encoding. */
#define MAX_DEPTH 32

static jv anyvalue(const Otlp__AnyValue *v, int depth);

static jv
hex(ProtobufCBinaryData b)
{
	static const char digits[] = "0123456789abcdef";
	char buf[2 * 64 + 1];
	size_t i;

	if (b.len == 0)
		return jv_string("");
	if (b.len > 64)	/* not an id of any kind: keep it invalid */
		b.len = 64;
	for (i = 0; i < b.len; i++) {
		buf[2 * i] = digits[b.data[i] >> 4];
		buf[2 * i + 1] = digits[b.data[i] & 15];
	}
	return jv_string_sized(buf, (int)(2 * b.len));
}

static jv
base64(ProtobufCBinaryData b)
{
	static const char a[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *buf = malloc((b.len + 2) / 3 * 4 + 1), *q = buf;
	size_t i;
	jv out;

	if (!buf)
		return jv_string("");
	for (i = 0; i < b.len; i += 3) {
		uint32_t n = (uint32_t)b.data[i] << 16;

		if (i + 1 < b.len)
			n |= (uint32_t)b.data[i + 1] << 8;
		if (i + 2 < b.len)
			n |= b.data[i + 2];
		*q++ = a[n >> 18 & 63];
		*q++ = a[n >> 12 & 63];
		*q++ = i + 1 < b.len ? a[n >> 6 & 63] : '=';
		*q++ = i + 2 < b.len ? a[n & 63] : '=';
	}
	out = jv_string_sized(buf, (int)(q - buf));
	free(buf);
	return out;
}

/* A 64-bit integer as the JSON encoding writes it: a decimal string. */
static jv
u64(uint64_t n)
{
	char buf[24];

	snprintf(buf, sizeof buf, "%" PRIu64, n);
	return jv_string(buf);
}

static jv
str(const char *s)
{
	return jv_string(s ? s : "");
}

static jv
set(jv o, const char *k, jv v)
{
	return jv_object_set(o, jv_string(k), v);
}

static jv
keyvalues(Otlp__KeyValue **kv, size_t n, int depth)
{
	jv a = jv_array();
	size_t i;

	for (i = 0; i < n; i++) {
		jv e = set(jv_object(), "key", str(kv[i]->key));

		if (kv[i]->value)
			e = set(e, "value", anyvalue(kv[i]->value, depth + 1));
		a = jv_array_append(a, e);
	}
	return a;
}

static jv
anyvalue(const Otlp__AnyValue *v, int depth)
{
	jv o = jv_object(), a;
	size_t i;

	if (depth > MAX_DEPTH)
		return o;
	switch (v->value_case) {
	case OTLP__ANY_VALUE__VALUE_STRING_VALUE:
		return set(o, "stringValue", str(v->string_value));
	case OTLP__ANY_VALUE__VALUE_BOOL_VALUE:
		return set(o, "boolValue", v->bool_value ? jv_true() : jv_false());
	case OTLP__ANY_VALUE__VALUE_INT_VALUE: {
		char buf[24];

		snprintf(buf, sizeof buf, "%" PRId64, v->int_value);
		return set(o, "intValue", jv_string(buf));
	}
	case OTLP__ANY_VALUE__VALUE_DOUBLE_VALUE:
		return set(o, "doubleValue", jv_number(v->double_value));
	case OTLP__ANY_VALUE__VALUE_BYTES_VALUE:
		return set(o, "bytesValue", base64(v->bytes_value));
	case OTLP__ANY_VALUE__VALUE_ARRAY_VALUE:
		a = jv_array();
		for (i = 0; i < v->array_value->n_values; i++)
			a = jv_array_append(a, anyvalue(v->array_value->values[i], depth + 1));
		return set(o, "arrayValue", set(jv_object(), "values", a));
	case OTLP__ANY_VALUE__VALUE_KVLIST_VALUE:
		return set(o, "kvlistValue", set(jv_object(), "values",
		    keyvalues(v->kvlist_value->values, v->kvlist_value->n_values, depth)));
	default:
		return o;
	}
}

static jv
resource(const Otlp__Resource *r)
{
	if (!r)
		return jv_object();
	return set(jv_object(), "attributes", keyvalues(r->attributes, r->n_attributes, 0));
}

static jv
span(const Otlp__Span *s)
{
	jv o = jv_object(), events = jv_array();
	size_t i;

	o = set(o, "traceId", hex(s->trace_id));
	o = set(o, "spanId", hex(s->span_id));
	o = set(o, "name", str(s->name));
	o = set(o, "startTimeUnixNano", u64(s->start_time_unix_nano));
	o = set(o, "endTimeUnixNano", u64(s->end_time_unix_nano));
	o = set(o, "attributes", keyvalues(s->attributes, s->n_attributes, 0));
	for (i = 0; i < s->n_events; i++) {
		const Otlp__Span__Event *e = s->events[i];

		events = jv_array_append(events, set(set(set(jv_object(),
		    "timeUnixNano", u64(e->time_unix_nano)), "name", str(e->name)),
		    "attributes", keyvalues(e->attributes, e->n_attributes, 0)));
	}
	o = set(o, "events", events);
	if (s->status)
		o = set(o, "status", set(set(jv_object(), "code",
		    jv_number(s->status->code)), "message", str(s->status->message)));
	return o;
}

static jv
log_record(const Otlp__LogRecord *l)
{
	jv o = jv_object();

	o = set(o, "timeUnixNano", u64(l->time_unix_nano));
	o = set(o, "observedTimeUnixNano", u64(l->observed_time_unix_nano));
	o = set(o, "severityNumber", jv_number(l->severity_number));
	o = set(o, "severityText", str(l->severity_text));
	if (l->body)
		o = set(o, "body", anyvalue(l->body, 0));
	o = set(o, "attributes", keyvalues(l->attributes, l->n_attributes, 0));
	o = set(o, "traceId", hex(l->trace_id));
	o = set(o, "spanId", hex(l->span_id));
	return o;
}

/* An id of the wrong length: otlp_errors rejects the item, so convert it. */
static int
bad_ids(ProtobufCBinaryData trace_id, ProtobufCBinaryData span_id)
{
	return (trace_id.len && trace_id.len != 16) || (span_id.len && span_id.len != 8);
}

static int
span_matters(const Otlp__Span *s)
{
	size_t i;

	if ((s->status && s->status->code == 2) || bad_ids(s->trace_id, s->span_id))
		return 1;
	for (i = 0; i < s->n_events; i++)
		if (s->events[i]->name && !strcmp(s->events[i]->name, "exception"))
			return 1;
	return 0;
}

static int
log_matters(const Otlp__LogRecord *l)
{
	return l->severity_number >= 17 || l->severity_number == 0 ||
	    bad_ids(l->trace_id, l->span_id);
}

static jv
traces(const Otlp__ExportTraceServiceRequest *req, long *skipped)
{
	jv rs = jv_array();
	size_t i, j, k;

	for (i = 0; i < req->n_resource_spans; i++) {
		const Otlp__ResourceSpans *r = req->resource_spans[i];
		jv scopes = jv_array();

		for (j = 0; j < r->n_scope_spans; j++) {
			jv spans = jv_array();

			for (k = 0; k < r->scope_spans[j]->n_spans; k++) {
				const Otlp__Span *sp = r->scope_spans[j]->spans[k];

				if (span_matters(sp))
					spans = jv_array_append(spans, span(sp));
				else
					++*skipped;
			}
			scopes = jv_array_append(scopes, set(jv_object(), "spans", spans));
		}
		rs = jv_array_append(rs, set(set(jv_object(), "resource",
		    resource(r->resource)), "scopeSpans", scopes));
	}
	return set(jv_object(), "resourceSpans", rs);
}

static jv
logs(const Otlp__ExportLogsServiceRequest *req, long *skipped)
{
	jv rl = jv_array();
	size_t i, j, k;

	for (i = 0; i < req->n_resource_logs; i++) {
		const Otlp__ResourceLogs *r = req->resource_logs[i];
		jv scopes = jv_array();

		for (j = 0; j < r->n_scope_logs; j++) {
			jv recs = jv_array();

			for (k = 0; k < r->scope_logs[j]->n_log_records; k++) {
				const Otlp__LogRecord *l = r->scope_logs[j]->log_records[k];

				if (log_matters(l))
					recs = jv_array_append(recs, log_record(l));
				else
					++*skipped;
			}
			scopes = jv_array_append(scopes, set(jv_object(), "logRecords", recs));
		}
		rl = jv_array_append(rl, set(set(jv_object(), "resource",
		    resource(r->resource)), "scopeLogs", scopes));
	}
	return set(jv_object(), "resourceLogs", rl);
}

int
otlp_pb_decode(jv *out, long *skipped, enum otlp_signal sig, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	*skipped = 0;
	if (sig == OTLP_TRACES) {
		Otlp__ExportTraceServiceRequest *req =
		    otlp__export_trace_service_request__unpack(NULL, len, p);

		if (!req)
			return mend_err("not an OTLP ExportTraceServiceRequest in the "
			    "protobuf encoding");
		*out = traces(req, skipped);
		otlp__export_trace_service_request__free_unpacked(req, NULL);
	} else {
		Otlp__ExportLogsServiceRequest *req =
		    otlp__export_logs_service_request__unpack(NULL, len, p);

		if (!req)
			return mend_err("not an OTLP ExportLogsServiceRequest in the "
			    "protobuf encoding");
		*out = logs(req, skipped);
		otlp__export_logs_service_request__free_unpacked(req, NULL);
	}
	return 0;
}

/* Pack a message into a new buffer: *out (caller frees), *len. */
static int
pack(char **out, size_t *len, const ProtobufCMessage *m)
{
	size_t n = protobuf_c_message_get_packed_size(m);

	if (!(*out = malloc(n ? n : 1)))
		return mend_err("out of memory");
	*len = protobuf_c_message_pack(m, (uint8_t *)*out);
	return 0;
}

int
otlp_pb_response(char **out, size_t *len, enum otlp_signal sig, long rejected,
    const char *message)
{
	if (sig == OTLP_TRACES) {
		Otlp__ExportTraceServiceResponse r = OTLP__EXPORT_TRACE_SERVICE_RESPONSE__INIT;
		Otlp__ExportTracePartialSuccess ps = OTLP__EXPORT_TRACE_PARTIAL_SUCCESS__INIT;

		if (message) {
			ps.rejected_spans = rejected;
			ps.error_message = (char *)message;
			r.partial_success = &ps;
		}
		return pack(out, len, &r.base);
	} else {
		Otlp__ExportLogsServiceResponse r = OTLP__EXPORT_LOGS_SERVICE_RESPONSE__INIT;
		Otlp__ExportLogsPartialSuccess ps = OTLP__EXPORT_LOGS_PARTIAL_SUCCESS__INIT;

		if (message) {
			ps.rejected_log_records = rejected;
			ps.error_message = (char *)message;
			r.partial_success = &ps;
		}
		return pack(out, len, &r.base);
	}
}

int
otlp_pb_status(char **out, size_t *len, int code, const char *message)
{
	Otlp__RpcStatus s = OTLP__RPC_STATUS__INIT;

	s.code = code;
	s.message = (char *)message;
	return pack(out, len, &s.base);
}
