/*
 * otlp_json.c - the OTLP/HTTP JSON encoding, read fast (the one file that
 * includes yajl).
 *
 * Parsing a whole export request into a jv tree and walking it costs
 * most of otlp's time, and most spans are healthy: they make no record.
 * So one streaming pass (yajl's callbacks, no tree) finds the spans and
 * log records that cannot make a record or a rejection, and cuts their
 * text out of the body; what remains is parsed into jv and handed to
 * otlp_errors, which sees the same document less those items.  The
 * records are the ones the full parse makes, by construction: every item
 * kept is parsed by the same parser, and an item is cut only when the
 * pass is sure otlp_errors would have passed over it:
 *
 *  - a span: an object whose traceId/spanId are absent, null, empty or
 *    hex of the right length, whose status code is not ERROR and which
 *    has no event named "exception";
 *  - a log record: an object with such ids and a severity number of 1
 *    to 16 (TRACE to WARN4), by number or by name.
 *
 * The pass is conservative: a value it does not understand keeps the
 * item (every occurrence of a duplicated key counts).  Items are cut only
 * from the arrays otlp_errors reads (resourceSpans[].scopeSpans[].spans
 * and the snake_case, instrumentationLibrary and logs equivalents), and
 * only when every element of that array is an object.  When the request
 * is odd in a way that could change which array otlp_errors reads (a
 * container key twice, or in both spellings), when yajl rejects it, or
 * when it nests deeper than jq's parser allows, nothing is cut and the
 * whole body goes to the full parse, which gives jq's verdict.
 */
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "mend.h"

/* jq 1.6's parser refuses deeper nesting; beyond this the full parse decides. */
#define MAX_DEPTH 250

/* What a value is, by where it sits in the request. */
enum role {
	R_OTHER,
	R_TOP,		/* the request object */
	R_RS_ARR,	/* resourceSpans / resourceLogs */
	R_RS_ITEM,
	R_SS_ARR,	/* scopeSpans / instrumentationLibrarySpans / ... */
	R_SS_ITEM,
	R_ITEMS_ARR,	/* spans / logRecords */
	R_ITEM,		/* a span or a log record */
	R_STATUS,	/* span.status */
	R_CODE,		/* span.status.code */
	R_EVENTS_ARR,	/* span.events */
	R_EVENT,
	R_EVENT_NAME,
	R_TRACE_ID,
	R_SPAN_ID,
	R_SEVERITY,	/* logRecord.severityNumber */
};

struct frame {
	enum role role;
	int is_map;
	enum role next;		/* maps: the role of the value of the last key */
	unsigned seen;		/* container maps: the structural keys met */
};

struct range {
	size_t start, end;
	int keep;
};

struct pass {
	enum otlp_signal sig;
	const char *text;
	yajl_handle y;
	struct frame stack[MAX_DEPTH + 2];
	int depth;
	int odd;		/* cut nothing: the full parse decides */
	/* the item being read */
	size_t item_start;
	int matters, sev_low;
	/* the items of the open spans/logRecords array */
	struct range *items;
	size_t nitems, cap;
	int array_keep;		/* a non-object element: keep the whole array */
	/* the output: text[cursor..] is still to copy */
	struct strbuf out;
	size_t cursor;
	long skipped;
};

static int
is(const unsigned char *s, size_t len, const char *word)
{
	return strlen(word) == len && !memcmp(s, word, len);
}

/* The role of a value about to start, from its parent. */
static enum role
child_role(struct pass *p)
{
	struct frame *f;

	if (p->depth == 0)
		return R_TOP;
	f = &p->stack[p->depth - 1];
	if (f->is_map)
		return f->next;
	switch (f->role) {
	case R_RS_ARR:
		return R_RS_ITEM;
	case R_SS_ARR:
		return R_SS_ITEM;
	case R_ITEMS_ARR:
		return R_ITEM;
	case R_EVENTS_ARR:
		return R_EVENT;
	default:
		return R_OTHER;
	}
}

/* Roles that are only what they say when the value is a map or an array. */
static int
wants_map(enum role r)
{
	return r == R_TOP || r == R_RS_ITEM || r == R_SS_ITEM || r == R_ITEM ||
	    r == R_STATUS || r == R_EVENT;
}

static int
wants_array(enum role r)
{
	return r == R_RS_ARR || r == R_SS_ARR || r == R_ITEMS_ARR || r == R_EVENTS_ARR;
}

/* Roles of scalars: a container there is judged as a scalar of kind 'x'. */
static int
scalar_role(enum role r)
{
	return r == R_CODE || r == R_EVENT_NAME || r == R_TRACE_ID || r == R_SPAN_ID ||
	    r == R_SEVERITY;
}

/* A scalar at role r: what it says about the item being read. */
static void
scalar(struct pass *p, enum role r, int kind, const unsigned char *s, size_t len)
{
	/* kind: 's' string, 'n' number, '0' null, 'b' boolean, 'x' container */
	switch (r) {
	case R_ITEM:
		p->array_keep = 1;	/* otlp_errors rejects it: keep the array */
		break;
	case R_TRACE_ID:
	case R_SPAN_ID: {
		size_t want = r == R_TRACE_ID ? 32 : 16, i;

		if (kind == '0')
			break;
		if (kind != 's' || (len != 0 && len != want)) {
			p->matters = 1;
			break;
		}
		for (i = 0; i < len; i++)
			if (!((s[i] >= '0' && s[i] <= '9') || ((s[i] | 0x20) >= 'a' &&
			    (s[i] | 0x20) <= 'f')))
				p->matters = 1;
		break;
	}
	case R_CODE:
		/* otlp.c: a number, a decimal string or a name; 2 is ERROR. */
		if (kind == 'n') {
			char buf[64];
			double d;

			if (len >= sizeof buf) {
				p->matters = 1;
				break;
			}
			memcpy(buf, s, len);
			buf[len] = '\0';
			d = strtod(buf, NULL);
			if (!(d >= 0 && d < 2))
				p->matters = 1;
		} else if (kind == 's' && !is(s, len, "0") && !is(s, len, "1") &&
		    !is(s, len, "STATUS_CODE_UNSET") && !is(s, len, "STATUS_CODE_OK"))
			p->matters = 1;
		break;
	case R_EVENT_NAME:
		/* otlp.c compares the C string: stop at a NUL as it does. */
		if (kind == 's') {
			const unsigned char *nul = memchr(s, '\0', len);

			if (is(s, nul ? (size_t)(nul - s) : len, "exception"))
				p->matters = 1;
		}
		break;
	case R_SEVERITY: {
		static const char *const low[] = { "TRACE", "TRACE2", "TRACE3", "TRACE4",
			"DEBUG", "DEBUG2", "DEBUG3", "DEBUG4", "INFO", "INFO2", "INFO3",
			"INFO4", "WARN", "WARN2", "WARN3", "WARN4" };
		int ok = 0;

		if (kind == 'n') {
			char buf[64];
			double d;

			if (len < sizeof buf) {
				memcpy(buf, s, len);
				buf[len] = '\0';
				d = strtod(buf, NULL);
				ok = d >= 1 && d < 17;
			}
		} else if (kind == 's' && len > 16 && !memcmp(s, "SEVERITY_NUMBER_", 16)) {
			for (size_t i = 0; i < sizeof low / sizeof *low && !ok; i++)
				ok = is(s + 16, len - 16, low[i]);
		}
		if (ok)
			p->sev_low = 1;
		else
			p->matters = 1;
		break;
	}
	default:
		break;
	}
}

static int
on_null(void *ctx)
{
	struct pass *p = ctx;

	scalar(p, child_role(p), '0', NULL, 0);
	return 1;
}

static int
on_boolean(void *ctx, int b)
{
	struct pass *p = ctx;

	scalar(p, child_role(p), 'b', NULL, 0);
	return 1;
}

static int
on_number(void *ctx, const char *s, size_t len)
{
	struct pass *p = ctx;

	scalar(p, child_role(p), 'n', (const unsigned char *)s, len);
	return 1;
}

static int
on_string(void *ctx, const unsigned char *s, size_t len)
{
	struct pass *p = ctx;

	scalar(p, child_role(p), 's', s, len);
	return 1;
}

/* Open a container; 0 stops the pass (too deep). */
static int
open_container(struct pass *p, int is_map)
{
	enum role r = child_role(p);
	struct frame *f;

	if (p->depth >= MAX_DEPTH) {
		p->odd = 1;
		return 0;
	}
	if (r == R_ITEM && !is_map)
		p->array_keep = 1;
	if (scalar_role(r))
		scalar(p, r, 'x', NULL, 0);
	if (is_map ? !wants_map(r) : !wants_array(r))
		r = R_OTHER;
	if (r == R_ITEM) {
		/* The '{' was the last byte consumed. */
		p->item_start = yajl_get_bytes_consumed(p->y) - 1;
		p->matters = 0;
		p->sev_low = 0;
	}
	if (r == R_ITEMS_ARR) {
		p->nitems = 0;
		p->array_keep = 0;
	}
	f = &p->stack[p->depth++];
	f->role = r;
	f->is_map = is_map;
	f->next = R_OTHER;
	f->seen = 0;
	return 1;
}

static int
on_start_map(void *ctx)
{
	return open_container(ctx, 1);
}

static int
on_start_array(void *ctx)
{
	return open_container(ctx, 0);
}

/* Structural keys, by the role of the map they are in: bit, role. */
static int
structural(struct pass *p, enum role in, const unsigned char *k, size_t len,
    unsigned *bit, enum role *r)
{
	int logs = p->sig == OTLP_LOGS;

	switch (in) {
	case R_TOP:
		if (is(k, len, logs ? "resourceLogs" : "resourceSpans") ||
		    is(k, len, logs ? "resource_logs" : "resource_spans"))
			return *bit = 1, *r = R_RS_ARR, 1;
		return 0;
	case R_RS_ITEM:
		if (is(k, len, logs ? "scopeLogs" : "scopeSpans") ||
		    is(k, len, logs ? "scope_logs" : "scope_spans"))
			return *bit = 1, *r = R_SS_ARR, 1;
		if (is(k, len, logs ? "instrumentationLibraryLogs"
		    : "instrumentationLibrarySpans") ||
		    is(k, len, logs ? "instrumentation_library_logs"
		    : "instrumentation_library_spans"))
			return *bit = 2, *r = R_SS_ARR, 1;
		return 0;
	case R_SS_ITEM:
		if (logs ? is(k, len, "logRecords") || is(k, len, "log_records")
		    : is(k, len, "spans"))
			return *bit = 1, *r = R_ITEMS_ARR, 1;
		return 0;
	default:
		return 0;
	}
}

static int
on_map_key(void *ctx, const unsigned char *k, size_t len)
{
	struct pass *p = ctx;
	struct frame *f = &p->stack[p->depth - 1];
	int logs = p->sig == OTLP_LOGS;
	unsigned bit;
	enum role r = R_OTHER;

	if (structural(p, f->role, k, len, &bit, &r)) {
		/* Twice, or in both spellings: which one otlp_errors reads is
		 * the full parse's business. */
		if (f->seen & bit)
			p->odd = 1;
		f->seen |= bit;
	} else if (f->role == R_ITEM) {
		if (is(k, len, "traceId") || is(k, len, "trace_id"))
			r = R_TRACE_ID;
		else if (is(k, len, "spanId") || is(k, len, "span_id"))
			r = R_SPAN_ID;
		else if (!logs && is(k, len, "status"))
			r = R_STATUS;
		else if (!logs && is(k, len, "events"))
			r = R_EVENTS_ARR;
		else if (logs && (is(k, len, "severityNumber") ||
		    is(k, len, "severity_number")))
			r = R_SEVERITY;
	} else if (f->role == R_STATUS && is(k, len, "code"))
		r = R_CODE;
	else if (f->role == R_EVENT && is(k, len, "name"))
		r = R_EVENT_NAME;
	f->next = r;
	return 1;
}

/* Copy the items array with the cut items left out. */
static void
splice(struct pass *p)
{
	size_t i;
	int first = 1;

	if (p->array_keep || p->nitems == 0)
		return;
	for (i = 0; i < p->nitems; i++)
		if (!p->items[i].keep)
			break;
	if (i == p->nitems)
		return;		/* nothing to cut */
	strbuf_addn(&p->out, p->text + p->cursor, p->items[0].start - p->cursor);
	for (i = 0; i < p->nitems; i++) {
		if (!p->items[i].keep) {
			p->skipped++;
			continue;
		}
		if (!first)
			strbuf_addn(&p->out, ",", 1);
		strbuf_addn(&p->out, p->text + p->items[i].start,
		    p->items[i].end - p->items[i].start);
		first = 0;
	}
	p->cursor = p->items[p->nitems - 1].end;
}

static int
close_container(struct pass *p)
{
	struct frame *f = &p->stack[--p->depth];

	if (f->role == R_ITEM) {
		struct range *it;

		if (p->nitems == p->cap) {
			size_t cap = p->cap ? p->cap * 2 : 64;
			struct range *n = realloc(p->items, cap * sizeof *n);

			if (!n) {
				p->odd = 1;
				return 0;
			}
			p->items = n;
			p->cap = cap;
		}
		it = &p->items[p->nitems++];
		it->start = p->item_start;
		it->end = yajl_get_bytes_consumed(p->y);
		it->keep = p->matters || (p->sig == OTLP_LOGS && !p->sev_low);
	} else if (f->role == R_ITEMS_ARR)
		splice(p);
	return 1;
}

static int
on_end(void *ctx)
{
	return close_container(ctx);
}

static const yajl_callbacks callbacks = {
	.yajl_null = on_null,
	.yajl_boolean = on_boolean,
	.yajl_number = on_number,
	.yajl_string = on_string,
	.yajl_start_map = on_start_map,
	.yajl_map_key = on_map_key,
	.yajl_end_map = on_end,
	.yajl_start_array = on_start_array,
	.yajl_end_array = on_end,
};

/*
 * jq's parser refuses a \uD800-\uDBFF escape that no \uDC00-\uDFFF
 * follows, where yajl takes it: such a body goes to the full parse.
 */
static int
lone_surrogate(const char *s, size_t len)
{
	const char *p = s, *end = s + len;

	while ((p = memchr(p, '\\', (size_t)(end - p))) && end - p >= 6) {
		if (p[1] == 'u' && (p[2] == 'd' || p[2] == 'D') && p[3] &&
		    strchr("89abAB", p[3])) {
			if (end - p < 12 || p[6] != '\\' || p[7] != 'u' ||
			    (p[8] != 'd' && p[8] != 'D') || !p[9] || !strchr("cdefCDEF", p[9]))
				return 1;
			p += 12;
		} else
			p += 2;	/* the escaped character, a backslash too */
	}
	return 0;
}

int
otlp_json_decode(jv *out, long *skipped, enum otlp_signal sig, const char *text, size_t len)
{
	struct pass p;
	int ok, rc;

	memset(&p, 0, sizeof p);
	p.sig = sig;
	p.text = text;
	*skipped = 0;
	if (!(p.y = yajl_alloc(&callbacks, NULL, &p)))
		return mend_err("out of memory");
	/* jq's parser takes invalid UTF-8 (it replaces it): so must the pass. */
	yajl_config(p.y, yajl_dont_validate_strings, 1);
	ok = !lone_surrogate(text, len) &&
	    yajl_parse(p.y, (const unsigned char *)text, len) == yajl_status_ok &&
	    yajl_complete_parse(p.y) == yajl_status_ok && !p.odd;
	yajl_free(p.y);
	free(p.items);
	if (ok && p.skipped > 0) {
		strbuf_addn(&p.out, text + p.cursor, len - p.cursor);
		if (p.out.oom) {
			strbuf_release(&p.out);
			return mend_err("out of memory");
		}
		rc = record_parse(out, p.out.s, p.out.len);
		*skipped = rc == 0 ? p.skipped : 0;
	} else
		rc = record_parse(out, text, len);
	strbuf_release(&p.out);
	return rc;
}
