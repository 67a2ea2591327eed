/*
 * git_apply.c - changes applied to a checkout, and diffs read from it.
 *
 * A change is applied with git_apply first.  When libgit2 cannot parse
 * or apply the diff (models miscount hunk lines and line numbers), each
 * hunk is located by its context instead (hunk.c), which refuses a hunk
 * that matches nowhere or more than once.  Every path is checked with
 * the guard before anything is written, and again after staging, which
 * also catches what an agent wrote.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "git.h"

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
