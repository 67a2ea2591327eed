/*
 * notify - tell people: post every record to Slack, Discord or a JSON
 * webhook, and pass it on with what happened added under "notified".
 *
 * A tee: every input record comes out again, in order, whether or not
 * the webhooks took it, so `analyze | notify | ...` never loses one.
 * Each target gets one entry {target, id, kind, status, ok, attempts,
 * fix_url, error}; `error` is what the service said (a 4xx body) or why
 * no answer came.  Retries (429 with Retry-After or retry_after, 5xx,
 * transport errors) are http_do_retry's.  Webhook URLs and the trigger
 * secret are secrets: diagnostics and records name a target by its
 * label (kind and origin, no path) and id, never by its URL.  What is
 * posted is built from the record redacted (lib/redact.c), incident and
 * resolve records as much as analyses; the record passed on is the one
 * read.
 *
 * With a spool, notify also remembers what each target took (state ns
 * "notify", keyed by target and a hash of the record), so that a record
 * fed again, as work does when it retries a job, is not posted twice to
 * a target that took it; --resend posts anyway.
 *
 * What was sent is also appended to the incident's timeline in the spool
 * (unless --no-spool), so `spool show` says who was told and which fix
 * link was sent; a spool that cannot be opened is a warning, not a reason
 * to stay silent during an outage.
 */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mend.h"

#define ERROR_BODY_MAX 1000

static struct notify_target *targets;
static size_t ntargets;
static struct notify_opts opts = { .min_confidence = 0.4, .link_ttl = 86400 };
static long timeout_ms = 10000;
static int max_attempts = 4;
static struct spool *spool;
static int temp_failures, perm_failures, write_failed, resend;

static void
usage(const char *why)
{
	mend_usage(why, "usage: notify [-w URL]... [--min-confidence X] [--link-ttl DURATION]\n"
	    "              [--timeout DURATION] [--attempts N] [--resend] [-s DIR | --no-spool]\n"
	    "              [FILE...]\n");
}

static void
add_target(const char *spec)
{
	struct notify_target *nt;

	if (!(nt = realloc(targets, (ntargets + 1) * sizeof *nt)))
		mend_die(EX_OSERR, "out of memory");
	targets = nt;
	if (notify_target_parse(&targets[ntargets], spec) < 0)
		usage(mend_errmsg());
	ntargets++;
}

/* MEND_WEBHOOKS: URLs separated by commas or white space. */
static void
add_targets_env(const char *list)
{
	char *copy = strdup(list), *p, *save = NULL;

	if (!copy)
		mend_die(EX_OSERR, "out of memory");
	for (p = strtok_r(copy, ", \t\n", &save); p; p = strtok_r(NULL, ", \t\n", &save))
		add_target(p);
	free(copy);
}

/* msg with every copy of the target's URL replaced by its label. */
static char *
scrub(const char *msg, const struct notify_target *t)
{
	size_t ul = strlen(t->url), ll = strlen(t->label), n = 0;
	const char *p;
	char *out, *o;

	for (p = msg; (p = strstr(p, t->url)); p += ul)
		n++;
	if (!(out = malloc(strlen(msg) + n * ll + 1)))
		return NULL;
	for (o = out, p = msg; *p;) {
		if (!strncmp(p, t->url, ul)) {
			memcpy(o, t->label, ll);
			o += ll;
			p += ul;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

/*
 * The spool key of (target, record).  A record fed again, as when work
 * retries a job that failed, is not posted again to a target that took
 * it.  The "job" object (its attempt count changes) and an earlier
 * notify's "notified" are left out of the hash.
 */
static int
sent_key(char *out, size_t len, const struct notify_target *t, jv rec)
{
	char hex[SIGN_HEX_LEN + 1], *d;
	int rc;

	rec = record_del(record_del(jv_copy(rec), "job"), "notified");
	d = record_dump(rec);
	jv_free(rec);
	if (!d)
		return mend_err("out of memory");
	rc = sign_digest(hex, d, strlen(d));
	free(d);
	if (rc == 0)
		snprintf(out, len, "%s:%s", t->id, hex);
	return rc;
}

static jv
entry(const struct notify_target *t, long status, int ok, int attempts, int messages,
    const char *fix_url, const char *no_fix, const char *error)
{
	jv e = jv_object();

	e = jv_object_set(e, jv_string("target"), jv_string(t->label));
	e = jv_object_set(e, jv_string("id"), jv_string(t->id));
	e = jv_object_set(e, jv_string("kind"), jv_string(notify_kind_name(t->kind)));
	e = jv_object_set(e, jv_string("status"), jv_number((double)status));
	e = jv_object_set(e, jv_string("ok"), ok ? jv_true() : jv_false());
	e = jv_object_set(e, jv_string("attempts"), jv_number(attempts));
	e = jv_object_set(e, jv_string("messages"), jv_number(messages));
	e = jv_object_set(e, jv_string("fix_url"), record_strornull(fix_url));
	if (no_fix)
		e = jv_object_set(e, jv_string("no_fix"), jv_string(no_fix));
	e = jv_object_set(e, jv_string("error"), record_strornull(error));
	return e;
}

/* Post the payloads of one target; returns its "notified" entry. */
static jv
deliver(const struct notify_target *t, const struct notify_msg *m, jv rec)
{
	static const char *headers[] = { "Content-Type: application/json", NULL };
	jv payloads, e, prev = jv_invalid();
	int n, i, attempts = 0, ok = 1;
	long status = 0;
	char *error = NULL, key[128] = "";

	if (spool && !resend && sent_key(key, sizeof key, t, rec) == 0 &&
	    spool_state_get(spool, &prev, "notify", key) == 1) {
		/* Sent before: say so, with what was sent then. */
		e = entry(t, (long)record_num(prev, "status", 200), 1, 0,
		    (int)record_num(prev, "messages", 1), record_str(prev, "fix_url"),
		    m->no_fix, NULL);
		e = jv_object_set(e, jv_string("duplicate"), jv_true());
		jv_free(prev);
		return e;
	}
	jv_free(prev);
	payloads = notify_payloads(m, t->kind, rec);
	n = jv_array_length(jv_copy(payloads));

	for (i = 0; i < n && ok; i++) {
		jv p = jv_array_get(jv_copy(payloads), i);
		char *body = record_dump(p);
		struct http_req req = {
			.method = "POST", .url = t->url, .headers = headers,
			.body = body, .body_len = body ? strlen(body) : 0,
			.timeout_ms = timeout_ms, .max_attempts = max_attempts,
		};
		struct http_resp resp;

		jv_free(p);
		if (!body) {
			error = strdup("out of memory");
			ok = 0;
			temp_failures++;
			break;
		}
		if (http_do_retry(&resp, &req) < 0) {
			error = scrub(mend_errmsg(), t);
			attempts += max_attempts;
			status = 0;
			ok = 0;
			temp_failures++;
		} else {
			attempts += resp.attempts;
			status = resp.status;
			if (status < 200 || status > 299) {
				ok = 0;
				error = notify_clip(resp.body && *resp.body ? resp.body
				    : "(empty body)", ERROR_BODY_MAX);
				if (status == 429 || status >= 500)
					temp_failures++;
				else
					perm_failures++;
			}
		}
		http_resp_release(&resp);
		free(body);
	}
	jv_free(payloads);
	if (!ok && status)
		mend_warn("%s (%s): HTTP %ld: %s", t->label, t->id, status,
		    error ? error : "failed");
	else if (!ok)
		mend_warn("%s (%s): %s", t->label, t->id, error ? error : "failed");
	if (ok && spool && *key) {
		char now[40];
		jv v = jv_object();
		v = record_set_str(v, "at", mend_rfc3339(now, sizeof now, mend_now()));
		v = record_set_num(v, "status", (double)status);
		v = record_set_num(v, "messages", n);
		v = record_set(v, "fix_url", record_strornull(m->fix_url));
		if (spool_state_put(spool, "notify", key, v) < 0)
			mend_warn("cannot remember the notification: %s", mend_errmsg());
	}
	e = entry(t, status, ok, attempts, n, m->fix_url, m->no_fix, error);
	free(error);
	return e;
}

/*
 * Append to the incident's timeline.  An analysis goes in as printed, so
 * that trigger finds the analysis a link was sent for whatever wrote it;
 * anything else as a "notified" record, because an incident record
 * appended late would move the incident's open/resolve state.
 */
static int
remember(jv rec)
{
	jv n;
	int rc;

	if (!strcmp(record_type(rec), "analysis"))
		return spool_incident_append(spool, rec);
	n = jv_object();
	n = record_set_str(n, "type", "notified");
	n = record_set_str(n, "of", record_type(rec));
	n = record_set(n, "incident", record_get(rec, "incident"));
	n = record_set(n, "notified", record_get(rec, "notified"));
	rc = spool_incident_append(spool, n);
	jv_free(n);
	return rc;
}

static int
on_record(jv rec, void *arg)
{
	struct notify_msg m;
	jv entries = jv_array(), out;
	size_t i;

	(void)arg;
	opts.now = mend_now();
	/* Webhooks get the record redacted, whatever its type (lib/redact.c). */
	out = redact_jv(jv_copy(rec), NULL);
	if (notify_msg_build(&m, out, &opts) < 0) {
		jv_free(out);
		jv_free(rec);
		jv_free(entries);
		return -1;
	}
	for (i = 0; i < ntargets; i++)
		entries = jv_array_append(entries, deliver(&targets[i], &m, out));
	notify_msg_release(&m);
	jv_free(out);
	rec = record_set(rec, "notified", entries);
	if (spool && record_str(rec, "incident.id") && remember(rec) < 0)
		mend_warn("cannot record the notification in the spool: %s", mend_errmsg());
	if (record_write(stdout, rec) < 0) {
		write_failed = 1;
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "webhook", required_argument, NULL, 'w' },
		{ "min-confidence", required_argument, NULL, 'c' },
		{ "link-ttl", required_argument, NULL, 'L' },
		{ "timeout", required_argument, NULL, 't' },
		{ "attempts", required_argument, NULL, 'a' },
		{ "spool", required_argument, NULL, 's' },
		{ "no-spool", no_argument, NULL, 'N' },
		{ "resend", no_argument, NULL, 'R' },
		CLI_OPTIONS_END
	};
	const char *env;
	int c, rc, no_spool = 0;
	char *end;
	double d;

	mend_setprog(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	while ((c = cli_getopt(argc, argv, "w:s:t:h", longopts, usage)) != -1) {
		switch (c) {
		case 'w':
			add_target(optarg);
			break;
		case 'c':
			opts.min_confidence = strtod(optarg, &end);
			if (end == optarg || *end || !(opts.min_confidence >= 0) ||
			    opts.min_confidence > 1)
				usage("--min-confidence must be a number from 0 to 1");
			break;
		case 'L':
			if (mend_parse_duration(&opts.link_ttl, optarg) < 0 || opts.link_ttl < 1)
				usage("--link-ttl: give a duration such as 30m, 24h or 7d");
			break;
		case 't':
			if (mend_parse_duration(&d, optarg) < 0 || d <= 0)
				usage("--timeout: give a duration such as 10s");
			timeout_ms = (long)ceil(d * 1000);
			break;
		case 'a':
			max_attempts = (int)strtol(optarg, &end, 10);
			if (end == optarg || *end || max_attempts < 1 || max_attempts > 20)
				usage("--attempts must be from 1 to 20");
			break;
		case 'N':
			no_spool = 1;
			break;
		case 'R':
			resend = 1;
			break;
		}
	}
	argc -= optind;
	argv += optind;

	if (ntargets == 0 && (env = getenv("MEND_WEBHOOKS")) && *env)
		add_targets_env(env);
	if (ntargets == 0)
		usage("no webhooks: give -w URL or set MEND_WEBHOOKS");
	opts.trigger_url = getenv("MEND_TRIGGER_URL");
	opts.secret = getenv("MEND_TRIGGER_SECRET");
	opts.agent = getenv("MEND_AGENT");
	if (opts.trigger_url && *opts.trigger_url && opts.secret && *opts.secret &&
	    sign_secret_ok(opts.secret) < 0)
		mend_warn("no fix links will be sent: %s", mend_errmsg());
	if (!no_spool && spool_open(&spool, cli_spool) < 0) {
		mend_warn("%s; going on without recording notifications", mend_errmsg());
		spool = NULL;
	}

	rc = record_each(argc, argv, on_record, NULL);
	if (spool)
		spool_close(spool);
	for (size_t i = 0; i < ntargets; i++)
		notify_target_release(&targets[i]);
	free(targets);
	if (write_failed)
		mend_die(EX_IOERR, "%s", mend_errmsg());
	if (rc < 0)
		mend_die(EX_SOFTWARE, "%s", mend_errmsg());
	/* A retry may yet deliver; a bad line will stay bad. */
	if (temp_failures)
		return EX_TEMPFAIL;
	if (rc)
		return rc;
	if (perm_failures)
		return EX_UNAVAILABLE;
	return 0;
}
