/*
 * testrun.c - what testloop reads from a project and its test output:
 * which test command the project uses, how many tests passed and
 * failed and which, and the confidence score of a fix.
 *
 * Runners print their counts in a few well-known shapes; this reads
 * those and says "unknown" (-1) otherwise, never a guess.  The
 * confidence formula is documented in testloop(1); change both together.
 */
#include <fcntl.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mend.h"

static int
has_file(const char *dir, const char *name)
{
	char p[4096];
	struct stat st;

	snprintf(p, sizeof p, "%s/%s", dir, name);
	return stat(p, &st) == 0;
}

/* Does the file contain s (first 64 KiB)? */
static int
file_has(const char *dir, const char *name, const char *s)
{
	char p[4096], buf[65536];

	snprintf(p, sizeof p, "%s/%s", dir, name);
	return file_read_head(buf, sizeof buf, p) > 0 && strstr(buf, s) != NULL;
}

int
testrun_has_glob(const char *wd, const char *pattern)
{
	char pat[4200];
	glob_t gl;
	int found;

	snprintf(pat, sizeof pat, "%s/%s", wd, pattern);
	found = glob(pat, GLOB_NOSORT, NULL, &gl) == 0 && gl.gl_pathc > 0;
	globfree(&gl);
	return found;
}

/* The test command the project most likely uses, or NULL. */
const char *
testrun_detect(const char *wd)
{
	if (has_file(wd, "Makefile") || has_file(wd, "makefile")) {
		const char *mf = has_file(wd, "Makefile") ? "Makefile" : "makefile";
		if (file_has(wd, mf, "\ncheck:") || file_has(wd, mf, "\ncheck :"))
			return "make check";
		if (file_has(wd, mf, "\ntest:") || file_has(wd, mf, "\ntest :"))
			return "make test";
	}
	if (has_file(wd, "package.json") && file_has(wd, "package.json", "\"test\""))
		return "npm test";
	if (has_file(wd, "pytest.ini") || has_file(wd, "conftest.py") ||
	    (has_file(wd, "pyproject.toml") && file_has(wd, "pyproject.toml", "pytest")) ||
	    (has_file(wd, "setup.cfg") && file_has(wd, "setup.cfg", "[tool:pytest]")))
		return "python3 -m pytest -q";
	if (has_file(wd, "go.mod"))
		return "go test ./...";
	if (has_file(wd, "Cargo.toml"))
		return "cargo test";
	if (has_file(wd, "pom.xml"))
		return "mvn -q test";
	if (has_file(wd, "setup.py") || has_file(wd, "pyproject.toml") || has_file(wd, "tests") ||
	    has_file(wd, "test"))
		return "python3 -m unittest discover";
	/* test_*.py at the top. */
	if (testrun_has_glob(wd, "test_*.py"))
		return "python3 -m unittest discover";
	return NULL;
}

/*
 * The last number before `word` ("3 passed"), or -1.  Hand-made, not
 * regexec: glibc's regexec deadlocks under ASan's interceptor here.
 */
static long
last_count(const char *log, const char *word)
{
	size_t wl = strlen(word);
	const char *p = log, *q;
	long v = -1;

	while ((p = strstr(p, word))) {
		q = p;
		if (q > log && q[-1] == ' ') {
			q--;
			while (q > log && q[-1] >= '0' && q[-1] <= '9')
				q--;
			if (q < p - 1 && (q == log || !((q[-1] >= 'a' && q[-1] <= 'z') ||
			    (q[-1] >= 'A' && q[-1] <= 'Z'))))
				v = strtol(q, NULL, 10);
		}
		p += wl;
	}
	return v;
}

static long
count_lines(const char *log, const char *prefix)
{
	size_t n = strlen(prefix);
	const char *p = log;
	long c = 0;

	while (p && *p) {
		if (!strncmp(p, prefix, n))
			c++;
		if ((p = strchr(p, '\n')))
			p++;
	}
	return c;
}

/*
 * Test counts from the output of common runners: "N passed, M failed"
 * (pytest, cargo, jest, mend), unittest's "Ran N tests" and
 * "FAILED (failures=F, errors=E)", TAP, go test -v.  -1 when unknown.
 */
void
testrun_count(const char *log, long *passed, long *failed)
{
	long p = last_count(log, "passed"), f = last_count(log, "failed");
	const char *ran;

	*passed = *failed = -1;
	if (p >= 0 || f >= 0) {
		*passed = p < 0 ? 0 : p;
		long e = last_count(log, "error");
		*failed = (f < 0 ? 0 : f) + (e > 0 ? e : 0);
		return;
	}
	if ((ran = strstr(log, "\nRan ")) || !strncmp(log, "Ran ", 4)) {
		long total = strtol(ran ? ran + 5 : log + 4, NULL, 10);
		const char *fl = strstr(log, "FAILED (");
		long bad = 0;
		if (fl) {
			const char *q = strstr(fl, "failures=");
			if (q)
				bad += strtol(q + 9, NULL, 10);
			if ((q = strstr(fl, "errors=")))
				bad += strtol(q + 7, NULL, 10);
		}
		*failed = bad;
		*passed = total - bad;
		return;
	}
	if (count_lines(log, "ok ") || count_lines(log, "not ok ")) {
		*passed = count_lines(log, "ok ");
		*failed = count_lines(log, "not ok ");
		return;
	}
	if (count_lines(log, "--- PASS") || count_lines(log, "--- FAIL")) {
		*passed = count_lines(log, "--- PASS");
		*failed = count_lines(log, "--- FAIL");
	}
}

/* Lines naming failed tests, for the fixer. */
jv
testrun_failures(const char *log)
{
	static const char *const pfx[] = { "FAIL: ", "ERROR: ", "FAILED ", "not ok ",
		"--- FAIL", "FAIL ", NULL };
	const char *p = log;
	jv a = jv_array();

	while (p && *p && jv_array_length(jv_copy(a)) < 20) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		int i;
		for (i = 0; pfx[i]; i++)
			if (!strncmp(p, pfx[i], strlen(pfx[i]))) {
				a = jv_array_append(a, jv_string_sized(p, (int)(len > 200 ? 200 : len)));
				break;
			}
		p = nl ? nl + 1 : NULL;
	}
	return a;
}

/*
 * The confidence formula (testloop(1) documents it):
 *   0 when the attempt did not pass, else
 *   (0.45 + 0.35 R + 0.20 S) * I * K * G, and at most 0.5 when degraded
 * R replay, by the judgment of the patched answer (shape.c):
 *   1 good (the known-good shape, or a 4xx to a malformed request) and
 *   failing before; 0.8 good but not failing before (not reproduced);
 *   0.6 unproven (nothing known-good to compare with); 0.5 no replay;
 *   degraded (the answer lost data) caps the whole at 0.5;
 * S size: 1 / (1 + lines / 50);
 * I iterations: 1 - 0.15 (iterations - 1);
 * K 0.5 when the output shows no test ran (0 passed), else 1;
 * G 1 when a regression test failed before the fix and passes with
 *   it, else 0.9 -- so nothing reaches 0.9 without one.
 */
double
testrun_confidence(int passed, int replay_state, long lines, int iterations, long tests_passed,
    int regress)
{
	double R = replay_state == 2 ? 1 : replay_state == 1 ? 0.8 : replay_state == 3 ? 0.6
	    : replay_state == 4 ? 1 : 0.5;
	double S = 1.0 / (1.0 + (double)lines / 50.0);
	double I = 1.0 - 0.15 * (iterations - 1);
	double K = tests_passed == 0 ? 0.5 : 1;
	double G = regress > 0 ? 1 : 0.9;
	double c;

	if (!passed)
		return 0;
	c = (0.45 + 0.35 * R + 0.20 * S) * (I < 0.1 ? 0.1 : I) * K * G;
	if (replay_state == 4 && c > 0.5)
		c = 0.5;
	return (double)(long)(c * 100 + 0.5) / 100;
}
