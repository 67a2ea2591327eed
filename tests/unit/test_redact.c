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
	assert_true(redact_is_secret_key("dbPass", 6));
	assert_true(redact_is_secret_key("MAILCHIMP_KEY", 13));
	assert_false(redact_is_secret_key("primary_key", 11));
	assert_false(redact_is_secret_key("password_file", 13));
	assert_false(redact_is_secret_key("bypass", 6));
	assert_false(redact_is_secret_key("tokenizer", 9));
}

/* Issue 9: redact() stopped at a NUL and then kept the original string. */
static void
test_nul(void **state)
{
	static const char in[] = "ok\0token=AfterNul1 \0ghp_0123456789abcdefghijABCDEFGHIJ0123";
	static const char want[] = "ok\0token=[REDACTED] \0ghp_[REDACTED]";
	size_t n;
	int count;
	char *r = redact_mem(in, sizeof in - 1, &n, &count);
	jv v;

	(void)state;
	assert_int_equal(n, sizeof want - 1);
	assert_memory_equal(r, want, n);
	assert_int_equal(count, 2);
	free(r);
	v = redact_jv(jv_string_sized(in, (int)sizeof in - 1), &count);
	assert_int_equal(count, 2);
	assert_int_equal(jv_string_length_bytes(jv_copy(v)), (int)sizeof want - 1);
	assert_memory_equal(jv_string_value(v), want, sizeof want - 1);
	jv_free(v);
}

static void
test_log(void **state)
{
	static const char in[] = "a\nb\r\x1b[2J \xe2\x80\xae caf\xc3\xa9 \\ password=x1 \xff";
	char *r = redact_log(in, sizeof in - 1);

	(void)state;
	assert_string_equal(r, "a\\nb\\r\\x1b[2J \\xe2\\x80\\xae caf\xc3\xa9 \\\\ password=[REDACTED] \\xff");
	free(r);
}

static void
test_record(void **state)
{
	const char *s = "{\"type\":\"analysis\",\"analysis\":{\"root_cause\":\"token=abc123\","
	    "\"diff\":\"-password = \\\"old1\\\"\\n\",\"edits\":[{\"search\":\"secret=s1\"}]}}";
	jv v, out;

	(void)state;
	assert_int_equal(record_parse(&v, s, strlen(s)), 0);
	out = redact_record(v, NULL);
	assert_string_equal(record_str(out, "analysis.root_cause"), "token=[REDACTED]");
	assert_string_equal(record_str(out, "analysis.diff"), "-password = \"old1\"\n");
	s = record_dump(out);
	assert_non_null(strstr(s, "secret=s1"));
	free((char *)s);
	jv_free(out);
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
		cmocka_unit_test(test_nul),
		cmocka_unit_test(test_log),
		cmocka_unit_test(test_record),
	};

	return cmocka_run_group_tests_name("redact", tests, NULL, NULL);
}
