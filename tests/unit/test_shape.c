/* Unit tests for lib/shape.c: shapes, learning known-good answers, judging one. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mend.h"

static jv
parse(const char *s)
{
	jv v;

	assert_int_equal(record_parse(&v, s, strlen(s)), 0);
	return v;
}

static void
shape_is(const char *body, const char *want)
{
	jv sh, w = parse(want);

	assert_int_equal(shape_of_body(&sh, body, strlen(body)), 0);
	if (!jv_equal(jv_copy(sh), jv_copy(w))) {
		char *got = record_dump(sh);
		fail_msg("shape of %s: got %s want %s", body, got, want);
	}
	jv_free(sh);
	jv_free(w);
}

static void
test_shape(void **state)
{
	jv sh;

	(void)state;
	shape_is("{\"pages\":3,\"items\":[{\"id\":1},{\"id\":0}],\"q\":null}",
	    "{\"$\":\"obj\",\"$.pages\":\"num\",\"$.items\":\"arr\",\"$.items[]\":\"obj\","
	    "\"$.items[].id\":\"num|zero\",\"$.q\":\"null\"}");
	shape_is("[]", "{\"$\":\"arr0\"}");
	shape_is("{\"q\":\"undefined,undefined\",\"a\":\"\",\"b\":\"Nonesuch\",\"o\":{}}",
	    "{\"$\":\"obj\",\"$.q\":\"bad\",\"$.a\":\"empty\",\"$.b\":\"str\",\"$.o\":\"obj0\"}");
	shape_is("{\"s\":\"None,None\",\"t\":\"[object Object]\"}",
	    "{\"$\":\"obj\",\"$.s\":\"bad\",\"$.t\":\"bad\"}");
	assert_int_equal(shape_of_body(&sh, "<html>", 6), -1);
	assert_int_equal(jv_get_kind(sh), JV_KIND_NULL);
	assert_int_equal(shape_of_body(&sh, "{bad", 4), -1);
	jv_free(sh);
}

static jv
learned(void)
{
	jv k = jv_null();

	k = shape_learn(k, "cat", "http://h/products?page=1", 200, parse(
	    "{\"$\":\"obj\",\"$.total\":\"num\",\"$.pages\":\"num\",\"$.items\":\"arr\"}"), NULL);
	k = shape_learn(k, "cat", "http://h/products?page=1", 200, parse(
	    "{\"$\":\"obj\",\"$.total\":\"num\",\"$.pages\":\"num\",\"$.items\":\"arr\","
	    "\"$.note\":\"str\"}"), NULL);
	return k;
}

static int strict = 1;

static const char *
verdict(jv known, jv peers, const char *method, const char *url, const char *body, long status,
    const char *shape, char *first, size_t len)
{
	static char v[32];
	jv sh = shape ? parse(shape) : jv_null();
	jv j = shape_judge(known, peers, method, url, body, status, sh, strict), r;

	snprintf(v, sizeof v, "%s", record_str(j, "verdict"));
	r = record_get(j, "reasons");
	if (first) {
		jv f = jv_array_length(jv_copy(r)) ? jv_array_get(jv_copy(r), 0) : jv_string("");
		snprintf(first, len, "%s", jv_string_value(f));
		jv_free(f);
	}
	jv_free(r);
	jv_free(j);
	jv_free(sh);
	return v;
}

static void
test_judge(void **state)
{
	jv k = learned(), none = jv_array(), peers;
	char why[512];

	(void)state;
	assert_int_equal((int)record_num(k, "n", 0), 2);
	{
		jv paths = record_get(k, "paths"), note = jv_object_get(paths, jv_string("$.note"));
		assert_int_equal((int)record_num(note, "seen", 0), 1);
		jv_free(note);
	}
	/* The known shape: good. */
	assert_string_equal(verdict(k, none, "GET", "/products?page=1", NULL, 200,
	    "{\"$\":\"obj\",\"$.total\":\"num\",\"$.pages\":\"num\",\"$.items\":\"arr\"}", why,
	    sizeof why), "good");
	/* total / size if size else 0: the catalog lost its pages and items. */
	assert_string_equal(verdict(k, none, "GET", "/products?page=1", NULL, 200,
	    "{\"$\":\"obj\",\"$.total\":\"num\",\"$.pages\":\"zero\",\"$.items\":\"arr0\"}", why,
	    sizeof why), "degraded");
	assert_string_equal(why, "'$.pages' is now 0 (never in 2 known-good answers)");
	/* A zero that is not a count, in an answer that says it has nothing. */
	assert_string_equal(verdict(k, none, "GET", "/products?page=1", NULL, 200,
	    "{\"$\":\"obj\",\"$.total\":\"zero\",\"$.pages\":\"zero\",\"$.ratio\":\"zero\","
	    "\"$.items\":\"arr0\"}", NULL, 0), "good");
	/* A member every answer had, gone. */
	assert_string_equal(verdict(k, none, "GET", "/products?page=1", NULL, 200,
	    "{\"$\":\"obj\",\"$.total\":\"num\",\"$.items\":\"arr\"}", why, sizeof why),
	    "degraded");
	assert_string_equal(why, "'$.pages' is missing (in all 2 known-good answers)");
	/* An answer that says it has nothing may be empty; a zero ratio only
	 * passes for a recovery (not strict), not for a fix. */
	assert_string_equal(verdict(k, none, "GET", "/products?page=1", NULL, 200,
	    "{\"$\":\"obj\",\"$.total\":\"zero\",\"$.pages\":\"zero\",\"$.items\":\"arr0\"}",
	    NULL, 0), "good");
	{
		jv k2 = shape_learn(jv_copy(k), "cat", "http://h/products?page=1", 200, parse(
		    "{\"$\":\"obj\",\"$.total\":\"num\",\"$.ratio\":\"num\",\"$.items\":\"arr\"}"),
		    NULL);
		const char *empty = "{\"$\":\"obj\",\"$.total\":\"zero\",\"$.pages\":\"zero\","
		    "\"$.ratio\":\"zero\",\"$.items\":\"arr0\"}";
		assert_string_equal(verdict(k2, none, "GET", "/products?page=1", NULL, 200, empty, why,
		    sizeof why), "degraded");
		assert_string_equal(why, "'$.ratio' is now 0 (never in 3 known-good answers)");
		strict = 0;
		if (strcmp(verdict(k2, none, "GET", "/products?page=1", NULL, 200, empty, why,
		    sizeof why), "good"))
			fail_msg("not good: %s", why);
		strict = 1;
		jv_free(k2);
	}
	/* A member every answer had, gone. */
	assert_string_equal(verdict(k, none, "GET", "/products?page=1", NULL, 200,
	    "{\"$\":\"obj\",\"$.total\":\"num\",\"$.items\":\"arr\"}", why, sizeof why),
	    "degraded");
	assert_string_equal(why, "'$.pages' is missing (in all 2 known-good answers)");
	/* No longer JSON. */
	assert_string_equal(verdict(k, none, "GET", "/products?page=1", NULL, 200, NULL, why,
	    sizeof why), "degraded");
	assert_string_equal(verdict(k, none, "GET", "/products?page=1", NULL, 503, NULL, NULL, 0),
	    "failed");
	assert_string_equal(verdict(k, none, "GET", "/products?page=1", NULL, 0, NULL, NULL, 0),
	    "failed");
	/* A 4xx to the very request that used to work. */
	assert_string_equal(verdict(k, none, "GET", "/products?page=1", NULL, 400, NULL, NULL, 0),
	    "failed");
	/* Without a known-good record: "undefined" still shows, else unproven. */
	assert_string_equal(verdict(jv_null(), none, "GET", "/w?q=x", NULL, 200,
	    "{\"$\":\"obj\",\"$.q\":\"bad\"}", why, sizeof why), "degraded");
	assert_string_equal(why, "'$.q' holds a value formatted from a missing one "
	    "(undefined, NaN, None, null)");
	assert_string_equal(verdict(jv_null(), none, "GET", "/w?q=x", NULL, 200,
	    "{\"$\":\"obj\",\"$.q\":\"str\"}", NULL, 0), "unproven");
	/* Malformed requests: an empty body, a parameter the others all had. */
	assert_string_equal(verdict(jv_null(), none, "POST", "/orders", "", 400, NULL, why,
	    sizeof why), "rejected");
	assert_string_equal(verdict(jv_null(), none, "POST", "/orders", "{\"a\":", 422, NULL, NULL,
	    0), "rejected");
	assert_string_equal(verdict(jv_null(), none, "GET", "/search", NULL, 400, NULL, NULL, 0),
	    "unproven");
	peers = jv_array_append(jv_array(), JV_OBJECT(jv_string("url"),
	    jv_string("http://h/search?q=lamp&limit=5")));
	peers = jv_array_append(peers, JV_OBJECT(jv_string("url"),
	    jv_string("http://h/search?limit=5&q=desk")));
	assert_string_equal(verdict(jv_null(), peers, "GET", "/search?limit=5", NULL, 400, NULL,
	    why, sizeof why), "rejected");
	assert_string_equal(verdict(jv_null(), peers, "GET", "/search?q=&limit=5", NULL, 400, NULL,
	    NULL, 0), "rejected");
	assert_string_equal(verdict(jv_null(), peers, "GET", "/search?q=x&limit=5", NULL, 400,
	    NULL, NULL, 0), "unproven");
	jv_free(peers);
	/* A body key of another type than every known-good request's. */
	{
		jv b = shape_learn(jv_null(), "tag", "http://h/tag", 200, parse("{\"$\":\"obj\"}"),
		    "{\"ids\":[1],\"tags\":[\"a\"]}");
		b = shape_learn(b, "tag", "http://h/tag", 200, parse("{\"$\":\"obj\"}"),
		    "{\"ids\":[2],\"tags\":[\"b\",\"c\"]}");
		assert_string_equal(verdict(b, none, "POST", "/tag", "{\"ids\":[1],\"tags\":\"a\"}",
		    400, NULL, why, sizeof why), "rejected");
		/* the very body that worked: a 400 is wrong; another one: unproven */
		assert_string_equal(verdict(b, none, "POST", "/tag", "{\"ids\":[2],\"tags\":[\"b\",\"c\"]}",
		    400, NULL, NULL, 0), "failed");
		assert_string_equal(verdict(b, none, "POST", "/tag", "{\"ids\":[3],\"tags\":[]}",
		    404, NULL, NULL, 0), "unproven");
		jv_free(b);
	}
	jv_free(none);
	jv_free(k);
}

static void
test_checks(void **state)
{
	jv k = learned(), sh = parse("{\"$\":\"obj\",\"$.total\":\"num\",\"$.pages\":\"num\","
	    "\"$.items\":\"arr\"}");
	jv c = shape_checks(k, sh);
	char *s = record_dump(c);

	(void)state;
	assert_non_null(strstr(s, "{\"path\":\"$.pages\",\"forbid\":[\"null\",\"zero\",\"empty\","
	    "\"arr0\",\"obj0\",\"bad\"],\"required\":true}"));
	assert_non_null(strstr(s, "{\"path\":\"$.note\",\"forbid\":[\"null\",\"zero\",\"empty\","
	    "\"arr0\",\"obj0\",\"bad\"],\"required\":false}"));
	free(s);
	jv_free(c);
	jv_free(sh);
	jv_free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shape),
		cmocka_unit_test(test_judge),
		cmocka_unit_test(test_checks),
	};

	mend_setprog("test_shape");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
