/* Unit tests for lib/remote.c: which repository records may name, who gets credentials. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "mend.h"

static void
parsed(const char *url, const char *scheme, const char *host, const char *port,
    const char *path)
{
	struct remote_url u;

	assert_int_equal(remote_url_parse(&u, url), 0);
	assert_string_equal(u.scheme, scheme);
	if (host)
		assert_string_equal(u.host, host);
	else
		assert_null(u.host);
	if (port)
		assert_string_equal(u.port, port);
	else
		assert_null(u.port);
	assert_string_equal(u.path, path);
	remote_url_release(&u);
}

static void
test_parse(void **state)
{
	struct remote_url u;

	(void)state;
	parsed("https://github.com/acme/shop.git", "https", "github.com", NULL, "acme/shop");
	parsed("HTTPS://GitHub.COM:443//acme/shop/", "https", "github.com", NULL, "acme/shop");
	parsed("https://x-access-token:tok@git.example:8443/acme/shop.git/", "https",
	    "git.example", "8443", "acme/shop");
	parsed("http://127.0.0.1:8080/remote.git", "http", "127.0.0.1", "8080", "remote");
	parsed("ssh://git@gitlab.example:22/group/sub/proj.git", "ssh", "gitlab.example", NULL,
	    "group/sub/proj");
	parsed("git+ssh://git@host:2222/a/b", "ssh", "host", "2222", "a/b");
	parsed("git@github.com:acme/shop.git", "ssh", "github.com", NULL, "acme/shop");
	parsed("github.com:acme/shop", "ssh", "github.com", NULL, "acme/shop");
	parsed("https://[::1]:3000/a/b.git", "https", "[::1]", "3000", "a/b");
	parsed("/srv/git/shop.git/", "file", NULL, NULL, "/srv/git/shop.git");
	parsed("file:///srv/git/shop.git", "file", NULL, NULL, "/srv/git/shop.git");
	assert_int_equal(remote_url_parse(&u, ""), -1);
	assert_int_equal(remote_url_parse(&u, "https:///acme/shop"), -1);
	assert_non_null(strstr(mend_errmsg(), "no host"));
	assert_int_equal(remote_url_parse(&u, "https://h:12x/a"), -1);
	assert_non_null(strstr(mend_errmsg(), "bad port"));
}

static void
test_same_repo(void **state)
{
	(void)state;
	assert_int_equal(remote_same_repo("https://github.com/acme/shop",
	    "https://GitHub.com/acme/shop.git/"), 1);
	assert_int_equal(remote_same_repo("git@github.com:acme/shop.git",
	    "https://github.com/acme/shop"), 1);
	assert_int_equal(remote_same_repo("https://user:pw@github.com:443/acme/shop",
	    "https://github.com/acme/shop"), 1);
	assert_int_equal(remote_same_repo("/srv/git/shop.git", "file:///srv/git/shop.git/"), 1);
	assert_int_equal(remote_same_repo("https://github.com/acme/shop",
	    "https://github.com/acme/Shop"), 0);
	assert_int_equal(remote_same_repo("https://github.com/acme/shop",
	    "https://github.com.evil/acme/shop"), 0);
	assert_int_equal(remote_same_repo("https://github.com/acme/shop",
	    "https://github.com:8443/acme/shop"), 0);
	assert_int_equal(remote_same_repo("https://github.com/acme/shop",
	    "https://github.com/acme/shop/x"), 0);
	assert_int_equal(remote_same_repo("/srv/git/shop.git", "https://srv/git/shop.git"), 0);
	assert_int_equal(remote_same_repo("/srv/git/shop.git", "/srv/git/shop"), 0);
	assert_int_equal(remote_same_repo("https:///x", "https://h/x"), -1);
}

static void
test_same_server(void **state)
{
	(void)state;
	assert_int_equal(remote_same_server("https://github.com/acme/shop.git/info/refs",
	    "https://github.com/acme/shop"), 1);
	assert_int_equal(remote_same_server("https://x@GITHUB.com:443/other/repo",
	    "https://github.com/acme/shop"), 1);
	assert_int_equal(remote_same_server("http://github.com/acme/shop",
	    "https://github.com/acme/shop"), 0);
	assert_int_equal(remote_same_server("https://github.com:444/acme/shop",
	    "https://github.com/acme/shop"), 0);
	assert_int_equal(remote_same_server("https://evil.example/acme/shop",
	    "https://github.com/acme/shop"), 0);
	assert_int_equal(remote_same_server("ssh://git@github.com/acme/shop",
	    "git@github.com:acme/shop"), 1);
}

static void
test_http(void **state)
{
	(void)state;
	assert_int_equal(remote_is_http("HTTP://h/x"), 1);
	assert_int_equal(remote_is_http("https://h/x"), 0);
	assert_int_equal(remote_token_ok("http://h/x", "tok", 0), -1);
	assert_non_null(strstr(mend_errmsg(), "refusing to send the git token over plain http"));
	assert_int_equal(remote_token_ok("http://h/x", "tok", 1), 0);
	assert_int_equal(remote_token_ok("http://h/x", NULL, 0), 0);
	assert_int_equal(remote_token_ok("http://h/x", "", 0), 0);
	assert_int_equal(remote_token_ok("https://h/x", "tok", 0), 0);
	unsetenv("MEND_ALLOW_HTTP");
	assert_int_equal(remote_allow_http(0), 0);
	assert_int_equal(remote_allow_http(1), 1);
	setenv("MEND_ALLOW_HTTP", "yes", 1);
	assert_int_equal(remote_allow_http(0), 0);
	setenv("MEND_ALLOW_HTTP", "1", 1);
	assert_int_equal(remote_allow_http(0), 1);
	unsetenv("MEND_ALLOW_HTTP");
}

static jv
rec(const char *json)
{
	jv v;

	assert_int_equal(record_parse(&v, json, strlen(json)), 0);
	return v;
}

static void
test_for_record(void **state)
{
	const char *use;
	jv r;

	(void)state;
	r = rec("{\"type\":\"analysis\"}");
	assert_int_equal(remote_for_record(&use, NULL, r), -2);
	assert_int_equal(remote_for_record(&use, "https://h/o/r", r), 0);
	assert_string_equal(use, "https://h/o/r");
	jv_free(r);

	r = rec("{\"repo\":\"https://evil/x.git\"}");
	assert_int_equal(remote_for_record(&use, NULL, r), -1);
	assert_null(use);
	assert_non_null(strstr(mend_errmsg(), "repo 'https://evil/x.git' names a repository, "
	    "but none is configured"));
	assert_int_equal(remote_for_record(&use, "https://h/o/r", r), -1);
	assert_non_null(strstr(mend_errmsg(), "is not the configured repository 'https://h/o/r'"));
	jv_free(r);

	r = rec("{\"patch\":{\"repo\":\"https://H/o/r.git\"},\"deploy\":{\"repo\":\"git@h:o/r\"}}");
	assert_int_equal(remote_for_record(&use, "https://h/o/r", r), 0);
	jv_free(r);

	/* Every field must agree, not just the first. */
	r = rec("{\"repo\":\"https://h/o/r\",\"incident\":{\"repo\":\"https://evil/o/r\"}}");
	assert_int_equal(remote_for_record(&use, "https://h/o/r", r), -1);
	assert_non_null(strstr(mend_errmsg(), "incident.repo 'https://evil/o/r'"));
	jv_free(r);

	r = rec("{\"deploy\":{\"repo\":\"https:///nohost\"}}");
	assert_int_equal(remote_for_record(&use, "https://h/o/r", r), -1);
	assert_non_null(strstr(mend_errmsg(), "is not a repository URL"));
	jv_free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_same_repo),
		cmocka_unit_test(test_same_server),
		cmocka_unit_test(test_http),
		cmocka_unit_test(test_for_record),
	};

	mend_setprog("test_remote");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
