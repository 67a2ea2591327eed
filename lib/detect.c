/*
 * detect.c - turn probe and error records into incidents.
 *
 * Per monitor and per source (the prober that produced the record;
 * several streams merged with cat or sort -m are told apart by it) the
 * detector keeps a sliding window of samples (time, failed, ms) with
 * running counts of failures, slow samples and outcome changes ("flips"),
 * so every rule is O(1) per record:
 *
 *   consecutive  fail_after failures in a row open, recover_after
 *                successes in a row resolve;
 *   error rate   failing share of the window >= error_rate percent; an
 *                incident it opened also waits for the share to drop;
 *   latency      nearest-rank p95 of the window above `latency` ms, and
 *                more than one slow sample, so one slow check never opens
 *                (an incident it opened waits for the p95 to drop);
 *   flapping     more than `flap` flips in the window opens one incident
 *                marked flapping, and an open incident does not resolve
 *                while the window holds more than flap/2 flips (the
 *                hysteresis that holds a flapping monitor in one incident);
 *   --when       a jq program that marks a record failing too.
 *
 * Rate and latency count only once the window holds min_samples.  A
 * source is "down" from the record a rule fires until it resolves; a
 * monitor has an open incident while at least `quorum` sources are down.
 * `error` records open an incident per (monitor, exception type,
 * innermost frame), kept open while they recur and resolved after a
 * quiet window.  An `error` record with a `count` and neither exception
 * nor stack trace counts a log's error lines (logs(1)): those open an
 * incident per monitor only when the window holds log_errors of them
 * (the counts are samples of the group's window).
 *
 * Time is the records' own `ts`, never the clock, so replaying a file
 * gives the same incidents, and a run per record (cron) decides exactly
 * what one long run would: all state (windows, counters, evidence, open
 * incidents) is saved in the spool's "detect" namespace, one key per
 * monitor ("m:NAME") or error group ("e:FINGERPRINT"), loaded whole at
 * start.
 *
 * Speed: probe records are read by a small validating scanner
 * (detect_scan.c) that picks out the fields rules need without building
 * a jv; anything unusual
 * (escapes in those fields, non-probe types, --when) takes the libjq
 * path, which stays the authority on what a bad line is.  State goes to
 * the spool in batches: detector_flush commits pending incidents and all
 * changed monitors in one transaction, before anything is printed.
 *
 * Incident ids are random ("inc_" + 16 hex) and live for one open ->
 * resolve episode; fingerprints are the first 16 hex of SHA-256 over
 * the monitor and failure class, the same on every run and machine.
 *
 * The innermost frame of an error record's stack trace comes from
 * lib/trace.c's parsers (see innermost_frame).
 *
 * Known-good answers: a probe that passes while its monitor is healthy
 * teaches the monitor's known-good record (shape.c; the spool's "shape"
 * namespace, one key per monitor and URL, saved with the monitor) when
 * its shape is one not seen last.  While a source is down, a probe that
 * passes but whose answer shape.c judges degraded against that record
 * (data lost: an array now empty, a member now null or 0, "undefined"
 * in a string, no longer JSON) counts as a failure: a service that
 * answers 200 with nothing in it has not recovered.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>


#include "detect.h"

#define MAXSAMPLES 65536
#define MAXEVLINE (64 * 1024)

enum { R_NONE, R_DOWN, R_RATE, R_LATENCY, R_FLAP, R_ERROR };
static const char *reason_name[] = { "none", "down", "error_rate", "latency", "flapping",
	"exception" };

struct sample {
	double t;
	float ms;
	unsigned char fail, flip, slow;
};

struct src {
	char *name;
	struct src *next;
	int cf, co;		/* consecutive failures, successes */
	double fail_start;	/* ts of the first failure of the current run */
	int last;		/* last outcome: -1 none, 0 ok, 1 failed */
	int down, reason;
	int last_status;	/* of the last failure, for summaries */
	char last_error[16];
	double tmax;		/* newest ts seen */
	struct sample *s;	/* ring: s[(head + i) % cap], i < n */
	size_t cap, head, n;
	int nfail, nslow, nflip;
	char **ev;		/* ring of the last raw records */
	size_t *evlen, *evcap;
	int evn, evhead;
};

struct mon {
	char *key;		/* state key: "m:" monitor or "e:" fingerprint */
	char *name;		/* the monitor */
	char *url;
	struct src *srcs;
	int ndown;
	int open, flapping, reason;
	char id[24], fp[20], cls[32];
	double first_seen, last_seen;
	int dirty;
	/* known-good answers (shape.c), loaded on first use */
	jv known;
	int known_loaded, known_dirty;
	char *shape_last;	/* the shape text learned last */
	/* error groups */
	int is_error;
	char *exception, *frame, *message;
	long count;
};

struct detector {
	struct detect_opts o;
	struct spool *sp;
	struct jqexpr *when;
	struct mon **tab;	/* open addressing, size a power of two */
	size_t tabsize, nmon;
	struct mon **dirty;
	size_t ndirty, capdirty;
	jv pending;		/* array of incident records */
	double pending_since;
	double next_expiry;	/* earliest quiet-window end of open error groups */
	struct metricrules *mr;	/* rules over metric records (metricrule.c) */
	char line_err[256];
};

/* ---- small helpers ---- */

static uint64_t
hash(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;

	while (n--)
		h = (h ^ (unsigned char)*s++) * 1099511628211ULL;
	return h;
}

/* First 16 hex of SHA-256 over the parts, each ended by '\n'. */
static int
fingerprint(char out[20], const char *const *parts, int n)
{
	struct strbuf b = { 0 };
	char digest[SIGN_HEX_LEN + 1], *all;
	int i, rc;

	for (i = 0; i < n; i++)
		strbuf_addf(&b, "%s\n", parts[i]);
	if (!(all = strbuf_take(&b)))
		return mend_err("out of memory");
	rc = sign_digest(digest, all, strlen(all));
	free(all);
	if (rc < 0)
		return -1;
	memcpy(out, digest, 16);
	out[16] = '\0';
	return 0;
}

static int
new_id(char out[24])
{
	memcpy(out, "inc_", 4);
	return sign_random_hex(out + 4, 8);
}

static char *
strndup_(const char *s, size_t n)
{
	char *p = malloc(n + 1);

	if (p) {
		memcpy(p, s, n);
		p[n] = '\0';
	}
	return p;
}

static void
fmt_ts(char *buf, size_t len, double t)
{
	mend_rfc3339(buf, len, t);
}

/* "90 s", "12 min", "3.5 h" */
static void
fmt_span(char *buf, size_t len, double s)
{
	if (s < 0)
		s = 0;
	if (s < 120)
		snprintf(buf, len, "%.0f s", s);
	else if (s < 7200)
		snprintf(buf, len, "%.0f min", s / 60);
	else
		snprintf(buf, len, "%.1f h", s / 3600);
}

/* ---- the table of monitors and error groups ---- */

static struct mon **
slot(struct detector *d, const char *key, size_t n)
{
	size_t i = (size_t)hash(key, n) & (d->tabsize - 1);

	while (d->tab[i] && (strncmp(d->tab[i]->key, key, n) || d->tab[i]->key[n]))
		i = (i + 1) & (d->tabsize - 1);
	return &d->tab[i];
}

static int
grow(struct detector *d)
{
	struct mon **old = d->tab;
	size_t i, oldsize = d->tabsize;

	d->tabsize = oldsize ? oldsize * 2 : 1024;
	if (!(d->tab = calloc(d->tabsize, sizeof *d->tab))) {
		d->tab = old;
		d->tabsize = oldsize;
		return mend_err("out of memory");
	}
	for (i = 0; i < oldsize; i++)
		if (old[i])
			*slot(d, old[i]->key, strlen(old[i]->key)) = old[i];
	free(old);
	return 0;
}

static struct mon *
mon_find(struct detector *d, const char *key, size_t n)
{
	return *slot(d, key, n);
}

static struct mon *
mon_add(struct detector *d, const char *key, size_t n)
{
	struct mon *m, **s;

	if ((d->nmon + 1) * 2 > d->tabsize && grow(d) < 0)
		return NULL;
	if (!(m = calloc(1, sizeof *m)) || !(m->key = strndup_(key, n))) {
		free(m);
		mend_err("out of memory");
		return NULL;
	}
	s = slot(d, key, n);
	*s = m;
	d->nmon++;
	return m;
}

static void
mark_dirty(struct detector *d, struct mon *m)
{
	if (m->dirty)
		return;
	if (d->ndirty == d->capdirty) {
		size_t cap = d->capdirty ? d->capdirty * 2 : 256;
		struct mon **nd = realloc(d->dirty, cap * sizeof *nd);
		if (!nd)
			return;	/* stays clean: saved with the next change */
		d->dirty = nd;
		d->capdirty = cap;
	}
	d->dirty[d->ndirty++] = m;
	m->dirty = 1;
}

static struct src *
src_get(struct detector *d, struct mon *m, const char *name, size_t n)
{
	struct src *s;

	for (s = m->srcs; s; s = s->next)
		if (!strncmp(s->name, name, n) && !s->name[n])
			return s;
	if (!(s = calloc(1, sizeof *s)) || !(s->name = strndup_(name, n)) ||
	    !(s->ev = calloc((size_t)d->o.evidence, sizeof *s->ev)) ||
	    !(s->evlen = calloc((size_t)d->o.evidence, sizeof *s->evlen)) ||
	    !(s->evcap = calloc((size_t)d->o.evidence, sizeof *s->evcap))) {
		if (s) {
			free(s->name);
			free(s->ev);
			free(s->evlen);
		}
		free(s);
		mend_err("out of memory");
		return NULL;
	}
	s->last = -1;
	s->next = m->srcs;
	m->srcs = s;
	return s;
}

static void
src_free(struct src *s, int nev)
{
	int i;

	for (i = 0; i < nev; i++)
		free(s->ev[i]);
	free(s->ev);
	free(s->evlen);
	free(s->evcap);
	free(s->s);
	free(s->name);
	free(s);
}

static void
mon_free(struct mon *m, int nev)
{
	struct src *s, *next;

	for (s = m->srcs; s; s = next) {
		next = s->next;
		src_free(s, nev);
	}
	free(m->key);
	free(m->name);
	free(m->url);
	free(m->exception);
	free(m->frame);
	free(m->message);
	free(m->shape_last);
	if (m->known_loaded)
		jv_free(m->known);
	free(m);
}

static int
set_str(char **dst, const char *s, size_t n)
{
	if (*dst && !strncmp(*dst, s, n) && !(*dst)[n])
		return 0;
	free(*dst);
	if (!(*dst = strndup_(s, n)))
		return mend_err("out of memory");
	return 0;
}

/* ---- windows ---- */

static struct sample *
sample_at(struct src *s, size_t i)
{
	return &s->s[(s->head + i) % s->cap];
}

static void
sample_pop(struct src *s)
{
	struct sample *x = sample_at(s, 0);

	s->nfail -= x->fail;
	s->nslow -= x->slow;
	s->nflip -= x->flip;
	s->head = (s->head + 1) % s->cap;
	s->n--;
}

static int
sample_push(struct src *s, struct sample x)
{
	if (s->n == s->cap) {
		if (s->cap >= MAXSAMPLES) {
			sample_pop(s);
		} else {
			size_t cap = s->cap ? s->cap * 2 : 16, i;
			struct sample *ns = malloc(cap * sizeof *ns);
			if (!ns)
				return mend_err("out of memory");
			for (i = 0; i < s->n; i++)
				ns[i] = *sample_at(s, i);
			free(s->s);
			s->s = ns;
			s->cap = cap;
			s->head = 0;
		}
	}
	s->s[(s->head + s->n) % s->cap] = x;
	s->n++;
	s->nfail += x.fail;
	s->nslow += x.slow;
	s->nflip += x.flip;
	return 0;
}

static void
window_prune(struct detector *d, struct src *s)
{
	while (s->n > 0 && sample_at(s, 0)->t < s->tmax - d->o.window)
		sample_pop(s);
}

static int
evidence_push(struct detector *d, struct src *s, const char *line, size_t len)
{
	int i = (s->evhead + s->evn) % d->o.evidence;

	if (len > MAXEVLINE)
		return 0;	/* too big to keep as evidence */
	if (s->evn == d->o.evidence) {
		i = s->evhead;
		s->evhead = (s->evhead + 1) % d->o.evidence;
	} else {
		s->evn++;
	}
	if (s->evcap[i] < len + 1) {
		char *p = realloc(s->ev[i], len + 1);
		if (!p)
			return mend_err("out of memory");
		s->ev[i] = p;
		s->evcap[i] = len + 1;
	}
	memcpy(s->ev[i], line, len);
	s->ev[i][len] = '\0';
	s->evlen[i] = len;
	return 0;
}

/* Append the evidence of s (oldest first; the last `max` only) to arr. */
static jv
evidence_add(struct detector *d, jv arr, struct src *s, int max)
{
	int i;

	for (i = s->evn > max ? s->evn - max : 0; i < s->evn; i++) {
		int k = (s->evhead + i) % d->o.evidence;
		jv v = jv_parse_sized(s->ev[k], (int)s->evlen[k]);
		if (jv_is_valid(v))
			arr = jv_array_append(arr, v);
		else
			jv_free(v);
	}
	return arr;
}

/* ---- rules ---- */

static int
rate_fires(struct detector *d, struct src *s)
{
	return d->o.error_rate > 0 && s->n >= (size_t)d->o.min_samples &&
	    s->nfail * 100.0 >= d->o.error_rate * (double)s->n;
}

static int
latency_fires(struct detector *d, struct src *s)
{
	size_t need;

	if (d->o.latency <= 0 || s->n < (size_t)d->o.min_samples || s->nslow < 2)
		return 0;
	/* p95 (nearest rank) > limit iff enough samples are above it. */
	need = s->n - (size_t)ceil(0.95 * (double)s->n) + 1;
	return (size_t)s->nslow >= need;
}

static int
flap_fires(struct detector *d, struct src *s)
{
	return d->o.flap > 0 && s->nflip > d->o.flap;
}

/* An open incident is held while the window flips more than flap/2 times. */
static int
flap_holds(struct detector *d, struct src *s)
{
	return d->o.flap > 0 && s->nflip > d->o.flap / 2;
}

static double
p95(struct src *s)
{
	float *v = malloc(s->n * sizeof *v);
	size_t i, k;
	double r;

	if (!v || s->n == 0) {
		free(v);
		return 0;
	}
	for (i = 0; i < s->n; i++)
		v[i] = sample_at(s, i)->ms;
	/* Selection would do; summaries are rare. */
	for (i = 1; i < s->n; i++) {
		float x = v[i];
		for (k = i; k > 0 && v[k - 1] > x; k--)
			v[k] = v[k - 1];
		v[k] = x;
	}
	r = v[(size_t)ceil(0.95 * (double)s->n) - 1];
	free(v);
	return r;
}

static const char *
failure_words(char *buf, size_t len, struct src *s)
{
	const char *e = s->last_error;

	if (!strcmp(e, "status"))
		snprintf(buf, len, "HTTP %d", s->last_status);
	else if (!strcmp(e, "timeout"))
		snprintf(buf, len, "timeouts");
	else if (!strcmp(e, "connect"))
		snprintf(buf, len, "connection errors");
	else if (!strcmp(e, "dns"))
		snprintf(buf, len, "DNS errors");
	else if (!strcmp(e, "tls"))
		snprintf(buf, len, "TLS errors");
	else if (!strcmp(e, "body"))
		snprintf(buf, len, "an unexpected body");
	else if (!strcmp(e, "http"))
		snprintf(buf, len, "HTTP protocol errors");
	else if (!strcmp(e, "when"))
		snprintf(buf, len, "the --when condition");
	else if (s->last_status)
		snprintf(buf, len, "HTTP %d", s->last_status);
	else
		snprintf(buf, len, "errors");
	return buf;
}

static void
failure_class(char *buf, size_t len, struct src *s, int reason)
{
	if (reason == R_LATENCY || reason == R_FLAP)
		snprintf(buf, len, "%s", reason_name[reason]);
	else if (!strcmp(s->last_error, "status") || (!*s->last_error && s->last_status))
		snprintf(buf, len, "status:%dxx", s->last_status / 100);
	else
		snprintf(buf, len, "%s", *s->last_error ? s->last_error : "failure");
}

/* ts of the oldest sample in the window with the given flag set. */
static double
oldest(struct src *s, int which, double dflt)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		struct sample *x = sample_at(s, i);
		if ((which == 0 && x->fail) || (which == 1 && x->slow) || (which == 2 && x->flip))
			return x->t;
	}
	return dflt;
}

static jv
incident_record(struct detector *d, struct mon *m, const char *event, const char *summary,
    jv evidence)
{
	char first[40], last[40];
	jv inc = jv_object();

	fmt_ts(first, sizeof first, m->first_seen);
	fmt_ts(last, sizeof last, m->last_seen);
	inc = jv_object_set(inc, jv_string("id"), jv_string(m->id));
	inc = jv_object_set(inc, jv_string("event"), jv_string(event));
	inc = jv_object_set(inc, jv_string("fingerprint"), jv_string(m->fp));
	inc = jv_object_set(inc, jv_string("monitor"), jv_string(m->name));
	inc = jv_object_set(inc, jv_string("url"), record_strornull(m->url));
	inc = jv_object_set(inc, jv_string("reason"), jv_string(reason_name[m->reason]));
	inc = jv_object_set(inc, jv_string("class"), jv_string(m->cls));
	inc = jv_object_set(inc, jv_string("summary"), jv_string(summary));
	inc = jv_object_set(inc, jv_string("first_seen"), jv_string(first));
	inc = jv_object_set(inc, jv_string("last_seen"), jv_string(last));
	inc = jv_object_set(inc, jv_string("flapping"), jv_bool(m->flapping));
	if (m->is_error) {
		inc = jv_object_set(inc, jv_string("exception"), record_strornull(m->exception));
		inc = jv_object_set(inc, jv_string("frame"), record_strornull(m->frame));
		inc = jv_object_set(inc, jv_string("count"), jv_number((double)m->count));
	}
	if (d->o.quorum > 1 && !m->is_error) {
		jv srcs = jv_array();
		struct src *s;
		for (s = m->srcs; s; s = s->next)
			if (s->down)
				srcs = jv_array_append(srcs, jv_string(s->name));
		inc = jv_object_set(inc, jv_string("sources"), srcs);
	}
	inc = jv_object_set(inc, jv_string("evidence"), evidence);
	return jv_object_set(jv_object_set(jv_object(), jv_string("type"),
	    jv_string("incident")), jv_string("incident"), inc);
}

static void
pend(struct detector *d, jv rec)
{
	if (jv_array_length(jv_copy(d->pending)) == 0)
		d->pending_since = mend_mono();
	d->pending = jv_array_append(d->pending, rec);
}

static int
open_incident(struct detector *d, struct mon *m, struct src *s, double ts)
{
	char summary[512], what[64], span[32];
	const char *parts[3];
	jv ev = jv_array();
	struct src *o;
	int ndown = 0, nsrc = 0;

	for (o = m->srcs; o; o = o->next) {
		nsrc++;
		ndown += o->down;
	}
	if (new_id(m->id) < 0)
		return -1;
	m->open = 1;
	m->reason = s->reason;
	m->flapping = s->reason == R_FLAP || flap_fires(d, s);
	failure_class(m->cls, sizeof m->cls, s, s->reason);
	parts[0] = "probe";
	parts[1] = m->name;
	parts[2] = m->cls;
	if (fingerprint(m->fp, parts, 3) < 0)
		return -1;
	m->last_seen = ts;
	failure_words(what, sizeof what, s);
	switch (s->reason) {
	case R_DOWN:
		m->first_seen = s->fail_start;
		fmt_span(span, sizeof span, ts - m->first_seen);
		snprintf(summary, sizeof summary, "%d of %d checks failed with %s over %s",
		    s->cf, s->cf, what, span);
		break;
	case R_RATE:
		m->first_seen = oldest(s, 0, ts);
		fmt_span(span, sizeof span, ts - sample_at(s, 0)->t);
		snprintf(summary, sizeof summary,
		    "%d of %zu checks failed (%.0f%%) over %s, the last with %s",
		    s->nfail, s->n, 100.0 * s->nfail / (double)s->n, span, what);
		break;
	case R_LATENCY:
		m->first_seen = oldest(s, 1, ts);
		fmt_span(span, sizeof span, ts - sample_at(s, 0)->t);
		snprintf(summary, sizeof summary,
		    "p95 latency %.0f ms over %zu checks in %s (limit %.0f ms)",
		    p95(s), s->n, span, d->o.latency);
		break;
	default:
		m->first_seen = oldest(s, 2, ts);
		fmt_span(span, sizeof span, ts - sample_at(s, 0)->t);
		snprintf(summary, sizeof summary,
		    "changed state %d times in %s (flapping), the last failure with %s",
		    s->nflip, span, what);
		break;
	}
	if (d->o.quorum > 1) {
		size_t n = strlen(summary);
		snprintf(summary + n, sizeof summary - n, ", seen from %d of %d sources",
		    ndown, nsrc);
	}
	ev = evidence_add(d, ev, s, d->o.evidence);
	for (o = m->srcs; o; o = o->next)
		if (o != s && o->down)
			ev = evidence_add(d, ev, o, 1);
	pend(d, incident_record(d, m, "open", summary, ev));
	return 0;
}

static int
resolve_incident(struct detector *d, struct mon *m, struct src *s, double ts)
{
	char summary[512], span[32];

	/* An error group's last_seen stays its last occurrence: that is
	 * when the errors stopped, and the spool dates the resolve by it. */
	if (m->is_error) {
		fmt_span(span, sizeof span, d->o.window);
		snprintf(summary, sizeof summary, "no %s for %s, after %ld occurrence%s",
		    m->exception ? m->exception : "error", span, m->count,
		    m->count == 1 ? "" : "s");
	} else {
		m->last_seen = ts;
		fmt_span(span, sizeof span, ts - m->first_seen);
		snprintf(summary, sizeof summary,
		    "recovered after %s: %d check%s in a row succeeded%s", span, s->co,
		    s->co == 1 ? "" : "s", m->flapping ? " (was flapping)" : "");
	}
	pend(d, incident_record(d, m, "resolve", summary,
	    evidence_add(d, jv_array(), s, d->o.evidence)));
	m->open = 0;
	m->flapping = 0;
	/* A closed error group keeps nothing the next episode needs (its
	 * evidence starts afresh), so its state is dropped from the spool. */
	if (m->is_error)
		s->evn = s->evhead = 0;
	return 0;
}

/* ---- probe records ---- */

static int
known_load(struct detector *d, struct mon *m)
{
	if (m->known_loaded)
		return 0;
	if (shape_known_get(d->sp, &m->known, m->name, m->url ? m->url : "") < 0)
		return -1;
	m->known_loaded = 1;
	return 0;
}

/*
 * A passing answer: while healthy, learn it (only a shape not seen
 * last); while down, 1 when it is degraded against the known-good.
 */
static int
shape_seen(struct detector *d, struct mon *m, struct src *s, struct detect_fields *f)
{
	jv shape = jv_null(), j;
	int degraded = 0;

	if (!m->url || known_load(d, m) < 0)
		return 0;
	if (f->shape && record_parse(&shape, f->shape, f->nshape) < 0)
		shape = jv_null();
	if (s->down || m->open) {
		if (jv_get_kind(m->known) == JV_KIND_OBJECT) {
			char method[16];
			snprintf(method, sizeof method, "%.*s", (int)(f->nmethod < 15 ? f->nmethod : 15),
			    f->method ? f->method : "GET");
			j = shape_judge(m->known, jv_null(), method, m->url, NULL,
			    isnan(f->status) ? 0 : (long)f->status, shape, 0);
			degraded = record_str(j, "verdict") && !strcmp(record_str(j, "verdict"),
			    "degraded");
			jv_free(j);
		}
		jv_free(shape);
		return degraded;
	}
	if (jv_is_valid(m->known) && jv_get_kind(m->known) == JV_KIND_OBJECT &&
	    m->shape_last && f->shape && !strncmp(m->shape_last, f->shape, f->nshape) &&
	    !m->shape_last[f->nshape]) {
		jv_free(shape);
		return 0;
	}
	if (f->shape && set_str(&m->shape_last, f->shape, f->nshape) < 0) {
		jv_free(shape);
		return 0;
	}
	if (!f->shape && jv_get_kind(m->known) == JV_KIND_OBJECT &&
	    record_num(m->known, "json", 0) == 0) {
		jv_free(shape);
		return 0;	/* not JSON, and known so */
	}
	m->known = shape_learn(m->known, m->name, m->url, isnan(f->status) ? 0 : (long)f->status,
	    shape, f->request_body);
	m->known_dirty = 1;
	return 0;
}

static int
probe_record(struct detector *d, struct detect_fields *f, int when_fails, const char *line,
    size_t len)
{
	char key[4096];
	struct mon *m;
	struct src *s, *o;
	struct sample x;
	double ts;
	int fail, was_open, nsrc, quorum, degraded = 0;

	if (!f->monitor) {
		f->monitor = f->url;
		f->nmonitor = f->nurl;
	}
	if (!f->monitor || f->nmonitor == 0)
		return mend_err("probe record has no monitor or url"), 1;
	if (f->nmonitor + 3 > sizeof key)
		return mend_err("monitor name too long"), 1;
	if (f->ts) {
		if (detect_parse_ts(&ts, f->ts, f->nts) < 0)
			return mend_err("bad ts '%.*s'", (int)(f->nts > 64 ? 64 : f->nts),
			    f->ts), 1;
	} else {
		ts = mend_now();
	}
	if (f->ok >= 0)
		fail = !f->ok;
	else
		fail = f->error || isnan(f->status) || f->status < 200 || f->status > 399;
	fail |= when_fails;

	memcpy(key, "m:", 2);
	memcpy(key + 2, f->monitor, f->nmonitor);
	if (!(m = mon_find(d, key, f->nmonitor + 2))) {
		if (!(m = mon_add(d, key, f->nmonitor + 2)) ||
		    set_str(&m->name, f->monitor, f->nmonitor) < 0)
			return -1;
	}
	if (f->url && set_str(&m->url, f->url, f->nurl) < 0)
		return -1;
	if (!(s = src_get(d, m, f->source ? f->source : "", f->source ? f->nsource : 0)))
		return -1;
	mark_dirty(d, m);
	if (!fail && shape_seen(d, m, s, f)) {
		fail = 1;
		degraded = 1;
	}

	if (ts > s->tmax)
		s->tmax = ts;
	x.t = ts;
	x.ms = isnan(f->ms) ? 0 : (float)f->ms;
	x.fail = (unsigned char)fail;
	x.flip = s->last >= 0 && s->last != fail;
	x.slow = d->o.latency > 0 && x.ms > d->o.latency;
	/* A record older than the window (a replay, a late stream) still
	 * counts for the consecutive rule but not in the window. */
	if (ts >= s->tmax - d->o.window && sample_push(s, x) < 0)
		return -1;
	window_prune(d, s);
	s->last = fail;
	if (fail) {
		if (s->cf == 0)
			s->fail_start = ts;
		s->cf++;
		s->co = 0;
		s->last_status = isnan(f->status) ? 0 : (int)f->status;
		snprintf(s->last_error, sizeof s->last_error, "%.*s", (int)f->nerror,
		    f->error ? f->error : "");
		if (!f->error && when_fails)
			snprintf(s->last_error, sizeof s->last_error, "when");
		if (degraded)
			snprintf(s->last_error, sizeof s->last_error, "degraded");
	} else {
		s->co++;
		s->cf = 0;
	}
	if (evidence_push(d, s, line, len) < 0)
		return -1;

	if (!s->down) {
		/* Rate and latency open on a failing (slow) check only, so
		 * the failures of an episode just resolved cannot reopen it. */
		int r = s->cf >= d->o.fail_after ? R_DOWN : fail && rate_fires(d, s) ? R_RATE :
		    x.slow && latency_fires(d, s) ? R_LATENCY : flap_fires(d, s) ? R_FLAP : R_NONE;
		if (r != R_NONE) {
			s->down = 1;
			s->reason = r;
			m->ndown++;
		}
	} else if (s->co >= d->o.recover_after &&
	    (s->reason != R_RATE || !rate_fires(d, s)) &&
	    (s->reason != R_LATENCY || !latency_fires(d, s))) {
		if (flap_holds(d, s)) {
			if (m->open)
				m->flapping = 1;
		} else {
			s->down = 0;
			s->reason = R_NONE;
			m->ndown--;
		}
	} else if (m->open && flap_fires(d, s)) {
		m->flapping = 1;
	}

	/* A monitor seen from fewer sources than the quorum needs them all. */
	for (o = m->srcs, nsrc = 0; o; o = o->next)
		nsrc++;
	quorum = d->o.quorum < nsrc ? d->o.quorum : nsrc;
	was_open = m->open;
	if (!m->open && m->ndown >= quorum)
		return open_incident(d, m, s, ts);
	if (was_open) {
		m->last_seen = ts;
		if (m->ndown < quorum)
			return resolve_incident(d, m, s, ts);
	}
	return 0;
}

/* ---- error records ---- */

/*
 * The frame an error is keyed by: the innermost application frame of the
 * trace in st (lib/trace.c's parsers), else its innermost frame, as
 * "path:line in function".
 */
static void
innermost_frame(char *out, size_t outlen, const char *st)
{
	jv traces, t, f;

	out[0] = '\0';
	if (trace_parse(&traces, st) < 0)
		return;
	if (jv_get_kind(traces) != JV_KIND_ARRAY || jv_array_length(jv_copy(traces)) == 0) {
		jv_free(traces);
		return;
	}
	t = jv_array_get(traces, 0);
	f = trace_app_frame(jv_copy(t));
	if (jv_get_kind(f) != JV_KIND_OBJECT) {
		jv frames = record_get(t, "frames");
		jv_free(f);
		f = jv_get_kind(frames) == JV_KIND_ARRAY && jv_array_length(jv_copy(frames)) > 0
		    ? jv_array_get(jv_copy(frames), 0) : jv_null();
		jv_free(frames);
	}
	if (jv_get_kind(f) == JV_KIND_OBJECT) {
		const char *path = record_str(f, "path"), *fn = record_str(f, "function");
		snprintf(out, outlen, "%s:%.0f in %s", path ? path : "?",
		    record_num(f, "line", 0), fn ? fn : "?");
	}
	jv_free(f);
	jv_free(t);
}

static int
error_record(struct detector *d, jv rec, const char *line, size_t len)
{
	char frame[256], key[64], fp[20];
	const char *monitor = record_str(rec, "monitor");
	const char *exc = record_str(rec, "exception");
	const char *msg = record_str(rec, "message");
	const char *tss = record_str(rec, "ts");
	const char *parts[4];
	jv st = record_get(rec, "stacktrace");
	struct mon *m;
	struct src *s;
	double ts, lines = record_num(rec, "count", 0);
	int burst = lines >= 1 && !exc && jv_get_kind(st) == JV_KIND_NULL;

	if (!monitor)
		monitor = record_str(rec, "attributes.service.name");
	if (!monitor)
		monitor = "unknown";
	if (!exc)
		exc = record_str(rec, "exception.type");
	if (!msg)
		msg = record_str(rec, "exception.message");
	if (!exc)
		exc = burst ? "error lines" : "error";
	if (tss) {
		if (detect_parse_ts(&ts, tss, strlen(tss)) < 0) {
			jv_free(st);
			return mend_err("bad ts '%.64s'", tss), 1;
		}
	} else {
		ts = mend_now();
	}
	frame[0] = '\0';
	if (jv_get_kind(st) == JV_KIND_STRING) {
		innermost_frame(frame, sizeof frame, jv_string_value(st));
	} else if (jv_get_kind(st) == JV_KIND_ARRAY && jv_array_length(jv_copy(st)) > 0) {
		jv f = jv_array_get(jv_copy(st), 0);
		if (jv_get_kind(f) == JV_KIND_OBJECT) {
			const char *path = record_str(f, "path"), *fn = record_str(f, "function");
			double ln = record_num(f, "line", 0);
			snprintf(frame, sizeof frame, "%s:%.0f in %s", path ? path : "?", ln,
			    fn ? fn : "?");
		} else if (jv_get_kind(f) == JV_KIND_STRING) {
			snprintf(frame, sizeof frame, "%s", jv_string_value(f));
		}
		jv_free(f);
	}
	jv_free(st);

	parts[0] = "error";
	parts[1] = monitor;
	parts[2] = exc;
	parts[3] = frame;
	if (fingerprint(fp, parts, 4) < 0)
		return -1;
	snprintf(key, sizeof key, "e:%s", fp);
	if (!(m = mon_find(d, key, strlen(key)))) {
		if (!(m = mon_add(d, key, strlen(key))))
			return -1;
		m->is_error = 1;
		if (set_str(&m->name, monitor, strlen(monitor)) < 0 ||
		    set_str(&m->exception, exc, strlen(exc)) < 0 ||
		    set_str(&m->frame, frame, strlen(frame)) < 0)
			return -1;
	}
	if (msg && set_str(&m->message, msg, strlen(msg)) < 0)
		return -1;
	if (record_str(rec, "url") && set_str(&m->url, record_str(rec, "url"),
	    strlen(record_str(rec, "url"))) < 0)
		return -1;
	if (!(s = src_get(d, m, "", 0)))
		return -1;
	mark_dirty(d, m);
	if (evidence_push(d, s, line, len) < 0)
		return -1;
	if (ts > s->tmax)
		s->tmax = ts;
	if (burst && !m->open) {
		/* Log error lines: open when the window holds enough. */
		double sum = 0;
		size_t i;
		if (sample_push(s, (struct sample){ .t = ts, .ms = (float)lines, .fail = 1 }) < 0)
			return -1;
		window_prune(d, s);
		for (i = 0; i < s->n; i++)
			sum += sample_at(s, i)->ms;
		if (sum < d->o.log_errors)
			return 0;
		lines = sum;
		while (s->n)
			sample_pop(s);
	}
	if (m->open) {
		m->count += burst ? (long)lines : 1;
		if (ts > m->last_seen)
			m->last_seen = ts;
	} else {
		char summary[512];
		if (new_id(m->id) < 0)
			return -1;
		memcpy(m->fp, fp, sizeof fp);
		snprintf(m->cls, sizeof m->cls, "exception");
		m->open = 1;
		m->reason = R_ERROR;
		m->count = burst ? (long)lines : 1;
		m->first_seen = m->last_seen = ts;
		if (burst)
			snprintf(summary, sizeof summary, "%ld error lines within %.0f s: %.300s",
			    m->count, d->o.window, msg ? msg : "");
		else
			snprintf(summary, sizeof summary, "%s%s%.300s%s%s%s", exc, msg ? ": " : "",
			    msg ? msg : "", *frame ? " (at " : "", frame, *frame ? ")" : "");
		pend(d, incident_record(d, m, "open", summary,
		    evidence_add(d, jv_array(), s, d->o.evidence)));
	}
	if (d->next_expiry == 0 || m->last_seen + d->o.window < d->next_expiry)
		d->next_expiry = m->last_seen + d->o.window;
	return 0;
}

/* Resolve the error groups quiet for a window as of ts. */
static int
sweep_errors(struct detector *d, double ts)
{
	double next = 0;
	size_t i;

	if (d->next_expiry == 0 || ts <= d->next_expiry)
		return 0;
	for (i = 0; i < d->tabsize; i++) {
		struct mon *m = d->tab[i];
		if (!m || !m->is_error || !m->open)
			continue;
		if (m->last_seen + d->o.window < ts) {
			mark_dirty(d, m);
			if (resolve_incident(d, m, m->srcs, ts) < 0)
				return -1;
		} else if (next == 0 || m->last_seen + d->o.window < next) {
			next = m->last_seen + d->o.window;
		}
	}
	d->next_expiry = next;
	return 0;
}

int
detector_feed(struct detector *d, const char *line, size_t len)
{
	struct detect_fields f;
	jv rec, out;
	int rc, fails = 0;

	while (len > 0 && isspace((unsigned char)*line))
		line++, len--;
	while (len > 0 && isspace((unsigned char)line[len - 1]))
		len--;
	if (len == 0)
		return 0;
	if (!d->when && detect_scan(&f, line, len) == 0 && f.type) {
		if (!KEYIS(f.type, f.ntype, "probe") && !KEYIS(f.type, f.ntype, "error") &&
		    !(KEYIS(f.type, f.ntype, "metric") && metricrules_count(d->mr)))
			return 0;
		if (KEYIS(f.type, f.ntype, "probe")) {
			if (d->next_expiry && sweep_errors(d, detect_fields_ts(&f)) < 0)
				return -1;
			return probe_record(d, &f, 0, line, len);
		}
	}
	if (record_parse(&rec, line, len) < 0)
		return 1;
	if (jv_get_kind(rec) != JV_KIND_OBJECT) {
		jv_free(rec);
		return mend_err("not a JSON object"), 1;
	}
	detect_fields_of(&f, rec);
	if (f.type && !strcmp(f.type, "metric") && metricrules_count(d->mr)) {
		jv incs;

		rc = metricrules_feed(d->mr, rec, &incs);
		jv_free(rec);
		jv_array_foreach(incs, k, inc) {
			(void)k;
			pend(d, inc);
		}
		jv_free(incs);
		return rc;
	}
	if (!f.type || (strcmp(f.type, "probe") && strcmp(f.type, "error"))) {
		jv_free(rec);
		return 0;
	}
	if (d->next_expiry && sweep_errors(d, detect_fields_ts(&f)) < 0) {
		jv_free(rec);
		return -1;
	}
	if (!strcmp(f.type, "error")) {
		rc = error_record(d, rec, line, len);
		jv_free(rec);
		return rc;
	}
	if (d->when) {
		int n = jqexpr_eval(d->when, &out, rec);
		if (n < 0) {
			jv_free(rec);
			return mend_err("--when: %s", mend_errmsg()), 1;
		}
		if (n > 0) {
			fails = jv_get_kind(out) != JV_KIND_FALSE &&
			    jv_get_kind(out) != JV_KIND_NULL;
			jv_free(out);
		}
	}
	rc = probe_record(d, &f, fails, line, len);
	free(f.shape_own);
	jv_free(rec);
	return rc;
}

/* ---- state in the spool ---- */

static jv
src_state(struct detector *d, struct src *s)
{
	jv o = jv_object(), samples = jv_array(), ev = jv_array();
	size_t i;
	int k;

	for (i = 0; i < s->n; i++) {
		struct sample *x = sample_at(s, i);
		jv a = jv_array();
		a = jv_array_append(a, jv_number(x->t));
		a = jv_array_append(a, jv_number(x->ms));
		a = jv_array_append(a, jv_number(x->fail));
		a = jv_array_append(a, jv_number(x->flip));
		samples = jv_array_append(samples, a);
	}
	for (k = 0; k < s->evn; k++)
		ev = jv_array_append(ev, jv_string(s->ev[(s->evhead + k) % d->o.evidence]));
	o = jv_object_set(o, jv_string("name"), jv_string(s->name));
	o = jv_object_set(o, jv_string("cf"), jv_number(s->cf));
	o = jv_object_set(o, jv_string("co"), jv_number(s->co));
	o = jv_object_set(o, jv_string("fail_start"), jv_number(s->fail_start));
	o = jv_object_set(o, jv_string("last"), jv_number(s->last));
	o = jv_object_set(o, jv_string("down"), jv_number(s->down));
	o = jv_object_set(o, jv_string("reason"), jv_number(s->reason));
	o = jv_object_set(o, jv_string("last_status"), jv_number(s->last_status));
	o = jv_object_set(o, jv_string("last_error"), jv_string(s->last_error));
	o = jv_object_set(o, jv_string("tmax"), jv_number(s->tmax));
	o = jv_object_set(o, jv_string("samples"), samples);
	return jv_object_set(o, jv_string("evidence"), ev);
}

static jv
mon_state(struct detector *d, struct mon *m)
{
	jv o = jv_object(), srcs = jv_array();
	struct src *s;

	for (s = m->srcs; s; s = s->next)
		srcs = jv_array_append(srcs, src_state(d, s));
	o = jv_object_set(o, jv_string("name"), record_strornull(m->name));
	o = jv_object_set(o, jv_string("url"), record_strornull(m->url));
	o = jv_object_set(o, jv_string("open"), jv_bool(m->open));
	o = jv_object_set(o, jv_string("id"), jv_string(m->id));
	o = jv_object_set(o, jv_string("fingerprint"), jv_string(m->fp));
	o = jv_object_set(o, jv_string("class"), jv_string(m->cls));
	o = jv_object_set(o, jv_string("reason"), jv_number(m->reason));
	o = jv_object_set(o, jv_string("flapping"), jv_bool(m->flapping));
	o = jv_object_set(o, jv_string("first_seen"), jv_number(m->first_seen));
	o = jv_object_set(o, jv_string("last_seen"), jv_number(m->last_seen));
	if (m->is_error) {
		o = jv_object_set(o, jv_string("error"), jv_true());
		o = jv_object_set(o, jv_string("exception"), record_strornull(m->exception));
		o = jv_object_set(o, jv_string("frame"), record_strornull(m->frame));
		o = jv_object_set(o, jv_string("message"), record_strornull(m->message));
		o = jv_object_set(o, jv_string("count"), jv_number((double)m->count));
	}
	return jv_object_set(o, jv_string("sources"), srcs);
}

static void
copy_str(char *dst, size_t len, jv o, const char *k)
{
	const char *s = record_str(o, k);

	snprintf(dst, len, "%s", s ? s : "");
}

static int
dup_field(char **dst, jv o, const char *k)
{
	const char *s = record_str(o, k);

	return s ? set_str(dst, s, strlen(s)) : 0;
}

static int
src_load(struct detector *d, struct mon *m, jv o)
{
	const char *name = record_str(o, "name");
	jv samples = record_get(o, "samples"), ev = record_get(o, "evidence");
	struct src *s;
	int i, n;

	if (!(s = src_get(d, m, name ? name : "", name ? strlen(name) : 0))) {
		jv_free(samples);
		jv_free(ev);
		return -1;
	}
	s->cf = (int)record_num(o, "cf", 0);
	s->co = (int)record_num(o, "co", 0);
	s->fail_start = record_num(o, "fail_start", 0);
	s->last = (int)record_num(o, "last", -1);
	s->down = (int)record_num(o, "down", 0);
	s->reason = (int)record_num(o, "reason", 0);
	s->last_status = (int)record_num(o, "last_status", 0);
	copy_str(s->last_error, sizeof s->last_error, o, "last_error");
	s->tmax = record_num(o, "tmax", 0);
	m->ndown += s->down;
	n = jv_get_kind(samples) == JV_KIND_ARRAY ? jv_array_length(jv_copy(samples)) : 0;
	for (i = 0; i < n; i++) {
		jv a = jv_array_get(jv_copy(samples), i);
		struct sample x;
		if (jv_get_kind(a) == JV_KIND_ARRAY && jv_array_length(jv_copy(a)) == 4) {
			jv t = jv_array_get(jv_copy(a), 0), ms = jv_array_get(jv_copy(a), 1);
			jv fl = jv_array_get(jv_copy(a), 2), fp = jv_array_get(jv_copy(a), 3);
			if (jv_get_kind(t) == JV_KIND_NUMBER &&
			    jv_get_kind(ms) == JV_KIND_NUMBER &&
			    jv_get_kind(fl) == JV_KIND_NUMBER &&
			    jv_get_kind(fp) == JV_KIND_NUMBER) {
				x.t = jv_number_value(t);
				x.ms = (float)jv_number_value(ms);
				x.fail = jv_number_value(fl) != 0;
				x.flip = jv_number_value(fp) != 0;
				/* Recomputed: --latency may differ from the last run's. */
				x.slow = d->o.latency > 0 && x.ms > d->o.latency;
				sample_push(s, x);
			}
			jv_free(t);
			jv_free(ms);
			jv_free(fl);
			jv_free(fp);
		}
		jv_free(a);
	}
	window_prune(d, s);
	n = jv_get_kind(ev) == JV_KIND_ARRAY ? jv_array_length(jv_copy(ev)) : 0;
	for (i = 0; i < n; i++) {
		jv e = jv_array_get(jv_copy(ev), i);
		if (jv_get_kind(e) == JV_KIND_STRING)
			evidence_push(d, s, jv_string_value(e),
			    (size_t)jv_string_length_bytes(jv_copy(e)));
		jv_free(e);
	}
	jv_free(samples);
	jv_free(ev);
	return 0;
}

static int
mon_load(struct detector *d, const char *key, jv o)
{
	struct mon *m = mon_add(d, key, strlen(key));
	jv srcs;
	int i, n, rc = 0;

	if (!m)
		return -1;
	if (dup_field(&m->name, o, "name") < 0 || dup_field(&m->url, o, "url") < 0 ||
	    dup_field(&m->exception, o, "exception") < 0 ||
	    dup_field(&m->frame, o, "frame") < 0 || dup_field(&m->message, o, "message") < 0)
		return -1;
	if (!m->name && set_str(&m->name, key + 2, strlen(key + 2)) < 0)
		return -1;
	m->open = record_bool(o, "open", 0);
	copy_str(m->id, sizeof m->id, o, "id");
	copy_str(m->fp, sizeof m->fp, o, "fingerprint");
	copy_str(m->cls, sizeof m->cls, o, "class");
	m->reason = (int)record_num(o, "reason", 0);
	if (m->reason < 0 || m->reason > R_ERROR)
		m->reason = R_NONE;
	m->flapping = record_bool(o, "flapping", 0);
	m->first_seen = record_num(o, "first_seen", 0);
	m->last_seen = record_num(o, "last_seen", 0);
	m->is_error = record_bool(o, "error", 0);
	m->count = (long)record_num(o, "count", 0);
	srcs = record_get(o, "sources");
	n = jv_get_kind(srcs) == JV_KIND_ARRAY ? jv_array_length(jv_copy(srcs)) : 0;
	/* Saved newest first; load in reverse so the list keeps its order. */
	for (i = n - 1; rc == 0 && i >= 0; i--) {
		jv s = jv_array_get(jv_copy(srcs), i);
		if (jv_get_kind(s) == JV_KIND_OBJECT)
			rc = src_load(d, m, s);
		jv_free(s);
	}
	jv_free(srcs);
	if (m->is_error && m->open &&
	    (d->next_expiry == 0 || m->last_seen + d->o.window < d->next_expiry))
		d->next_expiry = m->last_seen + d->o.window;
	return rc;
}

int
detector_new(struct detector **out, struct spool *sp, const struct detect_opts *o)
{
	struct detector *d = calloc(1, sizeof *d);
	jv all;
	int iter, rc = 0;

	if (!d)
		return mend_err("out of memory");
	d->o = *o;
	d->sp = sp;
	d->pending = jv_array();
	if (d->o.fail_after < 1)
		d->o.fail_after = 2;
	if (d->o.recover_after < 1)
		d->o.recover_after = 2;
	if (d->o.window <= 0)
		d->o.window = 600;
	if (d->o.min_samples < 1)
		d->o.min_samples = 5;
	if (d->o.quorum < 1)
		d->o.quorum = 1;
	if (d->o.evidence < 1)
		d->o.evidence = 5;
	if (d->o.log_errors < 1)
		d->o.log_errors = 10;
	if (grow(d) < 0 || (o->when && jqexpr_compile(&d->when, o->when) < 0) ||
	    metricrules_new(&d->mr, o->metric_rules, o->nmetric_rules, d->o.recover_after,
	    d->o.evidence) < 0) {
		detector_free(d);
		return -1;
	}
	if (spool_state_all(sp, &all, "detect") < 0) {
		detector_free(d);
		return -1;
	}
	for (iter = jv_object_iter(all); rc == 0 && jv_object_iter_valid(all, iter);
	    iter = jv_object_iter_next(all, iter)) {
		jv k = jv_object_iter_key(all, iter), v = jv_object_iter_value(all, iter);
		if (jv_get_kind(v) == JV_KIND_OBJECT && !strncmp(jv_string_value(k), "x:", 2))
			rc = metricrules_load(d->mr, jv_string_value(k), v);
		else if (jv_get_kind(v) == JV_KIND_OBJECT)
			rc = mon_load(d, jv_string_value(k), v);
		jv_free(k);
		jv_free(v);
	}
	jv_free(all);
	if (rc < 0) {
		detector_free(d);
		return -1;
	}
	*out = d;
	return 0;
}

void
detector_free(struct detector *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->tabsize; i++)
		if (d->tab[i])
			mon_free(d->tab[i], d->o.evidence);
	free(d->tab);
	free(d->dirty);
	metricrules_free(d->mr);
	jv_free(d->pending);
	if (d->when)
		jqexpr_free(d->when);
	free(d);
}

size_t
detector_pending(const struct detector *d, double *since)
{
	size_t n = (size_t)jv_array_length(jv_copy(d->pending));

	if (since)
		*since = d->pending_since;
	return n;
}

int
detector_dirty(const struct detector *d)
{
	return d->ndirty > 0 || metricrules_dirty(d->mr);
}

int
detector_flush(struct detector *d, int (*fn)(jv rec, void *arg), void *arg)
{
	int i, n = jv_array_length(jv_copy(d->pending));
	size_t k;
	jv recs;

	if (n == 0 && d->ndirty == 0 && !metricrules_dirty(d->mr))
		return 0;
	if (spool_begin(d->sp) < 0)
		return -1;
	for (i = 0; i < n; i++) {
		jv r = jv_array_get(jv_copy(d->pending), i);
		int rc = spool_incident_append(d->sp, r);
		jv_free(r);
		if (rc < 0)
			goto fail;
	}
	for (k = 0; k < d->ndirty; k++) {
		struct mon *m = d->dirty[k];
		/* A closed error group is forgotten, unless it counts log
		 * error lines toward a burst. */
		if (spool_state_put(d->sp, "detect", m->key, m->is_error && !m->open &&
		    !(m->srcs && m->srcs->n) ? jv_null() : mon_state(d, m)) < 0)
			goto fail;
		if (m->known_dirty && jv_get_kind(m->known) == JV_KIND_OBJECT &&
		    shape_known_put(d->sp, m->name, m->url, jv_copy(m->known)) < 0)
			goto fail;
	}
	if (metricrules_save(d->mr, d->sp) < 0 || spool_commit(d->sp) < 0)
		goto fail;
	metricrules_saved(d->mr);
	for (k = 0; k < d->ndirty; k++)
		d->dirty[k]->dirty = d->dirty[k]->known_dirty = 0;
	d->ndirty = 0;
	recs = d->pending;
	d->pending = jv_array();
	for (i = 0; i < n; i++)
		if (fn(jv_array_get(jv_copy(recs), i), arg) < 0) {
			jv_free(recs);
			return -1;
		}
	jv_free(recs);
	return 0;
fail:
	{
		char msg[1024];
		snprintf(msg, sizeof msg, "%s", mend_errmsg());
		spool_rollback(d->sp);
		return mend_err("%s", msg);
	}
}
