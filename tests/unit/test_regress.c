/* Unit tests for lib/regress.c: which framework and file a project gets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "mend.h"

static char dir[64];

static void
put(const char *name, const char *text)
{
	char p[256];
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	assert_non_null(f = fopen(p, "w"));
	fputs(text, f);
	fclose(f);
}

static char *
slurp(const char *name)
{
	static char buf[65536];
	char p[256];
	size_t n;
	FILE *f;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	assert_non_null(f = fopen(p, "r"));
	n = fread(buf, 1, sizeof buf - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static int
setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof dir, "/tmp/mend-regress.XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int
teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static const struct regress_req req = {
	.id = "inc_0123456789abcdef", .method = "POST", .path = "/orders?x=1", .body = "",
	.serve = "env A='b c' node app.js", .want_4xx = 1, .why = "the request has an empty body",
};

static void
test_node(void **state)
{
	struct regress_test t;
	char *s;

	(void)state;
	put("package.json", "{\"scripts\":{\"test\":\"jest --ci\"}}");
	mkdir(strcat(strcpy((char[128]){ 0 }, dir), "/__tests__"), 0755);
	assert_int_equal(regress_write(&t, dir, &req), 0);
	assert_string_equal(t.path, "__tests__/mend-inc_0123456789abcdef.test.js");
	assert_string_equal(t.framework, "jest");
	assert_string_equal(t.command, "npx --no-install jest __tests__/mend-inc_0123456789abcdef.test.js");
	s = slurp(t.path);
	assert_non_null(strstr(s, "\nit('mend regression: ' + SPEC.method"));
	assert_null(strstr(s, "require('node:test')"));
	assert_non_null(strstr(s, "\"serve\":\"env A='b c' node app.js\""));
	assert_non_null(strstr(s, "\"want\":\"4xx\""));
	assert_non_null(strstr(s, "\"root\":\"..\""));
	regress_test_release(&t);
	put("package.json", "{\"type\":\"module\",\"scripts\":{\"test\":\"node --test\"}}");
	assert_int_equal(regress_write(&t, dir, &req), 0);
	assert_string_equal(t.path, "__tests__/mend-inc_0123456789abcdef.test.cjs");
	assert_string_equal(t.framework, "node:test");
	assert_non_null(strstr(slurp(t.path), "const { test } = require('node:test');"));
	regress_test_release(&t);
}

static void
test_python(void **state)
{
	struct regress_test t;
	struct regress_req q = req;
	char *s;

	(void)state;
	q.id = "bad id/../x";
	q.serve = "python3 app.py \"quoted\"";
	put("test_app.py", "import unittest\n");
	assert_int_equal(regress_write(&t, dir, &q), 0);
	assert_string_equal(t.path, "test_mend_incident.py");
	assert_string_equal(t.framework, "unittest");
	assert_string_equal(t.command, "python3 -m unittest discover -s . -p test_mend_incident.py");
	s = slurp(t.path);
	/* The spec is a JSON string literal inside json.loads(...). */
	assert_non_null(strstr(s, "SPEC = json.loads(\"{\\\"incident\\\":\\\"bad id/../x\\\""));
	assert_non_null(strstr(s, "python3 app.py \\\\\\\"quoted\\\\\\\""));
	regress_test_release(&t);
	put("pytest.ini", "[pytest]\n");
	assert_int_equal(regress_write(&t, dir, &q), 0);
	assert_string_equal(t.command, "python3 -m pytest -q test_mend_incident.py");
	regress_test_release(&t);
	q.serve = NULL;
	assert_int_equal(regress_write(&t, dir, &q), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_node, setup, teardown),
		cmocka_unit_test_setup_teardown(test_python, setup, teardown),
	};

	mend_setprog("test_regress");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
