/*
 * watch.c - did a deploy make things worse?
 *
 * The watcher reads the stream detect reads (probe and error records)
 * mixed with deploy records, and for each deploy compares, per monitor,
 * the window after it with the baseline before it: checks, failures,
 * failure rate and p95 latency of the successful checks, and error
 * signatures (exception type + innermost frame) not seen in the
 * baseline.  watch_judge() is the comparison alone, on two arrays of
 * samples, so it can be tested without a stream.
 *
 * Time is the records' own ts.  A deploy is judged once a record later
 * than deploy.ts + window has been seen; until then it is pending.  All
 * state is a set of JSON values under keys, so the command can keep it in
 * the spool and a run per minute decides what one long run would:
 *
 *   "s:MONITOR"        [[ts, ok, ms], ...]   samples, oldest first
 *   "e:MONITOR"        [[ts, signature], ...] error signatures
 *   "d:COMMIT@TS"      {deploy, incident}     a pending deploy
 *   "v:COMMIT@TS"      true                   a deploy already judged
 *   "h:MONITOR"        [settle_s, ...]        how long its last deploys took to
 *                                            settle (at most WARMUP_HISTORY)
 *
 * The warm-up (the first part of the window, not judged) comes from the
 * monitor's own history when it has one and --warmup was not given: the
 * longest settle time of its last WARMUP_HISTORY deploys, rounded up to
 * 5 s and at most half the window.  A deploy's settle time is when,
 * after it, the monitor's checks first passed three times in a row no
 * slower than the baseline's median (slower() below).  A deploy that
 * never settled within its window teaches nothing (a
 * regression that stays); one judged worse that did settle does (its
 * warm-up was longer than the one it was judged with).  Without history
 * the warm-up is the 60 s default.
 *
 * Samples are kept for baseline + window behind the newest ts seen, and
 * as far back as the oldest pending deploy's baseline needs, at most
 * WATCH_MAX_SAMPLES per monitor, pruned at each watcher_changes and
 * every 50000 records.  Records are assumed to come roughly in time
 * order; a sample older than what is kept is still stored and pruned
 * later.  "v:" keys are never pruned (one per deploy).  Most records
 * cost one append: the pending deploys are scanned only once the
 * earliest one is due.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "mend.h"

#define WATCH_MAX_SAMPLES 20000
#define WARMUP_HISTORY 5	/* settle times remembered per monitor */
#define SETTLE_RUN 3		/* checks in a row that look like the baseline */

struct watcher {
	struct watch_opts o;
	jv state;		/* key -> value, as above */
	jv dirty;		/* key -> true, changed since watcher_changes */
	jv verdicts;		/* decided, not yet taken */
	double latest;		/* newest ts seen */
	double next_due;	/* when the first pending deploy's window ends */
	long fed;		/* records since the last prune */
};

static double first_due(struct watcher *w);
static void prune(struct watcher *w);

void
watch_opts_init(struct watch_opts *o)
{
	o->window = 300;
	o->baseline = 1800;
	o->min_checks = 5;
	o->warmup = 60;
	o->warmup_fixed = 0;
}

int
watcher_new(struct watcher **out, jv state, const struct watch_opts *o)
{
	struct watcher *w = calloc(1, sizeof *w);

	if (!w) {
		jv_free(state);
		return mend_errno("watcher");
	}
	w->o = *o;
	w->state = jv_get_kind(state) == JV_KIND_OBJECT ? state : (jv_free(state), jv_object());
	w->dirty = jv_object();
	w->verdicts = jv_array();
	w->latest = record_num(w->state, "latest", 0);
	w->next_due = first_due(w);
	*out = w;
	return 0;
}

void
watcher_free(struct watcher *w)
{
	if (!w)
		return;
	jv_free(w->state);
	jv_free(w->dirty);
	jv_free(w->verdicts);
	free(w);
}

/* Take state[key] out so it is the only reference (appends then copy nothing). */
static jv
take(struct watcher *w, const char *key)
{
	jv v = jv_object_get(jv_copy(w->state), jv_string(key));

	w->state = jv_object_delete(w->state, jv_string(key));
	return v;
}

/* state[key] (a new reference, null when absent); keys hold dots, so no record_get. */
static jv
sget(struct watcher *w, const char *key)
{
	jv v = jv_object_get(jv_copy(w->state), jv_string(key));

	return jv_is_valid(v) ? v : (jv_free(v), jv_null());
}

static void
put(struct watcher *w, const char *key, jv v)
{
	if (jv_get_kind(v) == JV_KIND_NULL || !jv_is_valid(v)) {
		jv_free(v);
		w->state = jv_object_delete(w->state, jv_string(key));
	} else
		w->state = jv_object_set(w->state, jv_string(key), v);
	w->dirty = jv_object_set(w->dirty, jv_string(key), jv_true());
}

static void
append(struct watcher *w, const char *prefix, const char *monitor, jv item)
{
	char *key;
	jv a;

	if (asprintf(&key, "%s%s", prefix, monitor) < 0) {
		jv_free(item);
		return;
	}
	a = take(w, key);
	if (jv_get_kind(a) != JV_KIND_ARRAY) {
		jv_free(a);
		a = jv_array();
	}
	put(w, key, jv_array_append(a, item));
	free(key);
}

/* The signature of an error record: exception type + innermost frame. */
char *
watch_error_signature(jv rec)
{
	const char *exc = record_str(rec, "exception"), *st = record_str(rec, "stacktrace");
	const char *msg = record_str(rec, "message");
	char *sig = NULL;
	jv traces = jv_invalid(), t, fr = jv_null();

	if (st && trace_parse(&traces, st) == 0 && jv_get_kind(traces) == JV_KIND_ARRAY &&
	    jv_array_length(jv_copy(traces)) > 0) {
		t = trace_root(jv_array_get(jv_copy(traces), 0));
		fr = jv_array_get(record_get(t, "frames"), 0);
		if (!jv_is_valid(fr))
			fr = jv_null();
		if (!exc && record_str(t, "exception"))
			sig = strdup(record_str(t, "exception"));
		jv_free(t);
	}
	if (!sig)
		sig = strdup(exc ? exc : msg ? msg : "error");
	if (sig && strlen(sig) > 120)
		sig[120] = '\0';
	if (sig && jv_get_kind(fr) == JV_KIND_OBJECT) {
		char *s2 = NULL;
		const char *p = record_str(fr, "path"), *f = record_str(fr, "function");
		if (asprintf(&s2, "%s at %s%s%s", sig, p ? p : "?", f ? " in " : "", f ? f : "") >= 0) {
			free(sig);
			sig = s2;
		}
	}
	jv_free(fr);
	jv_free(traces);
	return sig;
}

/* Signatures in errs [[ts,sig]] with from <= ts < to, as an object {sig: count}. */
static jv
sigs(jv errs, double from, double to)
{
	int n = jv_get_kind(errs) == JV_KIND_ARRAY ? jv_array_length(jv_copy(errs)) : 0, i;
	jv o = jv_object();

	for (i = 0; i < n; i++) {
		jv e = jv_array_get(jv_copy(errs), i);
		double ts = jv_number_value(jv_array_get(jv_copy(e), 0));
		jv s = jv_array_get(jv_copy(e), 1);

		if (ts >= from && ts < to && jv_get_kind(s) == JV_KIND_STRING) {
			jv c = jv_object_get(jv_copy(o), jv_copy(s));
			double k = jv_get_kind(c) == JV_KIND_NUMBER ? jv_number_value(c) : 0;
			jv_free(c);
			o = jv_object_set(o, jv_copy(s), jv_number(k + 1));
		}
		jv_free(s);
		jv_free(e);
	}
	return o;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The checks of one side of a comparison. */
struct side {
	int n, fails, nms;
	double *ms;		/* latencies of the successful checks, sorted */
	double p95, median;
};

static void
side_release(struct side *s)
{
	free(s->ms);
	memset(s, 0, sizeof *s);
}

static double
quantile(const struct side *s, double q)
{
	int r;

	if (!s->nms)
		return -1;
	r = (int)ceil(q * s->nms) - 1;
	return s->ms[r < 0 ? 0 : r];
}

/* The samples [[ts,ok,ms]] with from <= ts < to. */
static void
collect(struct side *out, jv samples, double from, double to)
{
	int n = jv_get_kind(samples) == JV_KIND_ARRAY ? jv_array_length(jv_copy(samples)) : 0, i;

	memset(out, 0, sizeof *out);
	out->ms = n ? malloc(n * sizeof *out->ms) : NULL;
	for (i = 0; i < n; i++) {
		jv s = jv_array_get(jv_copy(samples), i);
		double ts = jv_number_value(jv_array_get(jv_copy(s), 0));
		int ok = jv_get_kind(jv_array_get(jv_copy(s), 1)) == JV_KIND_TRUE;
		jv m = jv_array_get(jv_copy(s), 2);

		if (ts >= from && ts < to) {
			out->n++;
			if (!ok)
				out->fails++;
			else if (jv_get_kind(m) == JV_KIND_NUMBER && out->ms)
				out->ms[out->nms++] = jv_number_value(m);
		}
		jv_free(m);
		jv_free(s);
	}
	if (out->nms)
		qsort(out->ms, out->nms, sizeof *out->ms, cmp_double);
	out->p95 = quantile(out, 0.95);
	out->median = quantile(out, 0.5);
}

static jv
side_json(const struct side *s)
{
	double rate = s->n ? (double)s->fails / s->n : 0;

	return JV_OBJECT(jv_string("checks"), jv_number(s->n), jv_string("failures"),
	    jv_number(s->fails), jv_string("fail_rate"), jv_number(round(rate * 10000) / 10000),
	    jv_string("median_ms"), s->median >= 0 ? jv_number(round(s->median)) : jv_null(),
	    jv_string("p95_ms"), s->p95 >= 0 ? jv_number(round(s->p95)) : jv_null());
}

/*
 * Fisher's exact test, one-sided: the chance of at least `a` failures
 * among the na checks after, when the fa + fb failures of all na + nb
 * checks fell at random (the hypergeometric tail).
 */
static double
fisher_greater(int a, int na, int b, int nb)
{
	int n = na + nb, k = a + b, x, hi = k < na ? k : na;
	double lc = lgamma(n + 1.0) - lgamma(na + 1.0) - lgamma(nb + 1.0), p = 0;

	for (x = a; x <= hi; x++)
		p += exp(lgamma(k + 1.0) - lgamma(x + 1.0) - lgamma(k - x + 1.0) +
		    lgamma(n - k + 1.0) - lgamma(na - x + 1.0) - lgamma(n - k - na + x + 1.0) - lc);
	return p > 1 ? 1 : p;
}

/*
 * The Mann-Whitney U test, one-sided (after slower than before), with the
 * normal approximation, tie correction and continuity correction.  *effect
 * is U / (na nb): the chance that a check after is slower than one before
 * (0.5: no difference).
 */
static double
mann_whitney_greater(const struct side *a, const struct side *b, double *effect)
{
	int na = a->nms, nb = b->nms, n = na + nb, i = 0, j = 0;
	double ra = 0, rank = 1, ties = 0, u, mean, var, z;

	*effect = 0.5;
	if (!na || !nb)
		return 1;
	/* Walk both sorted lists; a run of equal values shares its mean rank. */
	while (i < na || j < nb) {
		double v = i < na && (j >= nb || a->ms[i] <= b->ms[j]) ? a->ms[i] : b->ms[j];
		int ca = 0, cb = 0, t;

		while (i < na && a->ms[i] == v)
			i++, ca++;
		while (j < nb && b->ms[j] == v)
			j++, cb++;
		t = ca + cb;
		ra += ca * (rank + (t - 1) / 2.0);
		ties += (double)t * t * t - t;
		rank += t;
	}
	u = ra - na * (na + 1) / 2.0;
	*effect = u / ((double)na * nb);
	mean = na * (double)nb / 2;
	var = na * (double)nb / 12 * ((n + 1) - ties / ((double)n * (n - 1)));
	if (var <= 0)
		return u > mean ? 0 : 1;
	z = (u - mean - 0.5) / sqrt(var);
	return 0.5 * erfc(z / M_SQRT2);
}

static void
fmt_p(char *buf, size_t len, double p)
{
	if (p < 0.001)
		snprintf(buf, len, "p<0.001");
	else
		snprintf(buf, len, "p=%.3f", p);
}

/* How many of s's latencies are above v. */
static int
above(const struct side *s, double v)
{
	int i, n = 0;

	for (i = 0; i < s->nms; i++)
		n += s->ms[i] > v;
	return n;
}

/* Latency worse in a practical sense: half again slower and 50 ms more. */
static int
slower(double after, double before)
{
	return after >= 0 && before >= 0 && after >= 1.5 * before && after - before >= 50;
}

/*
 * How long after `at` the samples took to look like the baseline: the
 * ts of the first of SETTLE_RUN checks in a row, before `end`, that
 * passed no slower than its median.  -1 when fewer checks came; the
 * window (end - at) when they never did.
 */
static double
settle_time(jv samples, double at, double end, double median)
{
	int n = jv_get_kind(samples) == JV_KIND_ARRAY ? jv_array_length(jv_copy(samples)) : 0, i;
	int seen = 0, run = 0;
	double first = -1;

	for (i = 0; i < n; i++) {
		jv s = jv_array_get(jv_copy(samples), i);
		double ts = jv_number_value(jv_array_get(jv_copy(s), 0));
		int ok = jv_get_kind(jv_array_get(jv_copy(s), 1)) == JV_KIND_TRUE;
		jv m = jv_array_get(jv_copy(s), 2);

		if (ts >= at && ts < end) {
			seen++;
			if (ok && !(jv_get_kind(m) == JV_KIND_NUMBER &&
			    slower(jv_number_value(m), median))) {
				if (run++ == 0)
					first = ts;
			} else
				run = 0;
		}
		jv_free(m);
		jv_free(s);
		if (run >= SETTLE_RUN)
			return first - at;
	}
	return seen < SETTLE_RUN ? -1 : end - at;
}

#define ALPHA 0.01		/* the evidence a verdict needs */
#define MIN_RISE 0.05		/* failure rate: five points more, at least */

int
watch_judge(jv *out, const char *monitor, jv samples, jv errors, double at,
    const struct watch_opts *o)
{
	struct side b, a, late, warm;
	double end = at + o->window + 1e-6, warmup = o->warmup < o->window ? o->warmup : 0;
	double mid = at + warmup + (o->window - warmup) / 2, pf, pl = 1, eff = 0.5, pfb, plb = 1,
	    effb = 0.5, rb, ra;
	jv eb = sigs(errors, at - o->baseline, at), ea = sigs(errors, at, end);
	jv el = sigs(errors, mid, end), fresh = jv_array(), m, tests;
	char *text, pbuf[32];
	const char *word;
	int enough, worse = 0, better = 0, nnew = 0, recovering = 0, lone = 0, already = 0;
	double pt = 1, effw, settle;
	struct side pre;
	struct strbuf why = { 0 };

	collect(&b, samples, at - o->baseline, at);
	collect(&a, samples, at + warmup, end);
	collect(&late, samples, mid, end);
	collect(&warm, samples, at, at + warmup);
	collect(&pre, samples, at - (o->window - warmup), at);
	settle = settle_time(samples, at, end, b.median);
	jv_free(samples);
	jv_free(errors);
	rb = b.n ? (double)b.fails / b.n : 0;
	ra = a.n ? (double)a.fails / a.n : 0;
	enough = b.n >= o->min_checks && a.n >= o->min_checks;

	/*
	 * Failures: more than chance, five points up, still so in the latest
	 * half (it is "recovering" only when that half is plainly no worse than
	 * the baseline, p > 0.2), and not just the state the service was already
	 * in during the window before the deploy.
	 */
	pf = fisher_greater(a.fails, a.n, b.fails, b.n);
	pfb = fisher_greater(b.fails, b.n, a.fails, a.n);
	if (enough && pf < ALPHA && ra - rb >= MIN_RISE) {
		if (pre.n >= o->min_checks && fisher_greater(a.fails, a.n, pre.fails, pre.n) > 0.05)
			already = 1;
		else if (late.n >= o->min_checks &&
		    fisher_greater(late.fails, late.n, b.fails, b.n) > 0.2)
			recovering = 1;
		else {
			worse = 1;
			fmt_p(pbuf, sizeof pbuf, pf);
			strbuf_addf(&why, "%.0f%% of checks failed after the deploy, %.0f%% before (%s)",
			    ra * 100, rb * 100, pbuf);
		}
	} else if (enough && pfb < ALPHA && rb - ra >= MIN_RISE)
		better = 1;

	/* Latency: slower by rank and in practice, with the same trend and
	 * already-so checks. */
	if (enough) {
		pl = mann_whitney_greater(&a, &b, &eff);
		plb = mann_whitney_greater(&b, &a, &effb);
	}
	if (enough && pl < ALPHA && eff >= 0.75 && slower(a.median, b.median)) {
		double e2;

		if (pre.nms >= o->min_checks && mann_whitney_greater(&a, &pre, &e2) > 0.05)
			already = 1;
		else if (late.nms >= o->min_checks && !slower(late.median, b.median) &&
		    mann_whitney_greater(&late, &b, &e2) > 0.2)
			recovering = 1;
		else {
			fmt_p(pbuf, sizeof pbuf, pl);
			strbuf_addf(&why, "%smedian latency %.0f ms after, %.0f ms before (%s; %.0f%% of "
			    "checks after were slower than those before)", worse ? "; " : "",
			    a.median, b.median, pbuf, eff * 100);
			worse = 1;
		}
	} else if (enough && plb < ALPHA && effb >= 0.75 && slower(b.median, a.median))
		better = 1;

	/*
	 * The tail: a share of requests on a slow path leaves the median alone.
	 * More checks slower than the baseline's p95 than its 5%, significantly,
	 * and a p95 half again and 100 ms higher.
	 */
	if (enough && !worse && b.nms >= 20 && a.p95 >= 1.5 * b.p95 && a.p95 - b.p95 >= 100) {
		int ta = above(&a, b.p95), tb = above(&b, b.p95), tl = above(&late, b.p95);

		pt = fisher_greater(ta, a.nms, tb, b.nms);
		if (pt < ALPHA && ta >= 0.10 * a.nms) {
			if (late.nms >= o->min_checks && tl < 0.10 * late.nms)
				recovering = 1;	/* the slow share is back under a tenth */
			else {
				fmt_p(pbuf, sizeof pbuf, pt);
				strbuf_addf(&why, "p95 latency %.0f ms after, %.0f ms before: "
				    "%.0f%% of checks slower than the old p95 (%s)", a.p95, b.p95,
				    100.0 * ta / a.nms, pbuf);
				worse = 1;
			}
		}
	}

	/* New errors: a signature the baseline never had, seen twice or still seen. */
	jv_object_foreach(ea, k, v) {
		if (!jv_object_has(jv_copy(eb), jv_copy(k))) {
			if (jv_number_value(v) >= 2 || jv_object_has(jv_copy(el), jv_copy(k))) {
				fresh = jv_array_append(fresh, jv_copy(k));
				nnew++;
			} else
				lone++;
		}
		jv_free(k);
		jv_free(v);
	}
	if (nnew) {
		jv first = jv_array_get(jv_copy(fresh), 0);
		strbuf_addf(&why, "%snew error%s: %s%s", worse ? "; " : "", nnew == 1 ? "" : "s",
		    jv_string_value(first), nnew > 1 ? ", ..." : "");
		jv_free(first);
		worse = 1;
	}
	if (worse)
		word = "worse";
	else if (!enough) {
		word = "not enough data";
		strbuf_addf(&why, "too few checks to compare (%d before, %d after, %d needed)", b.n, a.n,
		    o->min_checks);
	} else if (better) {
		word = "better";
		strbuf_addf(&why, "better: ");
		if (pfb < ALPHA && rb - ra >= MIN_RISE)
			strbuf_addf(&why, "%.0f%% of checks failed after, %.0f%% before", ra * 100,
			    rb * 100);
		else
			strbuf_addf(&why, "median latency %.0f ms after, %.0f ms before", a.median,
			    b.median);
	} else {
		word = "no worse";
		strbuf_addf(&why, "no worse");
		if (already)
			strbuf_addf(&why, " (already as bad in the %.0f s before the deploy)",
			    o->window - warmup);
		else if (recovering)
			strbuf_addf(&why, " (worse at first, back to the baseline in the latest %.0f s)",
			    end - mid);
		else if (warmup > 0 && warm.n && ((slower(warm.median, b.median) &&
		    mann_whitney_greater(&warm, &b, &effw) < ALPHA) ||
		    fisher_greater(warm.fails, warm.n, b.fails, b.n) < ALPHA))
			strbuf_addf(&why, " (a warm-up in the first %.0f s is not counted)", warmup);
		if (lone)
			strbuf_addf(&why, "; %d new error%s seen once, not enough to call it worse", lone,
			    lone == 1 ? "" : "s");
	}
	text = strbuf_take(&why);
	tests = JV_OBJECT(jv_string("failures"), JV_OBJECT(jv_string("p"),
	    jv_number(round(pf * 1e6) / 1e6), jv_string("rise"),
	    jv_number(round((ra - rb) * 10000) / 10000)),
	    jv_string("latency"), JV_OBJECT(jv_string("p"), jv_number(round(pl * 1e6) / 1e6),
	    jv_string("slower_share"), jv_number(round(eff * 1000) / 1000),
	    jv_string("tail_p"), jv_number(round(pt * 1e6) / 1e6)));
	m = JV_OBJECT(jv_string("monitor"), jv_string(monitor), jv_string("before"), side_json(&b),
	    jv_string("after"), side_json(&a), jv_string("worse"), jv_bool(worse),
	    jv_string("verdict"), jv_string(word), jv_string("reason"),
	    jv_string(text ? text : ""));
	m = jv_object_set(m, jv_string("warmup_s"), jv_number(warmup));
	m = jv_object_set(m, jv_string("settle_s"), settle < 0 ? jv_null()
	    : jv_number(round(settle)));
	m = jv_object_set(m, jv_string("tests"), tests);
	m = jv_object_set(m, jv_string("new_errors"), fresh);
	free(text);
	side_release(&b);
	side_release(&a);
	side_release(&late);
	side_release(&warm);
	side_release(&pre);
	jv_free(eb);
	jv_free(ea);
	jv_free(el);
	*out = m;
	return 0;
}

/* The monitors to judge: deploy.monitors, else every monitor with state. */
static jv
monitors_of(struct watcher *w, jv deploy)
{
	jv ms = record_get(deploy, "monitors"), out = jv_array(), seen = jv_object();

	if (jv_get_kind(ms) == JV_KIND_ARRAY && jv_array_length(jv_copy(ms)) > 0) {
		jv_free(seen);
		jv_free(out);
		return ms;
	}
	jv_free(ms);
	jv_object_foreach(w->state, k, v) {
		const char *s = jv_string_value(k);
		if ((!strncmp(s, "s:", 2) || !strncmp(s, "e:", 2)) &&
		    !jv_object_has(jv_copy(seen), jv_string(s + 2))) {
			seen = jv_object_set(seen, jv_string(s + 2), jv_true());
			out = jv_array_append(out, jv_string(s + 2));
		}
		jv_free(k);
		jv_free(v);
	}
	jv_free(seen);
	return jv_sort(out, jv_copy(out));
}

/* The warm-up the monitor's history of settle times asks for; 0 when none. */
static int
learned_warmup(struct watcher *w, const char *monitor, double *out)
{
	char *key = NULL;
	jv h;
	int i, n;
	double most = 0;

	if (asprintf(&key, "h:%s", monitor) < 0)
		return 0;
	h = sget(w, key);
	free(key);
	n = jv_get_kind(h) == JV_KIND_ARRAY ? jv_array_length(jv_copy(h)) : 0;
	for (i = 0; i < n; i++) {
		jv x = jv_array_get(jv_copy(h), i);
		if (jv_get_kind(x) == JV_KIND_NUMBER && jv_number_value(x) > most)
			most = jv_number_value(x);
		jv_free(x);
	}
	jv_free(h);
	if (n == 0)
		return 0;
	most = ceil(most / 5) * 5;
	*out = most < w->o.window / 2 ? most : w->o.window / 2;
	return 1;
}

/* Remember how long a deploy took to settle on monitor (the last few only). */
static void
remember_settle(struct watcher *w, const char *monitor, double settle)
{
	char *key = NULL;
	jv h;

	if (asprintf(&key, "h:%s", monitor) < 0)
		return;
	h = take(w, key);
	if (jv_get_kind(h) != JV_KIND_ARRAY) {
		jv_free(h);
		h = jv_array();
	}
	h = jv_array_append(h, jv_number(settle));
	while (jv_array_length(jv_copy(h)) > WARMUP_HISTORY)
		h = jv_array_slice(h, 1, jv_array_length(jv_copy(h)));
	put(w, key, h);
	free(key);
}

static void
judge_deploy(struct watcher *w, const char *key, jv pending)
{
	jv deploy = record_get(pending, "deploy"), mons = monitors_of(w, deploy);
	jv list = jv_array(), rec;
	double at = 0;
	int i, n = jv_array_length(jv_copy(mons)), nworse = 0, compared = 0, nbetter = 0,
	    nenough = 0;
	char *sum = NULL, *worst = NULL;
	const char *commit = record_str(deploy, "commit");

	mend_parse_time(&at, record_str(deploy, "ts"));
	for (i = 0; i < n; i++) {
		jv name = jv_array_get(jv_copy(mons), i), m;
		char *ks = NULL, *ke = NULL;
		if (jv_get_kind(name) != JV_KIND_STRING ||
		    asprintf(&ks, "s:%s", jv_string_value(name)) < 0 ||
		    asprintf(&ke, "e:%s", jv_string_value(name)) < 0) {
			jv_free(name);
			free(ks);
			continue;
		}
		struct watch_opts o = w->o;
		const char *from = w->o.warmup_fixed ? "flag" : "default";

		if (!w->o.warmup_fixed && learned_warmup(w, jv_string_value(name), &o.warmup))
			from = "history";
		if (watch_judge(&m, jv_string_value(name), sget(w, ks),
		    sget(w, ke), at, &o) == 0) {
			const char *word;
			jv st = record_get(m, "settle_s");

			m = jv_object_set(m, jv_string("warmup_from"), jv_string(from));
			word = record_str(m, "verdict");
			/* A deploy that never settled within the window teaches nothing. */
			if (word && strcmp(word, "not enough data") && jv_get_kind(st) ==
			    JV_KIND_NUMBER && jv_number_value(st) < o.window)
				remember_settle(w, jv_string_value(name), jv_number_value(st));
			jv_free(st);

			if (record_num(m, "before.checks", 0) + record_num(m, "after.checks", 0) > 0)
				compared++;
			if (word && strcmp(word, "not enough data"))
				nenough++;
			if (word && !strcmp(word, "better"))
				nbetter++;
			if (record_bool(m, "worse", 0) && !nworse++ &&
			    asprintf(&worst, "%s: %s", jv_string_value(name), record_str(m, "reason")) < 0)
				worst = NULL;
			list = jv_array_append(list, m);
		}
		free(ks);
		free(ke);
		jv_free(name);
	}
	if (nworse)
		n = asprintf(&sum, "Deploy %.12s made things worse within %.0f s: %s%s", commit,
		    w->o.window, worst ? worst : "", nworse > 1 ? " (and more monitors)" : "");
	else if (nenough)
		n = asprintf(&sum, "Deploy %.12s: no monitor got worse within %.0f s (%d compared "
		    "with the %.0f s before%s)", commit, w->o.window, nenough, w->o.baseline,
		    nbetter ? "; some got better" : "");
	else if (compared)
		n = asprintf(&sum, "Deploy %.12s: not enough checks to judge within %.0f s",
		    commit, w->o.window);
	else
		n = asprintf(&sum, "Deploy %.12s: no checks to compare", commit);
	if (n < 0)
		sum = NULL;
	rec = JV_OBJECT(jv_string("type"), jv_string("verdict"));
	if (record_has(pending, "incident"))
		rec = record_set(rec, "incident", record_get(pending, "incident"));
	rec = record_set(rec, "deploy", deploy);
	rec = record_set(rec, "verdict", JV_OBJECT(jv_string("worse"), jv_bool(nworse > 0),
	    jv_string("verdict"), jv_string(nworse ? "worse" : nbetter ? "better" :
	    nenough ? "no worse" : "not enough data"), jv_string("warmup_s"),
	    jv_number(w->o.warmup), jv_string("summary"), jv_string(sum ? sum : "?"), jv_string("window_s"),
	    jv_number(w->o.window), jv_string("baseline_s"), jv_number(w->o.baseline),
	    jv_string("monitors"), list));
	w->verdicts = jv_array_append(w->verdicts, rec);
	put(w, key, jv_null());
	key += 2;
	{
		char *vk = NULL;
		if (asprintf(&vk, "v:%s", key) >= 0) {
			put(w, vk, jv_bool(nworse > 0));
			free(vk);
		}
	}
	free(sum);
	free(worst);
	jv_free(mons);
	jv_free(pending);
}

/* The end of the earliest pending window (HUGE_VAL when none waits). */
static double
first_due(struct watcher *w)
{
	double at, due = HUGE_VAL;

	jv_object_foreach(w->state, k, v) {
		if (!strncmp(jv_string_value(k), "d:", 2) &&
		    mend_parse_time(&at, record_str(v, "deploy.ts")) == 0 && at + w->o.window < due)
			due = at + w->o.window;
		jv_free(k);
		jv_free(v);
	}
	return due;
}

/* Judge every pending deploy whose window the newest ts has passed. */
static void
judge_due(struct watcher *w)
{
	jv due;
	int i, n;

	/* Most records find nothing due: no scan of the state for them. */
	if (!(w->latest > w->next_due))
		return;
	due = jv_array();
	jv_object_foreach(w->state, k, v) {
		double at;
		if (!strncmp(jv_string_value(k), "d:", 2) &&
		    mend_parse_time(&at, record_str(v, "deploy.ts")) == 0 &&
		    w->latest > at + w->o.window)
			due = jv_array_append(due, jv_array_append(jv_array_append(jv_array(),
			    jv_number(at)), jv_copy(k)));
		jv_free(k);
		jv_free(v);
	}
	due = jv_sort(due, jv_copy(due));	/* oldest deploy first */
	n = jv_array_length(jv_copy(due));
	for (i = 0; i < n; i++) {
		jv k = jv_array_get(jv_array_get(jv_copy(due), i), 1);
		judge_deploy(w, jv_string_value(k), sget(w, jv_string_value(k)));
		jv_free(k);
	}
	jv_free(due);
	w->next_due = first_due(w);
}

static int
add_deploy(struct watcher *w, jv deploy, jv incident)
{
	const char *commit = record_str(deploy, "commit"), *ts = record_str(deploy, "ts");
	char *key = NULL;
	double at;
	jv done, pend;

	if (!commit || !*commit || strlen(commit) > 64) {
		jv_free(deploy);
		jv_free(incident);
		mend_err("deploy without a commit");
		return 1;
	}
	if (!ts || mend_parse_time(&at, ts) < 0) {
		jv_free(deploy);
		jv_free(incident);
		mend_err("deploy without a valid ts");
		return 1;
	}
	if (asprintf(&key, "v:%s@%s", commit, ts) < 0) {
		jv_free(deploy);
		jv_free(incident);
		return mend_errno("watch");
	}
	done = sget(w, key);
	key[0] = 'd';
	pend = sget(w, key);
	if (jv_get_kind(done) == JV_KIND_NULL && jv_get_kind(pend) == JV_KIND_NULL) {
		jv p = JV_OBJECT(jv_string("deploy"), deploy);
		if (jv_get_kind(incident) == JV_KIND_OBJECT)
			p = record_set(p, "incident", incident);
		else
			jv_free(incident);
		put(w, key, p);
		if (at + w->o.window < w->next_due)
			w->next_due = at + w->o.window;
	} else {
		jv_free(deploy);
		jv_free(incident);
	}
	jv_free(done);
	jv_free(pend);
	free(key);
	return 0;
}

int
watcher_feed(struct watcher *w, jv rec)
{
	const char *type = record_type(rec), *ts = record_str(rec, "ts"), *mon;
	double t;
	int rc = 0;

	if (!strcmp(type, "deploy")) {
		jv d = jv_copy(rec);
		d = record_del(record_del(d, "type"), "incident");
		rc = add_deploy(w, d, record_get(rec, "incident"));
		t = 0;
		if (rc == 0 && mend_parse_time(&t, ts) == 0 && t > w->latest)
			w->latest = t;
	} else if (!strcmp(type, "pr")) {
		const char *commit = record_str(rec, "deploy.commit") ? record_str(rec, "deploy.commit")
		    : record_str(rec, "pr.merged_commit");
		const char *dts = record_str(rec, "deploy.ts") ? record_str(rec, "deploy.ts")
		    : record_str(rec, "pr.merged_at") ? record_str(rec, "pr.merged_at") : ts;
		jv d;

		/* Not merged yet, or our own revert: nothing to watch. */
		if (!commit || record_bool(rec, "pr.revert", 0)) {
			jv_free(rec);
			return 0;
		}
		d = record_get(rec, "deploy");
		if (jv_get_kind(d) != JV_KIND_OBJECT) {
			jv_free(d);
			d = jv_object();
		}
		d = record_set_str(record_set_str(d, "commit", commit), "ts", dts);
		if (!record_has(d, "repo") && record_str(rec, "patch.repo"))
			d = record_set_str(d, "repo", record_str(rec, "patch.repo"));
		d = record_set(d, "pr", record_get(rec, "pr"));
		rc = add_deploy(w, d, record_get(rec, "incident"));
	} else if (!strcmp(type, "probe")) {
		mon = record_str(rec, "monitor");
		if (!mon || !*mon || !ts || mend_parse_time(&t, ts) < 0) {
			jv_free(rec);
		mend_err("probe record without monitor or a valid ts");
		return 1;
		}
		append(w, "s:", mon, JV_ARRAY(jv_number(t), jv_bool(record_bool(rec, "ok", 0)),
		    record_get(rec, "ms")));
		if (t > w->latest)
			w->latest = t;
	} else if (!strcmp(type, "error")) {
		char *sig;
		mon = record_str(rec, "monitor");
		if (!ts || mend_parse_time(&t, ts) < 0) {
			jv_free(rec);
		mend_err("error record without a valid ts");
		return 1;
		}
		if (!(sig = watch_error_signature(rec))) {
			jv_free(rec);
			return mend_errno("watch");
		}
		append(w, "e:", mon && *mon ? mon : "-", JV_ARRAY(jv_number(t), jv_string(sig)));
		free(sig);
		if (t > w->latest)
			w->latest = t;
	}
	jv_free(rec);
	if (rc < 0)
		return -1;
	judge_due(w);
	/* A long run without saves (no deploys) must not grow without bound. */
	if (++w->fed >= 50000)
		prune(w);
	return rc;
}

jv
watcher_take(struct watcher *w)
{
	jv v = w->verdicts;

	w->verdicts = jv_array();
	return v;
}

/* Drop samples no baseline can still need. */
static void
prune(struct watcher *w)
{
	double cutoff = w->latest - w->o.baseline - w->o.window, at;
	jv keys = jv_array();
	int i, n;

	w->fed = 0;
	jv_object_foreach(w->state, k, v) {
		const char *s = jv_string_value(k);
		if (!strncmp(s, "d:", 2) && mend_parse_time(&at, record_str(v, "deploy.ts")) == 0 &&
		    at - w->o.baseline < cutoff)
			cutoff = at - w->o.baseline;
		else if (!strncmp(s, "s:", 2) || !strncmp(s, "e:", 2))
			keys = jv_array_append(keys, jv_copy(k));
		jv_free(k);
		jv_free(v);
	}
	n = jv_array_length(jv_copy(keys));
	for (i = 0; i < n; i++) {
		jv k = jv_array_get(jv_copy(keys), i);
		jv a = sget(w, jv_string_value(k)), kept = jv_array();
		int j, m = jv_array_length(jv_copy(a)), drop = 0;

		for (j = 0; j < m; j++) {
			jv s = jv_array_get(jv_copy(a), j);
			if (jv_number_value(jv_array_get(jv_copy(s), 0)) < cutoff ||
			    m - j > WATCH_MAX_SAMPLES) {
				drop++;
				jv_free(s);
			} else
				kept = jv_array_append(kept, s);
		}
		if (drop)
			put(w, jv_string_value(k), jv_array_length(jv_copy(kept)) ? kept
			    : (jv_free(kept), jv_null()));
		else
			jv_free(kept);
		jv_free(a);
		jv_free(k);
	}
	jv_free(keys);
}

jv
watcher_changes(struct watcher *w)
{
	jv out = jv_object();

	prune(w);
	if (w->latest != record_num(w->state, "latest", 0))
		put(w, "latest", jv_number(w->latest));
	jv_object_foreach(w->dirty, k, v) {
		jv cur = jv_object_get(jv_copy(w->state), jv_copy(k));
		out = jv_object_set(out, k, jv_is_valid(cur) ? cur : (jv_free(cur), jv_null()));
		jv_free(v);
	}
	jv_free(w->dirty);
	w->dirty = jv_object();
	return out;
}

size_t
watcher_pending(const struct watcher *w)
{
	size_t n = 0;

	jv_object_foreach(w->state, k, v) {
		if (!strncmp(jv_string_value(k), "d:", 2))
			n++;
		jv_free(k);
		jv_free(v);
	}
	return n;
}
