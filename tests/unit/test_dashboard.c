/*
 * test_dashboard.c - the dashboard's escaping, its access decisions, and
 * the login link and session cookie round trips.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <cmocka.h>

#include "mend.h"

#define TOKEN "dash-token-0123456789-abcdef"
#define NOW 1800000000.0

static void
escape(void **state)
{
	struct strbuf b = { 0 };

	html_escape(&b, "a<b>&\"c\"'d'</script>");
	assert_string_equal(b.s, "a&lt;b&gt;&amp;&quot;c&quot;&#39;d&#39;&lt;/script&gt;");
	strbuf_release(&b);
	html_escape(&b, "plain text");
	html_escape(&b, NULL);
	html_escape(&b, "");
	html_escape(&b, "<");
	assert_string_equal(b.s, "plain text&lt;");
	strbuf_release(&b);
}

static void
loopback(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET };
	struct sockaddr_in6 b = { .sin6_family = AF_INET6 };

	inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
	assert_true(dash_loopback((struct sockaddr *)&a));
	inet_pton(AF_INET, "127.9.8.7", &a.sin_addr);
	assert_true(dash_loopback((struct sockaddr *)&a));
	inet_pton(AF_INET, "192.0.2.2", &a.sin_addr);
	assert_false(dash_loopback((struct sockaddr *)&a));
	inet_pton(AF_INET6, "::1", &b.sin6_addr);
	assert_true(dash_loopback((struct sockaddr *)&b));
	inet_pton(AF_INET6, "::ffff:127.0.0.1", &b.sin6_addr);
	assert_true(dash_loopback((struct sockaddr *)&b));
	inet_pton(AF_INET6, "::ffff:10.0.0.1", &b.sin6_addr);
	assert_false(dash_loopback((struct sockaddr *)&b));
	inet_pton(AF_INET6, "fd00::2", &b.sin6_addr);
	assert_false(dash_loopback((struct sockaddr *)&b));
	assert_false(dash_loopback(NULL));
}

static void
access_rules(void **state)
{
	char val[128];

	/* No token: loopback only. */
	assert_int_equal(dash_access(NULL, 1, NULL, NOW), DASH_ALLOW);
	assert_int_equal(dash_access(NULL, 0, NULL, NOW), DASH_DENY);
	/* A token: a session for everyone, loopback included. */
	assert_int_equal(dash_access(TOKEN, 1, NULL, NOW), DASH_LOGIN);
	assert_int_equal(dash_session(val, sizeof val, TOKEN, (long long)NOW + 60), 0);
	assert_int_equal(dash_access(TOKEN, 0, val, NOW), DASH_ALLOW);
	assert_int_equal(dash_access(TOKEN, 0, val, NOW + 61), DASH_LOGIN);
	assert_int_equal(dash_access(TOKEN "x", 0, val, NOW), DASH_LOGIN);
	val[strlen(val) - 1] ^= 1;
	assert_int_equal(dash_access(TOKEN, 0, val, NOW), DASH_LOGIN);
	assert_int_equal(dash_access(TOKEN, 0, "", NOW), DASH_LOGIN);
	assert_int_equal(dash_access(TOKEN, 0, "1900000000", NOW), DASH_LOGIN);
	assert_int_equal(dash_access(TOKEN, 0, ".", NOW), DASH_LOGIN);
}

static void
login_link(void **state)
{
	char *link = NULL, exp[32], *sig;

	assert_int_equal(dash_login_link(&link, "https://mend.example.com/", TOKEN,
	    (long long)NOW + 900), 0);
	assert_non_null(strstr(link, "https://mend.example.com/login?exp=1800000900&sig="));
	assert_null(strstr(link, TOKEN));
	sig = strstr(link, "sig=") + 4;
	snprintf(exp, sizeof exp, "%lld", (long long)NOW + 900);
	assert_int_equal(dash_login_verify(TOKEN, exp, sig, NOW), SIGN_OK);
	assert_int_equal(dash_login_verify(TOKEN, exp, sig, NOW + 901), SIGN_EXPIRED);
	assert_int_equal(dash_login_verify(TOKEN, "1800000901", sig, NOW), SIGN_BAD);
	/* A login link's signature is not a session. */
	{
		char cookie[128];
		snprintf(cookie, sizeof cookie, "%s.%s", exp, sig);
		assert_int_equal(dash_access(TOKEN, 1, cookie, NOW), DASH_LOGIN);
	}
	free(link);
}

static void
tokens(void **state)
{
	assert_int_equal(dash_token_ok(NULL, "whatever-secret-0123"), 0);
	assert_int_equal(dash_token_ok(TOKEN, "another-secret-0123456"), 0);
	assert_int_equal(dash_token_ok("short", "another-secret-0123456"), -1);
	assert_int_equal(dash_token_ok(TOKEN, TOKEN), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(escape),
		cmocka_unit_test(loopback),
		cmocka_unit_test(access_rules),
		cmocka_unit_test(login_link),
		cmocka_unit_test(tokens),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
