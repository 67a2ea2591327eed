/*
 * forge.c - pull requests on GitHub, Gitea/Forgejo and GitLab, over
 * their REST APIs (http.c's http_do_retry: 429 and 5xx are retried
 * there, honouring Retry-After).
 *
 * Opening is idempotent: look for an open pull request from the branch
 * first, create one only when there is none, and treat the forge's
 * "already exists" answer (GitHub 422, Gitea 409, GitLab 409) as a
 * reason to look again rather than as an error.  A second run never
 * opens a second pull request.
 *
 * GitHub's rate limits answer 403 (or 429): with a Retry-After the
 * request is tried again after it (at most three times, at most 60 s
 * each); without one the call fails with -2 so the caller can exit 75
 * and let the queue retry later.
 *
 * The token goes into a header only; it is never part of a message.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "mend.h"
#include "forge.h"

#define RATE_RETRIES 3
#define RATE_WAIT_CAP 60.0

/* The host part of a remote URL (https://h/..., ssh://u@h:p/..., u@h:path); malloc'd. */
static char *
url_host(const char *url)
{
	struct remote_url u;
	char *h;

	if (remote_url_parse(&u, url) < 0)
		return NULL;
	h = u.host;
	u.host = NULL;
	remote_url_release(&u);
	return h;
}

const char *
forge_detect(const char *url)
{
	char *h;
	const char *kind = NULL;

	if (!url)
		return NULL;
	if (!strncmp(url, "file://", 7) || url[0] == '/' || url[0] == '.')
		return "none";
	if (!(h = url_host(url)))
		return strstr(url, "://") ? NULL : "none";
	if (strstr(h, "github"))
		kind = "github";
	else if (strstr(h, "gitlab"))
		kind = "gitlab";
	else if (strstr(h, "gitea") || strstr(h, "forgejo") || strstr(h, "codeberg"))
		kind = "gitea";
	free(h);
	return kind;
}

int
forge_slug(char **out, const char *url)
{
	const char *p = strstr(url, "://");
	size_t n;

	if (p) {
		p += 3;
		if (!(p = strchr(p, '/')))
			return mend_err("'%s': no repository path in the URL", url);
	} else if ((p = strchr(url, ':')) && (!strchr(url, '/') || p < strchr(url, '/')))
		p++;	/* scp-like user@host:owner/name */
	else
		p = url;
	while (*p == '/')
		p++;
	n = strlen(p);
	while (n > 0 && p[n - 1] == '/')
		n--;
	if (n > 4 && !strncmp(p + n - 4, ".git", 4))
		n -= 4;
	if (!strncmp(url, "file://", 7) || url[0] == '/' || url[0] == '.') {
		/* A local path: its last two components. */
		const char *s = p + n;
		int slashes = 0;
		while (s > p && !(s[-1] == '/' && ++slashes == 2))
			s--;
		n -= (size_t)(s - p);
		p = s;
	}
	if (n == 0 || !memchr(p, '/', n))
		return mend_err("'%s': cannot tell OWNER/NAME (use --slug)", url);
	return (*out = strndup(p, n)) ? 0 : mend_err("out of memory");
}

int
forge_api_url(char **out, const char *kind, const char *url)
{
	char *h = url ? url_host(url) : NULL;
	int rc;

	if (!h)
		return mend_err("cannot tell the API URL from '%s' (use --api-url)", url ? url : "");
	if (!strcmp(kind, "github"))
		rc = !strcmp(h, "github.com") ? asprintf(out, "https://api.github.com")
		    : asprintf(out, "https://%s/api/v3", h);
	else if (!strcmp(kind, "gitlab"))
		rc = asprintf(out, "https://%s/api/v4", h);
	else if (!strcmp(kind, "gitea"))
		rc = asprintf(out, "https://%s/api/v1", h);
	else
		rc = -1;
	free(h);
	return rc < 0 ? mend_err("no API URL for forge '%s'", kind) : 0;
}

int
forge_fill(struct forge *f, char **slug, char **api, const char *remote_url)
{
	*slug = *api = NULL;
	if (!f->slug) {
		if (forge_slug(slug, remote_url) < 0)
			return -1;
		f->slug = *slug;
	}
	if (!f->api) {
		if (forge_api_url(api, f->kind, remote_url) < 0)
			return -1;
		f->api = *api;
	}
	return 0;
}

void
forge_pr_release(struct forge_pr *pr)
{
	free(pr->url);
	pr->url = NULL;
}

/* Percent-encode for a path segment or query value. */
char *
forge_enc(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	char *o = malloc(strlen(s) * 3 + 1), *q = o;

	if (!o)
		return NULL;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~')
			*q++ = (char)c;
		else {
			*q++ = '%';
			*q++ = hex[c >> 4];
			*q++ = hex[c & 15];
		}
	}
	*q = '\0';
	return o;
}

/*
 * One API call with the forge's headers.  Returns 0 with the response
 * (any status), -1 on transport failure, -2 when rate limited without a
 * time to wait.
 */
int
forge_call(struct http_resp *resp, const struct forge *f, const char *method, const char *url,
    jv body)
{
	char auth[1200];
	const char *hdrs[6];
	char *b = NULL;
	struct http_req req = { 0 };
	int i = 0, attempt, rc = 0;

	if (!strcmp(f->kind, "github")) {
		hdrs[i++] = "Accept: application/vnd.github+json";
		hdrs[i++] = "X-GitHub-Api-Version: 2022-11-28";
		snprintf(auth, sizeof auth, "Authorization: Bearer %s", f->token ? f->token : "");
	} else if (!strcmp(f->kind, "gitlab"))
		snprintf(auth, sizeof auth, "PRIVATE-TOKEN: %s", f->token ? f->token : "");
	else
		snprintf(auth, sizeof auth, "Authorization: token %s", f->token ? f->token : "");
	if (f->token && *f->token)
		hdrs[i++] = auth;
	if (jv_is_valid(body)) {
		hdrs[i++] = "Content-Type: application/json";
		b = record_dump(body);
		jv_free(body);
		if (!b)
			return mend_err("out of memory");
	}
	hdrs[i] = NULL;
	req.method = method;
	req.url = url;
	req.headers = hdrs;
	req.body = b;
	req.body_len = b ? strlen(b) : 0;
	req.timeout_ms = 30000;
	for (attempt = 1; ; attempt++) {
		if (http_do_retry(resp, &req) < 0) {
			rc = -1;
			break;
		}
		if ((resp->status == 403 || resp->status == 429) &&
		    (resp->retry_after >= 0 || strcasestr(resp->body, "rate limit"))) {
			if (resp->retry_after < 0 || attempt > RATE_RETRIES) {
				rc = mend_err("%s %s: rate limited (%ld)%s", method, url, resp->status,
				    resp->retry_after < 0 ? "" : ", still after retries");
				http_resp_release(resp);
				rc = -2;
				break;
			}
			mend_sleep(resp->retry_after < RATE_WAIT_CAP ? resp->retry_after
			    : RATE_WAIT_CAP, NULL);
			http_resp_release(resp);
			continue;
		}
		break;
	}
	/* Wipe the header that held the token. */
	memset(auth, 0, sizeof auth);
	free(b);
	return rc;
}

/* The forge's "message" from an error body, for diagnostics. */
void
forge_api_error(const struct http_resp *resp, const char *what)
{
	jv v;
	const char *m = NULL;

	if (resp->body_len && record_parse(&v, resp->body, resp->body_len) == 0) {
		m = record_str(v, "message");
		mend_err("%s: HTTP %ld%s%.300s", what, resp->status, m ? ": " : "", m ? m : "");
		jv_free(v);
	} else
		mend_err("%s: HTTP %ld", what, resp->status);
}

/* Find the open pull request whose head is branch; 1 found, 0 none, <0 error. */
static int
find_open(struct forge_pr *pr, const struct forge *f, const char *branch)
{
	char *url = NULL, *eb = forge_enc(branch), *es = forge_enc(f->slug), *owner = NULL;
	struct http_resp resp = { 0 };
	jv list = jv_invalid();
	int rc, i, n;

	if (!eb || !es || !(owner = strndup(f->slug, strcspn(f->slug, "/")))) {
		rc = mend_err("out of memory");
		goto out;
	}
	if (!strcmp(f->kind, "github"))
		rc = asprintf(&url, "%s/repos/%s/pulls?state=open&head=%s:%s&per_page=100", f->api,
		    f->slug, owner, eb);
	else if (!strcmp(f->kind, "gitlab"))
		rc = asprintf(&url, "%s/projects/%s/merge_requests?state=opened&source_branch=%s",
		    f->api, es, eb);
	else
		rc = asprintf(&url, "%s/repos/%s/pulls?state=open&limit=50", f->api, f->slug);
	if (rc < 0) {
		url = NULL;
		rc = mend_err("out of memory");
		goto out;
	}
	if ((rc = forge_call(&resp, f, "GET", url, jv_invalid())) < 0)
		goto out;
	if (resp.status != 200) {
		forge_api_error(&resp, "cannot list pull requests");
		rc = resp.status == 401 || resp.status == 403 || resp.status == 404 ? -1 : -3;
		goto out;
	}
	if (record_parse(&list, resp.body, resp.body_len) < 0 ||
	    jv_get_kind(list) != JV_KIND_ARRAY) {
		rc = mend_err("cannot list pull requests: not a JSON array");
		goto out;
	}
	rc = 0;
	n = jv_array_length(jv_copy(list));
	for (i = 0; i < n && rc == 0; i++) {
		jv e = jv_array_get(jv_copy(list), i);
		const char *ref = !strcmp(f->kind, "gitlab") ? record_str(e, "source_branch")
		    : record_str(e, "head.ref");
		if (ref && !strcmp(ref, branch)) {
			const char *u = record_str(e, !strcmp(f->kind, "gitlab") ? "web_url"
			    : "html_url");
			pr->url = u ? strdup(u) : NULL;
			pr->number = (long)record_num(e, !strcmp(f->kind, "gitlab") ? "iid" : "number",
			    0);
			pr->draft = record_bool(e, "draft", 0) || record_bool(e, "work_in_progress", 0);
			pr->created = 0;
			rc = 1;
		}
		jv_free(e);
	}
out:
	jv_free(list);
	http_resp_release(&resp);
	free(url);
	free(eb);
	free(es);
	free(owner);
	return rc;
}

int
forge_pr_open(struct forge_pr *pr, const struct forge *f, const struct forge_pr_req *q)
{
	char *url = NULL, *es = NULL, *title = NULL;
	struct http_resp resp = { 0 };
	jv body, v = jv_invalid();
	int rc, gl = !strcmp(f->kind, "gitlab"), gh = !strcmp(f->kind, "github");

	memset(pr, 0, sizeof *pr);
	if (!f->slug || !f->api)
		return mend_err("forge '%s' needs a slug and an API URL", f->kind);
	if ((rc = find_open(pr, f, q->head)) != 0)
		return rc > 0 ? 0 : rc == -3 ? -1 : rc;
	/* GitHub has a draft flag; Gitea and GitLab read a title prefix. */
	if (asprintf(&title, "%s%s", q->draft && !gh ? (gl ? "Draft: " : "WIP: ") : "",
	    q->title) < 0)
		return mend_err("out of memory");
	if (gl) {
		if (!(es = forge_enc(f->slug))) {
			free(title);
			return mend_err("out of memory");
		}
		rc = asprintf(&url, "%s/projects/%s/merge_requests", f->api, es);
		body = JV_OBJECT(jv_string("source_branch"), jv_string(q->head),
		    jv_string("target_branch"), jv_string(q->base), jv_string("title"),
		    jv_string(title), jv_string("description"), jv_string(q->body),
		    jv_string("remove_source_branch"), jv_true());
	} else {
		rc = asprintf(&url, "%s/repos/%s/pulls", f->api, f->slug);
		body = JV_OBJECT(jv_string("title"), jv_string(title), jv_string("head"),
		    jv_string(q->head), jv_string("base"), jv_string(q->base), jv_string("body"),
		    jv_string(q->body));
		if (gh)
			body = jv_object_set(body, jv_string("draft"), jv_bool(q->draft));
	}
	free(title);
	free(es);
	if (rc < 0) {
		jv_free(body);
		return mend_err("out of memory");
	}
	rc = forge_call(&resp, f, "POST", url, body);
	free(url);
	if (rc < 0)
		return rc;
	if (resp.status == 201 || resp.status == 200) {
		if (record_parse(&v, resp.body, resp.body_len) < 0) {
			http_resp_release(&resp);
			return mend_err("pull request created, but the answer is not JSON");
		}
		pr->url = record_str(v, gl ? "web_url" : "html_url") ?
		    strdup(record_str(v, gl ? "web_url" : "html_url")) : NULL;
		pr->number = (long)record_num(v, gl ? "iid" : "number", 0);
		pr->draft = q->draft;
		pr->created = 1;
		jv_free(v);
		http_resp_release(&resp);
		return 0;
	}
	if (resp.status == 422 || resp.status == 409) {
		/* "A pull request already exists": someone (or a racing run) made it. */
		if (strcasestr(resp.body, "already exist")) {
			http_resp_release(&resp);
			if ((rc = find_open(pr, f, q->head)) > 0)
				return 0;
			return rc < 0 ? (rc == -3 ? -1 : rc)
			    : mend_err("the forge says a pull request exists but lists none");
		}
	}
	forge_api_error(&resp, "cannot open the pull request");
	http_resp_release(&resp);
	return -1;
}

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	return v && *v ? v : NULL;
}

const char *
forge_token(const char *kind)
{
	const char *v = !strcmp(kind, "github") ? "GITHUB_TOKEN" : !strcmp(kind, "gitea")
	    ? "GITEA_TOKEN" : !strcmp(kind, "gitlab") ? "GITLAB_TOKEN" : NULL;

	if (!v)
		return NULL;
	return env("MEND_FORGE_TOKEN") ? env("MEND_FORGE_TOKEN") : env(v);
}

const char *
forge_git_token(void)
{
	static const char *const vars[] = { "MEND_GIT_TOKEN", "MEND_FORGE_TOKEN",
		"GITHUB_TOKEN", "GITEA_TOKEN", "GITLAB_TOKEN", NULL };

	for (int i = 0; vars[i]; i++)
		if (env(vars[i]))
			return env(vars[i]);
	return NULL;
}

int
forge_opts_check(const char *kind, const char *slug, const char **api)
{
	static char norm[2048];
	size_t n;

	if (kind && strcmp(kind, "github") && strcmp(kind, "gitea") &&
	    strcmp(kind, "gitlab") && strcmp(kind, "none"))
		return mend_err("--forge must be github, gitea, gitlab or none");
	if (slug && !strchr(slug, '/'))
		return mend_err("--slug must be OWNER/NAME");
	if (*api) {
		n = strlen(*api);
		while (n > 0 && (*api)[n - 1] == '/')
			n--;
		if (n >= sizeof norm)
			return mend_err("--api-url is too long");
		snprintf(norm, sizeof norm, "%.*s", (int)n, *api);
		*api = norm;
	}
	return 0;
}
