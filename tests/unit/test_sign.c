/*
 * test_sign.c - the fix-link signatures: a known HMAC-SHA256 vector, the
 * link format, and every way verification must say no.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "mend.h"

#define SECRET "0123456789abcdef-test-secret"

/* Computed independently:
 * printf 'mend-fix-v1\ninc_00000000000000ab\n1800000000' |
 *   openssl dgst -sha256 -hmac 0123456789abcdef-test-secret */
#define VECTOR_SIG "0940f9fb1ef8e0e10493d19499228727a931157ff434596fd4b4b9e3e0cec70c"

static void
known_vector(void **state)
{
	char sig[SIGN_HEX_LEN + 1];

	assert_int_equal(sign_token(sig, SECRET, "inc_00000000000000ab", 1800000000LL), 0);
	assert_string_equal(sig, VECTOR_SIG);
}

static void
link_format(void **state)
{
	char *link;

	assert_int_equal(sign_link(&link, "https://fix.example.com/", SECRET,
	    "inc_00000000000000ab", 1800000000LL), 0);
	assert_string_equal(link, "https://fix.example.com/fix/inc_00000000000000ab"
	    "?exp=1800000000&sig=" VECTOR_SIG);
	assert_null(strstr(link, SECRET));
	free(link);
}

static void
verify_ok(void **state)
{
	assert_int_equal(sign_verify(SECRET, "inc_00000000000000ab", "1800000000", VECTOR_SIG,
	    1700000000.0), SIGN_OK);
	/* Upper-case hex is the same signature. */
	{
		char up[] = VECTOR_SIG;
		for (char *p = up; *p; p++)
			if (*p >= 'a' && *p <= 'f')
				*p = (char)(*p - 32);
		assert_int_equal(sign_verify(SECRET, "inc_00000000000000ab", "1800000000", up,
		    1700000000.0), SIGN_OK);
	}
}

static void
verify_expired(void **state)
{
	assert_int_equal(sign_verify(SECRET, "inc_00000000000000ab", "1800000000", VECTOR_SIG,
	    1800000000.0), SIGN_EXPIRED);
	assert_int_equal(sign_verify(SECRET, "inc_00000000000000ab", "1800000000", VECTOR_SIG,
	    1900000000.0), SIGN_EXPIRED);
}

static void
verify_tampered(void **state)
{
	char sig[] = VECTOR_SIG;

	/* Another incident, a later expiry, a flipped nibble, another secret. */
	assert_int_equal(sign_verify(SECRET, "inc_00000000000000ac", "1800000000", VECTOR_SIG,
	    0), SIGN_BAD);
	assert_int_equal(sign_verify(SECRET, "inc_00000000000000ab", "1800000001", VECTOR_SIG,
	    0), SIGN_BAD);
	sig[63] = sig[63] == '0' ? '1' : '0';
	assert_int_equal(sign_verify(SECRET, "inc_00000000000000ab", "1800000000", sig, 0),
	    SIGN_BAD);
	assert_int_equal(sign_verify(SECRET "x", "inc_00000000000000ab", "1800000000",
	    VECTOR_SIG, 0), SIGN_BAD);
	/* A forged expired link is "bad", not "expired": the MAC is checked first. */
	assert_int_equal(sign_verify(SECRET, "inc_00000000000000ab", "1", VECTOR_SIG,
	    1e9), SIGN_BAD);
}

static void
verify_malformed(void **state)
{
	const char *inc = "inc_00000000000000ab";

	assert_int_equal(sign_verify(SECRET, inc, "", VECTOR_SIG, 0), SIGN_BAD);
	assert_int_equal(sign_verify(SECRET, inc, "-5", VECTOR_SIG, 0), SIGN_BAD);
	assert_int_equal(sign_verify(SECRET, inc, "18e8", VECTOR_SIG, 0), SIGN_BAD);
	assert_int_equal(sign_verify(SECRET, inc, "99999999999999999999", VECTOR_SIG, 0),
	    SIGN_BAD);
	assert_int_equal(sign_verify(SECRET, inc, NULL, VECTOR_SIG, 0), SIGN_BAD);
	assert_int_equal(sign_verify(SECRET, inc, "1800000000", NULL, 0), SIGN_BAD);
	assert_int_equal(sign_verify(SECRET, inc, "1800000000", "", 0), SIGN_BAD);
	assert_int_equal(sign_verify(SECRET, inc, "1800000000", "zz", 0), SIGN_BAD);
	assert_int_equal(sign_verify(SECRET, inc, "1800000000", VECTOR_SIG "00", 0), SIGN_BAD);
	assert_int_equal(sign_verify(SECRET, "../etc", "1800000000", VECTOR_SIG, 0), SIGN_BAD);
	assert_int_equal(sign_verify(SECRET, "", "1800000000", VECTOR_SIG, 0), SIGN_BAD);
}

static void
secrets_and_ids(void **state)
{
	char sig[SIGN_HEX_LEN + 1];
	char *link = NULL;

	assert_int_equal(sign_token(sig, "short", "inc_1", 1), -1);
	assert_non_null(strstr(mend_errmsg(), "too short"));
	assert_null(strstr(mend_errmsg(), "short\""));
	assert_int_equal(sign_token(sig, NULL, "inc_1", 1), -1);
	assert_int_equal(sign_verify("", "inc_1", "1", VECTOR_SIG, 0), -1);
	assert_int_equal(sign_link(&link, "http://x", SECRET, "inc/../../x", 1), -1);
	assert_null(link);
	assert_int_equal(sign_link(&link, "", SECRET, "inc_1", 1), -1);
	assert_true(sign_incident_ok("inc_0123456789abcdef"));
	assert_false(sign_incident_ok("inc 1"));
	assert_false(sign_incident_ok("inc?x=1"));
	assert_false(sign_incident_ok(NULL));
}

static void
digest(void **state)
{
	char hex[SIGN_HEX_LEN + 1];

	/* FIPS 180-2's first example. */
	assert_int_equal(sign_digest(hex, "abc", 3), 0);
	assert_string_equal(hex,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(known_vector),
		cmocka_unit_test(link_format),
		cmocka_unit_test(verify_ok),
		cmocka_unit_test(verify_expired),
		cmocka_unit_test(verify_tampered),
		cmocka_unit_test(verify_malformed),
		cmocka_unit_test(secrets_and_ids),
		cmocka_unit_test(digest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
