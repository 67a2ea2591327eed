/*
 * tail.c - follow files by name, like `tail -F`: through rotation (the
 * file renamed and a new one created), truncation (copytruncate) and
 * files that do not exist yet.
 *
 * A file is known by its device and inode, and its position is the
 * offset just past the last whole line handed out: (dev, ino, off) is
 * all a restart needs to continue where the last run stopped.  When the
 * name points at another inode than the one open, the open file is read
 * to its end first (its last line even without a newline: nobody will
 * finish it) and then the new one is opened at offset 0, so a rotation
 * loses nothing that was written before the writer reopened.  When the
 * file is shorter than the position, it was truncated: reading restarts
 * at 0.  A restart whose saved inode is no longer under the name looks
 * for it among the names in the same directory (app.log.1), reads its
 * rest, then goes on with the new file.
 *
 * Changes are noticed through inotify on each file's directory (which
 * sees writes, creations, renames and deletions of the files in it);
 * without inotify the caller polls.  A line longer than max_line is cut
 * there and the rest of it skipped.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mend.h"

#define CHUNK (64 * 1024)

struct tail_file {
	char *path;
	int fd;			/* -1 while the file is missing */
	dev_t dev;
	ino_t ino;
	long long off;		/* past the last whole line handed out */
	long long roff;		/* read offset: off + len */
	char *buf;
	size_t len, cap;
	int skip;		/* dropping the rest of an overlong line */
	int eof;		/* the last read found the end */
};

struct tailer {
	struct tail_file *f;
	size_t n;
	int ifd;
	size_t max_line;
};

int
tailer_new(struct tailer **out, size_t max_line, int use_inotify)
{
	struct tailer *t = calloc(1, sizeof *t);

	if (!t)
		return mend_err("out of memory");
	t->max_line = max_line ? max_line : 16384;
	t->ifd = use_inotify ? inotify_init1(IN_NONBLOCK | IN_CLOEXEC) : -1;
	*out = t;
	return 0;
}

void
tailer_free(struct tailer *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->n; i++) {
		if (t->f[i].fd >= 0)
			close(t->f[i].fd);
		free(t->f[i].path);
		free(t->f[i].buf);
	}
	free(t->f);
	if (t->ifd >= 0)
		close(t->ifd);
	free(t);
}

int
tailer_fd(const struct tailer *t)
{
	return t->ifd;
}

void
tailer_drain(struct tailer *t)
{
	char buf[4096];

	if (t->ifd >= 0)
		while (read(t->ifd, buf, sizeof buf) > 0)
			;
}

static void
watch_dir(struct tailer *t, const char *path)
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');

	if (t->ifd < 0)
		return;
	if (!slash)
		snprintf(dir, sizeof dir, ".");
	else if (slash == path)
		snprintf(dir, sizeof dir, "/");
	else
		snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
	/* The same directory twice gives the same watch: harmless. */
	inotify_add_watch(t->ifd, dir, IN_MODIFY | IN_CREATE | IN_MOVED_TO | IN_MOVED_FROM |
	    IN_DELETE | IN_ATTRIB | IN_CLOSE_WRITE);
}

/* Open f->path (or other, a file standing in for it) at offset off. */
static int
open_at(struct tail_file *f, const char *path, long long off)
{
	struct stat st;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 0 : mend_errno("cannot open '%s'", path);
	if (fstat(fd, &st) < 0) {
		close(fd);
		return mend_errno("cannot stat '%s'", path);
	}
	if (off < 0 || off > (long long)st.st_size)	/* -1: the end */
		off = off < 0 ? (long long)st.st_size : 0;
	if (lseek(fd, (off_t)off, SEEK_SET) < 0) {
		close(fd);
		return mend_errno("cannot seek '%s'", path);
	}
	f->fd = fd;
	f->dev = st.st_dev;
	f->ino = st.st_ino;
	f->off = f->roff = off;
	f->len = 0;
	f->skip = 0;
	f->eof = 0;
	return 1;
}

/* The file in path's directory with inode (dev, ino), malloc'd, or NULL. */
static char *
find_inode(const char *path, dev_t dev, ino_t ino)
{
	char dir[PATH_MAX], full[PATH_MAX + NAME_MAX + 2];
	const char *slash = strrchr(path, '/');
	struct dirent *e;
	char *found = NULL;
	DIR *d;

	snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - path) + (slash == path) : 1,
	    slash ? path : ".");
	if (!(d = opendir(dir)))
		return NULL;
	while ((e = readdir(d)) && !found) {
		struct stat st;
		if (e->d_ino != ino)
			continue;
		snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
		if (stat(full, &st) == 0 && st.st_dev == dev && st.st_ino == ino &&
		    S_ISREG(st.st_mode))
			found = strdup(full);
	}
	closedir(d);
	return found;
}

int
tailer_add(struct tailer *t, const char *path, const struct tail_pos *saved, int from_end)
{
	struct tail_file *f, *nf;
	struct stat st;
	int rc;

	if (!(nf = realloc(t->f, (t->n + 1) * sizeof *nf)))
		return mend_err("out of memory");
	t->f = nf;
	f = &t->f[t->n];
	memset(f, 0, sizeof *f);
	f->fd = -1;
	if (!(f->path = strdup(path)) || !(f->buf = malloc(CHUNK + t->max_line))) {
		free(f->path);
		return mend_err("out of memory");
	}
	f->cap = CHUNK + t->max_line;
	t->n++;
	watch_dir(t, path);
	if (saved && saved->off >= 0) {
		if (stat(path, &st) == 0 && st.st_dev == saved->dev && st.st_ino == saved->ino)
			return open_at(f, path, saved->off) < 0 ? -1 : 0;
		{
			/* Rotated while we were away: finish the old file first. */
			char *old = find_inode(path, saved->dev, saved->ino);
			if (old) {
				rc = open_at(f, old, saved->off);
				free(old);
				if (rc != 0)
					return rc < 0 ? -1 : 0;
			}
		}
		return open_at(f, path, 0) < 0 ? -1 : 0;
	}
	return open_at(f, path, from_end ? -1 : 0) < 0 ? -1 : 0;
}

size_t
tailer_count(const struct tailer *t)
{
	return t->n;
}

const char *
tailer_path(const struct tailer *t, size_t i)
{
	return t->f[i].path;
}

int
tailer_pos(const struct tailer *t, size_t i, struct tail_pos *pos)
{
	const struct tail_file *f = &t->f[i];

	if (f->fd < 0)
		return 0;
	pos->dev = f->dev;
	pos->ino = f->ino;
	pos->off = f->off;
	return 1;
}

/* Hand out the whole lines in f->buf; keep the rest. */
static int
split(struct tailer *t, struct tail_file *f, size_t i, int last, tail_line_fn *fn,
    void *arg)
{
	size_t start = 0;

	for (;;) {
		char *nl = memchr(f->buf + start, '\n', f->len - start);
		size_t n;

		if (!nl) {
			n = f->len - start;
			if (f->skip) {
				f->off += (long long)n;
				start = f->len;
				break;
			}
			if (n >= t->max_line) {
				/* Cut: hand out max_line bytes, skip to the newline. */
				if (fn(arg, i, f->buf + start, t->max_line, f->off) < 0)
					return -1;
				f->off += (long long)n;
				f->skip = 1;
				start = f->len;
				break;
			}
			if (last && n > 0) {
				if (fn(arg, i, f->buf + start, n, f->off) < 0)
					return -1;
				f->off += (long long)n;
				start = f->len;
			}
			break;
		}
		n = (size_t)(nl - (f->buf + start));
		if (f->skip)
			f->skip = 0;
		else if (fn(arg, i, f->buf + start, n < t->max_line ? n : t->max_line, f->off) < 0)
			return -1;
		f->off += (long long)n + 1;
		start += n + 1;
	}
	if (start > 0) {
		memmove(f->buf, f->buf + start, f->len - start);
		f->len -= start;
	}
	return 0;
}

/*
 * At the end of f: has the name moved to another file, or was this one
 * truncated?  0 when this is simply the end, 1 when a missing file
 * appeared, 2 when reading goes on from a new file or from 0, -1 on
 * error.
 */
static int
check(struct tailer *t, struct tail_file *f, size_t i, tail_line_fn *fn, void *arg)
{
	struct stat st, fst;

	if (f->fd < 0)
		return open_at(f, f->path, 0);
	if (stat(f->path, &st) == 0 && (st.st_dev != f->dev || st.st_ino != f->ino)) {
		/* Rotated: this file is done, its last line too. */
		if (split(t, f, i, 1, fn, arg) < 0)
			return -1;
		close(f->fd);
		f->fd = -1;
		return open_at(f, f->path, 0) < 0 ? -1 : 2;
	}
	if (fstat(f->fd, &fst) == 0 && (long long)fst.st_size < f->roff) {
		/* Truncated (copytruncate): start again at 0. */
		if (lseek(f->fd, 0, SEEK_SET) < 0)
			return mend_errno("cannot seek '%s'", f->path);
		f->off = f->roff = 0;
		f->len = 0;
		f->skip = 0;
		return 2;
	}
	return 0;
}

int
tailer_read(struct tailer *t, size_t i, size_t budget, tail_line_fn *fn, void *arg)
{
	struct tail_file *f = &t->f[i];
	size_t got = 0;

	for (;;) {
		ssize_t n;
		int rc;

		if (f->fd < 0) {
			if ((rc = check(t, f, i, fn, arg)) <= 0)
				return rc;
			continue;
		}
		if (got >= budget)
			return 1;
		n = read(f->fd, f->buf + f->len, f->cap - f->len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return mend_errno("cannot read '%s'", f->path);
		if (n > 0) {
			f->len += (size_t)n;
			f->roff += n;
			got += (size_t)n;
			if (split(t, f, i, 0, fn, arg) < 0)
				return -1;
			continue;
		}
		rc = check(t, f, i, fn, arg);
		if (rc == 1)
			continue;
		return rc;
	}
}
