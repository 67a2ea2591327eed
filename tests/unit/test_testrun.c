/* Unit tests for lib/testrun.c: test counts from runners' output, the confidence formula. */
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

static void
counts(const char *log, long p, long f)
{
	long gp, gf;

	testrun_count(log, &gp, &gf);
	if (gp != p || gf != f)
		fail_msg("got %ld/%ld, wanted %ld/%ld for:\n%s", gp, gf, p, f, log);
}

static void
test_counts(void **state)
{
	(void)state;
	counts("..F\n======\nFAIL: test_div_zero (test_calc.TestCalc)\n---\nRan 3 tests in 0.001s\n\n"
	    "FAILED (failures=1)\n", 2, 1);
	counts("...\nRan 3 tests in 0.001s\n\nOK\n", 3, 0);
	counts("Ran 4 tests\nFAILED (failures=1, errors=2)\n", 1, 3);
	counts("tests/test_x.py ..F\n=== 1 failed, 2 passed in 0.12s ===\n", 2, 1);
	counts("=== 5 passed in 0.1s ===\n", 5, 0);
	counts("=== 1 passed, 1 error in 0.1s ===\n", 1, 1);
	counts("test result: ok. 7 passed; 0 failed; 0 ignored\n", 7, 0);
	counts("Tests:       1 failed, 2 passed, 3 total\n", 2, 1);
	counts("1..3\nok 1 - a\nnot ok 2 - b\nok 3 - c\n", 2, 1);
	counts("=== RUN   TestA\n--- PASS: TestA (0.00s)\n--- FAIL: TestB (0.00s)\nFAIL\n", 1, 1);
	counts("make: Nothing to be done\n", -1, -1);
	counts("", -1, -1);
	/* "15 passed" late in the output wins over earlier numbers. */
	counts("3 passed\nrerun\n15 passed, 0 failed\n", 15, 0);
}

static void
test_failures(void **state)
{
	jv a = testrun_failures("ok\nFAIL: test_x (m.T)\nnot ok 2 - y\nFAILED tests/t.py::test_z\n"
	    "--- FAIL: TestW (0.0s)\nall good\n");

	(void)state;
	assert_int_equal(jv_array_length(jv_copy(a)), 4);
	jv_free(a);
}

static void
test_confidence(void **state)
{
	(void)state;
	/* judged good, reproduced, regression test: (0.45 + 0.35 + 0.20 / (1 + 2/50)) = 0.9923 */
	assert_true(testrun_confidence(1, 2, 2, 1, 3, 1) == 0.99);
	/* the same without a regression test: * 0.9 -- below 0.9 */
	assert_true(testrun_confidence(1, 2, 2, 1, 3, 0) == 0.89);
	/* no replay: 0.45 + 0.175 + 0.1923 = 0.8173 */
	assert_true(testrun_confidence(1, -1, 2, 1, 3, 1) == 0.82);
	/* replay judged good but did not fail before: 0.45 + 0.28 + 0.1923 */
	assert_true(testrun_confidence(1, 1, 2, 1, 3, 1) == 0.92);
	/* unproven (nothing known-good): 0.45 + 0.21 + 0.1923 */
	assert_true(testrun_confidence(1, 3, 2, 1, 3, 1) == 0.85);
	/* degraded: at most 0.5 */
	assert_true(testrun_confidence(1, 4, 2, 1, 3, 1) == 0.5);
	assert_true(testrun_confidence(1, 4, 2, 3, 0, 0) == 0.31);
	/* third run: * 0.7 */
	assert_true(testrun_confidence(1, -1, 2, 3, 3, 1) == 0.57);
	/* 50 lines: S = 0.5 -> 0.45 + 0.175 + 0.1 */
	assert_true(testrun_confidence(1, -1, 50, 1, -1, 1) == 0.73);
	/* no test passed: halved */
	assert_true(testrun_confidence(1, -1, 2, 1, 0, 1) == 0.41);
	assert_true(testrun_confidence(0, 2, 2, 1, 3, 1) == 0);
	/* never below 0.1 of the score for many iterations */
	assert_true(testrun_confidence(1, 2, 0, 20, 3, 1) == 0.1);
}

static void
test_detect(void **state)
{
	char dir[] = "/tmp/mend-detect.XXXXXX", p[128], cmd[160];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_null(testrun_detect(dir));
	snprintf(p, sizeof p, "%s/test_calc.py", dir);
	fclose(fopen(p, "w"));
	assert_string_equal(testrun_detect(dir), "python3 -m unittest discover");
	snprintf(p, sizeof p, "%s/go.mod", dir);
	fclose(fopen(p, "w"));
	assert_string_equal(testrun_detect(dir), "go test ./...");
	snprintf(p, sizeof p, "%s/package.json", dir);
	f = fopen(p, "w");
	fputs("{\"scripts\": {\"test\": \"node --test\"}}\n", f);
	fclose(f);
	assert_string_equal(testrun_detect(dir), "npm test");
	snprintf(p, sizeof p, "%s/Makefile", dir);
	f = fopen(p, "w");
	fputs("all:\n\tcc x.c\n\ncheck: all\n\t./t\n", f);
	fclose(f);
	assert_string_equal(testrun_detect(dir), "make check");
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_confidence),
		cmocka_unit_test(test_detect),
	};

	mend_setprog("test_testrun");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
