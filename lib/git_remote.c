/*
 * git_remote.c - the network side of the checkouts: clone or fetch,
 * the remote's default branch and refs, push.
 *
 * Every fetch, listing and push goes to the configured URL (the one the
 * caller passes; see remote.c), through an anonymous remote built for
 * the call.  Nothing is read from the checkout's configuration, which
 * the tests of a patched checkout can write: no remote.*.url or pushurl,
 * no url.*.insteadOf or pushInsteadOf, no http.followRedirects
 * (redirects to another host are never followed), no proxy.  libgit2
 * runs no credential helpers.
 *
 * Credentials: an HTTPS token (as the password; the user name from the
 * URL, else MEND_GIT_USER, else "x-access-token"), the SSH agent for
 * ssh:// and scp-like URLs, nothing for file:// and local paths.  The
 * callback offers them only to the configured URL's scheme, host and
 * port, and a token goes over plain http only when the caller allowed
 * it (--allow-http); without that, a network call to an http:// remote
 * with a token set is refused before it connects.  The callback gives
 * up after three offers so a wrong token fails instead of looping.
 */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "git.h"

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
