/*
 * record.c - JSON lines in and out, and the one place that knows jv's
 * reference counting rules.
 *
 * The reader owns a growable buffer filled with read(2), so a line may
 * be any length and poll(2) on the descriptor stays meaningful (stdio
 * buffering would hide data from poll).  A bad line is reported with its
 * file and line number and skipped; the caller learns how many there
 * were at the end and exits 65.
 *
 * Writers flush each record: a pipeline must see a record as soon as it
 * is decided, and a write error must surface at the record that hit it.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mend.h"

struct record_reader {
	int fd;
	int owned;	/* close fd on free */
	int eof;
	char *name;
	char *buf;
	size_t cap, start, end;	/* unread bytes are buf[start..end) */
	long line;
	size_t bad;
	const char *text;	/* the last record's text, in buf */
	size_t text_len;
};

int
record_reader_open(struct record_reader **out, const char *path)
{
	struct record_reader *r;
	int stdin_ = !path || !strcmp(path, "-");
	int fd = stdin_ ? 0 : open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return mend_errno("cannot open '%s'", path);
	if (!(r = calloc(1, sizeof *r)) || !(r->buf = malloc(r->cap = 65536)) ||
	    !(r->name = strdup(stdin_ ? "-" : path))) {
		if (r)
			free(r->buf);
		free(r);
		if (!stdin_)
			close(fd);
		return mend_err("out of memory");
	}
	r->fd = fd;
	r->owned = !stdin_;
	*out = r;
	return 0;
}

void
record_reader_free(struct record_reader *r)
{
	if (!r)
		return;
	if (r->owned)
		close(r->fd);
	free(r->buf);
	free(r->name);
	free(r);
}

int record_reader_fd(const struct record_reader *r) { return r->fd; }
size_t record_reader_bad(const struct record_reader *r) { return r->bad; }
const char *record_reader_name(const struct record_reader *r) { return r->name; }
long record_reader_line(const struct record_reader *r) { return r->line; }

/* Read more input; 1 got some, 0 EOF, -1 error. */
static int
fill(struct record_reader *r)
{
	ssize_t n;

	if (r->start > 0 && r->start == r->end)
		r->start = r->end = 0;
	if (r->end == r->cap) {
		if (r->start > 0) {
			memmove(r->buf, r->buf + r->start, r->end - r->start);
			r->end -= r->start;
			r->start = 0;
		} else {
			char *nb = realloc(r->buf, r->cap * 2);
			if (!nb)
				return mend_err("%s: line %ld too long: out of memory",
				    r->name, r->line + 1);
			r->buf = nb;
			r->cap *= 2;
		}
	}
	do
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return mend_errno("read error on '%s'", r->name);
	if (n == 0) {
		r->eof = 1;
		return 0;
	}
	r->end += (size_t)n;
	return 1;
}

int
record_reader_ready(struct record_reader *r)
{
	struct pollfd pfd = { .fd = r->fd, .events = POLLIN };

	if (memchr(r->buf + r->start, '\n', r->end - r->start) || r->eof)
		return 1;
	return poll(&pfd, 1, 0) > 0;
}

static void
bad_line(struct record_reader *r, const char *why)
{
	r->bad++;
	mend_warn("%s:%ld: %s", r->name, r->line, why);
}

int
record_read(struct record_reader *r, jv *out)
{
	for (;;) {
		char *s = r->buf + r->start, *nl;
		size_t len;
		jv v;

		nl = memchr(s, '\n', r->end - r->start);
		if (!nl && !r->eof) {
			if (fill(r) < 0)
				return -1;
			continue;
		}
		if (!nl && r->start == r->end)
			return 0;
		len = nl ? (size_t)(nl - s) : r->end - r->start;
		r->start += len + (nl ? 1 : 0);
		r->line++;
		if (len > 0 && s[len - 1] == '\r')
			len--;
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		while (len > 0 && (*s == ' ' || *s == '\t'))
			s++, len--;
		if (len == 0)
			continue;
		v = jv_parse_sized(s, (int)len);
		if (!jv_is_valid(v)) {
			jv msg = jv_invalid_get_msg(v);
			char why[512];
			snprintf(why, sizeof why, "bad JSON: %s",
			    jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg)
			    : "invalid");
			jv_free(msg);
			bad_line(r, why);
			continue;
		}
		if (jv_get_kind(v) != JV_KIND_OBJECT) {
			jv_free(v);
			bad_line(r, "not a JSON object");
			continue;
		}
		r->text = s;
		r->text_len = len;
		*out = v;
		return 1;
	}
}

const char *
record_reader_text(const struct record_reader *r, size_t *len)
{
	*len = r->text_len;
	return r->text;
}

int
record_each(int argc, char **argv, int (*fn)(jv rec, void *arg), void *arg)
{
	char *stdin_only[] = { "-" };
	int i, rc = 0, bad = 0;

	if (argc == 0) {
		argc = 1;
		argv = stdin_only;
	}
	for (i = 0; i < argc; i++) {
		struct record_reader *r;
		jv rec;
		int n;

		if (record_reader_open(&r, argv[i]) < 0) {
			mend_warn("%s", mend_errmsg());
			rc = EX_NOINPUT;
			continue;
		}
		while ((n = record_read(r, &rec)) > 0)
			if (fn(rec, arg) < 0) {
				record_reader_free(r);
				return -1;
			}
		bad += record_reader_bad(r) > 0;
		record_reader_free(r);
		if (n < 0)
			return -1;
	}
	if (rc)
		return rc;
	return bad ? EX_DATAERR : 0;
}

int
record_write(FILE *f, jv rec)
{
	jv s = jv_dump_string(rec, 0);
	const char *p = jv_string_value(s);
	size_t n = (size_t)jv_string_length_bytes(jv_copy(s));
	int rc = 0;

	if (fwrite(p, 1, n, f) != n || putc('\n', f) == EOF || fflush(f) == EOF)
		rc = mend_errno("write error");
	jv_free(s);
	return rc;
}

char *
record_dump(jv rec)
{
	jv s = jv_dump_string(jv_copy(rec), 0);
	char *p = strdup(jv_string_value(s));

	jv_free(s);
	return p;
}

int
record_parse(jv *out, const char *s, size_t len)
{
	jv v = jv_parse_sized(s, (int)len);

	if (!jv_is_valid(v)) {
		jv msg = jv_invalid_get_msg(v);
		int rc = mend_err("bad JSON: %s", jv_get_kind(msg) == JV_KIND_STRING
		    ? jv_string_value(msg) : "invalid");
		jv_free(msg);
		return rc;
	}
	*out = v;
	return 0;
}

/*
 * Walk a dotted path.  Returns a new reference to the value, or
 * jv_invalid() when some step is missing or not an object.
 */
static jv
walk(jv v, const char *path)
{
	const char *p = path;

	v = jv_copy(v);
	while (*p) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		jv k;

		if (jv_get_kind(v) != JV_KIND_OBJECT) {
			jv_free(v);
			return jv_invalid();
		}
		k = jv_string_sized(p, (int)n);
		if (!jv_object_has(jv_copy(v), jv_copy(k))) {
			jv_free(k);
			jv_free(v);
			return jv_invalid();
		}
		v = jv_object_get(v, k);
		p += n + (dot ? 1 : 0);
		if (!dot)
			break;
	}
	return v;
}

jv
record_get(jv rec, const char *path)
{
	jv v = walk(rec, path);

	return jv_is_valid(v) ? v : (jv_free(v), jv_null());
}

/*
 * The value at path, borrowed: our reference is dropped at once, the
 * container (rec, kept alive by the caller) holds it.  Invalid when absent.
 */
static jv
peek(jv rec, const char *path)
{
	jv v = walk(rec, path);

	jv_free(v);
	return v;
}

const char *
record_str(jv rec, const char *path)
{
	jv v = peek(rec, path);

	return jv_get_kind(v) == JV_KIND_STRING ? jv_string_value(v) : NULL;
}

double
record_num(jv rec, const char *path, double dflt)
{
	jv v = peek(rec, path);

	return jv_get_kind(v) == JV_KIND_NUMBER ? jv_number_value(v) : dflt;
}

int
record_bool(jv rec, const char *path, int dflt)
{
	jv_kind k = jv_get_kind(peek(rec, path));

	return k == JV_KIND_TRUE ? 1 : k == JV_KIND_FALSE ? 0 : dflt;
}

int
record_has(jv rec, const char *path)
{
	jv v = walk(rec, path);
	int has = jv_is_valid(v);

	jv_free(v);
	return has;
}

const char *
record_type(jv rec)
{
	const char *t = record_str(rec, "type");

	return t ? t : "";
}

jv
record_set(jv rec, const char *path, jv v)
{
	const char *dot = strchr(path, '.');
	jv k;

	if (jv_get_kind(rec) != JV_KIND_OBJECT) {
		jv_free(rec);
		rec = jv_object();
	}
	if (!dot)
		return jv_object_set(rec, jv_string(path), v);
	k = jv_string_sized(path, (int)(dot - path));
	{
		jv child = jv_object_has(jv_copy(rec), jv_copy(k))
		    ? jv_object_get(jv_copy(rec), jv_copy(k)) : jv_object();
		child = record_set(child, dot + 1, v);
		return jv_object_set(rec, k, child);
	}
}

jv
record_set_str(jv rec, const char *path, const char *s)
{
	return record_set(rec, path, record_strornull(s));
}

jv
record_set_num(jv rec, const char *path, double n)
{
	return record_set(rec, path, jv_number(n));
}

jv
record_del(jv rec, const char *path)
{
	const char *dot = strchr(path, '.');
	jv k;

	if (jv_get_kind(rec) != JV_KIND_OBJECT)
		return rec;
	if (!dot)
		return jv_object_delete(rec, jv_string(path));
	k = jv_string_sized(path, (int)(dot - path));
	if (!jv_object_has(jv_copy(rec), jv_copy(k))) {
		jv_free(k);
		return rec;
	}
	{
		jv child = jv_object_get(jv_copy(rec), jv_copy(k));
		child = record_del(child, dot + 1);
		return jv_object_set(rec, k, child);
	}
}

jv
record_strornull(const char *s)
{
	return s ? jv_string(s) : jv_null();
}

void
record_clear(jv *v)
{
	jv_free(*v);
	*v = jv_invalid();
}
