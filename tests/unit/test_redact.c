/*
 * test_redact.c - redaction against the corpus in tests/fixtures/redact/:
 * NAME.in redacted must equal NAME.out byte for byte (keep.in holds
 * text that must come through untouched), plus the jv walk.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mend.h"

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	char *b = NULL;
	size_t n = 0;

	if (!f)
		return NULL;
	if (getdelim(&b, &n, 0, f) < 0) {
		free(b);
		b = strdup("");
	}
	fclose(f);
	return b;
}

static void
test_corpus(void **state)
{
	const char *top = getenv("TOP");
	char dir[2048];
	DIR *d;
	struct dirent *e;
	int n = 0;

	(void)state;
	snprintf(dir, sizeof dir, "%s/tests/fixtures/redact", top ? top : ".");
	assert_non_null(d = opendir(dir));
	while ((e = readdir(d))) {
		char p[4096], *in, *want, *got;
		size_t len = strlen(e->d_name);

		if (len < 4 || strcmp(e->d_name + len - 3, ".in"))
			continue;
		if (snprintf(p, sizeof p, "%s/%s", dir, e->d_name) >= (int)sizeof p)
			continue;
		in = slurp(p);
		p[strlen(p) - 3] = '\0';
		strcat(p, ".out");
		want = slurp(p);
		assert_non_null(in);
		assert_non_null(want);
		got = redact(in, NULL);
		assert_non_null(got);
		if (strcmp(got, want)) {
			/* print the first differing line */
			char *a = got, *b = want;
			while (*a && *a == *b)
				a++, b++;
			while (a > got && a[-1] != '\n')
				a--, b--;
			fail_msg("%s: got\n%.*s\nwant\n%.*s", e->d_name, (int)strcspn(a, "\n"), a,
			    (int)strcspn(b, "\n"), b);
		}
		free(in);
		free(want);
		free(got);
		n++;
	}
	closedir(d);
	assert_true(n >= 6);
}

static void
test_count_and_idempotent(void **state)
{
	int n;
	char *once = redact("Authorization: Bearer abcdefghijkl\npassword=x1", &n);
	char *twice;

	(void)state;
	assert_int_equal(n, 2);
	twice = redact(once, &n);
	assert_string_equal(once, twice);
	assert_int_equal(n, 0);
	free(once);
	free(twice);
	assert_null(redact(NULL, &n));
}

static void
test_bearer_inline(void **state)
{
	char *r = redact("curl -H 'x: bearer AbCdEf123456789' url", NULL);

	(void)state;
	assert_string_equal(r, "curl -H 'x: bearer [REDACTED]' url");
	free(r);
}

static void
test_truncated_pem(void **state)
{
	char *r = redact("key: -----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk", NULL);

	(void)state;
	assert_null(strstr(r, "b3BlbnNzaC1rZXk"));
	free(r);
}

static void
test_jv(void **state)
{
	jv v, out;
	int n;
	char *s;

	(void)state;
	s = "{\"headers\":{\"Authorization\":\"Basic abc\",\"Cookie\":\"a=b\","
	    "\"X-Request-Id\":\"r1\"},\"attributes\":{\"db.password\":42},"
	    "\"message\":\"login with sk-abcdefghijklmnopqrstuvwxyz failed\","
	    "\"list\":[\"token=abc\",1,null]}";
	assert_int_equal(record_parse(&v, s, strlen(s)), 0);
	out = redact_jv(v, &n);
	assert_int_equal(n, 5);
	assert_string_equal(record_str(out, "headers.Authorization"), "[REDACTED]");
	assert_string_equal(record_str(out, "headers.Cookie"), "[REDACTED]");
	assert_string_equal(record_str(out, "headers.X-Request-Id"), "r1");
	assert_string_equal(record_str(out, "message"), "login with sk-[REDACTED] failed");
	s = record_dump(out);
	assert_non_null(strstr(s, "\"token=[REDACTED]\""));
	assert_null(strstr(s, "42"));
	free(s);
	jv_free(out);
}

static void
test_secret_keys(void **state)
{
	(void)state;
	assert_true(redact_is_secret_key("DB_PASSWORD", 11));
	assert_true(redact_is_secret_key("x-api-key", 9));
	assert_true(redact_is_secret_key("pwd", 3));
	assert_true(redact_is_secret_key("db_pass", 7));
	assert_false(redact_is_secret_key("author", 6));
	assert_false(redact_is_secret_key("passenger", 9));
	assert_false(redact_is_secret_key("monkey", 6));
	assert_false(redact_is_secret_key("user", 4));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_corpus),
		cmocka_unit_test(test_count_and_idempotent),
		cmocka_unit_test(test_bearer_inline),
		cmocka_unit_test(test_truncated_pem),
		cmocka_unit_test(test_jv),
		cmocka_unit_test(test_secret_keys),
	};

	return cmocka_run_group_tests_name("redact", tests, NULL, NULL);
}
