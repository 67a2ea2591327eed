/* Unit tests for lib/http.c: failures never quote a URL's secrets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "mend.h"

static void
test_error_hides_secrets(void **state)
{
	struct http_req q = {
		.url = "http://user:hunter2@127.0.0.1:1/services/T0/B0/SECRETPATH?token=QSECRET",
		.timeout_ms = 2000,
		.max_attempts = 2,
	};
	struct http_resp r;

	(void)state;
	assert_int_equal(http_do_retry(&r, &q), -1);
	assert_int_equal(r.status, 0);
	assert_null(strstr(mend_errmsg(), "SECRETPATH"));
	assert_null(strstr(mend_errmsg(), "QSECRET"));
	assert_null(strstr(mend_errmsg(), "hunter2"));
	assert_non_null(strstr(mend_errmsg(), "http://127.0.0.1:1/..."));
	assert_non_null(strstr(mend_errmsg(), "after 2 attempts"));
	http_resp_release(&r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_error_hides_secrets),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
