/*
 * stage.c - what the fix stages (patch, testloop, openpr, watch) do the
 * same way around each record they handle: keep the first failure's
 * exit status, refuse a record for safety (on stderr and the incident's
 * timeline), put the result on the timeline and stdout, and run the
 * record loop over the input files.
 *
 * The exit status rule: the first failure's status wins, so a batch
 * that failed early is not reported as a later, milder failure.
 */
#include <stdio.h>

#include "mend.h"

void
stage_fail(struct stage_ctx *st, int code)
{
	if (!st->worst)
		st->worst = code;
}

void
stage_refuse(struct stage_ctx *st, jv rec, const char *subject, const char *what, const char *why)
{
	spool_incident_refuse(st->sp, rec, st->name, subject, what, why);
	stage_fail(st, EX_DATAERR);
}

int
stage_emit(struct stage_ctx *st, jv rec, const char *subject)
{
	if (record_str(rec, "incident.id") && spool_incident_append(st->sp, rec) < 0)
		mend_warn("%s: cannot record in the timeline: %s", subject, mend_errmsg());
	return record_write(stdout, jv_copy(rec));
}

int
stage_run(struct stage_ctx *st, int argc, char **argv, int (*handle)(jv rec, void *arg))
{
	int rc = record_each(argc, argv, handle, st);

	if (rc < 0)
		return -1;
	return st->worst ? st->worst : rc;
}
