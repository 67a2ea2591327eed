/*
 * git.c - the checkouts patch, testloop and openpr work in (libgit2):
 * opening them, commits, branches, reverts, history.  The network
 * (clone, fetch, push, credentials) is in git_remote.c, applying
 * changes and diffs in git_apply.c; git.h holds what they share.
 *
 * One checkout per remote lives in the spool's work/ directory, named
 * after the remote (basename plus a hash of the URL), cloned the first
 * time and fetched afterwards.  Stages that use it hold an exclusive
 * flock(2) on "<checkout>.lock" for as long as they touch it, so two
 * fixes for the same repository take turns instead of checking out
 * branches under each other; each stage checks out the branch it needs.
 *
 * git.c, git_remote.c and git_apply.c are the only files that include
 * git2.h (through git.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "git.h"

int
gerr(const char *what)
{
	const git_error *e = git_error_last();

	return mend_err("%s: %s", what, e && e->message ? e->message : "unknown libgit2 error");
}

void
lib_init(void)
{
	static int done;

	if (!done) {
		git_libgit2_init();
		done = 1;
	}
}

/* A name for the checkout of url: basename without .git, '-', hash. */
static void
checkout_name(char *buf, size_t len, const char *url)
{
	uint32_t h = 2166136261u;
	const char *p, *base;
	size_t n, i, o = 0;

	for (p = url; *p; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	n = strlen(url);
	while (n > 0 && url[n - 1] == '/')
		n--;
	for (base = url + n; base > url && base[-1] != '/' && base[-1] != ':'; base--)
		;
	if (url + n - base > 4 && !memcmp(url + n - 4, ".git", 4))
		n -= 4;
	for (i = 0; base + i < url + n && o + 12 < len && o < 40; i++) {
		char c = base[i];
		buf[o++] = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' ? c : '_';
	}
	if (o == 0 || buf[0] == '.')
		buf[o++] = 'r';
	snprintf(buf + o, len - o, "-%08x", h);
}

/* Local paths become absolute (clones and the origin URL must not depend on cwd). */
int
normalize_url(char **out, const char *url)
{
	char real[PATH_MAX];

	if (!strstr(url, "://") && !(strchr(url, ':') && !strchr(url, '/')) &&
	    (url[0] == '/' || url[0] == '.' || access(url, F_OK) == 0)) {
		if (!realpath(url, real))
			return mend_errno("cannot resolve '%s'", url);
		*out = strdup(real);
	} else
		*out = strdup(url);
	return *out ? 0 : mend_err("out of memory");
}

int
repo_new(struct repo **out, const char *workdir)
{
	struct repo *r = calloc(1, sizeof *r);
	size_t n;

	if (!r || !(r->workdir = strdup(workdir))) {
		free(r);
		return mend_err("out of memory");
	}
	n = strlen(r->workdir);
	while (n > 1 && r->workdir[n - 1] == '/')
		r->workdir[--n] = '\0';
	*out = r;
	return 0;
}

void
repo_free(struct repo *r)
{
	if (!r)
		return;
	git_repository_free(r->git);
	free(r->workdir);
	free(r->token);
	free(r->remote);
	free(r->push_error);
	free(r);
}

const char *
repo_workdir(const struct repo *r)
{
	return r->workdir;
}

/*
 * Open r->workdir.  Its configuration is the tests' to write, so the
 * working tree must be the directory itself (a core.worktree pointing
 * elsewhere would have checkouts write and delete files there), and no
 * enclosing repository is searched for.
 */
int
open_checkout(struct repo *r)
{
	char a[PATH_MAX], b[PATH_MAX];
	const char *wt;

	if (git_repository_open_ext(&r->git, r->workdir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
		return gerr(r->workdir);
	wt = git_repository_workdir(r->git);
	if (!wt || !realpath(wt, a) || !realpath(r->workdir, b) || strcmp(a, b))
		return mend_err("'%s': its working tree is not the checkout itself (core.worktree "
		    "or core.bare in its .git/config?)", r->workdir);
	return 0;
}

int
repo_open(struct repo **out, const char *workdir)
{
	struct repo *r;

	lib_init();
	if (repo_new(&r, workdir) < 0)
		return -1;
	if (open_checkout(r) < 0) {
		repo_free(r);
		return -1;
	}
	*out = r;
	return 0;
}

int
repo_checkout_path(char **out, const char *url, const char *workroot)
{
	char name[80], *nurl;
	size_t n;

	if (normalize_url(&nurl, url) < 0)
		return -1;
	checkout_name(name, sizeof name, nurl);
	free(nurl);
	n = strlen(workroot) + strlen(name) + 2;
	if (!(*out = malloc(n)))
		return mend_err("out of memory");
	snprintf(*out, n, "%s/%s", workroot, name);
	return 0;
}

int
repo_is_checkout(const char *workdir, const char *url, const char *workroot)
{
	struct stat a, b;
	char *want;
	int rc;

	if (repo_checkout_path(&want, url, workroot) < 0)
		return -1;
	rc = stat(workdir, &a) == 0 && stat(want, &b) == 0 && a.st_dev == b.st_dev &&
	    a.st_ino == b.st_ino;
	free(want);
	return rc;
}

int
repo_resolve(struct repo *r, char out[41], const char *spec)
{
	git_object *obj;
	git_commit *c;

	if (git_revparse_single(&obj, r->git, spec) < 0)
		return mend_err("unknown revision '%s'", spec);
	if (git_object_peel((git_object **)&c, obj, GIT_OBJECT_COMMIT) < 0) {
		git_object_free(obj);
		return mend_err("'%s' is not a commit", spec);
	}
	git_oid_tostr(out, 41, git_commit_id(c));
	git_commit_free(c);
	git_object_free(obj);
	return 0;
}

int
lookup_commit(struct repo *r, git_commit **c, const char *hex)
{
	git_oid oid;

	if (git_oid_fromstr(&oid, hex) < 0 || git_commit_lookup(c, r->git, &oid) < 0)
		return mend_err("unknown commit '%s'", hex);
	return 0;
}

/* Force the working tree and index to commit c, dropping untracked files. */
static int
checkout_commit(struct repo *r, git_commit *c)
{
	git_checkout_options co = GIT_CHECKOUT_OPTIONS_INIT;

	co.checkout_strategy = GIT_CHECKOUT_FORCE | GIT_CHECKOUT_REMOVE_UNTRACKED;
	if (git_checkout_tree(r->git, (git_object *)c, &co) < 0)
		return gerr("checkout failed");
	return 0;
}

int
repo_branch_reset(struct repo *r, const char *branch, const char *at)
{
	git_commit *c;
	git_reference *ref = NULL;
	char refname[512];
	int rc = -1;

	if (lookup_commit(r, &c, at) < 0)
		return -1;
	snprintf(refname, sizeof refname, "refs/heads/%s", branch);
	if (git_reference_is_valid_name(refname) != 1) {
		git_commit_free(c);
		return mend_err("'%s': not a valid branch name", branch);
	}
	/* Detach first so the branch can move even when it is checked out. */
	if (git_repository_set_head_detached(r->git, git_commit_id(c)) < 0)
		gerr("cannot detach HEAD");
	else if (checkout_commit(r, c) < 0)
		;
	else if (git_reference_create(&ref, r->git, refname, git_commit_id(c), 1,
	    "mend: reset branch") < 0)
		gerr("cannot create the branch");
	else if (git_repository_set_head(r->git, refname) < 0)
		gerr("cannot check out the branch");
	else
		rc = 0;
	git_reference_free(ref);
	git_commit_free(c);
	return rc;
}

int
repo_checkout(struct repo *r, const char *rev)
{
	char hex[41], refname[512];
	git_commit *c;
	git_reference *ref;
	int rc;

	if (repo_resolve(r, hex, rev) < 0 || lookup_commit(r, &c, hex) < 0)
		return -1;
	rc = checkout_commit(r, c);
	snprintf(refname, sizeof refname, "refs/heads/%s", rev);
	if (rc == 0 && git_reference_lookup(&ref, r->git, refname) == 0) {
		git_reference_free(ref);
		if (git_repository_set_head(r->git, refname) < 0)
			rc = gerr("cannot check out the branch");
	} else if (rc == 0 && git_repository_set_head_detached(r->git, git_commit_id(c)) < 0)
		rc = gerr("cannot detach HEAD");
	git_commit_free(c);
	return rc;
}

static int
signature(struct repo *r, git_signature **sig)
{
	const char *name = getenv("MEND_GIT_NAME"), *email = getenv("MEND_GIT_EMAIL");
	git_config *cfg = NULL;
	git_buf cn = GIT_BUF_INIT, ce = GIT_BUF_INIT;
	int rc;

	if ((!name || !*name || !email || !*email) && git_repository_config(&cfg, r->git) == 0) {
		if ((!name || !*name) && git_config_get_string_buf(&cn, cfg, "user.name") == 0)
			name = cn.ptr;
		if ((!email || !*email) && git_config_get_string_buf(&ce, cfg, "user.email") == 0)
			email = ce.ptr;
	}
	rc = git_signature_now(sig, name && *name ? name : "mend",
	    email && *email ? email : "mend@localhost");
	git_buf_dispose(&cn);
	git_buf_dispose(&ce);
	git_config_free(cfg);
	return rc < 0 ? gerr("bad signature") : 0;
}

int
repo_commit(struct repo *r, char out[41], const char *msg)
{
	git_index *idx = NULL;
	git_oid tree_oid, oid;
	git_tree *tree = NULL;
	git_object *parent = NULL;
	git_signature *sig = NULL;
	int rc = -1;

	if (git_repository_index(&idx, r->git) < 0)
		return gerr("cannot read the index");
	if (git_index_write_tree(&tree_oid, idx) < 0)
		gerr("cannot write the tree");
	else if (git_tree_lookup(&tree, r->git, &tree_oid) < 0)
		gerr("cannot read the tree");
	else if (git_revparse_single(&parent, r->git, "HEAD^{commit}") < 0)
		gerr("no HEAD commit");
	else if (signature(r, &sig) < 0)
		;
	else if (git_commit_create_v(&oid, r->git, "HEAD", sig, sig, NULL, msg, tree, 1,
	    (git_commit *)parent) < 0)
		gerr("cannot commit");
	else {
		git_oid_tostr(out, 41, &oid);
		rc = 0;
	}
	git_signature_free(sig);
	git_object_free(parent);
	git_tree_free(tree);
	git_index_free(idx);
	return rc;
}

int
repo_revert(struct repo *r, char out[41], const char *branch, const char *base, const char *hex,
    const char *msg)
{
	git_commit *c = NULL, *b = NULL;
	git_index *idx = NULL;
	git_tree *tree = NULL;
	git_signature *sig = NULL;
	git_revert_options ro = GIT_REVERT_OPTIONS_INIT;
	git_oid tree_oid, oid;
	int rc = -1;

	if (lookup_commit(r, &c, hex) < 0 || lookup_commit(r, &b, base) < 0)
		goto out;
	/* A merge is reverted against its first parent, as git revert -m 1. */
	if (git_commit_parentcount(c) > 1)
		ro.mainline = 1;
	if (git_revert_commit(&idx, r->git, c, b, ro.mainline, &ro.merge_opts) < 0) {
		gerr("cannot revert");
		goto out;
	}
	if (git_index_has_conflicts(idx)) {
		mend_err("reverting %.12s on %.12s conflicts", hex, base);
		goto out;
	}
	if (git_index_write_tree_to(&tree_oid, idx, r->git) < 0 ||
	    git_tree_lookup(&tree, r->git, &tree_oid) < 0) {
		gerr("cannot write the tree");
		goto out;
	}
	/* Nothing would change: the base has reverted it already (or never had it). */
	if (git_oid_equal(&tree_oid, git_commit_tree_id(b))) {
		mend_err("reverting %.12s changes nothing on %.12s: reverted already", hex, base);
		goto out;
	}
	if (signature(r, &sig) < 0)
		goto out;
	if (git_commit_create_v(&oid, r->git, NULL, sig, sig, NULL, msg, tree, 1, b) < 0) {
		gerr("cannot commit");
		goto out;
	}
	git_oid_tostr(out, 41, &oid);
	rc = repo_branch_reset(r, branch, out);
out:
	git_signature_free(sig);
	git_tree_free(tree);
	git_index_free(idx);
	git_commit_free(b);
	git_commit_free(c);
	return rc;
}

int
repo_commit_info(struct repo *r, const char *hex, char parent[41], char tree[41])
{
	git_commit *c;

	if (lookup_commit(r, &c, hex) < 0)
		return -1;
	if (parent) {
		if (git_commit_parentcount(c) > 0)
			git_oid_tostr(parent, 41, git_commit_parent_id(c, 0));
		else
			parent[0] = '\0';
	}
	if (tree)
		git_oid_tostr(tree, 41, git_commit_tree_id(c));
	git_commit_free(c);
	return 0;
}

int
repo_lock(int *fd, const char *workdir)
{
	char path[PATH_MAX + 8];
	size_t n = strlen(workdir);

	while (n > 1 && workdir[n - 1] == '/')
		n--;
	snprintf(path, sizeof path, "%.*s.lock", (int)n, workdir);
	if ((*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return mend_errno("cannot open '%s'", path);
	while (flock(*fd, LOCK_EX) < 0)
		if (errno != EINTR) {
			mend_errno("cannot lock '%s'", path);
			close(*fd);
			return -1;
		}
	return 0;
}

int
repo_shortlog(struct repo *r, jv *out, const char *from, const char *to)
{
	git_revwalk *w = NULL;
	git_oid oid, a, b;
	jv list = jv_array();

	if (git_oid_fromstr(&a, from) < 0 || git_oid_fromstr(&b, to) < 0)
		return mend_err("bad commit id");
	if (git_revwalk_new(&w, r->git) < 0 || git_revwalk_push(w, &b) < 0 ||
	    git_revwalk_hide(w, &a) < 0) {
		git_revwalk_free(w);
		jv_free(list);
		return gerr("cannot walk the history");
	}
	git_revwalk_sorting(w, GIT_SORT_TOPOLOGICAL | GIT_SORT_REVERSE);
	while (git_revwalk_next(&oid, w) == 0) {
		git_commit *c;
		char hex[41];
		if (git_commit_lookup(&c, r->git, &oid) < 0)
			continue;
		git_oid_tostr(hex, sizeof hex, &oid);
		list = jv_array_append(list, JV_OBJECT(jv_string("commit"), jv_string(hex),
		    jv_string("subject"), jv_string(git_commit_summary(c) ? git_commit_summary(c) : ""),
		    jv_string("author"), jv_string(git_commit_author(c)->name)));
		git_commit_free(c);
	}
	git_revwalk_free(w);
	*out = list;
	return 0;
}
