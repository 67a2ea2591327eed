/* Unit tests for lib/guard.c: the paths a machine-written change may touch. */
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

static char root[64], outside[64];

static int
setup(void **state)
{
	char p[256];

	(void)state;
	snprintf(root, sizeof root, "/tmp/mend-guard.XXXXXX");
	snprintf(outside, sizeof outside, "/tmp/mend-guard-out.XXXXXX");
	if (!mkdtemp(root) || !mkdtemp(outside))
		return -1;
	snprintf(p, sizeof p, "%s/src", root);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/out", root);
	if (symlink(outside, p) < 0)
		return -1;
	snprintf(p, sizeof p, "%s/in", root);
	if (symlink("src", p) < 0)
		return -1;
	snprintf(p, sizeof p, "%s/.git", root);
	mkdir(p, 0755);
	snprintf(p, sizeof p, "%s/gitlink", root);
	if (symlink(".git", p) < 0)
		return -1;
	return 0;
}

static int
teardown(void **state)
{
	char cmd[256];

	(void)state;
	snprintf(cmd, sizeof cmd, "rm -rf '%s' '%s'", root, outside);
	return system(cmd) == 0 ? 0 : -1;
}

static void
refused(const struct guard *g, const char *path, const char *why)
{
	assert_int_equal(guard_path(g, path), -1);
	if (!strstr(mend_errmsg(), why))
		fail_msg("'%s': got \"%s\", wanted \"%s\"", path, mend_errmsg(), why);
}

static void
test_names(void **state)
{
	struct guard g;

	(void)state;
	guard_init(&g, NULL);
	assert_int_equal(guard_path(&g, "src/app.py"), 0);
	assert_int_equal(guard_path(&g, "./src//app.py"), 0);
	refused(&g, "", "empty path");
	refused(&g, "/etc/passwd", "absolute path");
	refused(&g, "src/../../x", "leaves the repository");
	refused(&g, "..", "leaves the repository");
	refused(&g, ".git/config", "inside .git");
	refused(&g, "sub/.GIT/hooks/pre-commit", "inside .git");
	refused(&g, ".git./config", "inside .git");
	refused(&g, "a\\..\\b", "backslash");
	refused(&g, ".", "names the repository itself");
	assert_int_equal(guard_path(&g, ".gitignore"), 0);
	assert_int_equal(guard_path(&g, "src/.github.py"), 0);
	guard_release(&g);
}

static void
test_protected(void **state)
{
	struct guard g;

	(void)state;
	guard_init(&g, NULL);
	refused(&g, ".github/workflows/ci.yml", "protected path (matches '.github/'");
	refused(&g, ".gitlab-ci.yml", "protected");
	refused(&g, "web/package-lock.json", "matches 'package-lock.json'");
	refused(&g, "config/.env.production", "matches '.env.*'");
	refused(&g, "certs/server.PEM", "matches '*.pem'");
	refused(&g, "deploy/Jenkinsfile", "protected");
	assert_int_equal(guard_protect(&g, "config/*.yml:db/"), 0);
	refused(&g, "config/app.yml", "matches 'config/*.yml'");
	refused(&g, "db/schema.sql", "matches 'db/'");
	assert_int_equal(guard_path(&g, "lib/config/app.yml"), 0);
	assert_int_equal(guard_allow(&g, ".github/,*.pem"), 0);
	assert_int_equal(guard_path(&g, ".github/workflows/ci.yml"), 0);
	assert_int_equal(guard_path(&g, "certs/server.pem"), 0);
	refused(&g, ".env", "protected");
	guard_release(&g);
}

static void
test_symlinks(void **state)
{
	struct guard g;

	(void)state;
	guard_init(&g, root);
	assert_int_equal(guard_path(&g, "src/new/file.c"), 0);
	assert_int_equal(guard_path(&g, "in/app.py"), 0);	/* a link that stays inside */
	refused(&g, "out/planted", "symbolic link leads out of the repository");
	refused(&g, "out", "symbolic link leads out of the repository");
	refused(&g, "gitlink/config", "symbolic link into .git");
	guard_release(&g);
}

static void
test_size(void **state)
{
	struct guard g;

	(void)state;
	guard_init(&g, NULL);
	assert_int_equal(guard_size(&g, GUARD_MAX_LINES), 0);
	assert_int_equal(guard_size(&g, GUARD_MAX_LINES + 1), -1);
	assert_non_null(strstr(mend_errmsg(), "change too large"));
	g.max_lines = 0;
	assert_int_equal(guard_size(&g, 1000000), 0);
	guard_release(&g);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_protected),
		cmocka_unit_test(test_symlinks),
		cmocka_unit_test(test_size),
	};

	mend_setprog("test_guard");
	return cmocka_run_group_tests(tests, setup, teardown);
}
