/*
 * git.c - the checkouts patch, testloop and openpr work in (libgit2).
 *
 * One checkout per remote lives in the spool's work/ directory, named
 * after the remote (basename plus a hash of the URL), cloned the first
 * time and fetched afterwards.  Stages that use it hold an exclusive
 * flock(2) on "<checkout>.lock" for as long as they touch it, so two
 * fixes for the same repository take turns instead of checking out
 * branches under each other; each stage checks out the branch it needs.
 *
 * A change is applied with git_apply first.  When libgit2 cannot parse
 * or apply the diff (models miscount hunk lines and line numbers), each
 * hunk is located by its context instead (hunk.c), which refuses a hunk
 * that matches nowhere or more than once.  Every path is checked with
 * the guard before anything is written, and again after staging, which
 * also catches what an agent wrote.
 *
 * The network: every fetch, listing and push goes to the configured
 * URL (the one the caller passes; see remote.c), through an anonymous
 * remote built for the call.  Nothing is read from the checkout's
 * configuration, which the tests of a patched checkout can write: no
 * remote.*.url or pushurl, no url.*.insteadOf or pushInsteadOf, no
 * http.followRedirects (redirects to another host are never followed),
 * no proxy.  libgit2 runs no credential helpers.
 *
 * Credentials: an HTTPS token (as the password; the user name from the
 * URL, else MEND_GIT_USER, else "x-access-token"), the SSH agent for
 * ssh:// and scp-like URLs, nothing for file:// and local paths.  The
 * callback offers them only to the configured URL's scheme, host and
 * port, and a token goes over plain http only when the caller allowed
 * it (--allow-http); without that, a network call to an http:// remote
 * with a token set is refused before it connects.  The callback gives
 * up after three offers so a wrong token fails instead of looping.
 *
 * This is the only file that includes git2.h.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <git2.h>

/* libgit2's *_INIT macros leave trailing fields to the compiler. */
#pragma GCC diagnostic ignored "-Wmissing-field-initializers"

#include "mend.h"

struct repo {
	git_repository *git;
	char *workdir;		/* without trailing slash */
	char *token;
	char *remote;		/* the configured URL; NULL: no network */
	int allow_http;
	int cred_tries;
	char *push_error;
};

static int
gerr(const char *what)
{
	const git_error *e = git_error_last();

	return mend_err("%s: %s", what, e && e->message ? e->message : "unknown libgit2 error");
}

static void
lib_init(void)
{
	static int done;

	if (!done) {
		git_libgit2_init();
		done = 1;
	}
}

static int
cred_cb(git_credential **out, const char *url, const char *user_from_url,
    unsigned int allowed, void *payload)
{
	struct repo *r = payload;
	const char *user;

	if (!r->remote || !url || remote_same_server(url, r->remote) != 1) {
		git_error_set_str(GIT_ERROR_NET, "credentials withheld: the server asking for "
		    "them is not the configured repository's");
		return GIT_EAUTH;
	}
	if (remote_is_http(url) && !r->allow_http) {
		git_error_set_str(GIT_ERROR_NET, "credentials withheld: plain http");
		return GIT_EAUTH;
	}
	if (r->cred_tries++ >= 3) {
		git_error_set_str(GIT_ERROR_NET, "authentication failed (credentials refused)");
		return GIT_EAUTH;
	}
	if (allowed & GIT_CREDENTIAL_SSH_KEY)
		return git_credential_ssh_key_from_agent(out, user_from_url ? user_from_url : "git");
	if ((allowed & GIT_CREDENTIAL_USERPASS_PLAINTEXT) && r->token && *r->token) {
		user = user_from_url && *user_from_url ? user_from_url : getenv("MEND_GIT_USER");
		return git_credential_userpass_plaintext_new(out, user && *user ? user
		    : "x-access-token", r->token);
	}
	if (allowed & GIT_CREDENTIAL_USERNAME)
		return git_credential_username_new(out, user_from_url ? user_from_url : "git");
	return GIT_PASSTHROUGH;
}

static void
callbacks(struct repo *r, git_remote_callbacks *cb)
{
	cb->credentials = cred_cb;
	cb->payload = r;
	r->cred_tries = 0;
}

/* -1 when the token would go over plain http without the caller's leave. */
static int
http_check(const struct repo *r)
{
	return remote_token_ok(r->remote, r->token, r->allow_http);
}

/*
 * A remote for one call: anonymous (no name, so no remote.* settings),
 * at the configured URL, without insteadOf rewriting.
 */
static int
remote_new(struct repo *r, git_remote **rem)
{
	git_remote_create_options o = GIT_REMOTE_CREATE_OPTIONS_INIT;

	*rem = NULL;
	if (!r->remote)
		return mend_err("'%s': no repository configured to talk to", r->workdir);
	if (http_check(r) < 0)
		return -1;
	o.repository = r->git;
	o.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	if (git_remote_create_with_opts(rem, r->remote, &o) < 0)
		return gerr("cannot use the remote");
	return 0;
}

/* Connect for listing the remote's branches. */
static int
remote_connect(struct repo *r, git_remote **rem)
{
	git_remote_connect_options co = GIT_REMOTE_CONNECT_OPTIONS_INIT;

	if (remote_new(r, rem) < 0)
		return -1;
	callbacks(r, &co.callbacks);
	co.follow_redirects = GIT_REMOTE_REDIRECT_NONE;
	if (git_remote_connect_ext(*rem, GIT_DIRECTION_FETCH, &co) < 0) {
		gerr("cannot list the remote's branches");
		git_remote_free(*rem);
		*rem = NULL;
		return -1;
	}
	return 0;
}

/* Clone's "origin": the URL as given, without insteadOf rewriting. */
static int
clone_remote_cb(git_remote **out, git_repository *repo, const char *name, const char *url,
    void *payload)
{
	git_remote_create_options o = GIT_REMOTE_CREATE_OPTIONS_INIT;

	(void)payload;
	o.repository = repo;
	o.name = name;
	o.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF;
	return git_remote_create_with_opts(out, url, &o);
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
static int
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

static int
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

int
repo_set_token(struct repo *r, const char *token)
{
	free(r->token);
	r->token = NULL;
	if (token && !(r->token = strdup(token)))
		return mend_err("out of memory");
	return 0;
}

int
repo_set_remote(struct repo *r, const char *url, int allow_http)
{
	free(r->remote);
	r->remote = NULL;
	r->allow_http = allow_http;
	if (!url)
		return 0;
	/* A path that is gone stays as given: the first call says so. */
	if (normalize_url(&r->remote, url) < 0 && !(r->remote = strdup(url)))
		return mend_err("out of memory");
	return 0;
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
static int
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
repo_fetch(struct repo *r)
{
	git_remote *rem = NULL;
	git_fetch_options fo = GIT_FETCH_OPTIONS_INIT;
	char *specs[] = { "+refs/heads/*:refs/remotes/origin/*" };
	git_strarray refspecs = { specs, 1 };
	int rc = 0;

	callbacks(r, &fo.callbacks);
	fo.prune = GIT_FETCH_PRUNE;
	fo.follow_redirects = GIT_REMOTE_REDIRECT_NONE;
	if (remote_new(r, &rem) < 0)
		return -1;
	if (git_remote_fetch(rem, &refspecs, &fo, "fetch by mend") < 0)
		rc = gerr("fetch failed");
	git_remote_free(rem);
	return rc;
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
repo_clone_or_fetch(struct repo **out, const char *url, const char *path, const char *token,
    int allow_http)
{
	char *nurl = NULL, *slash, parent[PATH_MAX];
	struct repo *r = NULL;
	struct stat st;
	int rc;

	lib_init();
	if (normalize_url(&nurl, url) < 0)
		return -1;
	snprintf(parent, sizeof parent, "%s", path);
	if ((slash = strrchr(parent, '/')) && slash != parent) {
		*slash = '\0';
		if (mkdir(parent, 0700) < 0 && errno != EEXIST) {
			free(nurl);
			return mend_errno("cannot create '%s'", parent);
		}
	}
	if (repo_new(&r, path) < 0 || repo_set_token(r, token) < 0 ||
	    repo_set_remote(r, nurl, allow_http) < 0)
		goto fail;
	if (stat(path, &st) == 0) {
		if (open_checkout(r) < 0)
			goto fail;
		/* For people looking at the checkout; mend itself reads neither. */
		if (git_remote_set_url(r->git, "origin", nurl) < 0 ||
		    ((rc = git_remote_set_pushurl(r->git, "origin", NULL)) < 0 &&
		    rc != GIT_ENOTFOUND)) {
			gerr("cannot set the remote");
			goto fail;
		}
		if (repo_fetch(r) < 0)
			goto fail;
	} else {
		git_clone_options co = GIT_CLONE_OPTIONS_INIT;
		char tmp[PATH_MAX + 32];

		/* Clone under a temporary name, then rename: a half clone is never used. */
		snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
		if (http_check(r) < 0)
			goto fail;
		callbacks(r, &co.fetch_opts.callbacks);
		co.fetch_opts.follow_redirects = GIT_REMOTE_REDIRECT_NONE;
		co.remote_cb = clone_remote_cb;
		if (git_clone(&r->git, nurl, tmp, &co) < 0) {
			const git_error *e = git_error_last();
			mend_err("cannot clone '%s': %s", nurl, e && e->message ? e->message : "failed");
			goto fail;
		}
		git_repository_free(r->git);
		r->git = NULL;
		if (rename(tmp, path) < 0) {
			mend_errno("cannot rename '%s'", tmp);
			goto fail;
		}
		if (open_checkout(r) < 0)
			goto fail;
	}
	free(nurl);
	*out = r;
	return 0;
fail:
	free(nurl);
	repo_free(r);
	return -1;
}

int
repo_default_branch(struct repo *r, char **out)
{
	git_reference *ref = NULL;
	git_remote *rem = NULL;
	git_buf buf = GIT_BUF_INIT;
	const char *name = NULL;
	static const char *const guesses[] = { "main", "master", "trunk", "develop", NULL };
	int i;

	/* Ask the remote; then origin/HEAD; then common names. */
	if (remote_connect(r, &rem) == 0 &&
	    git_remote_default_branch(&buf, rem) == 0 && !strncmp(buf.ptr, "refs/heads/", 11))
		name = buf.ptr + 11;
	if (name)
		*out = strdup(name);
	git_buf_dispose(&buf);
	if (rem) {
		git_remote_disconnect(rem);
		git_remote_free(rem);
	}
	if (name)
		return *out ? 0 : mend_err("out of memory");
	if (git_reference_lookup(&ref, r->git, "refs/remotes/origin/HEAD") == 0 &&
	    git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC &&
	    !strncmp(git_reference_symbolic_target(ref), "refs/remotes/origin/", 20)) {
		*out = strdup(git_reference_symbolic_target(ref) + 20);
		git_reference_free(ref);
		return *out ? 0 : mend_err("out of memory");
	}
	git_reference_free(ref);
	for (i = 0; guesses[i]; i++) {
		char refname[64];
		snprintf(refname, sizeof refname, "refs/remotes/origin/%s", guesses[i]);
		if (git_reference_lookup(&ref, r->git, refname) == 0) {
			git_reference_free(ref);
			*out = strdup(guesses[i]);
			return *out ? 0 : mend_err("out of memory");
		}
	}
	return mend_err("cannot tell the remote's default branch (use --base)");
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

static int
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
read_file(const char *path, char **out, size_t *len, int *exists)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct stat st;
	char *p;
	size_t got = 0;

	*exists = 0;
	if (fd < 0) {
		if (errno == ENOENT) {
			*out = strdup("");
			*len = 0;
			return *out ? 0 : mend_err("out of memory");
		}
		return mend_errno("cannot open '%s'", path);
	}
	*exists = 1;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return mend_err("'%s': not a regular file", path);
	}
	if (!(p = malloc((size_t)st.st_size + 1))) {
		close(fd);
		return mend_err("out of memory");
	}
	while (got < (size_t)st.st_size) {
		ssize_t n = read(fd, p + got, (size_t)st.st_size - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	close(fd);
	p[got] = '\0';
	*out = p;
	*len = got;
	return 0;
}

static int
mkdirs(char *path)
{
	char *s;

	for (s = path + 1; (s = strchr(s, '/')); s++) {
		*s = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			*s = '/';
			return mend_errno("cannot create '%s'", path);
		}
		*s = '/';
	}
	return 0;
}

static int
write_file(const char *path, const char *p, size_t len)
{
	char tmp[PATH_MAX + 16], full[PATH_MAX];
	struct stat st;
	mode_t mode = 0644;
	int fd;

	snprintf(full, sizeof full, "%s", path);
	if (mkdirs(full) < 0)
		return -1;
	if (lstat(path, &st) == 0)
		mode = st.st_mode & 0777;
	snprintf(tmp, sizeof tmp, "%s.mend%ld", path, (long)getpid());
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, mode)) < 0)
		return mend_errno("cannot create '%s'", tmp);
	while (len > 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			mend_errno("cannot write '%s'", path);
			close(fd);
			unlink(tmp);
			return -1;
		}
		p += n, len -= (size_t)n;
	}
	if (close(fd) < 0 || rename(tmp, path) < 0) {
		mend_errno("cannot write '%s'", path);
		unlink(tmp);
		return -1;
	}
	return 0;
}

struct pending {
	char *path;	/* absolute */
	char *text;	/* NULL: delete */
	size_t len;
};

static void
pending_free(struct pending *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(p[i].path);
		free(p[i].text);
	}
	free(p);
}

/* Write every pending file, or nothing when one cannot be computed. */
static int
pending_write(struct pending *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		if (!p[i].text) {
			if (unlink(p[i].path) < 0 && errno != ENOENT)
				return mend_errno("cannot remove '%s'", p[i].path);
		} else if (write_file(p[i].path, p[i].text, p[i].len) < 0)
			return -1;
	}
	return 0;
}

static int
apply_fuzzy(struct repo *r, const struct guard *g, const char *text, size_t len)
{
	struct diff d;
	struct pending *p;
	size_t i, np = 0;
	int rc = -1;

	if (diff_parse(&d, text, len) < 0)
		return -1;
	if (!(p = calloc(d.nfiles, sizeof *p))) {
		diff_release(&d);
		return mend_err("out of memory");
	}
	for (i = 0; i < d.nfiles; i++) {
		const struct diff_file *f = &d.files[i];
		const char *path = diff_file_path(f);
		char full[PATH_MAX], *cur, *res;
		size_t curlen, reslen;
		int exists;

		if ((f->old_path && guard_path(g, f->old_path) < 0) ||
		    (f->new_path && guard_path(g, f->new_path) < 0) ||
		    guard_mode(g, path, f->is_new ? 0 : 0100644, f->mode) < 0)
			goto out;
		if (f->old_path && f->new_path && strcmp(f->old_path, f->new_path)) {
			mend_err("'%s': renames need git apply", f->old_path);
			goto out;
		}
		snprintf(full, sizeof full, "%s/%s", r->workdir, path);
		if (read_file(full, &cur, &curlen, &exists) < 0)
			goto out;
		if (f->is_new && exists && curlen > 0) {
			free(cur);
			mend_err("'%s': already exists", path);
			goto out;
		}
		if (!f->is_new && !exists) {
			free(cur);
			mend_err("'%s': no such file in the repository", path);
			goto out;
		}
		if (hunk_apply(&res, &reslen, cur, curlen, f) < 0) {
			free(cur);
			goto out;
		}
		free(cur);
		p[np].path = strdup(full);
		if (f->is_delete) {
			if (reslen != 0) {
				free(res);
				mend_err("'%s': deletion leaves content behind", path);
				np++;
				goto out;
			}
			free(res);
			res = NULL;
		}
		p[np].text = res;
		p[np++].len = reslen;
	}
	rc = pending_write(p, np);
out:
	pending_free(p, np);
	diff_release(&d);
	return rc;
}

/*
 * libgit2 parses only git-style diffs: give a plain unified diff the
 * "diff --git" lines (and new/deleted file modes) git would have written.
 * Returns a malloc'd text, or NULL when out of memory.
 */
static char *
gitify(const char *text, size_t len, size_t *outlen)
{
	struct strbuf b = { 0 };
	const char *p = text, *end = text + len;
	int in_git = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		const char *q = p + l;

		if (l >= 11 && !memcmp(p, "diff --git ", 11))
			in_git = 1;
		else if (l >= 3 && !memcmp(p, "@@ ", 3))
			in_git = 0;
		if (!in_git && l > 4 && !memcmp(p, "--- ", 4) && end - q > 4 && !memcmp(q, "+++ ", 4)) {
			const char *nl2 = memchr(q, '\n', (size_t)(end - q));
			int a_null = l >= 13 && !memcmp(p + 4, "/dev/null", 9);
			int b_null = nl2 && nl2 - q >= 13 && !memcmp(q + 4, "/dev/null", 9);
			const char *name = a_null ? q + 4 : p + 4;
			size_t nlen = a_null ? (size_t)((nl2 ? nl2 : end) - name) : l - 5;
			/* Drop a tab and timestamp, and an a/ or b/ prefix. */
			const char *tab = memchr(name, '\t', nlen);
			if (tab)
				nlen = (size_t)(tab - name);
			while (nlen > 0 && (name[nlen - 1] == ' ' || name[nlen - 1] == '\r'))
				nlen--;
			if (nlen > 2 && (name[0] == 'a' || name[0] == 'b') && name[1] == '/')
				name += 2, nlen -= 2;
			strbuf_addf(&b, "diff --git a/%.*s b/%.*s\n", (int)nlen, name, (int)nlen, name);
			if (a_null)
				strbuf_add(&b, "new file mode 100644\n");
			else if (b_null)
				strbuf_add(&b, "deleted file mode 100644\n");
		}
		strbuf_addn(&b, p, l);
		p = q;
	}
	*outlen = b.len;
	return strbuf_take(&b);
}

int
repo_apply_diff(struct repo *r, const struct guard *g, const char *text, size_t len,
    const char **how)
{
	git_diff *diff = NULL;
	size_t i, n, glen;
	char fuzzmsg[1024], *gtext;

	if (len == 0)
		return mend_err("empty diff");
	if (!(gtext = gitify(text, len, &glen)))
		return mend_err("out of memory");
	if (git_diff_from_buffer(&diff, gtext, glen) == 0 && (n = git_diff_num_deltas(diff)) > 0) {
		git_apply_options ao = GIT_APPLY_OPTIONS_INIT;

		for (i = 0; i < n; i++) {
			const git_diff_delta *dd = git_diff_get_delta(diff, i);
			if ((dd->old_file.path && dd->status != GIT_DELTA_ADDED &&
			     guard_path(g, dd->old_file.path) < 0) ||
			    (dd->new_file.path && guard_path(g, dd->new_file.path) < 0) ||
			    guard_mode(g, dd->new_file.path, dd->status == GIT_DELTA_ADDED ? 0
			    : dd->old_file.mode, dd->status == GIT_DELTA_DELETED ? 0
			    : dd->new_file.mode) < 0) {
				git_diff_free(diff);
				free(gtext);
				return -1;
			}
		}
		if (git_apply(r->git, diff, GIT_APPLY_LOCATION_WORKDIR, &ao) == 0) {
			git_diff_free(diff);
			free(gtext);
			*how = "git";
			return 0;
		}
	}
	git_diff_free(diff);
	free(gtext);
	*how = "context";
	if (apply_fuzzy(r, g, text, len) < 0) {
		snprintf(fuzzmsg, sizeof fuzzmsg, "%s", mend_errmsg());
		return mend_err("diff does not apply: %s", fuzzmsg);
	}
	return 0;
}

int
repo_apply_edits(struct repo *r, const struct guard *g, jv edits)
{
	struct pending *p;
	int n, i, np = 0, rc = -1;

	if (jv_get_kind(edits) != JV_KIND_ARRAY)
		return mend_err("edits is not an array");
	n = jv_array_length(jv_copy(edits));
	if (n == 0)
		return mend_err("no edits");
	if (!(p = calloc((size_t)n, sizeof *p)))
		return mend_err("out of memory");
	for (i = 0; i < n; i++) {
		jv e = jv_array_get(jv_copy(edits), i);
		const char *path = record_str(e, "path"), *search = record_str(e, "search"),
		    *replace = record_str(e, "replace");
		char full[PATH_MAX], *cur = NULL, *res;
		size_t curlen, reslen;
		int exists, j, ok;

		if (!path || !replace) {
			jv_free(e);
			mend_err("edit %d: needs path and replace", i + 1);
			goto out;
		}
		if (guard_path(g, path) < 0) {
			jv_free(e);
			goto out;
		}
		snprintf(full, sizeof full, "%s/%s", r->workdir, path);
		/* Several edits may hit one file: work on the pending text. */
		for (j = 0; j < np; j++)
			if (!strcmp(p[j].path, full))
				break;
		if (j < np)
			ok = (cur = strdup(p[j].text)) ? (curlen = p[j].len, exists = 1, 0)
			    : mend_err("out of memory");
		else
			ok = read_file(full, &cur, &curlen, &exists);
		if (ok < 0 || edit_apply(&res, &reslen, cur, curlen, search ? search : "",
		    replace) < 0) {
			char msg[512];
			snprintf(msg, sizeof msg, "%s", mend_errmsg());
			mend_err("edit %d of '%s': %s", i + 1, path, msg);
			free(cur);
			jv_free(e);
			goto out;
		}
		free(cur);
		jv_free(e);
		if (j < np) {
			free(p[j].text);
			p[j].text = res;
			p[j].len = reslen;
		} else {
			p[np].path = strdup(full);
			p[np].text = res;
			p[np++].len = reslen;
		}
	}
	rc = pending_write(p, (size_t)np);
out:
	pending_free(p, (size_t)np);
	return rc;
}

static int
diff_stats(git_diff *diff, const struct guard *g, jv *files, long *lines)
{
	git_diff_stats *st;
	size_t i, n = git_diff_num_deltas(diff);
	jv a = jv_array();

	for (i = 0; i < n; i++) {
		const git_diff_delta *dd = git_diff_get_delta(diff, i);
		const char *path = dd->status == GIT_DELTA_DELETED ? dd->old_file.path
		    : dd->new_file.path;
		if (g && (guard_path(g, path) < 0 || guard_mode(g, path, dd->status ==
		    GIT_DELTA_ADDED ? 0 : dd->old_file.mode, dd->status == GIT_DELTA_DELETED ? 0
		    : dd->new_file.mode) < 0)) {
			jv_free(a);
			return -1;
		}
		a = jv_array_append(a, jv_string(path));
	}
	if (git_diff_get_stats(&st, diff) < 0) {
		jv_free(a);
		return gerr("diff stats");
	}
	*lines = (long)(git_diff_stats_insertions(st) + git_diff_stats_deletions(st));
	git_diff_stats_free(st);
	*files = a;
	return 0;
}

int
repo_stage_all(struct repo *r, const struct guard *g, jv *files, long *lines)
{
	git_index *idx = NULL;
	git_object *head = NULL;
	git_tree *tree = NULL;
	git_diff *diff = NULL;
	char *const all[] = { "*" };
	git_strarray spec = { (char **)all, 1 };
	int rc = -1;

	if (git_repository_index(&idx, r->git) < 0)
		return gerr("cannot read the index");
	if (git_index_add_all(idx, &spec, GIT_INDEX_ADD_DEFAULT, NULL, NULL) < 0 ||
	    git_index_update_all(idx, &spec, NULL, NULL) < 0 || git_index_write(idx) < 0)
		gerr("cannot stage the change");
	else if (git_revparse_single(&head, r->git, "HEAD^{tree}") < 0)
		gerr("no HEAD");
	else if ((tree = (git_tree *)head, git_diff_tree_to_index(&diff, r->git, tree, idx, NULL)) < 0)
		gerr("cannot diff the change");
	else
		rc = diff_stats(diff, g, files, lines);
	git_diff_free(diff);
	git_object_free(head);
	git_index_free(idx);
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

static int
commit_tree(struct repo *r, git_tree **t, const char *hex)
{
	git_commit *c;
	int rc;

	if (lookup_commit(r, &c, hex) < 0)
		return -1;
	rc = git_commit_tree(t, c) < 0 ? gerr("cannot read the tree") : 0;
	git_commit_free(c);
	return rc;
}

int
repo_diff(struct repo *r, const char *from, const char *to, char **text, jv *files, long *lines)
{
	git_tree *a = NULL, *b = NULL;
	git_diff *diff = NULL;
	git_buf buf = GIT_BUF_INIT;
	int rc = -1;

	if (commit_tree(r, &a, from) < 0 || commit_tree(r, &b, to) < 0)
		goto out;
	if (git_diff_tree_to_tree(&diff, r->git, a, b, NULL) < 0) {
		gerr("cannot diff");
		goto out;
	}
	if (text) {
		if (git_diff_to_buf(&buf, diff, GIT_DIFF_FORMAT_PATCH) < 0) {
			gerr("cannot format the diff");
			goto out;
		}
		if (!(*text = strdup(buf.ptr ? buf.ptr : ""))) {
			mend_err("out of memory");
			goto out;
		}
	}
	if (files && diff_stats(diff, NULL, files, lines) < 0) {
		if (text)
			free(*text);
		goto out;
	}
	rc = 0;
out:
	git_buf_dispose(&buf);
	git_diff_free(diff);
	git_tree_free(a);
	git_tree_free(b);
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

static int
push_ref_cb(const char *refname, const char *status, void *data)
{
	struct repo *r = data;

	if (status && !r->push_error) {
		size_t n = strlen(refname) + strlen(status) + 4;
		if ((r->push_error = malloc(n)))
			snprintf(r->push_error, n, "%s: %s", refname, status);
	}
	return 0;
}

int
repo_push(struct repo *r, const char *branch)
{
	git_remote *rem = NULL;
	git_push_options po = GIT_PUSH_OPTIONS_INIT;
	char spec[1100];
	char *specs[] = { spec };
	git_strarray refspecs = { specs, 1 };
	int rc = 0;

	/* Forced: the branch is mend's own, and a re-run rewrites it. */
	if (snprintf(spec, sizeof spec, "+refs/heads/%s:refs/heads/%s", branch, branch) >=
	    (int)sizeof spec)
		return mend_err("branch name too long");
	callbacks(r, &po.callbacks);
	po.callbacks.push_update_reference = push_ref_cb;
	po.follow_redirects = GIT_REMOTE_REDIRECT_NONE;
	free(r->push_error);
	r->push_error = NULL;
	if (remote_new(r, &rem) < 0)
		return -1;
	if (git_remote_push(rem, &refspecs, &po) < 0)
		rc = gerr("push failed");
	else if (r->push_error)
		rc = mend_err("push rejected: %s", r->push_error);
	git_remote_free(rem);
	return rc;
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
repo_apply_change(struct repo *r, const struct guard *g, jv analysis, const char **how)
{
	jv diff = record_get(analysis, "diff"), edits = record_get(analysis, "edits");
	int rc;

	if (jv_get_kind(diff) == JV_KIND_STRING && jv_string_length_bytes(jv_copy(diff)) > 0)
		rc = repo_apply_diff(r, g, jv_string_value(diff),
		    (size_t)jv_string_length_bytes(jv_copy(diff)), how);
	else if (jv_get_kind(edits) == JV_KIND_ARRAY && jv_array_length(jv_copy(edits)) > 0) {
		*how = "edits";
		rc = repo_apply_edits(r, g, edits);
	} else
		rc = -2;
	jv_free(diff);
	jv_free(edits);
	return rc;
}

int
repo_remote_ref(struct repo *r, char out[41], const char *branch)
{
	git_remote *rem = NULL;
	const git_remote_head **heads;
	size_t n, i;
	char refname[512];
	int rc = 0;

	snprintf(refname, sizeof refname, "refs/heads/%s", branch);
	if (remote_connect(r, &rem) < 0)
		return -1;
	if (git_remote_ls(&heads, &n, rem) < 0)
		rc = gerr("cannot list the remote's branches");
	else
		for (i = 0; i < n; i++)
			if (!strcmp(heads[i]->name, refname)) {
				git_oid_tostr(out, 41, &heads[i]->oid);
				rc = 1;
				break;
			}
	git_remote_disconnect(rem);
	git_remote_free(rem);
	return rc;
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

int
repo_diffstat(struct repo *r, char **out, const char *from, const char *to)
{
	git_tree *a = NULL, *b = NULL;
	git_diff *diff = NULL;
	git_diff_stats *st = NULL;
	git_buf buf = GIT_BUF_INIT;
	int rc = -1;

	if (commit_tree(r, &a, from) < 0 || commit_tree(r, &b, to) < 0)
		goto out;
	if (git_diff_tree_to_tree(&diff, r->git, a, b, NULL) < 0 ||
	    git_diff_get_stats(&st, diff) < 0 ||
	    git_diff_stats_to_buf(&buf, st, GIT_DIFF_STATS_FULL | GIT_DIFF_STATS_INCLUDE_SUMMARY,
	    72) < 0) {
		gerr("cannot compute the diffstat");
		goto out;
	}
	rc = (*out = strdup(buf.ptr ? buf.ptr : "")) ? 0 : mend_err("out of memory");
out:
	git_buf_dispose(&buf);
	git_diff_stats_free(st);
	git_diff_free(diff);
	git_tree_free(a);
	git_tree_free(b);
	return rc;
}
