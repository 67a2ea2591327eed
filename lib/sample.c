/*
 * sample.c - resource readings as `metric` records: a target's Prometheus
 * text exposition (/metrics), a local process (/proc), a cgroup v2 (a
 * systemd unit or any cgroup directory) and a file system (statvfs).
 *
 * A target is one line: "URL|pid:N|process:NAME|unit:NAME|cgroup:DIR|
 * disk:PATH [name=MONITOR] [metrics=A,B*] [timeout=DURATION]".  Each
 * reading is one record:
 *
 *   {"type":"metric","ts":..,"monitor":..,"target":..,"name":..,
 *    "value":..,"kind":"gauge"|"counter","labels":{..}}
 *
 * and every target also gives "up" (1 read, 0 not, with "error") as
 * Prometheus does, so a target that stops answering is a metric too.
 *
 * From /metrics the default names are the process_* ones the Prometheus
 * client libraries export (resident memory, CPU seconds, open fds), plus
 * whatever metrics= names (fnmatch patterns) ask for.  The parser reads
 * the text format 0.0.4 and OpenMetrics' text: # TYPE lines give the
 * kind, a sample line is NAME[{LABELS}] VALUE [TIMESTAMP].  Histogram
 * and summary series are read as their _count/_sum/_bucket samples.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fnmatch.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "mend.h"

#define MAX_PATTERNS 32

static const char *const default_metrics[] = {
	"process_resident_memory_bytes", "process_cpu_seconds_total",
	"process_open_fds", NULL
};

struct sample_target {
	char *spec;		/* as written: URL or kind:arg */
	char *monitor;
	char *patterns[MAX_PATTERNS];
	int npatterns;
	double timeout;
};

/* ---- targets ---- */

int
sample_target_parse(struct sample_target **out, const char *line)
{
	struct sample_target *t;
	char *copy, *tok, *save = NULL;

	while (isspace((unsigned char)*line))
		line++;
	if (!*line || *line == '#')
		return 1;
	if (!(t = calloc(1, sizeof *t)) || !(copy = strdup(line))) {
		free(t);
		return mend_err("out of memory");
	}
	t->timeout = 5;
	for (tok = strtok_r(copy, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (!t->spec) {
			if (strncmp(tok, "http://", 7) && strncmp(tok, "https://", 8) &&
			    strncmp(tok, "pid:", 4) && strncmp(tok, "process:", 8) &&
			    strncmp(tok, "unit:", 5) && strncmp(tok, "cgroup:", 7) &&
			    strncmp(tok, "disk:", 5)) {
				mend_err("'%s' is not a target: want a /metrics URL, pid:N, "
				    "process:NAME, unit:NAME, cgroup:DIR or disk:PATH", tok);
				goto bad;
			}
			t->spec = strdup(tok);
		} else if (!strncmp(tok, "name=", 5) && tok[5]) {
			free(t->monitor);
			t->monitor = strdup(tok + 5);
		} else if (!strncmp(tok, "timeout=", 8)) {
			if (mend_parse_duration(&t->timeout, tok + 8) < 0 || t->timeout <= 0) {
				mend_err("bad timeout '%s'", tok + 8);
				goto bad;
			}
		} else if (!strncmp(tok, "metrics=", 8)) {
			char *m, *s2 = NULL;

			for (m = strtok_r(tok + 8, ",", &s2); m; m = strtok_r(NULL, ",", &s2)) {
				if (t->npatterns == MAX_PATTERNS) {
					mend_err("more than %d metrics= names", MAX_PATTERNS);
					goto bad;
				}
				t->patterns[t->npatterns++] = strdup(m);
			}
		} else {
			mend_err("unknown option '%s': want name=, metrics= or timeout=", tok);
			goto bad;
		}
	}
	free(copy);
	if (!t->monitor)
		t->monitor = strdup(t->spec);
	*out = t;
	return 0;
bad:
	free(copy);
	sample_target_free(t);
	return -1;
}

void
sample_target_free(struct sample_target *t)
{
	int i;

	if (!t)
		return;
	for (i = 0; i < t->npatterns; i++)
		free(t->patterns[i]);
	free(t->spec);
	free(t->monitor);
	free(t);
}

/* ---- records ---- */

static jv
metric(const struct sample_target *t, double ts, const char *name, double value,
    const char *kind, jv labels)
{
	char buf[40];
	jv r = jv_object();

	r = record_set_str(r, "type", "metric");
	r = record_set_str(r, "ts", mend_rfc3339(buf, sizeof buf, ts));
	r = record_set_str(r, "monitor", t->monitor);
	r = record_set_str(r, "target", t->spec);
	r = record_set_str(r, "name", name);
	r = record_set_num(r, "value", value);
	r = record_set_str(r, "kind", kind);
	return jv_object_set(r, jv_string("labels"), labels);
}

static jv
up(const struct sample_target *t, double ts, const char *error)
{
	jv r = metric(t, ts, "up", error ? 0 : 1, "gauge", jv_object());

	return jv_object_set(r, jv_string("error"), record_strornull(error));
}

/* ---- Prometheus text exposition ---- */

static int
wanted(const struct sample_target *t, const char *name)
{
	int i;

	for (i = 0; default_metrics[i]; i++)
		if (!strcmp(name, default_metrics[i]))
			return 1;
	for (i = 0; i < t->npatterns; i++)
		if (!fnmatch(t->patterns[i], name, 0))
			return 1;
	return 0;
}

/* The kind of sample `name` from the # TYPE lines seen (types: "n\tkind\n"...). */
static const char *
kind_of(const char *types, const char *name)
{
	static const char *const suffixes[] = { "", "_total", "_count", "_sum", "_bucket",
		"_created", NULL };
	size_t nl = strlen(name);
	int i;

	for (i = 0; suffixes[i]; i++) {
		size_t sl = strlen(suffixes[i]);
		const char *p;

		if (sl > nl || strcmp(name + nl - sl, suffixes[i]))
			continue;
		for (p = types; (p = strstr(p, "\n")) && p[1]; p++) {
			const char *k = p + 1, *tab = strchr(k, '\t');

			if (tab && (size_t)(tab - k) == nl - sl && !strncmp(k, name, nl - sl)) {
				if (!strncmp(tab + 1, "counter", 7))
					return "counter";
				/* A histogram's or summary's _count and _sum only grow. */
				if (sl && (!strncmp(tab + 1, "histogram", 9) ||
				    !strncmp(tab + 1, "summary", 7)) && strcmp(suffixes[i], "_created"))
					return "counter";
				return "gauge";
			}
		}
	}
	return nl > 6 && !strcmp(name + nl - 6, "_total") ? "counter" : "gauge";
}

/* Labels {a="x",b="y\"z"} at *pp into an object; -1 when malformed. */
static int
labels_parse(jv *out, const char **pp)
{
	const char *p = *pp + 1;
	jv o = jv_object();

	for (;;) {
		struct strbuf v = { 0 };
		const char *k;
		size_t kl;

		while (*p == ' ' || *p == ',')
			p++;
		if (*p == '}')
			break;
		k = p;
		while (isalnum((unsigned char)*p) || *p == '_')
			p++;
		kl = (size_t)(p - k);
		while (*p == ' ')
			p++;
		if (!kl || *p++ != '=' || *p++ != '"') {
			jv_free(o);
			return -1;
		}
		while (*p && *p != '"') {
			if (*p == '\\' && p[1]) {
				p++;
				strbuf_addn(&v, *p == 'n' ? "\n" : p, 1);
			} else
				strbuf_addn(&v, p, 1);
			p++;
		}
		if (*p++ != '"') {
			strbuf_release(&v);
			jv_free(o);
			return -1;
		}
		o = jv_object_set(o, jv_string_sized(k, (int)kl), jv_string(v.s ? v.s : ""));
		strbuf_release(&v);
	}
	*pp = p + 1;
	*out = o;
	return 0;
}

int
sample_prometheus(jv *out, const struct sample_target *t, const char *text, double ts)
{
	struct strbuf types = { 0 };
	const char *line = text, *next;
	jv recs = jv_array();
	long bad = 0;

	strbuf_add(&types, "\n");
	for (; line && *line; line = next) {
		const char *p = line, *name;
		char nm[256], *end;
		size_t nl;
		double v;
		jv labels;

		next = strchr(line, '\n');
		if (next)
			next++;
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '#') {
			char tname[256], tkind[32];

			if (sscanf(p, "# TYPE %255s %31s", tname, tkind) == 2)
				strbuf_addf(&types, "%s\t%s\n", tname, tkind);
			continue;
		}
		if (*p == '\n' || *p == '\r' || !*p)
			continue;
		name = p;
		while (isalnum((unsigned char)*p) || *p == '_' || *p == ':')
			p++;
		nl = (size_t)(p - name);
		if (!nl || nl >= sizeof nm) {
			bad++;
			continue;
		}
		memcpy(nm, name, nl);
		nm[nl] = '\0';
		if (!wanted(t, nm))
			continue;
		if (*p == '{') {
			if (labels_parse(&labels, &p) < 0) {
				bad++;
				continue;
			}
		} else
			labels = jv_object();
		while (*p == ' ' || *p == '\t')
			p++;
		v = strtod(p, &end);	/* NaN, +Inf, -Inf too */
		if (end == p) {
			jv_free(labels);
			bad++;
			continue;
		}
		if (!isfinite(v)) {	/* no JSON number for it: no reading */
			jv_free(labels);
			continue;
		}
		recs = jv_array_append(recs, metric(t, ts, nm, v, kind_of(types.s, nm), labels));
	}
	strbuf_release(&types);
	*out = recs;
	if (bad && jv_array_length(jv_copy(recs)) == 0)
		return mend_err("%ld malformed lines and no wanted metric", bad);
	return 0;
}

static int
read_prometheus(jv *out, const struct sample_target *t, double ts)
{
	static const char *const hdrs[] = {
		"Accept: text/plain;version=0.0.4;q=0.9,*/*;q=0.1", NULL
	};
	struct http_req req = { .url = t->spec, .headers = hdrs,
		.timeout_ms = (long)(t->timeout * 1000), .max_attempts = 1 };
	struct http_resp resp = { 0 };
	int rc;

	if (http_do(&resp, &req) < 0)
		return -1;
	if (resp.status != 200) {
		http_resp_release(&resp);
		return mend_err("HTTP %ld", resp.status);
	}
	rc = sample_prometheus(out, t, resp.body ? resp.body : "", ts);
	http_resp_release(&resp);
	return rc;
}

/* ---- /proc ---- */

struct proc_usage {
	double rss, cpu;	/* bytes, seconds */
	long fds, threads, procs;
};

static int
read_text(char *buf, size_t len, const char *path)
{
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return mend_errno("cannot read '%s'", path);
	n = fread(buf, 1, len - 1, f);
	buf[n] = '\0';
	fclose(f);
	return 0;
}

static int
proc_add(struct proc_usage *u, long pid)
{
	char path[64], buf[4096], *p;
	unsigned long utime, stime;
	long threads, rss_pages;
	DIR *d;
	struct dirent *e;

	snprintf(path, sizeof path, "/proc/%ld/stat", pid);
	if (read_text(buf, sizeof buf, path) < 0)
		return -1;
	/* After the ")" that ends comm: fields 3.. ; utime is 14, stime 15,
	 * num_threads 20, rss 24 (pages). */
	if (!(p = strrchr(buf, ')')) || sscanf(p + 2,
	    "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu %*d %*d %*d %*d %ld %*d "
	    "%*u %*u %ld", &utime, &stime, &threads, &rss_pages) != 4)
		return mend_err("cannot parse '%s'", path);
	u->cpu += (double)(utime + stime) / (double)sysconf(_SC_CLK_TCK);
	u->rss += (double)rss_pages * (double)sysconf(_SC_PAGESIZE);
	u->threads += threads;
	u->procs++;
	snprintf(path, sizeof path, "/proc/%ld/fd", pid);
	if ((d = opendir(path))) {
		while ((e = readdir(d)))
			if (e->d_name[0] != '.')
				u->fds++;
		closedir(d);
	}
	return 0;
}

/* Every process whose comm (or argv[0]'s base name) is name. */
static int
proc_by_name(struct proc_usage *u, const char *name)
{
	DIR *d = opendir("/proc");
	struct dirent *e;

	if (!d)
		return mend_errno("cannot read /proc");
	while ((e = readdir(d))) {
		char path[64], comm[256], *nl;
		long pid = strtol(e->d_name, &nl, 10);

		if (*nl || pid <= 0 || pid == getpid())
			continue;
		snprintf(path, sizeof path, "/proc/%ld/comm", pid);
		if (read_text(comm, sizeof comm, path) < 0)
			continue;
		comm[strcspn(comm, "\n")] = '\0';
		if (strcmp(comm, name)) {
			char *base;

			snprintf(path, sizeof path, "/proc/%ld/cmdline", pid);
			if (read_text(comm, sizeof comm, path) < 0)
				continue;
			base = strrchr(comm, '/');
			if (strcmp(base ? base + 1 : comm, name))
				continue;
		}
		proc_add(u, pid);	/* a process that just ended is skipped */
	}
	closedir(d);
	return u->procs ? 0 : mend_err("no process named '%s'", name);
}

static void
proc_records(jv *recs, const struct sample_target *t, double ts, const struct proc_usage *u)
{
	*recs = jv_array_append(*recs, metric(t, ts, "process_resident_memory_bytes", u->rss,
	    "gauge", jv_object()));
	*recs = jv_array_append(*recs, metric(t, ts, "process_cpu_seconds_total", u->cpu,
	    "counter", jv_object()));
	*recs = jv_array_append(*recs, metric(t, ts, "process_open_fds", (double)u->fds,
	    "gauge", jv_object()));
	*recs = jv_array_append(*recs, metric(t, ts, "process_threads", (double)u->threads,
	    "gauge", jv_object()));
	*recs = jv_array_append(*recs, metric(t, ts, "process_count", (double)u->procs,
	    "gauge", jv_object()));
}

/* ---- cgroup v2 ---- */

static int
cgroup_value(double *out, const char *dir, const char *file, const char *key)
{
	char path[4096], buf[8192], *p;

	snprintf(path, sizeof path, "%s/%s", dir, file);
	if (read_text(buf, sizeof buf, path) < 0)
		return -1;
	if (!key) {
		if (!strncmp(buf, "max", 3))
			return 1;	/* no limit */
		*out = strtod(buf, NULL);
		return 0;
	}
	for (p = buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		size_t kl = strlen(key);

		if (!strncmp(p, key, kl) && p[kl] == ' ') {
			*out = strtod(p + kl + 1, NULL);
			return 0;
		}
	}
	return mend_err("no '%s' in '%s'", key, path);
}

static int
read_cgroup(jv *recs, const struct sample_target *t, double ts, const char *dir)
{
	double v;

	if (access(dir, R_OK) < 0)
		return mend_errno("cannot read cgroup '%s'", dir);
	if (cgroup_value(&v, dir, "memory.current", NULL) == 0)
		*recs = jv_array_append(*recs, metric(t, ts, "cgroup_memory_bytes", v, "gauge",
		    jv_object()));
	if (cgroup_value(&v, dir, "memory.max", NULL) == 0)
		*recs = jv_array_append(*recs, metric(t, ts, "cgroup_memory_max_bytes", v,
		    "gauge", jv_object()));
	if (cgroup_value(&v, dir, "cpu.stat", "usage_usec") == 0)
		*recs = jv_array_append(*recs, metric(t, ts, "cgroup_cpu_seconds_total", v / 1e6,
		    "counter", jv_object()));
	if (cgroup_value(&v, dir, "pids.current", NULL) == 0)
		*recs = jv_array_append(*recs, metric(t, ts, "cgroup_pids", v, "gauge",
		    jv_object()));
	if (cgroup_value(&v, dir, "memory.events", "oom_kill") == 0)
		*recs = jv_array_append(*recs, metric(t, ts, "cgroup_oom_kills_total", v,
		    "counter", jv_object()));
	if (jv_array_length(jv_copy(*recs)) == 0)
		return mend_err("cgroup '%s' has no memory, cpu or pids files", dir);
	return 0;
}

/* ---- the one entry point ---- */

int
sample_read(jv *out, const struct sample_target *t, double ts)
{
	jv recs = jv_array();
	int rc = 0;

	if (!strncmp(t->spec, "http", 4)) {
		jv got;

		if ((rc = read_prometheus(&got, t, ts)) == 0)
			recs = jv_array_concat(recs, got);
	} else if (!strncmp(t->spec, "pid:", 4) || !strncmp(t->spec, "process:", 8)) {
		struct proc_usage u = { 0 };
		char *end;
		long pid;

		if (t->spec[1] == 'i') {
			pid = strtol(t->spec + 4, &end, 10);
			rc = *end || pid <= 0 ? mend_err("bad pid in '%s'", t->spec)
			    : proc_add(&u, pid);
		} else
			rc = proc_by_name(&u, t->spec + 8);
		if (rc == 0)
			proc_records(&recs, t, ts, &u);
	} else if (!strncmp(t->spec, "unit:", 5)) {
		char dir[4096];

		snprintf(dir, sizeof dir, "/sys/fs/cgroup/system.slice/%s", t->spec + 5);
		rc = read_cgroup(&recs, t, ts, dir);
	} else if (!strncmp(t->spec, "cgroup:", 7)) {
		rc = read_cgroup(&recs, t, ts, t->spec + 7);
	} else {
		struct statvfs st;

		if (statvfs(t->spec + 5, &st) < 0)
			rc = mend_errno("cannot statvfs '%s'", t->spec + 5);
		else {
			double total = (double)st.f_blocks * st.f_frsize;
			double avail = (double)st.f_bavail * st.f_frsize;
			double used = total - (double)st.f_bfree * st.f_frsize;

			recs = jv_array_append(recs, metric(t, ts, "disk_used_ratio",
			    used + avail > 0 ? used / (used + avail) : 0, "gauge", jv_object()));
			recs = jv_array_append(recs, metric(t, ts, "disk_free_bytes", avail,
			    "gauge", jv_object()));
		}
	}
	if (rc < 0) {
		char why[512];

		snprintf(why, sizeof why, "%s", mend_errmsg());
		jv_free(recs);
		recs = jv_array_append(jv_array(), up(t, ts, why));
	} else
		recs = jv_array_append(recs, up(t, ts, NULL));
	*out = recs;
	return rc;
}
