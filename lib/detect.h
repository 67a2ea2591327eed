/*
 * detect.h - what detect.c and its fast scanner (detect_scan.c) share.
 */
#ifndef DETECT_H
#define DETECT_H

#include "mend.h"

#define KEYIS(k, n, lit) ((n) == sizeof(lit) - 1 && !memcmp((k), (lit), (n)))

/* The fields detect's rules read from a record: pointers into the line
 * (the scanner) or into the parsed record (detect_fields_of), with their
 * lengths; not NUL-terminated on the scanner's path. */
struct detect_fields {
	const char *type, *monitor, *url, *ts, *source, *error, *shape, *method;
	size_t ntype, nmonitor, nurl, nts, nsource, nerror, nshape, nmethod;
	int ok;			/* -1 absent */
	double status, ms;	/* NAN absent */
	char *shape_own;	/* shape text dumped on the libjq path */
	const char *request_body;	/* libjq path only: borrowed, NUL-ended */
};

/* Scan a record's top level for the fields; 0 done, -1 unsure (the
 * caller then parses the line with libjq). */
int detect_scan(struct detect_fields *f, const char *p, size_t len);
/* The same fields from a parsed record (strings borrowed from rec). */
void detect_fields_of(struct detect_fields *f, jv rec);
/* The fields' ts in epoch seconds, 0 when absent or bad. */
double detect_fields_ts(struct detect_fields *f);
/* RFC 3339 time of a record, n bytes at s: 0, or -1 with a message. */
int detect_parse_ts(double *out, const char *s, size_t n);

#endif
