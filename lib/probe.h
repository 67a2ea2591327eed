/*
 * probe.h - what the probe*.c files share and nothing else sees: the
 * prober, its lanes and checks (probe.c), the targets (probe_target.c)
 * and the record a finished check becomes (probe_record.c).
 */
#ifndef PROBE_H
#define PROBE_H

#include <pthread.h>

#include <curl/curl.h>

#include "mend.h"

struct range {
	int lo, hi;
};

/*
 * Certificate expiry per origin (scheme://host:port): a check on a reused
 * connection has no handshake to read it from, so it reports the last
 * one seen for its origin.  Read and written under the prober's lock.
 */
struct origin {
	char *key;
	double expires;		/* seconds since the epoch; 0: not seen yet */
	struct origin *next;	/* hash chain */
};

#define ORIGIN_BUCKETS 4096

struct target {
	char *url;		/* as given, for libcurl */
	char *shown;		/* url with any password masked, for records */
	char *name;		/* the monitor */
	char *method;		/* "GET" unless set */
	char *contains;		/* body must contain, or NULL */
	char *body;		/* request body, or NULL */
	char *expect_text;	/* "200-399", for details */
	char *cacert;		/* CA bundle for this target, or NULL */
	struct curl_slist *headers;
	struct range *expect;
	int nexpect;
	long timeout_ms;	/* 0: the prober's */
	int follow;
	int https;
	int busy;		/* a check is queued or in flight */
	char *origin_key;	/* until the target is added */
	struct origin *origin;
};

/* What a finished transfer said, kept over a certificate second pass. */
struct result {
	CURLcode code;
	long status, redirects;
	curl_off_t nl, ct, ac, st, tt;	/* libcurl's cumulative times, us */
	char ctype[80];		/* Content-Type, "" when none */
	char *location;
	int has_days;
	double days;
};

struct check {
	CURL *h;
	struct target *t;
	double ts;		/* wall clock at start */
	size_t bytes;
	int found;		/* contains seen */
	char *carry;		/* last len(contains)-1 body bytes */
	size_t ncarry;
	char *body;		/* a JSON body kept for its shape, capacity SHAPE_BODY_MAX */
	size_t nbody;
	int body_state;		/* 0 not seen yet, 1 keeping it, 2 not (not JSON, too big) */
	char errbuf[CURL_ERROR_SIZE];
	/* Second pass (certificate dates after a verification failure). */
	int certpass;
	int plain;		/* the handle is set up for a plain GET */
	struct result res;	/* what the (first) transfer said */
	struct check *next;	/* free list */
};

/* One thread's share: its own multi handle, handles and queue. */
struct lane {
	struct prober *p;
	CURLM *multi;
	struct check *checks;
	int nchecks;
	struct check *free;
	int active;
	size_t *q;		/* ring of queued target indexes */
	size_t qhead, qlen;
	struct strbuf o;	/* the record being written */
	double until;
	int rc;
	char err[256];
	pthread_t thread;
};

struct prober {
	struct probe_opts o;
	struct target *t;
	size_t nt, capt;
	struct lane *lanes;
	int nlanes;
	size_t next_lane;
	pthread_mutex_t lock;	/* around fn: records are written whole */
	struct curl_slist *close_hdr;	/* "Connection: close" */
	struct origin **origins;	/* ORIGIN_BUCKETS chains */
	int (*fn)(const char *line, size_t len, void *arg);
	void *arg;
};

/* probe_target.c */
void target_release(struct target *t);

/* probe_record.c */
/* The probe record of check c (finished, result r), as one JSON line in o. */
void format_record(struct prober *p, struct check *c, const struct result *r,
    struct strbuf *o);

#endif
