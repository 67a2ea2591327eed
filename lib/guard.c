/*
 * guard.c - which paths a machine-written change may touch.
 *
 * A change comes from a model or an agent and is untrusted.  Every path
 * it touches must be relative, stay inside the checkout (no "..", no
 * absolute path, no symbolic link on the way that leads outside), never
 * name a ".git" component, and not match a protected pattern (CI
 * configuration, code that runs on a developer's machine or in their
 * editor, lock files, secrets) unless an allow pattern says so.  The
 * whole change has a size cap, counted in changed lines.
 *
 * Modes: a change may not create a symbolic link or touch a submodule
 * (never allowed: a link can lead out, a submodule fetches from
 * elsewhere), and may not change a file's mode or create a file other
 * than a plain 100644 one (an executable is code someone will run)
 * unless an allow pattern matches the path.
 *
 * Patterns are fnmatch(3) globs: one without '/' matches the last
 * component at any depth ("*.pem"), one with '/' matches the whole path
 * from the top ("config/secrets.yml"); "dir/" protects everything under
 * dir.  Matching ignores case, since checkouts live on case-insensitive
 * file systems too.
 *
 * This checks names, not contents: a change to an allowed file that
 * reads a secret at run time is the test sandbox's problem (exec.c).
 */
#include <errno.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mend.h"

const char *const guard_default_protect[] = {
	/* CI and deploy configuration */
	".github/", ".gitlab-ci.yml", ".gitlab/", ".circleci/", ".travis.yml",
	"Jenkinsfile", ".ci/", "azure-pipelines.yml", ".drone.yml",
	"bitbucket-pipelines.yml", ".buildkite/", "appveyor.yml", ".gitmodules",
	"CODEOWNERS",
	/* code that runs on a developer's machine: git hooks, editors, shells */
	".husky/", ".githooks/", ".git-hooks/", ".hooks/", ".pre-commit-config.yaml",
	".pre-commit-hooks.yaml", "lefthook.yml", "lefthook.yaml", ".lefthook.yml",
	".lefthook.yaml", "lefthook-local.yml", ".lefthook/", ".overcommit.yml",
	".simple-git-hooks.*", "simple-git-hooks.*", ".vscode/", ".idea/", ".devcontainer/",
	".devcontainer.json", ".envrc", ".mise.toml", "mise.toml", ".mise/",
	/* lock files */
	"package-lock.json", "npm-shrinkwrap.json", "yarn.lock", "pnpm-lock.yaml",
	"bun.lockb", "bun.lock", "deno.lock", "Cargo.lock", "Gemfile.lock", "poetry.lock",
	"Pipfile.lock", "pdm.lock", "go.sum", "composer.lock", "uv.lock", "mix.lock",
	"packages.lock.json", "Podfile.lock", "Package.resolved", "pubspec.lock",
	"gradle.lockfile", "flake.lock",
	/* secrets */
	".env", ".env.*", "*.env", "*.pem", "*.key", "*.p12", "*.pfx", "*.jks", "*.keystore",
	"id_rsa*", "id_ed25519*", "id_ecdsa*", ".npmrc", ".pypirc", ".netrc",
	".git-credentials", "secrets.*", "*.secret", "*.secrets", "credentials*",
	".htpasswd",
	NULL
};

void
guard_init(struct guard *g, const char *root)
{
	memset(g, 0, sizeof *g);
	g->root = root;
	g->max_lines = GUARD_MAX_LINES;
}

static int
add(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 2) * sizeof **v);

	if (!nv)
		return mend_err("out of memory");
	*v = nv;
	if (!(nv[*n] = strdup(s)))
		return mend_err("out of memory");
	nv[++*n] = NULL;
	return 0;
}

/* Add each entry of a ':'- or ','-separated list. */
static int
add_list(char ***v, size_t *n, const char *list)
{
	char *copy, *p, *tok, *save = NULL;
	int rc = 0;

	if (!list)
		return 0;
	if (!(copy = strdup(list)))
		return mend_err("out of memory");
	for (p = copy; (tok = strtok_r(p, ":,", &save)); p = NULL)
		if (*tok && (rc = add(v, n, tok)) < 0)
			break;
	free(copy);
	return rc;
}

int
guard_protect(struct guard *g, const char *patterns)
{
	return add_list(&g->protect, &g->nprotect, patterns);
}

int
guard_allow(struct guard *g, const char *patterns)
{
	return add_list(&g->allow, &g->nallow, patterns);
}

void
guard_release(struct guard *g)
{
	size_t i;

	for (i = 0; i < g->nprotect; i++)
		free(g->protect[i]);
	for (i = 0; i < g->nallow; i++)
		free(g->allow[i]);
	free(g->protect);
	free(g->allow);
	g->protect = g->allow = NULL;
	g->nprotect = g->nallow = 0;
}

static int
match(const char *pat, const char *path)
{
	size_t pl = strlen(pat);
	const char *base = strrchr(path, '/');

	if (pl > 0 && pat[pl - 1] == '/') {
		/* "dir/": the directory anywhere when it has no other '/', else from the top. */
		const char *p = path;
		int anywhere = !memchr(pat, '/', pl - 1);
		for (;;) {
			if (!strncasecmp(p, pat, pl))
				return 1;
			if (!anywhere || !(p = strchr(p, '/')))
				return 0;
			p++;
		}
	}
	if (strchr(pat, '/'))
		return fnmatch(pat, path, FNM_CASEFOLD) == 0;
	return fnmatch(pat, base ? base + 1 : path, FNM_CASEFOLD) == 0;
}

static int
matches_any(char *const *pats, size_t n, const char *path, const char **which)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (match(pats[i], path)) {
			*which = pats[i];
			return 1;
		}
	return 0;
}

static int
matches_defaults(const char *path, const char **which)
{
	size_t i;

	for (i = 0; guard_default_protect[i]; i++)
		if (match(guard_default_protect[i], path)) {
			*which = guard_default_protect[i];
			return 1;
		}
	return 0;
}

/* Is `real` (resolved) inside `root` (resolved)? */
static int
inside(const char *real, const char *root)
{
	size_t n = strlen(root);

	return !strncmp(real, root, n) && (real[n] == '/' || real[n] == '\0' ||
	    (n == 1 && root[0] == '/'));
}

int
guard_path(const struct guard *g, const char *path)
{
	char norm[PATH_MAX], walk[PATH_MAX * 2], rroot[PATH_MAX], real[PATH_MAX];
	const char *p = path, *which;
	size_t nl = 0;

	if (!path || !*path)
		return mend_err("empty path");
	if (strlen(path) >= sizeof norm)
		return mend_err("'%.64s...': path too long", path);
	if (path[0] == '/')
		return mend_err("'%s': absolute path", path);
	if (strchr(path, '\\'))
		return mend_err("'%s': backslash in path", path);
	/* Normalize: drop "." and empty components; refuse ".." and ".git". */
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t n = slash ? (size_t)(slash - p) : strlen(p);

		if (n == 2 && !memcmp(p, "..", 2))
			return mend_err("'%s': leaves the repository", path);
		/* ".git", and the names file systems fold onto it (".GIT", ".git."). */
		if (n >= 4 && !strncasecmp(p, ".git", 4) &&
		    strspn(p + 4, ". ") >= n - 4)
			return mend_err("'%s': inside .git", path);
		if (n > 0 && !(n == 1 && *p == '.')) {
			if (nl)
				norm[nl++] = '/';
			memcpy(norm + nl, p, n);
			nl += n;
		}
		p += n + (slash ? 1 : 0);
		if (!slash)
			break;
	}
	norm[nl] = '\0';
	if (nl == 0)
		return mend_err("'%s': names the repository itself", path);
	if (matches_defaults(norm, &which) || matches_any(g->protect, g->nprotect, norm, &which)) {
		const char *allowed;
		if (!matches_any(g->allow, g->nallow, norm, &allowed))
			return mend_err("'%s': protected path (matches '%s'; allow it with --allow)",
			    norm, which);
	}
	if (!g->root)
		return 0;
	/* No symbolic link on the way may lead out of the checkout. */
	if (!realpath(g->root, rroot))
		return mend_errno("cannot resolve '%s'", g->root);
	for (p = norm; ; ) {
		const char *slash = strchr(p, '/');
		struct stat st;

		snprintf(walk, sizeof walk, "%s/%.*s", g->root, (int)(slash ? slash - norm : (long)nl),
		    norm);
		if (lstat(walk, &st) < 0) {
			if (errno == ENOENT || errno == ENOTDIR)
				break;	/* the rest will be created as plain files */
			return mend_errno("cannot check '%s'", path);
		}
		if (S_ISLNK(st.st_mode)) {
			if (!realpath(walk, real))
				return mend_err("'%s': dangling symbolic link on the way", norm);
			if (!inside(real, rroot))
				return mend_err("'%s': symbolic link leads out of the repository", norm);
			if (!inside(real, rroot) || (strlen(real) > strlen(rroot) &&
			    !strncasecmp(real + strlen(rroot) + 1, ".git", 4) &&
			    (real[strlen(rroot) + 5] == '/' || real[strlen(rroot) + 5] == '\0')))
				return mend_err("'%s': symbolic link into .git", norm);
		}
		if (!slash)
			break;
		p = slash + 1;
	}
	return 0;
}

int
guard_mode(const struct guard *g, const char *path, unsigned old_mode, unsigned new_mode)
{
	const char *allowed;

	if (new_mode == 0120000)
		return mend_err("'%s': the change creates a symbolic link", path);
	if (new_mode == 0160000 || old_mode == 0160000)
		return mend_err("'%s': the change touches a submodule", path);
	if (new_mode == 0 || (old_mode ? old_mode == new_mode : new_mode == 0100644))
		return 0;
	if (path && matches_any(g->allow, g->nallow, path, &allowed))
		return 0;
	if (!old_mode)
		return mend_err("'%s': the change creates a file with mode %06o, not 100644 "
		    "(allow it with --allow)", path, new_mode);
	return mend_err("'%s': the change sets mode %06o (was %06o; allow it with --allow)",
	    path, new_mode, old_mode);
}

int
guard_size(const struct guard *g, long lines)
{
	if (g->max_lines > 0 && lines > g->max_lines)
		return mend_err("change too large: %ld changed lines (cap %ld; raise it with --max-lines)",
		    lines, g->max_lines);
	return 0;
}
