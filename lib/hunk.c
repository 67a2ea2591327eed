/*
 * hunk.c - unified diffs and search/replace edits applied to text, for
 * the diffs that `git apply` refuses.
 *
 * Models write diffs whose hunk headers miscount lines, whose line
 * numbers are off, and whose blank context lines lost their leading
 * space.  The parser here does not trust the counts: a hunk runs until
 * the next header, and a line that cannot belong to a hunk ends it.  The
 * locator ignores line numbers: it finds the hunk's old side (context
 * and removed lines) in the file and applies the hunk there only when it
 * matches in exactly one place, first comparing lines exactly, then with
 * trailing white space ignored.  Zero or several matches refuse the
 * whole file: a guess is worse than no fix.
 *
 * This does not handle binary patches, renames or copies (git_apply in
 * git.c does), nor combined diffs.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "mend.h"

struct line {
	const char *s;
	size_t len;
};

static int
grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 8;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	if (!(q = realloc(*p, n * size)))
		return mend_err("out of memory");
	*p = q;
	*cap = n;
	return 0;
}

static int
starts(const char *s, size_t len, const char *pfx)
{
	size_t n = strlen(pfx);

	return len >= n && !memcmp(s, pfx, n);
}

/* The path of a "--- a/x" / "+++ b/x" line, without prefix; NULL for /dev/null. */
static char *
header_path(const char *s, size_t len, int *devnull)
{
	size_t n;
	char *p;

	s += 4, len -= 4;
	while (len > 0 && (*s == ' ' || *s == '\t'))
		s++, len--;
	/* A tab separates the name from a timestamp in diff(1) output. */
	for (n = 0; n < len && s[n] != '\t'; n++)
		;
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\r'))
		n--;
	if (n >= 2 && s[0] == '"' && s[n - 1] == '"')
		s++, n -= 2;
	*devnull = n == 9 && !memcmp(s, "/dev/null", 9);
	if (*devnull)
		return NULL;
	if (n > 2 && (s[0] == 'a' || s[0] == 'b') && s[1] == '/')
		s += 2, n -= 2;
	if (!(p = malloc(n + 1)))
		return NULL;
	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static int
parse_range(const char **pp, long *start, long *count)
{
	char *end;

	*start = strtol(*pp, &end, 10);
	if (end == *pp)
		return -1;
	*count = 1;
	if (*end == ',') {
		const char *c = end + 1;
		*count = strtol(c, &end, 10);
		if (end == c)
			return -1;
	}
	*pp = end;
	return 0;
}

void
diff_release(struct diff *d)
{
	size_t i, j;

	for (i = 0; i < d->nfiles; i++) {
		struct diff_file *f = &d->files[i];
		for (j = 0; j < f->nhunks; j++)
			free(f->hunks[j].lines);
		free(f->hunks);
		free(f->old_path);
		free(f->new_path);
	}
	free(d->files);
	memset(d, 0, sizeof *d);
}

static int
add_file(struct diff *d, size_t *cap)
{
	if (grow((void **)&d->files, cap, d->nfiles + 1, sizeof *d->files) < 0)
		return -1;
	memset(&d->files[d->nfiles], 0, sizeof *d->files);
	d->nfiles++;
	return 0;
}

/* Does line i start a file header ("--- x" directly followed by "+++ y")? */
static int
is_file_header(const struct line *ln, size_t n, size_t i)
{
	return i + 1 < n && starts(ln[i].s, ln[i].len, "--- ") &&
	    starts(ln[i + 1].s, ln[i + 1].len, "+++ ");
}

static int
split_lines(struct line **out, size_t *nout, int *final_nl, const char *text, size_t len)
{
	struct line *ln = NULL;
	size_t n = 0, cap = 0, i = 0;

	*final_nl = len == 0 || text[len - 1] == '\n';
	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t l = nl ? (size_t)(nl - (text + i)) : len - i;
		if (grow((void **)&ln, &cap, n + 1, sizeof *ln) < 0) {
			free(ln);
			return -1;
		}
		ln[n].s = text + i;
		ln[n].len = l;
		n++;
		i += l + 1;
	}
	*out = ln;
	*nout = n;
	return 0;
}

int
diff_parse(struct diff *d, const char *text, size_t len)
{
	struct line *ln;
	size_t n, i = 0, fcap = 0;
	int nl;

	memset(d, 0, sizeof *d);
	if (split_lines(&ln, &n, &nl, text, len) < 0)
		return -1;
	while (i < n) {
		const char *s = ln[i].s;
		size_t l = ln[i].len;
		struct diff_file *f = d->nfiles ? &d->files[d->nfiles - 1] : NULL;

		if (starts(s, l, "diff --git ")) {
			if (add_file(d, &fcap) < 0)
				goto fail;
			d->files[d->nfiles - 1].git = 1;
			i++;
			continue;
		}
		if (f && f->git && !f->nhunks && !f->new_path && !f->old_path) {
			/* Extended header lines of a git diff. */
			if (starts(s, l, "new file mode "))
				f->is_new = 1, f->mode = (unsigned)strtoul(s + 14, NULL, 8);
			else if (starts(s, l, "deleted file mode "))
				f->is_delete = 1;
			else if (starts(s, l, "new mode "))
				f->mode = (unsigned)strtoul(s + 9, NULL, 8);
			else if (starts(s, l, "rename ") || starts(s, l, "copy "))
				f->is_rename = 1;
			else if (starts(s, l, "Binary files ") || starts(s, l, "GIT binary patch"))
				f->is_binary = 1;
		}
		if (is_file_header(ln, n, i)) {
			int dn_old, dn_new;
			if (!f || !f->git || f->nhunks || f->new_path || f->old_path) {
				if (add_file(d, &fcap) < 0)
					goto fail;
				f = &d->files[d->nfiles - 1];
			}
			f->old_path = header_path(s, l, &dn_old);
			f->new_path = header_path(ln[i + 1].s, ln[i + 1].len, &dn_new);
			if ((!dn_old && !f->old_path) || (!dn_new && !f->new_path))
				goto oom;
			if (dn_old)
				f->is_new = 1;
			if (dn_new)
				f->is_delete = 1;
			i += 2;
			continue;
		}
		if (starts(s, l, "@@ ") && f && (f->old_path || f->new_path)) {
			struct hunk *h;
			/* The ranges, parsed from a NUL-terminated copy of this line:
			 * strtol would read on into the next line or past the text. */
			char hdr[96];
			const char *p = hdr + 3;
			size_t hcap = 0;

			snprintf(hdr, sizeof hdr, "%.*s", (int)(l < sizeof hdr - 1 ? l : sizeof hdr - 1),
			    s);

			if (grow((void **)&f->hunks, &f->hcap, f->nhunks + 1, sizeof *f->hunks) < 0)
				goto fail;
			h = &f->hunks[f->nhunks++];
			memset(h, 0, sizeof *h);
			if (*p != '-' || (p++, parse_range(&p, &h->old_start, &h->old_count)) < 0 ||
			    *p++ != ' ' || *p++ != '+' || parse_range(&p, &h->new_start, &h->new_count) < 0) {
				/* "@@ ... @@" without numbers: models write that; locate by context. */
				h->old_start = h->new_start = 0;
				h->old_count = h->new_count = -1;
			}
			for (i++; i < n; i++) {
				const char *t = ln[i].s;
				size_t tl = ln[i].len;
				char op;

				if (tl > 0 && t[tl - 1] == '\r')
					tl--;
				if (starts(t, tl, "@@ ") || starts(t, tl, "diff --git ") ||
				    is_file_header(ln, n, i))
					break;
				if (tl > 0 && t[0] == '\\') {
					/* "\ No newline at end of file" after the last line of a side. */
					if (h->n > 0) {
						if (h->lines[h->n - 1].op == '-')
							h->old_no_eol = 1;
						else if (h->lines[h->n - 1].op == '+')
							h->new_no_eol = 1;
						else
							h->old_no_eol = h->new_no_eol = 1;
					}
					continue;
				}
				op = tl == 0 ? ' ' : t[0];
				if (op != ' ' && op != '-' && op != '+')
					break;
				if (grow((void **)&h->lines, &hcap, h->n + 1, sizeof *h->lines) < 0)
					goto fail;
				h->lines[h->n].op = op;
				h->lines[h->n].s = tl ? t + 1 : t;
				h->lines[h->n].len = tl ? tl - 1 : 0;
				h->n++;
			}
			/* Blank lines at the end are separators, not context. */
			while (h->n > 0 && h->lines[h->n - 1].op == ' ' && h->lines[h->n - 1].len == 0 &&
			    (h->lines[h->n - 1].s == text + len ||
			     h->lines[h->n - 1].s[-1] == '\n'))
				h->n--;
			continue;
		}
		i++;
	}
	free(ln);
	if (d->nfiles == 0)
		return mend_err("no file headers in the diff");
	for (i = 0; i < d->nfiles; i++)
		if (!d->files[i].old_path && !d->files[i].new_path) {
			diff_release(d);
			return mend_err("diff without '---'/'+++' file names");
		}
	return 0;
oom:
	mend_err("out of memory");
fail:
	free(ln);
	diff_release(d);
	return -1;
}

const char *
diff_file_path(const struct diff_file *f)
{
	return f->new_path ? f->new_path : f->old_path;
}

static int
line_eq(const struct line *a, const char *s, size_t len, int loose)
{
	size_t al = a->len;

	if (al > 0 && a->s[al - 1] == '\r')
		al--;
	if (len > 0 && s[len - 1] == '\r')
		len--;
	if (loose) {
		while (al > 0 && isspace((unsigned char)a->s[al - 1]))
			al--;
		while (len > 0 && isspace((unsigned char)s[len - 1]))
			len--;
	}
	return al == len && !memcmp(a->s, s, len);
}

/* Where the old side of h matches in file lines fl[0..n): count and first index. */
static size_t
locate(const struct line *fl, size_t n, const struct hunk *h, int loose, size_t *at)
{
	size_t i, found = 0, nold = 0, k;

	for (k = 0; k < h->n; k++)
		nold += h->lines[k].op != '+';
	if (nold == 0) {
		/* Pure insertion without context: only into an empty file. */
		*at = n;
		return n == 0 ? 1 : 0;
	}
	for (i = 0; i + nold <= n; i++) {
		size_t j = i;
		for (k = 0; k < h->n; k++) {
			if (h->lines[k].op == '+')
				continue;
			if (!line_eq(&fl[j], h->lines[k].s, h->lines[k].len, loose))
				break;
			j++;
		}
		if (k == h->n) {
			if (found++ == 0)
				*at = i;
		}
	}
	return found;
}

int
hunk_apply(char **out, size_t *outlen, const char *text, size_t len, const struct diff_file *f)
{
	char *cur = NULL;
	size_t curlen = len, hi;

	if (f->is_binary || f->is_rename)
		return mend_err("'%s': binary patches and renames need git apply", diff_file_path(f));
	if (!(cur = malloc(len + 1)))
		return mend_err("out of memory");
	memcpy(cur, text, len);
	cur[len] = '\0';
	for (hi = 0; hi < f->nhunks; hi++) {
		const struct hunk *h = &f->hunks[hi];
		struct line *fl;
		size_t n, at = 0, cnt, k, i;
		int final_nl, crlf;
		struct strbuf b = { 0 };

		if (split_lines(&fl, &n, &final_nl, cur, curlen) < 0)
			goto fail;
		/* Added lines follow the file's line ends (CRLF files stay CRLF). */
		crlf = n > 0 && fl[0].len > 0 && fl[0].s[fl[0].len - 1] == '\r';
		cnt = locate(fl, n, h, 0, &at);
		if (cnt == 0)
			cnt = locate(fl, n, h, 1, &at);
		if (cnt != 1) {
			free(fl);
			mend_err("'%s': hunk %zu (@@ -%ld) %s", diff_file_path(f), hi + 1, h->old_start,
			    cnt == 0 ? "matches nowhere" : "matches in more than one place");
			goto fail;
		}
		for (i = 0; i < at; i++) {
			strbuf_addn(&b, fl[i].s, fl[i].len);
			strbuf_addn(&b, "\n", 1);
		}
		for (k = 0; k < h->n; k++) {
			const struct hunk_line *hl = &h->lines[k];
			if (hl->op == '-') {
				i++;
				continue;
			}
			if (hl->op == ' ') {
				/* Keep the file's own version of a context line (its white space). */
				strbuf_addn(&b, fl[i].s, fl[i].len);
				i++;
			} else {
				strbuf_addn(&b, hl->s, hl->len);
				if (crlf && (hl->len == 0 || hl->s[hl->len - 1] != '\r'))
					strbuf_addn(&b, "\r", 1);
			}
			strbuf_addn(&b, "\n", 1);
		}
		for (; i < n; i++) {
			strbuf_addn(&b, fl[i].s, fl[i].len);
			strbuf_addn(&b, "\n", 1);
		}
		/* The final newline: the hunk decides when it reaches the end of
		 * the file ("\ No newline" markers), else the file keeps its own. */
		{
			size_t last_old = at;
			int nl_after = final_nl;
			for (k = 0; k < h->n; k++)
				last_old += h->lines[k].op != '+';
			if (last_old >= n)
				nl_after = h->new_no_eol ? 0 : (final_nl || h->old_no_eol);
			if (!nl_after && b.len > 0 && b.s[b.len - 1] == '\n')
				b.s[--b.len] = '\0';
		}
		free(fl);
		free(cur);
		curlen = b.len;
		if (!(cur = strbuf_take(&b))) {
			mend_err("out of memory");
			goto fail;
		}
	}
	*out = cur;
	*outlen = curlen;
	return 0;
fail:
	free(cur);
	return -1;
}

int
edit_apply(char **out, size_t *outlen, const char *text, size_t len, const char *search,
    const char *replace)
{
	size_t sl = strlen(search), rl = strlen(replace), cnt = 0, at = 0, i;
	char *p;

	if (sl == 0) {
		if (len != 0)
			return mend_err("empty search text for a file that is not empty");
		at = 0;
	} else {
		for (i = 0; i + sl <= len; i++)
			if (!memcmp(text + i, search, sl)) {
				if (cnt++ == 0)
					at = i;
			}
		if (cnt != 1)
			return mend_err("search text %s", cnt ? "matches in more than one place"
			    : "matches nowhere");
	}
	if (!(p = malloc(len - sl + rl + 1)))
		return mend_err("out of memory");
	memcpy(p, text, at);
	memcpy(p + at, replace, rl);
	memcpy(p + at + rl, text + at + sl, len - at - sl);
	p[len - sl + rl] = '\0';
	*out = p;
	*outlen = len - sl + rl;
	return 0;
}
