/*
 * otlp - an OTLP/HTTP receiver: POST /v1/traces and /v1/logs in the JSON
 * or the protobuf encoding (gzip or not) become `error` records on
 * stdout, one per line.  A request is answered in its own encoding.
 *
 * lib/httpd.c runs the server in its own thread(s); the main thread
 * only waits for SIGTERM/SIGINT (blocked everywhere else, so no handler
 * runs inside the server) or for a write error on stdout, which is fatal:
 * a receiver that cannot pass records on must not go on answering 200.
 * Records of one request are written together under a mutex, so lines of
 * concurrent requests never interleave.
 *
 * Bodies are bounded (--max-body, also after gzip decoding): a larger
 * Content-Length is refused with 413 before the body is read; a chunked
 * body that grows past it is drained and refused.  Answers follow the
 * OTLP/HTTP specification: 200 with an Export*ServiceResponse (with
 * partialSuccess when some items were rejected), 400 with a Status for a
 * body that is not an export request, 415 for an unknown content type or
 * encoding, 404/405 for other paths and methods.
 */
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

#include "mend.h"
#include "httpd.h"

#define DEFAULT_LISTEN "127.0.0.1:4318"
#define DEFAULT_MAX_BODY (8u << 20)

static size_t max_body = DEFAULT_MAX_BODY;
/*
 * Bytes of request bodies held by all connections together: past the
 * budget a request is answered 503 (retryable) instead of growing memory
 * with the number of clients.
 */
static atomic_size_t held;
static size_t held_max;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;
static atomic_int write_failed;
static char write_error[256];

struct conn {
	enum otlp_signal sig;
	int proto;		/* application/x-protobuf: answer in protobuf too */
	int gzip;
	int too_big;
	int busy;		/* over the memory budget: answer 503 */
	char *buf;
	size_t len, cap;
};

static void
usage(const char *why)
{
	mend_usage(why, "usage: otlp [-l ADDR:PORT] [-m BYTES] [-t THREADS]\n");
}

/* Queue a response of `len` bytes of buf (taken: freed here). */
static enum MHD_Result
reply(struct MHD_Connection *c, unsigned status, const char *type, char *buf, size_t len)
{
	static const char *const allow[] = { MHD_HTTP_HEADER_ALLOW, "POST", NULL };
	static const char *const retry[] = { MHD_HTTP_HEADER_RETRY_AFTER, "5", NULL };
	enum MHD_Result ret;

	ret = httpd_respond(c, status, type, buf, len,
	    status == MHD_HTTP_METHOD_NOT_ALLOWED ? allow
	    : status == MHD_HTTP_SERVICE_UNAVAILABLE ? retry : NULL);
	free(buf);
	return ret;
}

/* Queue a JSON response (body consumed). */
static enum MHD_Result
reply_json(struct MHD_Connection *c, unsigned status, jv body)
{
	char *s = record_dump(body);

	jv_free(body);
	if (!s)
		return MHD_NO;
	return reply(c, status, "application/json", s, strlen(s));
}

/*
 * A failure answer: the body is a google.rpc.Status as the OTLP spec
 * asks, with the gRPC code that matches the HTTP status, in the
 * request's encoding (cn is NULL before the request's headers are known).
 */
static enum MHD_Result
reply_status(struct MHD_Connection *c, const struct conn *cn, unsigned status,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static enum MHD_Result
reply_status(struct MHD_Connection *c, const struct conn *cn, unsigned status,
    const char *fmt, ...)
{
	char msg[512], *buf;
	size_t len;
	va_list ap;
	int code = status == 400 ? 3 /* INVALID_ARGUMENT */
	    : status == 404 ? 5 /* NOT_FOUND */
	    : status == 413 ? 8 /* RESOURCE_EXHAUSTED */
	    : status == 503 ? 14 /* UNAVAILABLE */
	    : status == 415 || status == 405 ? 12 /* UNIMPLEMENTED */ : 2;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	if (cn && cn->proto) {
		if (otlp_pb_status(&buf, &len, code, msg) < 0)
			return MHD_NO;
		return reply(c, status, "application/x-protobuf", buf, len);
	}
	return reply_json(c, status, jv_object_set(jv_object_set(jv_object(),
	    jv_string("code"), jv_number(code)), jv_string("message"), jv_string(msg)));
}

/* The media type of a Content-Type value, without parameters: 1 when it is t. */
static int
media_is(const char *v, const char *t)
{
	size_t n = strlen(t);

	while (*v == ' ' || *v == '\t')
		v++;
	return !strncasecmp(v, t, n) && (v[n] == '\0' || v[n] == ';' || v[n] == ' ');
}

/* Checks on the headers, before any body is read: 0 ok, else answered. */
static enum MHD_Result
check_headers(struct MHD_Connection *c, struct conn *cn, int *answered)
{
	const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_TYPE);
	const char *ce = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_ENCODING);
	const char *cl = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);

	*answered = 1;
	if (ct && (media_is(ct, "application/x-protobuf") ||
	    media_is(ct, "application/protobuf")))
		cn->proto = 1;
	else if (ct && !media_is(ct, "application/json"))
		return reply_status(c, cn, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
		    "unsupported Content-Type '%.100s': OTLP/HTTP is application/json "
		    "or application/x-protobuf", ct);
	if (ce && !strcasecmp(ce, "gzip"))
		cn->gzip = 1;
	else if (ce && *ce && strcasecmp(ce, "identity"))
		return reply_status(c, cn, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE,
		    "unsupported Content-Encoding '%.100s': send gzip or none", ce);
	if (cl && strtoull(cl, NULL, 10) > max_body)
		return reply_status(c, cn, MHD_HTTP_CONTENT_TOO_LARGE,
		    "request body of %.30s bytes is larger than the limit of %zu", cl,
		    max_body);
	*answered = 0;
	return MHD_YES;
}

/* Write the records (consumed) as lines; -1 on a write error. */
static int
emit(jv records)
{
	int i, n = jv_array_length(jv_copy(records)), rc = 0;

	pthread_mutex_lock(&out_lock);
	for (i = 0; i < n && rc == 0; i++)
		if (record_write(stdout, jv_array_get(jv_copy(records), i)) < 0) {
			snprintf(write_error, sizeof write_error, "%s", mend_errmsg());
			rc = -1;
		}
	pthread_mutex_unlock(&out_lock);
	jv_free(records);
	return rc;
}

/* The success answer, with a partial success when items were rejected. */
static enum MHD_Result
reply_ok(struct MHD_Connection *c, const struct conn *cn, const struct otlp_stats *st)
{
	static const char *what[] = { "spans", "log records" };
	static const char *rej[] = { "rejectedSpans", "rejectedLogRecords" };
	char num[32], msg[256], *buf;
	const char *partial = NULL;
	size_t len;
	jv resp;

	if (st->rejected) {
		snprintf(msg, sizeof msg, "%ld of %ld %s rejected: not an object, "
		    "or a traceId/spanId that is not hex of the right length",
		    st->rejected, st->items, what[cn->sig]);
		partial = msg;
	} else if (st->bad_containers) {
		snprintf(msg, sizeof msg, "%ld resource or scope entries of the "
		    "wrong shape were skipped", st->bad_containers);
		partial = msg;
	}
	if (cn->proto) {
		if (otlp_pb_response(&buf, &len, cn->sig, st->rejected, partial) < 0)
			return MHD_NO;
		return reply(c, MHD_HTTP_OK, "application/x-protobuf", buf, len);
	}
	resp = jv_object();
	if (partial) {
		snprintf(num, sizeof num, "%ld", st->rejected);
		resp = jv_object_set(resp, jv_string("partialSuccess"),
		    jv_object_set(jv_object_set(jv_object(), jv_string(rej[cn->sig]),
		    jv_string(num)), jv_string("errorMessage"), jv_string(partial)));
	}
	return reply_json(c, MHD_HTTP_OK, resp);
}

static enum MHD_Result
finish(struct MHD_Connection *c, struct conn *cn)
{
	char *text = cn->buf, *plain = NULL;
	size_t len = cn->len;
	struct otlp_stats st = { 0 };
	jv body, records;
	long skipped = 0;
	int rc;

	if (cn->too_big)
		return reply_status(c, cn, MHD_HTTP_CONTENT_TOO_LARGE,
		    "request body is larger than the limit of %zu bytes", max_body);
	if (cn->busy)
		return reply_status(c, cn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "too many requests in flight: try again later");
	if (cn->gzip) {
		if (otlp_gunzip(&plain, &len, cn->buf, cn->len, max_body) < 0)
			return reply_status(c, cn, strstr(mend_errmsg(), "more than")
			    ? MHD_HTTP_CONTENT_TOO_LARGE : MHD_HTTP_BAD_REQUEST, "%s",
			    mend_errmsg());
		text = plain;
	}
	if (!text || len == 0) {
		/* An empty request carries nothing: the spec says succeed. */
		free(plain);
		return reply_ok(c, cn, &st);
	}
	rc = cn->proto ? otlp_pb_decode(&body, &skipped, cn->sig, text, len)
	    : otlp_json_decode(&body, &skipped, cn->sig, text, len);
	free(plain);
	if (rc < 0)
		return reply_status(c, cn, MHD_HTTP_BAD_REQUEST, "%s", mend_errmsg());
	if (otlp_errors(&records, &st, cn->sig, body, mend_now()) < 0)
		return reply_status(c, cn, MHD_HTTP_BAD_REQUEST, "%s", mend_errmsg());
	st.items += skipped;
	if (emit(records) < 0) {
		atomic_store(&write_failed, 1);
		return reply_status(c, cn, MHD_HTTP_SERVICE_UNAVAILABLE,
		    "receiver cannot pass records on");
	}
	return reply_ok(c, cn, &st);
}

/* Free what the connection holds of its body, and give it back to the budget. */
static void
drop_body(struct conn *cn)
{
	atomic_fetch_sub(&held, cn->cap);
	free(cn->buf);
	cn->buf = NULL;
	cn->len = cn->cap = 0;
}

static enum MHD_Result
handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
    const char *version, const char *data, size_t *data_size, void **con_cls)
{
	struct conn *cn = *con_cls;
	int answered;
	enum MHD_Result ret;

	if (!cn) {
		enum otlp_signal sig;

		if (!strcmp(url, "/v1/traces"))
			sig = OTLP_TRACES;
		else if (!strcmp(url, "/v1/logs"))
			sig = OTLP_LOGS;
		else
			return reply_status(c, NULL, MHD_HTTP_NOT_FOUND,
			    "no such path '%.200s': OTLP/HTTP paths are /v1/traces and "
			    "/v1/logs", url);
		if (strcmp(method, "POST"))
			return reply_status(c, NULL, MHD_HTTP_METHOD_NOT_ALLOWED,
			    "method %.20s not allowed: use POST", method);
		if (!(cn = calloc(1, sizeof *cn)))
			return MHD_NO;
		cn->sig = sig;
		*con_cls = cn;
		ret = check_headers(c, cn, &answered);
		if (answered)
			return ret;
		return MHD_YES;
	}
	if (*data_size > 0) {
		size_t n = *data_size;

		*data_size = 0;
		if (cn->too_big || cn->busy || cn->len + n > max_body) {
			cn->too_big = !cn->busy;
			drop_body(cn);
			return MHD_YES;
		}
		if (cn->len + n > cn->cap) {
			size_t cap = cn->cap ? cn->cap : max_body < 16384 ? max_body : 16384;
			char *nb;

			while (cap < cn->len + n)
				cap *= 2;
			if (atomic_fetch_add(&held, cap - cn->cap) + (cap - cn->cap) > held_max) {
				atomic_fetch_sub(&held, cap - cn->cap);
				cn->busy = 1;
				drop_body(cn);
				return MHD_YES;
			}
			if (!(nb = realloc(cn->buf, cap))) {
				atomic_fetch_sub(&held, cap - cn->cap);
				return MHD_NO;
			}
			cn->buf = nb;
			cn->cap = cap;
		}
		memcpy(cn->buf + cn->len, data, n);
		cn->len += n;
		return MHD_YES;
	}
	return finish(c, cn);
}

static void
completed(void *cls, struct MHD_Connection *c, void **con_cls,
    enum MHD_RequestTerminationCode toe)
{
	struct conn *cn = *con_cls;

	if (cn) {
		drop_body(cn);
		free(cn);
		*con_cls = NULL;
	}
}

/* A byte count with an optional k/M/G suffix; 0 on error. */
static size_t
parse_size(const char *s)
{
	char *end;
	double d = strtod(s, &end);

	if (end == s || d <= 0)
		return 0;
	if (*end == 'k' || *end == 'K')
		d *= 1024, end++;
	else if (*end == 'm' || *end == 'M')
		d *= 1024 * 1024, end++;
	else if (*end == 'g' || *end == 'G')
		d *= 1024.0 * 1024 * 1024, end++;
	if (*end == 'B' || *end == 'b')
		end++;
	if (*end || d > 1e12)
		return 0;
	return (size_t)d;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "max-body", required_argument, NULL, 'm' },
		{ "threads", required_argument, NULL, 't' },
		CLI_OPTIONS_END
	};
	const char *listen_spec = getenv("MEND_OTLP_LISTEN");
	const char *env_max = getenv("MEND_OTLP_MAX_BODY");
	/* One thread polls by default; --threads N > 1 makes a pool of N. */
	struct httpd_opts o = { .handler = handle, .completed = completed, .threads = 1 };
	struct httpd *h;
	sigset_t sigs;
	int ch;

	mend_setprog(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	if (!listen_spec || !*listen_spec)
		listen_spec = DEFAULT_LISTEN;
	if (env_max && *env_max && !(max_body = parse_size(env_max)))
		usage("bad MEND_OTLP_MAX_BODY");
	while ((ch = cli_getopt(argc, argv, "l:m:t:h", longopts, usage)) != -1) {
		switch (ch) {
		case 'l':
			listen_spec = optarg;
			break;
		case 'm':
			if (!(max_body = parse_size(optarg)))
				usage("bad --max-body: want a size like 4M");
			break;
		case 't': {
			char *end;
			long n = strtol(optarg, &end, 10);

			if (*end || n < 1 || n > 64)
				usage("bad --threads: want 1 to 64");
			o.threads = (unsigned)n;
			break;
		}
		}
	}
	argc -= optind;
	argv += optind;
	if (argc > 0)
		usage("no arguments expected");
	held_max = max_body * 8;
	o.listen = listen_spec;

	/* The stop signals go to the main thread alone (httpd.c). */
	httpd_block_signals(&sigs);
	if (httpd_start(&h, &o) < 0)
		mend_die(EX_UNAVAILABLE, "%s", mend_errmsg());
	mend_warn("listening on %s", httpd_addr(h));
	/* SIGHUP stops otlp too; a write error on stdout is noticed within 0.2 s. */
	while (!atomic_load(&write_failed) && !httpd_wait_signal(&sigs, 0.2))
		;
	httpd_stop(h);
	if (atomic_load(&write_failed))
		mend_die(EX_IOERR, "%s", write_error);
	return 0;
}
