/*
 * logline.c - one line of a log, whatever wrote it, as the line the
 * application printed plus what the collector knew about it.
 *
 * Collectors wrap an application's lines: docker's json-file driver in
 * {"log","stream","time"}, journald's `journalctl -o json` in
 * {MESSAGE,PRIORITY,_SYSTEMD_UNIT,__REALTIME_TIMESTAMP}, the CRI runtimes
 * (containerd, CRI-O: what kubelet keeps under /var/log/pods) in
 * "TIME STREAM F|P text", pm2 and docker compose in "0|app  | text",
 * `kubectl logs --prefix` in "[pod/NAME/CONTAINER] text", `docker logs -t`
 * and `kubectl logs --timestamps` with an RFC 3339 time in front.
 * logline_parse takes the wrapping off (one layer, then a timestamp
 * prefix), so that what remains is the application's own line: plain
 * text or a structured (JSON) log line, whose message, level, time,
 * stack and trace id are found under the names common loggers use (pino,
 * bunyan, winston, zap, logrus, slog, structlog, python-json-logger,
 * Serilog's CLEF, ECS, OpenTelemetry).
 *
 * The level is only told apart as far as mend needs it: error, fatal,
 * or anything else.  Nothing here allocates per line except for JSON:
 * the result points into the input line or into l->buf, valid until the
 * next call.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mend.h"

static const char *const format_names[] = {
	"auto", "plain", "json", "journal", "docker", "cri", "pm2", "kubectl", NULL,
};

int
logline_format(const char *name)
{
	int i;

	for (i = 0; format_names[i]; i++)
		if (!strcmp(name, format_names[i]))
			return i;
	return mend_err("unknown log format '%s'", name);
}

void
logline_init(struct logline *l)
{
	memset(l, 0, sizeof *l);
	l->json = jv_invalid();
}

void
logline_release(struct logline *l)
{
	jv_free(l->json);
	strbuf_release(&l->buf);
	strbuf_release(&l->raw);
	logline_init(l);
}

/* ---- times ---- */

static int
num2(const char *p)
{
	return isdigit((unsigned char)p[0]) && isdigit((unsigned char)p[1]) ?
	    (p[0] - '0') * 10 + (p[1] - '0') : -1;
}

/*
 * A time at the start of s: "2026-11-24T06:00:00.123Z" (or with an
 * offset, or with a space for the T: Python's logging, log4j, logback).
 * Without a zone the time is local.  Returns the length used, 0 if none.
 */
size_t
logline_time(double *out, const char *s, size_t n)
{
	struct tm tm;
	size_t i = 19;
	double frac = 0, scale = 0.1;
	long off = 0;
	int zoned = 0, y, mo, d, h, mi, se;
	time_t t;

	if (n < 19 || !isdigit((unsigned char)s[0]) || s[4] != '-' || s[7] != '-' ||
	    (s[10] != 'T' && s[10] != ' ') || s[13] != ':' || s[16] != ':')
		return 0;
	y = num2(s) * 100 + num2(s + 2);
	mo = num2(s + 5), d = num2(s + 8), h = num2(s + 11), mi = num2(s + 14);
	se = num2(s + 17);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 ||
	    mi > 59 || se < 0 || se > 60)
		return 0;
	if (i < n && (s[i] == '.' || s[i] == ',') && i + 1 < n && isdigit((unsigned char)s[i + 1]))
		for (i++; i < n && isdigit((unsigned char)s[i]); i++, scale /= 10)
			frac += (s[i] - '0') * scale;
	if (i < n && (s[i] == 'Z' || s[i] == 'z')) {
		zoned = 1;
		i++;
	} else if (i + 5 < n + 0 && (s[i] == '+' || s[i] == '-') && num2(s + i + 1) >= 0 &&
	    ((s[i + 3] == ':' && num2(s + i + 4) >= 0) || num2(s + i + 3) >= 0)) {
		int colon = s[i + 3] == ':';
		off = num2(s + i + 1) * 3600L + num2(s + i + 3 + colon) * 60L;
		if (s[i] == '-')
			off = -off;
		zoned = 1;
		i += 5 + colon;
	}
	if (zoned) {
		*out = (double)mend_days_from_civil(y, mo, d) * 86400.0 + h * 3600 + mi * 60 + se -
		    (double)off + frac;
		return i;
	}
	{
		/* Local time: mktime (which reads the zone) once per hour. */
		static __thread int last_key = -1;
		static __thread time_t last_hour;
		int key = ((y * 13 + mo) * 32 + d) * 24 + h;
		if (key != last_key) {
			memset(&tm, 0, sizeof tm);
			tm.tm_year = y - 1900;
			tm.tm_mon = mo - 1;
			tm.tm_mday = d;
			tm.tm_hour = h;
			tm.tm_isdst = -1;
			if ((t = mktime(&tm)) == (time_t)-1)
				return 0;
			last_key = key;
			last_hour = t;
		}
		*out = (double)last_hour + mi * 60 + se + frac;
	}
	return i;
}

/* Epoch seconds from a number in s, ms, us or ns (by its size). */
static double
epoch_num(double v)
{
	if (v > 1e17)
		return v / 1e9;
	if (v > 1e14)
		return v / 1e6;
	if (v > 1e11)
		return v / 1e3;
	return v;
}

/* ---- levels ---- */

/* A level's name (case ignored) as LOGL_ERROR, LOGL_FATAL or LOGL_OTHER. */
static int
level_word(const char *s, size_t n)
{
	static const struct { const char *w; size_t n; int lvl; } words[] = {
		{ "error", 5, LOGL_ERROR }, { "err", 3, LOGL_ERROR }, { "eror", 4, LOGL_ERROR },
		{ "severe", 6, LOGL_ERROR }, { "fatal", 5, LOGL_FATAL },
		{ "critical", 8, LOGL_FATAL }, { "crit", 4, LOGL_FATAL }, { "panic", 5, LOGL_FATAL },
		{ "alert", 5, LOGL_FATAL }, { "emerg", 5, LOGL_FATAL },
		{ "emergency", 9, LOGL_FATAL }, { "dpanic", 6, LOGL_FATAL },
		{ "e", 1, LOGL_ERROR }, { "f", 1, LOGL_FATAL }, { "ftl", 3, LOGL_FATAL },
	};
	size_t i;
	int c = tolower((unsigned char)(n ? s[0] : 0));

	if (c != 'e' && c != 's' && c != 'f' && c != 'c' && c != 'p' && c != 'a' && c != 'd')
		return LOGL_OTHER;
	for (i = 0; i < sizeof words / sizeof *words; i++)
		if (words[i].n == n && words[i].w[0] == c && !strncasecmp(s, words[i].w, n))
			return words[i].lvl;
	return LOGL_OTHER;
}

/*
 * The level of a plain line: a level word among its first 160 bytes,
 * in capitals as a word of its own ("ERROR", "[FATAL]"), or after
 * "level=" (logfmt), or "[error]" in brackets (nginx, Apache).
 */
int
logline_level(const char *s, size_t n)
{
	size_t i, lim = n < 160 ? n : 160;
	int best = LOGL_OTHER;

	for (i = 0; i < lim; i++) {
		size_t j;
		int lvl;

		if (i > 0 && (isalnum((unsigned char)s[i - 1]) || s[i - 1] == '_'))
			continue;
		if (!isalpha((unsigned char)s[i]))
			continue;
		for (j = i; j < n && j - i < 12 && (isalnum((unsigned char)s[j]) || s[j] == '_');
		    j++)
			;
		if (j - i < 3 || (j < n && (isalnum((unsigned char)s[j]) || s[j] == '_')))
			continue;
		if (j - i == 5 && !strncmp(s + i, "level", 5) && j < n && s[j] == '=') {
			size_t k = j + 1, e;
			if (k < n && s[k] == '"')
				k++;
			for (e = k; e < n && isalpha((unsigned char)s[e]); e++)
				;
			if ((lvl = level_word(s + k, e - k)) > best)
				best = lvl;
			i = e;
			continue;
		}
		if ((isupper((unsigned char)s[i]) && isupper((unsigned char)s[j - 1])) ||
		    (i > 0 && s[i - 1] == '[' && j < n && s[j] == ']')) {
			lvl = level_word(s + i, j - i);
			if (lvl > best)
				best = lvl;
		}
		i = j;
	}
	return best;
}

static int
level_json(jv v)
{
	if (jv_get_kind(v) == JV_KIND_STRING)
		return level_word(jv_string_value(v), (size_t)jv_string_length_bytes(jv_copy(v)));
	if (jv_get_kind(v) == JV_KIND_NUMBER) {
		double n = jv_number_value(v);
		/* pino and bunyan: 50 error, 60 fatal */
		return n >= 60 ? LOGL_FATAL : n >= 50 ? LOGL_ERROR : LOGL_OTHER;
	}
	return LOGL_OTHER;
}

/* ---- JSON lines ---- */

/* obj's field by a literal (possibly dotted) key, else by path; borrowed
 * from obj (invalid when absent). */
static jv
field(jv obj, const char *name)
{
	jv v;

	if (jv_object_has(jv_copy(obj), jv_string(name)))
		v = jv_object_get(jv_copy(obj), jv_string(name));
	else if (strchr(name, '.'))
		v = record_get(obj, name);
	else
		return jv_invalid();
	if (jv_get_kind(v) == JV_KIND_NULL) {
		jv_free(v);
		return jv_invalid();
	}
	return v;
}

/* The first of names present in obj (a new reference), else invalid. */
static jv
first_field(jv obj, const char *const *names)
{
	for (; *names; names++) {
		jv v = field(obj, *names);
		if (jv_is_valid(v))
			return v;
		jv_free(v);
	}
	return jv_invalid();
}

/* The first string among names, copied into dst (cut at dstlen). */
static void
first_str(char *dst, size_t dstlen, jv obj, const char *const *names)
{
	jv v = first_field(obj, names);

	dst[0] = '\0';
	if (jv_get_kind(v) == JV_KIND_STRING)
		snprintf(dst, dstlen, "%s", jv_string_value(v));
	else if (jv_get_kind(v) == JV_KIND_NUMBER)
		snprintf(dst, dstlen, "%.17g", jv_number_value(v));
	jv_free(v);
}

static double
json_time(jv v)
{
	double t = 0;

	if (jv_get_kind(v) == JV_KIND_NUMBER)
		t = epoch_num(jv_number_value(v));
	else if (jv_get_kind(v) == JV_KIND_STRING) {
		const char *s = jv_string_value(v);
		size_t n = strlen(s);
		char *end;
		double x = strtod(s, &end);
		if (n && !*end)
			t = epoch_num(x);
		else if (!logline_time(&t, s, n))
			t = 0;
	}
	jv_free(v);
	return t;
}

static const char *const msg_names[] = {
	"msg", "message", "@m", "@mt", "text", "@message", "log", "body", "event", NULL,
};
static const char *const level_names[] = {
	"level", "severity", "lvl", "levelname", "log.level", "@l", "loglevel", "severity_text",
	"level_name", "@level", NULL,
};
static const char *const time_names[] = {
	"time", "ts", "timestamp", "@timestamp", "@t", "t", "date", "datetime", "asctime",
	NULL,
};
static const char *const stack_names[] = {
	"stack", "stacktrace", "stack_trace", "error.stack", "err.stack", "error.stack_trace",
	"exception.stacktrace", "exc_info", "exception", "@x", "Exception", "error.stacktrace",
	"err.stacktrace", "trace", NULL,
};
static const char *const exc_names[] = {
	"error.type", "err.type", "exception.type", "error.kind", "exc_type", "err.name",
	"error.name", NULL,
};
static const char *const trace_names[] = {
	"trace_id", "traceId", "trace.id", "traceID", "otelTraceID", "dd.trace_id",
	"logging.googleapis.com/trace", NULL,
};
static const char *const service_names[] = {
	"service", "service.name", "service_name", "app", "application", NULL,
};

/* The application's JSON log line, parsed: fills message, level, ts, ... */
static void
app_json(struct logline *l, jv o)
{
	jv v;

	v = first_field(o, msg_names);
	l->text = "";
	l->len = 0;
	l->buf.len = 0;
	if (jv_get_kind(v) == JV_KIND_STRING) {
		strbuf_addn(&l->buf, jv_string_value(v), (size_t)jv_string_length_bytes(jv_copy(v)));
	} else if (jv_is_valid(v)) {
		char *s = record_dump(v);
		if (s)
			strbuf_add(&l->buf, s);
		free(s);
	}
	jv_free(v);
	if (l->buf.s && !l->buf.oom) {
		l->text = l->buf.s;
		l->len = l->buf.len;
	}
	v = first_field(o, level_names);
	if (jv_is_valid(v) && level_json(jv_copy(v)) > l->level)
		l->level = level_json(jv_copy(v));
	jv_free(v);
	if (!l->ts)
		l->ts = json_time(first_field(o, time_names));
	first_str(l->exception, sizeof l->exception, o, exc_names);
	first_str(l->trace_id, sizeof l->trace_id, o, trace_names);
	if (!l->service[0])
		first_str(l->service, sizeof l->service, o, service_names);
	v = first_field(o, stack_names);
	if (jv_get_kind(v) == JV_KIND_STRING && strchr(jv_string_value(v), '\n'))
		l->stack = jv_string_value(v);
	else if (jv_get_kind(v) == JV_KIND_ARRAY) {
		/* structlog's exc_info may be a list of lines */
		jv_free(v);
		v = jv_invalid();
	}
	/* keep it alive with the object */
	jv_free(l->json);
	l->json = jv_object_set(jv_object(), jv_string("line"), o);
	if (jv_is_valid(v))
		l->json = jv_object_set(l->json, jv_string("stack"), v);
	else
		jv_free(v);
	if (l->stack) {
		jv s = jv_object_get(jv_copy(l->json), jv_string("stack"));
		l->stack = jv_string_value(s);	/* borrowed from l->json */
		jv_free(s);
	}
}

/* journald's MESSAGE: a string, or an array of bytes when not UTF-8. */
static void
journal_message(struct logline *l, jv m)
{
	l->buf.len = 0;
	if (jv_get_kind(m) == JV_KIND_STRING) {
		strbuf_addn(&l->buf, jv_string_value(m), (size_t)jv_string_length_bytes(jv_copy(m)));
	} else if (jv_get_kind(m) == JV_KIND_ARRAY) {
		int i, n = jv_array_length(jv_copy(m));
		for (i = 0; i < n; i++) {
			jv b = jv_array_get(jv_copy(m), i);
			char c = jv_get_kind(b) == JV_KIND_NUMBER ? (char)(int)jv_number_value(b) : '?';
			jv_free(b);
			strbuf_addn(&l->buf, c ? &c : "?", 1);
		}
	}
	jv_free(m);
}

static void strip_prefixes(struct logline *l);

/* One inner line in l->buf as the application's (JSON or plain). */
static void
inner(struct logline *l)
{
	jv o;

	l->text = l->buf.s ? l->buf.s : "";
	l->len = l->buf.len;
	while (l->len && (l->text[l->len - 1] == '\n' || l->text[l->len - 1] == '\r'))
		l->len--;
	strip_prefixes(l);
	if (l->len > 1 && l->text[0] == '{' && l->text[l->len - 1] == '}' &&
	    record_parse(&o, l->text, l->len) == 0) {
		if (jv_get_kind(o) == JV_KIND_OBJECT) {
			int lvl = l->level;
			l->level = LOGL_OTHER;
			app_json(l, o);
			if (lvl > l->level)
				l->level = lvl;
			return;
		}
		jv_free(o);
	}
	{
		int lvl = logline_level(l->text, l->len);
		if (lvl > l->level)
			l->level = lvl;
	}
}

/* A wrapper object (docker, journald): 1 when o was one. */
static int
wrapper_json(struct logline *l, jv o, int format)
{
	jv v;

	if ((format == LOGF_AUTO || format == LOGF_DOCKER) &&
	    jv_object_has(jv_copy(o), jv_string("log")) &&
	    (jv_object_has(jv_copy(o), jv_string("stream")) ||
	    jv_object_has(jv_copy(o), jv_string("time")))) {
		v = jv_object_get(jv_copy(o), jv_string("log"));
		if (jv_get_kind(v) != JV_KIND_STRING) {
			jv_free(v);
			jv_free(o);
			return 0;
		}
		l->buf.len = 0;
		strbuf_addn(&l->buf, jv_string_value(v), (size_t)jv_string_length_bytes(jv_copy(v)));
		jv_free(v);
		/* The driver cuts lines at 16 KiB: the pieces but the last lack \n. */
		l->partial = !(l->buf.len && l->buf.s[l->buf.len - 1] == '\n');
		first_str(l->stream, sizeof l->stream, o, (const char *const[]){ "stream", NULL });
		l->ts = json_time(field(o, "time"));
		jv_free(l->json);
		l->json = o;
		inner(l);
		return 1;
	}
	if ((format == LOGF_AUTO || format == LOGF_JOURNAL) &&
	    (jv_object_has(jv_copy(o), jv_string("__REALTIME_TIMESTAMP")) ||
	    jv_object_has(jv_copy(o), jv_string("_SYSTEMD_UNIT")) ||
	    (format == LOGF_JOURNAL && jv_object_has(jv_copy(o), jv_string("MESSAGE"))))) {
		char pri[8], unit[sizeof l->service];
		journal_message(l, jv_object_get(jv_copy(o), jv_string("MESSAGE")));
		first_str(pri, sizeof pri, o, (const char *const[]){ "PRIORITY", NULL });
		if (pri[0] >= '0' && pri[0] <= '3' && !pri[1])
			l->level = pri[0] <= '2' ? LOGL_FATAL : LOGL_ERROR;
		first_str(unit, sizeof unit, o, (const char *const[]){ "_SYSTEMD_UNIT",
		    "SYSLOG_IDENTIFIER", "_COMM", NULL });
		snprintf(l->stream, sizeof l->stream, "%s", unit);
		{
			size_t n = strlen(unit);
			if (n > 8 && !strcmp(unit + n - 8, ".service"))
				unit[n - 8] = '\0';
			snprintf(l->service, sizeof l->service, "%s", unit);
		}
		l->ts = json_time(field(o, "__REALTIME_TIMESTAMP"));
		jv_free(l->json);
		l->json = o;
		inner(l);
		return 1;
	}
	jv_free(o);
	return 0;
}

/* ---- text prefixes ---- */

/* ANSI colour sequences at the start (pm2, docker compose in colour). */
static size_t
ansi(const char *s, size_t n)
{
	size_t i = 0;

	while (i + 2 < n && s[i] == '\033' && s[i + 1] == '[') {
		size_t j = i + 2;
		while (j < n && (isdigit((unsigned char)s[j]) || s[j] == ';'))
			j++;
		if (j >= n || s[j] != 'm')
			break;
		i = j + 1;
	}
	return i;
}

/*
 * "0|app  | text" (pm2) or "app-1  | text" (docker compose): the name
 * and the length of the prefix, 0 when there is none.
 */
static size_t
bar_prefix(const char *s, size_t n, char *name, size_t namelen, int strict)
{
	size_t i = 0, ns, ne;
	int pm2 = 0;

	while (i < n && isdigit((unsigned char)s[i]))
		i++;
	if (i > 0 && i < n && s[i] == '|')
		pm2 = 1, i++;
	else
		i = 0;
	ns = i;
	while (i < n && i < 80 && (isalnum((unsigned char)s[i]) || strchr("_.-@:/", s[i])))
		i++;
	ne = i;
	if (ne == ns)
		return 0;
	while (i < n && s[i] == ' ')
		i++;
	/* compose pads with spaces; pm2's name may touch the bar */
	if (!pm2 && (i == ne || strict))
		return 0;
	if (i + 1 > n || s[i] != '|' || (i + 1 < n && s[i + 1] != ' '))
		return 0;
	snprintf(name, namelen, "%.*s", (int)(ne - ns), s + ns);
	return i + 1 < n ? i + 2 : i + 1;
}

/*
 * "Nov 24 06:00:00 host ident[123]: text" (syslog, journalctl's short
 * output): the identifier into name, the time (this year, local) into
 * *t, and the prefix's length; 0 when there is none.
 */
static size_t
syslog_prefix(const char *s, size_t n, char *name, size_t namelen, double *t)
{
	static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	const char *m, *host, *id, *colon;
	struct tm tm;
	time_t now = time(NULL);
	size_t idlen;

	if (n < 20 || s[3] != ' ' || s[6] != ' ' || s[9] != ':' || s[12] != ':' ||
	    s[15] != ' ' || !(m = strstr(months, (char[]){ s[0], s[1], s[2], 0 })) ||
	    (m - months) % 3)
		return 0;
	host = s + 16;
	if (!(id = memchr(host, ' ', n - 16)) || id == host)
		return 0;
	id++;
	if (!(colon = memmem(id, n - (size_t)(id - s), ": ", 2)) || memchr(id, ' ',
	    (size_t)(colon - id)))
		return 0;
	idlen = (size_t)(colon - id);
	if (idlen && id[idlen - 1] == ']' && memchr(id, '[', idlen))
		idlen = (size_t)((const char *)memchr(id, '[', idlen) - id);
	if (idlen == 0)
		return 0;
	localtime_r(&now, &tm);
	tm.tm_mon = (int)((m - months) / 3);
	tm.tm_mday = (s[4] == ' ' ? 0 : (s[4] - '0') * 10) + (s[5] - '0');
	tm.tm_hour = num2(s + 7);
	tm.tm_min = num2(s + 10);
	tm.tm_sec = num2(s + 13);
	tm.tm_isdst = -1;
	if (tm.tm_hour < 0 || tm.tm_min < 0 || tm.tm_sec < 0)
		return 0;
	*t = (double)mktime(&tm);
	snprintf(name, namelen, "%.*s", (int)idlen, id);
	return (size_t)(colon - s) + 2;
}

/* "[pod/NAME/CONTAINER] text" from kubectl logs --prefix. */
static size_t
kubectl_prefix(const char *s, size_t n, char *name, size_t namelen)
{
	const char *e;

	if (n < 8 || s[0] != '[' || strncmp(s + 1, "pod/", 4) || !(e = memchr(s, ']', n)) ||
	    (size_t)(e - s) + 1 >= n || e[1] != ' ' || !memchr(s + 5, '/', (size_t)(e - s - 5)))
		return 0;
	snprintf(name, namelen, "%.*s", (int)(e - s - 1), s + 1);
	return (size_t)(e - s) + 2;
}

/* An RFC 3339 time with a zone and a space after it, as collectors put
 * in front of every line (docker logs -t, kubectl --timestamps, pm2's
 * --time "TIME: "). */
static size_t
time_prefix(double *t, const char *s, size_t n)
{
	size_t k;

	if (n < 21 || s[10] != 'T' || !(k = logline_time(t, s, n)))
		return 0;
	if (k < n && s[k] == ':' && k + 1 < n && s[k + 1] == ' ')	/* pm2 --time */
		return k + 2;
	if (k < n && s[k] == ' ' && (s[k - 1] == 'Z' || s[k - 1] == 'z' ||
	    isdigit((unsigned char)s[k - 1])))
		return k + 1;
	return 0;
}

/* Collector prefixes on the text of an unwrapped line. */
static void
strip_prefixes(struct logline *l)
{
	size_t k;
	double t;

	k = ansi(l->text, l->len);
	l->text += k, l->len -= k;
	if ((k = time_prefix(&t, l->text, l->len))) {
		if (!l->ts)
			l->ts = t;
		l->text += k, l->len -= k;
	}
}

/* "2026-11-24T06:00:00.123456789Z stdout F text" (CRI). */
static size_t
cri_prefix(struct logline *l, const char *s, size_t n)
{
	double t;
	const char *sp = n > 20 && s[4] == '-' && s[10] == 'T' ? memchr(s, ' ', n) : NULL;
	size_t k, st;

	/* The stream word first: cheaper than the time, and rarer. */
	if (!sp || (size_t)(s + n - sp) < 10 || (memcmp(sp + 1, "stdout ", 7) &&
	    memcmp(sp + 1, "stderr ", 7)))
		return 0;
	k = logline_time(&t, s, n);
	if (!k || k >= n || s[k] != ' ')
		return 0;
	st = k + 1;
	if (n - st >= 9 && !strncmp(s + st, "stdout ", 7))
		k = st + 7;
	else if (n - st >= 9 && !strncmp(s + st, "stderr ", 7))
		k = st + 7;
	else
		return 0;
	if ((s[k] != 'F' && s[k] != 'P') || (k + 1 < n && s[k + 1] != ' '))
		return 0;
	snprintf(l->stream, sizeof l->stream, "%.6s", s + st);
	l->partial = s[k] == 'P';
	l->ts = t;
	return k + 1 < n ? k + 2 : k + 1;
}

int
logline_parse(struct logline *l, int format, const char *line, size_t len)
{
	size_t k;
	char name[sizeof l->stream];
	jv o;

	jv_free(l->json);
	l->json = jv_invalid();
	l->text = line;
	l->len = len;
	l->stream[0] = l->service[0] = l->exception[0] = l->trace_id[0] = '\0';
	l->stack = NULL;
	l->ts = 0;
	l->level = LOGL_OTHER;
	l->partial = 0;
	while (l->len && (line[l->len - 1] == '\r' || line[l->len - 1] == '\n'))
		l->len--;
	len = l->len;
	if (memchr(line, '\033', len) && format != LOGF_JSON && format != LOGF_DOCKER &&
	    format != LOGF_JOURNAL) {
		/* Colours (pm2, compose on a terminal) say nothing: drop them all. */
		size_t i = 0, a;
		l->raw.len = 0;
		while (i < len) {
			if (line[i] == '\033' && (a = ansi(line + i, len - i))) {
				i += a;
				continue;
			}
			strbuf_addn(&l->raw, line + i, 1);
			i++;
		}
		if (l->raw.oom)
			return mend_err("out of memory");
		line = l->raw.s ? l->raw.s : "";
		len = l->len = l->raw.len;
		l->text = line;
	}
	if (len > 1 && line[0] == '{' && format != LOGF_PLAIN && format != LOGF_CRI &&
	    format != LOGF_PM2 && format != LOGF_KUBECTL && record_parse(&o, line, len) == 0) {
		if (jv_get_kind(o) != JV_KIND_OBJECT) {
			jv_free(o);
		} else if (wrapper_json(l, jv_copy(o), format)) {
			jv_free(o);
			return 0;
		} else if (format == LOGF_DOCKER || format == LOGF_JOURNAL) {
			jv_free(o);
			return mend_err("not a %s record", format == LOGF_DOCKER ? "docker" :
			    "journal");
		} else {
			app_json(l, o);
			return 0;
		}
	} else if (format == LOGF_JSON || format == LOGF_DOCKER || format == LOGF_JOURNAL) {
		return mend_err("not a JSON object");
	}
	if ((format == LOGF_AUTO || format == LOGF_CRI) && (k = cri_prefix(l, line, len))) {
		l->buf.len = 0;
		strbuf_addn(&l->buf, line + k, len - k);
		inner(l);
		return 0;
	}
	if (format == LOGF_CRI)
		return mend_err("not a CRI log line");
	k = ansi(line, len);
	if (format == LOGF_AUTO || format == LOGF_KUBECTL) {
		size_t p = kubectl_prefix(line + k, len - k, name, sizeof name);
		if (p) {
			const char *c = strrchr(name, '/');
			snprintf(l->stream, sizeof l->stream, "%s", name);
			snprintf(l->service, sizeof l->service, "%s", c ? c + 1 : name);
			l->buf.len = 0;
			strbuf_addn(&l->buf, line + k + p, len - k - p);
			inner(l);
			return 0;
		}
	}
	if (format == LOGF_AUTO || format == LOGF_PM2) {
		size_t p = bar_prefix(line + k, len - k, name, sizeof name, 0);
		if (p) {
			size_t a = ansi(line + k + p, len - k - p);
			snprintf(l->stream, sizeof l->stream, "%s", name);
			snprintf(l->service, sizeof l->service, "%s", name);
			l->buf.len = 0;
			strbuf_addn(&l->buf, line + k + p + a, len - k - p - a);
			inner(l);
			return 0;
		}
	}
	if (format == LOGF_AUTO || format == LOGF_PLAIN) {
		double t;
		size_t p = syslog_prefix(line + k, len - k, name, sizeof name, &t);
		if (p) {
			snprintf(l->stream, sizeof l->stream, "%s", name);
			snprintf(l->service, sizeof l->service, "%s", name);
			l->buf.len = 0;
			strbuf_addn(&l->buf, line + k + p, len - k - p);
			inner(l);
			if (!l->ts)
				l->ts = t;
			return 0;
		}
	}
	l->text = line;
	l->len = len;
	strip_prefixes(l);
	if (!l->ts && !logline_time(&l->ts, l->text, l->len))
		l->ts = 0;
	if (l->len > 1 && l->text[0] == '{') {
		/* a JSON log line behind a time prefix */
		l->buf.len = 0;
		strbuf_addn(&l->buf, l->text, l->len);
		inner(l);
		return 0;
	}
	l->level = logline_level(l->text, l->len);
	return 0;
}
