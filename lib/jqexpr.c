/*
 * jqexpr.c - jq programs (libjq) evaluated on records: enqueue --key,
 * detect --when.  One compiled program is reused for every record.
 */
#include <stdlib.h>
#include <string.h>

#include <jq.h>

#include "mend.h"

struct jqexpr {
	jq_state *jq;
	char err[512];
};

static void
on_error(void *arg, jv msg)
{
	struct jqexpr *e = arg;

	if (!e->err[0]) {
		jv s = jv_get_kind(msg) == JV_KIND_STRING ? jv_copy(msg)
		    : jv_dump_string(jv_copy(msg), 0);
		snprintf(e->err, sizeof e->err, "%s", jv_string_value(s));
		jv_free(s);
	}
	jv_free(msg);
}

int
jqexpr_compile(struct jqexpr **out, const char *program)
{
	struct jqexpr *e = calloc(1, sizeof *e);

	if (!e || !(e->jq = jq_init())) {
		free(e);
		return mend_err("out of memory");
	}
	jq_set_error_cb(e->jq, on_error, e);
	if (!jq_compile(e->jq, program)) {
		int rc = mend_err("bad jq program '%s': %s", program,
		    e->err[0] ? e->err : "does not compile");
		jqexpr_free(e);
		return rc;
	}
	*out = e;
	return 0;
}

int
jqexpr_eval(struct jqexpr *e, jv *out, jv in)
{
	jv v;

	e->err[0] = '\0';
	jq_start(e->jq, jv_copy(in), 0);
	v = jq_next(e->jq);
	if (!jv_is_valid(v)) {
		jv msg = jv_invalid_get_msg(v);
		int rc = 0;
		if (jv_get_kind(msg) != JV_KIND_NULL) {
			jv s = jv_get_kind(msg) == JV_KIND_STRING ? jv_copy(msg)
			    : jv_dump_string(jv_copy(msg), 0);
			rc = mend_err("jq: %s", jv_string_value(s));
			jv_free(s);
		}
		jv_free(msg);
		return rc;
	}
	*out = v;
	return 1;
}

void
jqexpr_free(struct jqexpr *e)
{
	if (!e)
		return;
	jq_teardown(&e->jq);
	free(e);
}
