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

/* Code that runs on a developer's machine, lock files, env files (issue 9). */
static void
test_developer_machine(void **state)
{
	static const char *const paths[][2] = {
		{ ".husky/pre-commit", ".husky/" },
		{ "web/.husky/_/husky.sh", ".husky/" },
		{ ".pre-commit-config.yaml", ".pre-commit-config.yaml" },
		{ ".vscode/tasks.json", ".vscode/" },
		{ ".vscode/settings.json", ".vscode/" },
		{ ".idea/runConfigurations/App.xml", ".idea/" },
		{ ".githooks/post-checkout", ".githooks/" },
		{ "lefthook.yml", "lefthook.yml" },
		{ ".devcontainer/devcontainer.json", ".devcontainer/" },
		{ ".envrc", ".envrc" },
		{ "config/production.env", "*.env" },
		{ ".env.local", ".env.*" },
		{ "bun.lockb", "bun.lockb" },
		{ "ios/Podfile.lock", "Podfile.lock" },
		{ "yarn.lock", "yarn.lock" },
		{ "pnpm-lock.yaml", "pnpm-lock.yaml" },
		{ "Gemfile.lock", "Gemfile.lock" },
		{ "poetry.lock", "poetry.lock" },
		{ "Cargo.lock", "Cargo.lock" },
		{ "go.sum", "go.sum" },
		{ "composer.lock", "composer.lock" },
	};
	struct guard g;
	char want[128];
	size_t i;

	(void)state;
	guard_init(&g, NULL);
	for (i = 0; i < sizeof paths / sizeof paths[0]; i++) {
		snprintf(want, sizeof want, "protected path (matches '%s'", paths[i][1]);
		refused(&g, paths[i][0], want);
	}
	/* Look-alikes are not protected. */
	assert_int_equal(guard_path(&g, "src/environment.py"), 0);
	assert_int_equal(guard_path(&g, "docs/husky.md"), 0);
	assert_int_equal(guard_path(&g, "src/vscode/ext.ts"), 0);
	/* The allow mechanism is the one for every protected path. */
	assert_int_equal(guard_allow(&g, ".vscode/,Podfile.lock"), 0);
	assert_int_equal(guard_path(&g, ".vscode/tasks.json"), 0);
	assert_int_equal(guard_path(&g, "ios/Podfile.lock"), 0);
	refused(&g, ".husky/pre-commit", "protected");
	guard_release(&g);
}

static void
refused_mode(const struct guard *g, const char *path, unsigned o, unsigned n, const char *why)
{
	assert_int_equal(guard_mode(g, path, o, n), -1);
	if (!strstr(mend_errmsg(), why))
		fail_msg("'%s' %o -> %o: got \"%s\", wanted \"%s\"", path, o, n, mend_errmsg(), why);
}

static void
test_modes(void **state)
{
	struct guard g;

	(void)state;
	guard_init(&g, NULL);
	assert_int_equal(guard_mode(&g, "a.py", 0, 0100644), 0);		/* new file */
	assert_int_equal(guard_mode(&g, "a.py", 0100644, 0100644), 0);	/* modified */
	assert_int_equal(guard_mode(&g, "run.sh", 0100755, 0100755), 0);	/* modified script */
	assert_int_equal(guard_mode(&g, "a.py", 0100644, 0), 0);		/* deleted */
	assert_int_equal(guard_mode(&g, "a.py", 0, 0), 0);			/* not said */
	refused_mode(&g, "evil.sh", 0, 0100755, "creates a file with mode 100755, not 100644");
	refused_mode(&g, "a.py", 0100644, 0100755, "sets mode 100755 (was 100644");
	refused_mode(&g, "run.sh", 0100755, 0100644, "sets mode 100644 (was 100755");
	refused_mode(&g, "l", 0, 0120000, "creates a symbolic link");
	refused_mode(&g, "l", 0100644, 0120000, "creates a symbolic link");
	refused_mode(&g, "vendor/lib", 0, 0160000, "touches a submodule");
	refused_mode(&g, "vendor/lib", 0160000, 0, "touches a submodule");
	/* --allow lets a mode change through for the paths it names; links never. */
	assert_int_equal(guard_allow(&g, "scripts/"), 0);
	assert_int_equal(guard_mode(&g, "scripts/deploy.sh", 0, 0100755), 0);
	assert_int_equal(guard_mode(&g, "scripts/deploy.sh", 0100644, 0100755), 0);
	refused_mode(&g, "bin/x", 0100644, 0100755, "allow it with --allow");
	refused_mode(&g, "scripts/l", 0, 0120000, "creates a symbolic link");
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
		cmocka_unit_test(test_developer_machine),
		cmocka_unit_test(test_modes),
		cmocka_unit_test(test_symlinks),
		cmocka_unit_test(test_size),
	};

	mend_setprog("test_guard");
	return cmocka_run_group_tests(tests, setup, teardown);
}
