/*
 * metricrule.c - detect's rules over `metric` records: a value past a
 * limit for a while, a counter's rate past a limit, and steady growth
 * (a leak).  detect.c hands each metric record here; incidents come back
 * as records for it to commit and print with its own.
 *
 * A rule is written as text (detect --metric):
 *
 *   NAME > VALUE [for DURATION]        every sample of the last DURATION
 *   NAME < VALUE [for DURATION]        (or the latest, without "for")
 *   rate(NAME) > VALUE [for DURATION]  per second over DURATION (or the
 *                                      last two samples); counter resets
 *                                      count from zero
 *   growing(NAME) for DURATION         a least-squares line over the last
 *                                      DURATION rises by at least 10% of
 *                                      its start and fits (R^2 >= 0.8)
 *
 * VALUE takes k, M, G (x1000) and Ki, Mi, Gi (x1024) suffixes, or % (a
 * ratio: 90% is 0.9).  A series is one monitor, metric name and label
 * set; it keeps its samples for the longest window of the rules that
 * name it, at most MAX_SAMPLES.  An incident opens when a rule fires and
 * resolves when it has stopped firing for recover_after samples (growth:
 * when the line is flat or falling, or no longer fits, R^2 < 0.5).
 *
 * Time is the records' own ts, as everywhere in detect.  State lives in
 * the spool's "detect" namespace under "x:" keys, one per series.
 *
 * Series are found by key in a hash table (chained, doubled past a load
 * of 3/4), and the ones changed since the last save are kept in a list,
 * so a record costs the same with 10 series or 100,000.
 */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mend.h"

#define MAX_RULES	32
#define MAX_SAMPLES	4096

enum op { OP_ABOVE, OP_BELOW, OP_RATE, OP_GROWING };
static const char *const op_reason[] = { "metric_above", "metric_below", "metric_rate",
	"leak" };

struct mrule {
	enum op op;
	char name[128];
	double value, window;
	char text[256];		/* as written, for summaries and fingerprints */
};

struct mstate {			/* one rule on one series */
	int open, quiet;	/* quiet: samples in a row it has not fired */
	char id[24], fp[20];
	double first_seen;
};

struct series {
	char *key;		/* "x:" monitor \t name \t labels */
	char *monitor, *target, *name;
	jv labels;
	double *t, *v;		/* ring */
	size_t cap, head, n;
	struct mstate st[MAX_RULES];
	jv last;		/* the latest records, evidence */
	int dirty;		/* in metricrules.dirty */
	struct series *next;	/* metricrules.all */
	struct series *hnext;	/* the hash chain */
};

struct metricrules {
	struct mrule rules[MAX_RULES];
	int nrules, recover_after, evidence;
	struct series *all;
	struct series **table;	/* nbuckets chains, a power of two */
	size_t nbuckets, nseries;
	struct series **dirty;	/* changed since the last save */
	size_t ndirty, dirty_cap;
};

/* ---- rules ---- */

static int
parse_value(double *out, const char *s)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s)
		return -1;
	if (!strcmp(end, "k") || !strcmp(end, "K"))
		v *= 1e3;
	else if (!strcmp(end, "M"))
		v *= 1e6;
	else if (!strcmp(end, "G"))
		v *= 1e9;
	else if (!strcmp(end, "Ki"))
		v *= 1024;
	else if (!strcmp(end, "Mi"))
		v *= 1024 * 1024;
	else if (!strcmp(end, "Gi"))
		v *= 1024.0 * 1024 * 1024;
	else if (!strcmp(end, "%"))
		v /= 100;
	else if (!strcmp(end, "/s"))
		;
	else if (*end)
		return -1;
	*out = v;
	return 0;
}

int
metricrule_parse(struct mrule *r, const char *text)
{
	char buf[256], *tok[6], *save = NULL, *p;
	int n = 0;

	memset(r, 0, sizeof *r);
	snprintf(r->text, sizeof r->text, "%s", text);
	snprintf(buf, sizeof buf, "%s", text);
	for (p = strtok_r(buf, " \t", &save); p && n < 6; p = strtok_r(NULL, " \t", &save))
		tok[n++] = p;
	if (n == 0 || p)
		goto bad;
	p = tok[0];
	if (!strncmp(p, "rate(", 5) || !strncmp(p, "growing(", 8)) {
		size_t l = strlen(p);

		if (p[l - 1] != ')')
			goto bad;
		p[l - 1] = '\0';
		r->op = p[0] == 'r' ? OP_RATE : OP_GROWING;
		p = strchr(p, '(') + 1;
	}
	if (!*p || strlen(p) >= sizeof r->name)
		goto bad;
	snprintf(r->name, sizeof r->name, "%s", p);
	if (r->op == OP_GROWING) {
		if (n != 3 || strcmp(tok[1], "for") ||
		    mend_parse_duration(&r->window, tok[2]) < 0 || r->window <= 0)
			goto bad;
		return 0;
	}
	if (n != 3 && n != 5)
		goto bad;
	if (!strcmp(tok[1], ">"))
		;
	else if (!strcmp(tok[1], "<") && r->op != OP_RATE)
		r->op = OP_BELOW;
	else
		goto bad;
	if (parse_value(&r->value, tok[2]) < 0)
		goto bad;
	if (n == 5 && (strcmp(tok[3], "for") || mend_parse_duration(&r->window, tok[4]) < 0))
		goto bad;
	return 0;
bad:
	return mend_err("bad metric rule '%s': want 'NAME > VALUE [for DURATION]', "
	    "'NAME < VALUE [for ...]', 'rate(NAME) > VALUE [for ...]' or "
	    "'growing(NAME) for DURATION'", text);
}

int
metricrules_new(struct metricrules **out, const char *const *rules, int n,
    int recover_after, int evidence)
{
	struct metricrules *m;
	int i;

	if (n > MAX_RULES)
		return mend_err("more than %d metric rules", MAX_RULES);
	if (!(m = calloc(1, sizeof *m)))
		return mend_err("out of memory");
	for (i = 0; i < n; i++)
		if (metricrule_parse(&m->rules[i], rules[i]) < 0) {
			free(m);
			return -1;
		}
	m->nrules = n;
	m->recover_after = recover_after > 0 ? recover_after : 2;
	m->evidence = evidence > 0 ? evidence : 5;
	*out = m;
	return 0;
}

static void
series_free(struct series *s)
{
	free(s->key);
	free(s->monitor);
	free(s->target);
	free(s->name);
	jv_free(s->labels);
	jv_free(s->last);
	free(s->t);
	free(s->v);
	free(s);
}

void
metricrules_free(struct metricrules *m)
{
	struct series *s, *next;

	if (!m)
		return;
	for (s = m->all; s; s = next) {
		next = s->next;
		series_free(s);
	}
	free(m->table);
	free(m->dirty);
	free(m);
}

int
metricrules_count(const struct metricrules *m)
{
	return m ? m->nrules : 0;
}

/* ---- series ---- */

/* FNV-1a */
static size_t
hash(const char *key)
{
	size_t h = 14695981039346656037ULL;

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211ULL;
	return h;
}

/* Double the table (or make the first); -1 when memory ran out. */
static int
rehash(struct metricrules *m)
{
	size_t n = m->nbuckets ? m->nbuckets * 2 : 64, i;
	struct series **t = calloc(n, sizeof *t), *s;

	if (!t)
		return -1;
	for (i = 0; i < m->nbuckets; i++)
		while ((s = m->table[i])) {
			m->table[i] = s->hnext;
			s->hnext = t[hash(s->key) & (n - 1)];
			t[hash(s->key) & (n - 1)] = s;
		}
	free(m->table);
	m->table = t;
	m->nbuckets = n;
	return 0;
}

/* The series of key, made when new; NULL when memory ran out. */
static struct series *
series_get(struct metricrules *m, const char *key)
{
	struct series *s, **b;

	if (m->nbuckets)
		for (s = m->table[hash(key) & (m->nbuckets - 1)]; s; s = s->hnext)
			if (!strcmp(s->key, key))
				return s;
	if ((m->nseries + 1) * 4 > m->nbuckets * 3 && rehash(m) < 0)
		return NULL;
	if (!(s = calloc(1, sizeof *s)) || !(s->key = strdup(key))) {
		free(s);
		return NULL;
	}
	s->labels = jv_object();
	s->last = jv_array();
	s->next = m->all;
	m->all = s;
	b = &m->table[hash(key) & (m->nbuckets - 1)];
	s->hnext = *b;
	*b = s;
	m->nseries++;
	return s;
}

/* Note that s changed since the last save; -1 when memory ran out. */
static int
mark_dirty(struct metricrules *m, struct series *s)
{
	if (s->dirty)
		return 0;
	if (m->ndirty == m->dirty_cap) {
		size_t cap = m->dirty_cap ? m->dirty_cap * 2 : 64;
		struct series **d = realloc(m->dirty, cap * sizeof *d);

		if (!d)
			return mend_err("out of memory");
		m->dirty = d;
		m->dirty_cap = cap;
	}
	m->dirty[m->ndirty++] = s;
	s->dirty = 1;
	return 0;
}

static double
series_t(const struct series *s, size_t i)
{
	return s->t[(s->head + i) % s->cap];
}

static double
series_v(const struct series *s, size_t i)
{
	return s->v[(s->head + i) % s->cap];
}

static int
series_push(struct series *s, double t, double v, double keep)
{
	if (s->n && t < series_t(s, s->n - 1))
		return 0;	/* out of order: ignored, as a replay would be */
	while (s->n && (series_t(s, 0) < t - keep || s->n == MAX_SAMPLES)) {
		s->head = (s->head + 1) % s->cap;
		s->n--;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16, i;
		double *nt = malloc(cap * sizeof *nt), *nv = malloc(cap * sizeof *nv);

		if (!nt || !nv) {
			free(nt);
			free(nv);
			return mend_err("out of memory");
		}
		for (i = 0; i < s->n; i++) {
			nt[i] = series_t(s, i);
			nv[i] = series_v(s, i);
		}
		free(s->t);
		free(s->v);
		s->t = nt;
		s->v = nv;
		s->cap = cap;
		s->head = 0;
	}
	s->t[(s->head + s->n) % s->cap] = t;
	s->v[(s->head + s->n) % s->cap] = v;
	s->n++;
	return 0;
}

/* The first sample at or after t - window (the whole window must be
 * covered: -1 when the series is younger than the window). */
static long
window_start(const struct series *s, double window)
{
	double now = series_t(s, s->n - 1);
	size_t i;

	if (window <= 0)
		return (long)s->n - 1;
	if (series_t(s, 0) > now - window)
		return -1;
	for (i = s->n; i-- > 0;)
		if (series_t(s, i) < now - window)
			return (long)i + 1;
	return 0;
}

/* Rate per second over [i, n): resets count from zero. */
static double
rate(const struct series *s, size_t i)
{
	double sum = 0;
	size_t k;

	for (k = i + 1; k < s->n; k++) {
		double d = series_v(s, k) - series_v(s, k - 1);
		sum += d >= 0 ? d : series_v(s, k);
	}
	return sum / (series_t(s, s->n - 1) - series_t(s, i));
}

struct fit { double slope, r2, start, end; };

static void
linefit(struct fit *f, const struct series *s, size_t i)
{
	double n = (double)(s->n - i), t0 = series_t(s, i), st = 0, sv = 0, stt = 0, stv = 0,
	    svv = 0, mt, mv, vt, vv, cov;
	size_t k;

	for (k = i; k < s->n; k++) {
		double t = series_t(s, k) - t0, v = series_v(s, k);
		st += t;
		sv += v;
		stt += t * t;
		stv += t * v;
		svv += v * v;
	}
	mt = st / n;
	mv = sv / n;
	vt = stt / n - mt * mt;
	vv = svv / n - mv * mv;
	cov = stv / n - mt * mv;
	f->slope = vt > 0 ? cov / vt : 0;
	f->r2 = vt > 0 && vv > 0 ? cov * cov / (vt * vv) : 0;
	f->start = mv - f->slope * mt;
	f->end = f->start + f->slope * (series_t(s, s->n - 1) - t0);
}

static void
human(char *buf, size_t len, double v, const char *name)
{
	if (strstr(name, "bytes") && fabs(v) >= 1024 * 1024)
		snprintf(buf, len, "%.1f MiB", v / (1024 * 1024));
	else if (strstr(name, "bytes") && fabs(v) >= 1024)
		snprintf(buf, len, "%.1f KiB", v / 1024);
	else
		snprintf(buf, len, "%.4g", v);
}

/* 1 when rule r fires on s now; what: words for the summary. */
static int
fires(const struct mrule *r, const struct series *s, int open, char *what, size_t len,
    struct fit *fit)
{
	long i = window_start(s, r->window);
	size_t k;

	if (i < 0 || s->n == 0)
		return 0;
	switch (r->op) {
	case OP_ABOVE:
	case OP_BELOW:
		for (k = (size_t)i; k < s->n; k++)
			if (r->op == OP_ABOVE ? !(series_v(s, k) > r->value)
			    : !(series_v(s, k) < r->value))
				return 0;
		{
			char now_s[32], lim[32];

			human(now_s, sizeof now_s, series_v(s, s->n - 1), r->name);
			human(lim, sizeof lim, r->value, r->name);
			snprintf(what, len, "%s is %s, %s %s%s", r->name, now_s,
			    r->op == OP_ABOVE ? "above" : "below", lim,
			    r->window > 0 ? " for the whole window" : "");
		}
		return 1;
	case OP_RATE: {
		double rt;

		if (r->window <= 0)
			i = (long)s->n - 2;
		if (i < 0 || (size_t)i >= s->n - 1)
			return 0;
		rt = rate(s, (size_t)i);
		snprintf(what, len, "%s rises %.3g/s, above %g/s", r->name, rt, r->value);
		return rt > r->value;
	}
	default:
		if (s->n - (size_t)i < 6)
			return 0;
		linefit(fit, s, (size_t)i);
		if (open)	/* hysteresis: hold while it still rises and fits loosely */
			return fit->slope > 0 && fit->r2 >= 0.5;
		snprintf(what, len, "%s grew steadily", r->name);
		return fit->slope > 0 && fit->r2 >= 0.8 &&
		    fit->end - fit->start >= 0.1 * fabs(fit->start) && fit->end > fit->start;
	}
}

static jv
incident(const struct series *s, const struct mrule *r,
    const struct mstate *st, const char *event, const char *summary, const struct fit *fit,
    double now)
{
	char first[40], last[40];
	jv inc = jv_object(), met = jv_object();

	mend_rfc3339(first, sizeof first, st->first_seen);
	mend_rfc3339(last, sizeof last, now);
	inc = record_set_str(inc, "id", st->id);
	inc = record_set_str(inc, "event", event);
	inc = record_set_str(inc, "fingerprint", st->fp);
	inc = record_set_str(inc, "monitor", s->monitor);
	inc = jv_object_set(inc, jv_string("url"), record_strornull(s->target));
	inc = record_set_str(inc, "reason", op_reason[r->op]);
	inc = record_set_str(inc, "class", "resource");
	inc = jv_object_set(inc, jv_string("flapping"), jv_false());
	inc = record_set_str(inc, "summary", summary);
	inc = record_set_str(inc, "first_seen", first);
	inc = record_set_str(inc, "last_seen", last);
	met = record_set_str(met, "name", s->name);
	met = jv_object_set(met, jv_string("labels"), jv_copy(s->labels));
	met = record_set_str(met, "rule", r->text);
	met = record_set_num(met, "value", series_v(s, s->n - 1));
	if (r->op == OP_GROWING && fit) {
		met = record_set_num(met, "slope_per_s", fit->slope);
		met = record_set_num(met, "r2", round(fit->r2 * 1000) / 1000);
		met = record_set_num(met, "window_s", r->window);
	}
	inc = jv_object_set(inc, jv_string("metric"), met);
	inc = jv_object_set(inc, jv_string("evidence"), jv_copy(s->last));
	return jv_object_set(record_set_str(jv_object(), "type", "incident"),
	    jv_string("incident"), inc);
}

/* The rules over s, which the caller marked dirty: what changes is s's. */
static int
evaluate(struct metricrules *m, struct series *s, jv *out, double now)
{
	int i;

	for (i = 0; i < m->nrules; i++) {
		const struct mrule *r = &m->rules[i];
		struct mstate *st = &s->st[i];
		struct fit fit = { 0 };
		char what[256] = "", summary[512], a[32], b[32], span[32];

		if (strcmp(r->name, s->name))
			continue;
		if (fires(r, s, st->open, what, sizeof what, &fit)) {
			st->quiet = 0;
			if (st->open)
				continue;
			{
				/* Stable across runs: the series and the rule. */
				char digest[SIGN_HEX_LEN + 1], *all = NULL;

				if (asprintf(&all, "metric\n%s\n%s\n", s->key, r->text) < 0 ||
				    sign_digest(digest, all, strlen(all)) < 0) {
					free(all);
					return mend_err("cannot fingerprint: %s", mend_errmsg());
				}
				free(all);
				memcpy(st->fp, digest, 16);
				st->fp[16] = '\0';
			}
			memcpy(st->id, "inc_", 4);
			if (sign_random_hex(st->id + 4, 8) < 0)
				return -1;
			st->open = 1;
			st->first_seen = series_t(s, (size_t)(r->window > 0
			    ? window_start(s, r->window) : (long)s->n - 1));
			if (r->op == OP_GROWING) {
				human(a, sizeof a, fit.start, s->name);
				human(b, sizeof b, fit.end, s->name);
				snprintf(span, sizeof span, "%.0f min", r->window / 60);
				{
					char per_min[32];

					human(per_min, sizeof per_min, fit.slope * 60, s->name);
					snprintf(summary, sizeof summary, "%s grew steadily for %s: "
					    "%s to %s, +%s/min (R\xc2\xb2 %.2f): a leak?", s->name, span,
					    a, b, per_min, fit.r2);
				}
			} else
				snprintf(summary, sizeof summary, "%s (rule '%s')", what, r->text);
			*out = jv_array_append(*out, incident(s, r, st, "open", summary, &fit,
			    now));
		} else if (st->open && ++st->quiet >= m->recover_after) {
			human(a, sizeof a, series_v(s, s->n - 1), s->name);
			if (r->op == OP_GROWING)
				snprintf(summary, sizeof summary, "%s stopped growing (now %s)",
				    s->name, a);
			else
				snprintf(summary, sizeof summary, "%s is back within '%s' (now %s)",
				    s->name, r->text, a);
			*out = jv_array_append(*out, incident(s, r, st, "resolve", summary, NULL,
			    now));
			st->open = 0;
			st->quiet = 0;
		}
	}
	return 0;
}

int
metricrules_feed(struct metricrules *m, jv rec, jv *incidents)
{
	const char *name = record_str(rec, "name"), *monitor = record_str(rec, "monitor");
	const char *ts = record_str(rec, "ts");
	struct series *s;
	double t, v, keep = 0;
	jv val = record_get(rec, "value"), labels = record_get(rec, "labels");
	char *key = NULL;
	int i, used = 0;

	*incidents = jv_array();
	if (!name || !monitor || !ts || jv_get_kind(val) != JV_KIND_NUMBER) {
		jv_free(val);
		jv_free(labels);
		return mend_err("a metric record needs ts, monitor, name and a numeric value"), 1;
	}
	v = jv_number_value(val);
	jv_free(val);
	if (mend_parse_time(&t, ts) < 0) {
		jv_free(labels);
		return mend_err("bad ts '%s'", ts), 1;
	}
	for (i = 0; i < m->nrules; i++)
		if (!strcmp(m->rules[i].name, name)) {
			used = 1;
			if (m->rules[i].window > keep)
				keep = m->rules[i].window;
		}
	if (!used) {
		jv_free(labels);
		return 0;
	}
	if (jv_get_kind(labels) != JV_KIND_OBJECT) {
		jv_free(labels);
		labels = jv_object();
	}
	{
		jv d = jv_dump_string(jv_copy(labels), JV_PRINT_SORTED);
		if (asprintf(&key, "x:%s\t%s\t%s", monitor, name, jv_string_value(d)) < 0)
			key = NULL;
		jv_free(d);
	}
	if (!key || !(s = series_get(m, key))) {
		free(key);
		jv_free(labels);
		return mend_err("out of memory");
	}
	free(key);
	if (!s->name) {
		s->name = strdup(name);
		s->monitor = strdup(monitor);
		jv_free(s->labels);
		s->labels = jv_copy(labels);
	}
	jv_free(labels);
	free(s->target);
	s->target = record_str(rec, "target") ? strdup(record_str(rec, "target")) : NULL;
	/* Keep a little more than the window: its start must be covered. */
	if (series_push(s, t, v, keep * 1.2 + 60) < 0)
		return -1;
	s->last = jv_array_append(s->last, jv_copy(rec));
	while (jv_array_length(jv_copy(s->last)) > m->evidence)
		s->last = jv_array_slice(s->last, 1, m->evidence + 1);
	if (mark_dirty(m, s) < 0)
		return -1;
	return evaluate(m, s, incidents, t);
}

/* ---- state in the spool ---- */

int
metricrules_save(struct metricrules *m, struct spool *sp)
{
	size_t d;

	for (d = 0; m && d < m->ndirty; d++) {
		struct series *s = m->dirty[d];
		jv o = jv_object(), t = jv_array(), v = jv_array(), st = jv_array();
		size_t k;
		int i;

		for (k = 0; k < s->n; k++) {
			t = jv_array_append(t, jv_number(series_t(s, k)));
			v = jv_array_append(v, jv_number(series_v(s, k)));
		}
		for (i = 0; i < m->nrules; i++) {
			jv e = jv_object();

			if (s->st[i].open) {
				e = record_set_str(e, "id", s->st[i].id);
				e = record_set_str(e, "fp", s->st[i].fp);
				e = record_set_num(e, "first_seen", s->st[i].first_seen);
				e = record_set_num(e, "quiet", s->st[i].quiet);
			}
			e = record_set_str(e, "rule", m->rules[i].text);
			st = jv_array_append(st, e);
		}
		o = record_set_str(o, "monitor", s->monitor);
		o = record_set_str(o, "name", s->name);
		o = jv_object_set(o, jv_string("target"), record_strornull(s->target));
		o = jv_object_set(o, jv_string("labels"), jv_copy(s->labels));
		o = jv_object_set(o, jv_string("t"), t);
		o = jv_object_set(o, jv_string("v"), v);
		o = jv_object_set(o, jv_string("rules"), st);
		o = jv_object_set(o, jv_string("evidence"), jv_copy(s->last));
		if (spool_state_put(sp, "detect", s->key, o) < 0)
			return -1;
	}
	return 0;
}

void
metricrules_saved(struct metricrules *m)
{
	size_t d;

	for (d = 0; m && d < m->ndirty; d++)
		m->dirty[d]->dirty = 0;
	if (m)
		m->ndirty = 0;
}

int
metricrules_dirty(const struct metricrules *m)
{
	return m && m->ndirty > 0;
}

/* Load a saved series (o borrowed).  A rule's open state comes back only
 * when the same rule text is still given. */
int
metricrules_load(struct metricrules *m, const char *key, jv o)
{
	struct series *s;
	jv t = record_get(o, "t"), v = record_get(o, "v"), st = record_get(o, "rules");
	int n, k, i;

	if (!(s = series_get(m, key)))
		return mend_err("out of memory");
	s->monitor = strdup(record_str(o, "monitor") ? record_str(o, "monitor") : "");
	s->name = strdup(record_str(o, "name") ? record_str(o, "name") : "");
	s->target = record_str(o, "target") ? strdup(record_str(o, "target")) : NULL;
	jv_free(s->labels);
	s->labels = record_get(o, "labels");
	if (jv_get_kind(s->labels) != JV_KIND_OBJECT) {
		jv_free(s->labels);
		s->labels = jv_object();
	}
	jv_free(s->last);
	s->last = record_get(o, "evidence");
	if (jv_get_kind(s->last) != JV_KIND_ARRAY) {
		jv_free(s->last);
		s->last = jv_array();
	}
	n = jv_get_kind(t) == JV_KIND_ARRAY && jv_get_kind(v) == JV_KIND_ARRAY
	    ? jv_array_length(jv_copy(t)) : 0;
	for (k = 0; k < n; k++) {
		jv a = jv_array_get(jv_copy(t), k), b = jv_array_get(jv_copy(v), k);

		if (jv_get_kind(a) == JV_KIND_NUMBER && jv_get_kind(b) == JV_KIND_NUMBER)
			series_push(s, jv_number_value(a), jv_number_value(b), 1e18);
		jv_free(a);
		jv_free(b);
	}
	if (jv_get_kind(st) == JV_KIND_ARRAY)
		jv_array_foreach(st, j, e) {
			const char *rule = record_str(e, "rule"), *id = record_str(e, "id");

			(void)j;
			for (i = 0; rule && id && i < m->nrules; i++)
				if (!strcmp(m->rules[i].text, rule)) {
					s->st[i].open = 1;
					snprintf(s->st[i].id, sizeof s->st[i].id, "%s", id);
					snprintf(s->st[i].fp, sizeof s->st[i].fp, "%s",
					    record_str(e, "fp") ? record_str(e, "fp") : "");
					s->st[i].first_seen = record_num(e, "first_seen", 0);
					s->st[i].quiet = (int)record_num(e, "quiet", 0);
				}
			jv_free(e);
		}
	jv_free(t);
	jv_free(v);
	jv_free(st);
	return 0;
}
