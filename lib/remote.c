/*
 * remote.c - which repository mend talks to, and who may have its
 * credentials.
 *
 * The user configures one repository per program (--repo, else
 * MEND_REPO).  Records are untrusted: a planted job, or a test of a
 * patched checkout that enqueues one, must not be able to choose where
 * the git token goes.  So a record that names a repository (repo,
 * incident.repo, patch.repo, deploy.repo) is refused unless it names the
 * configured one, and a record is refused when nothing is configured:
 * the configured URL is the only one mend fetches from or pushes to.
 *
 * Two URLs name the same repository when their hosts and paths agree,
 * ignoring the scheme (https://h/o/r and git@h:o/r are one repository:
 * only the configured one is ever used), the user, a default port, a
 * trailing slash and a trailing ".git".  Local paths (and file:// URLs)
 * agree when they resolve to the same directory.  A credential may go
 * to a URL only when it has the configured URL's scheme, host and port.
 */
#include <ctype.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "mend.h"

void
remote_url_release(struct remote_url *u)
{
	free(u->scheme);
	free(u->host);
	free(u->port);
	free(u->path);
	memset(u, 0, sizeof *u);
}

static char *
lower(char *s)
{
	for (char *c = s; c && *c; c++)
		*c = (char)tolower((unsigned char)*c);
	return s;
}

/* A network path: no leading or repeated '/', no trailing '/' or ".git". */
static char *
net_path(const char *p, size_t n)
{
	char *o = malloc(n + 1), *q = o;
	size_t len;

	if (!o)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (p[i] != '/' || (q > o && q[-1] != '/'))
			*q++ = p[i];
	*q = '\0';
	len = (size_t)(q - o);
	while (len > 0 && o[len - 1] == '/')
		o[--len] = '\0';
	if (len > 4 && !strcmp(o + len - 4, ".git"))
		o[len -= 4] = '\0';
	while (len > 0 && o[len - 1] == '/')
		o[--len] = '\0';
	return o;
}

/* A local path, resolved when it exists, else made absolute. */
static char *
local_path(const char *p)
{
	char real[PATH_MAX], cwd[PATH_MAX], *o;
	size_t n;

	if (realpath(p, real))
		return strdup(real);
	if (p[0] == '/' || !getcwd(cwd, sizeof cwd))
		o = strdup(p);
	else if (asprintf(&o, "%s/%s", cwd, p) < 0)
		o = NULL;
	n = o ? strlen(o) : 0;
	while (n > 1 && o[n - 1] == '/')
		o[--n] = '\0';
	return o;
}

static const char *
default_port(const char *scheme)
{
	return !strcmp(scheme, "https") ? "443" : !strcmp(scheme, "http") ? "80"
	    : !strcmp(scheme, "ssh") ? "22" : !strcmp(scheme, "git") ? "9418" : NULL;
}

int
remote_url_parse(struct remote_url *u, const char *url)
{
	const char *p, *rest, *end, *at, *hend, *colon, *slash;
	int scp = 0;

	memset(u, 0, sizeof *u);
	if (!url || !*url)
		return mend_err("empty repository URL");
	colon = strchr(url, ':');
	slash = strchr(url, '/');
	if ((p = strstr(url, "://")) && p > url && strspn(url, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+.-") == (size_t)(p - url)) {
		if (!(u->scheme = lower(strndup(url, (size_t)(p - url)))))
			goto oom;
		if (!strcmp(u->scheme, "git+ssh") || !strcmp(u->scheme, "ssh+git"))
			memcpy(u->scheme, "ssh", 4);
		rest = p + 3;
		if (!strcmp(u->scheme, "file"))
			return (u->path = local_path(rest)) ? 0 : (remote_url_release(u),
			    mend_err("out of memory"));
		end = rest + strcspn(rest, "/?#");
	} else if (colon && colon > url && (!slash || colon < slash)) {
		/* scp-like [user@]host:path */
		if (!(u->scheme = strdup("ssh")))
			goto oom;
		scp = 1;
		rest = url;
		end = colon;
	} else {
		if (!(u->scheme = strdup("file")) || !(u->path = local_path(url)))
			goto oom;
		return 0;
	}
	if ((at = memrchr(rest, '@', (size_t)(end - rest))))
		rest = at + 1;
	if (*rest == '[' && (hend = memchr(rest, ']', (size_t)(end - rest))))
		hend++;		/* [IPv6] */
	else if (!(hend = memchr(rest, ':', (size_t)(end - rest))))
		hend = end;
	if (hend == rest) {
		remote_url_release(u);
		return mend_err("'%s': no host in the URL", url);
	}
	if (!(u->host = lower(strndup(rest, (size_t)(hend - rest)))))
		goto oom;
	if (!scp && hend + 1 < end && *hend == ':') {
		const char *dp = default_port(u->scheme);
		size_t pn = (size_t)(end - hend - 1);

		if (strspn(hend + 1, "0123456789") < pn) {
			remote_url_release(u);
			return mend_err("'%s': bad port", url);
		}
		if ((!dp || strlen(dp) != pn || memcmp(dp, hend + 1, pn)) &&
		    !(u->port = strndup(hend + 1, pn)))
			goto oom;
	}
	p = scp ? colon + 1 : end;
	if (!(u->path = net_path(p, strcspn(p, "?#"))))
		goto oom;
	return 0;
oom:
	remote_url_release(u);
	return mend_err("out of memory");
}

static int
same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

/*
 * Whether URLs a and b name the same repository (repo set) or the same
 * server; -1 with a message when one does not parse.
 */
static int
url_compare(const char *a, const char *b, int repo)
{
	struct remote_url ua, ub;
	int rc;

	if (remote_url_parse(&ua, a) < 0)
		return -1;
	if (remote_url_parse(&ub, b) < 0) {
		remote_url_release(&ua);
		return -1;
	}
	if (!repo)
		rc = !strcmp(ua.scheme, ub.scheme) && same(ua.host, ub.host) &&
		    same(ua.port, ub.port);
	else if (!strcmp(ua.scheme, "file") || !strcmp(ub.scheme, "file"))
		rc = !strcmp(ua.scheme, ub.scheme) && same(ua.path, ub.path);
	else
		rc = same(ua.host, ub.host) && same(ua.path, ub.path) &&
		    (strcmp(ua.scheme, ub.scheme) || same(ua.port, ub.port));
	remote_url_release(&ua);
	remote_url_release(&ub);
	return rc;
}

int
remote_same_repo(const char *a, const char *b)
{
	return url_compare(a, b, 1);
}

int
remote_same_server(const char *url, const char *configured)
{
	return url_compare(url, configured, 0);
}

int
remote_is_http(const char *url)
{
	return url && !strncasecmp(url, "http://", 7);
}

int
remote_allow_http(int flag)
{
	const char *v = getenv("MEND_ALLOW_HTTP");

	return flag || (v && !strcmp(v, "1"));
}

int
remote_token_ok(const char *url, const char *token, int allow_http)
{
	if (remote_is_http(url) && token && *token && !allow_http)
		return mend_err("refusing to send the git token over plain http to '%s' (use "
		    "https; --allow-http or MEND_ALLOW_HTTP=1 allows it, dangerously)", url);
	return 0;
}

const char *
remote_configured(const char *flag)
{
	const char *v = flag && *flag ? flag : getenv("MEND_REPO");

	return v && *v ? v : NULL;
}

const char *const remote_record_fields[] = {
	"repo", "incident.repo", "analysis.repo", "patch.repo", "deploy.repo", NULL
};

int
remote_for_record(const char **use, const char *configured, jv rec)
{
	const char *named = NULL, *field = NULL;
	int i, rc;

	*use = NULL;
	for (i = 0; remote_record_fields[i]; i++) {
		const char *v = record_str(rec, remote_record_fields[i]);
		if (!v || !*v)
			continue;
		if (!named) {
			named = v;
			field = remote_record_fields[i];
		}
		if (!configured)
			continue;
		if ((rc = remote_same_repo(v, configured)) < 0)
			return mend_err("%s '%s' is not a repository URL", remote_record_fields[i], v);
		if (rc == 0)
			return mend_err("%s '%s' is not the configured repository '%s'; records "
			    "cannot choose where credentials go", remote_record_fields[i], v,
			    configured);
	}
	if (!configured) {
		if (named)
			return mend_err("%s '%s' names a repository, but none is configured "
			    "(--repo or MEND_REPO); records cannot choose where credentials go",
			    field, named);
		return -2;
	}
	*use = configured;
	return 0;
}
