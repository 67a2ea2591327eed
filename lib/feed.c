/*
 * feed.c - the dashboard's live event streams: Server-Sent Events of the
 * spool's timeline (lib/dashboard.c's dash_events), woken by the spool's
 * inotify wake-ups instead of polling.
 *
 * The HTTP server is the caller's.  It hands each stream an opaque
 * connection and the feed two callbacks: suspend (the stream has nothing
 * to send: stop asking until resumed) and resume.  trigger passes
 * libmicrohttpd's MHD_suspend_connection and MHD_resume_connection, so a
 * waiting stream holds a connection slot but never the serving thread.
 *
 * A watcher thread, with its own spool handle, waits on the spool's
 * wake-ups (every commit writes the WAL) and resumes every suspended
 * stream; every PING_S it also makes each stream send a comment, so a
 * stream to a client that went away finds out on that write.  The
 * resumed stream reads the new timeline entries on the caller's thread
 * with the caller's spool handle.
 *
 * Locking: feed->lock guards the stream list, each stream's suspended
 * and ping flags, and `wakeups`.  A stream suspends under the lock, and
 * only when `wakeups` has not moved since it looked at the spool, so a
 * commit between its query and its suspend cannot be missed.  resume is
 * called outside the lock (the server may hold its own locks when it
 * closes a stream, which takes ours); a stream marked for resumption
 * stays suspended, and so alive, until then.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mend.h"

#define PING_S 15	/* a keep-alive comment on idle streams */
#define STOP_WAIT_S 5	/* feed_stop waits this long for streams to close */

struct feed_stream {
	void *conn;
	int64_t cursor;		/* the last timeline seq sent */
	struct strbuf buf;	/* what is left to send, from off */
	size_t off;
	int suspended, ping;	/* under feed->lock */
	struct feed_stream *next;
};

struct feed {
	pthread_mutex_t lock;
	pthread_cond_t gone;
	pthread_t watcher;
	struct spool *watch_sp;
	struct feed_ops ops;
	struct feed_stream *streams;
	int nstreams, max, stopping;
	unsigned long wakeups;
};

/* Resume every suspended stream; with ping, each sends at least a comment. */
static void
wake(struct feed *f, int ping)
{
	void **conns;
	struct feed_stream *s;
	int i, n = 0;

	pthread_mutex_lock(&f->lock);
	f->wakeups++;
	conns = f->nstreams > 0 ? calloc((size_t)f->nstreams, sizeof *conns) : NULL;
	for (s = f->streams; s; s = s->next) {
		s->ping |= ping;
		if (s->suspended && conns) {
			s->suspended = 0;
			conns[n++] = s->conn;
		}
	}
	pthread_mutex_unlock(&f->lock);
	for (i = 0; i < n; i++)
		f->ops.resume(conns[i]);
	free(conns);
}

static void *
watch(void *arg)
{
	struct feed *f = arg;
	double next_ping = mend_now() + PING_S;
	int inotify = spool_watch_fd(f->watch_sp) >= 0;

	for (;;) {
		/* Without inotify, every second counts as a wake-up. */
		int woke = spool_wait(f->watch_sp, 1.0) || !inotify;
		int ping = mend_now() >= next_ping, stop;

		pthread_mutex_lock(&f->lock);
		stop = f->stopping;
		pthread_mutex_unlock(&f->lock);
		if (stop)
			break;
		if (woke || ping)
			wake(f, ping);
		if (ping)
			next_ping = mend_now() + PING_S;
	}
	return NULL;
}

int
feed_start(struct feed **out, const char *spool_dir, int max_streams,
    const struct feed_ops *ops)
{
	struct feed *f = calloc(1, sizeof *f);

	if (!f)
		return mend_err("out of memory");
	f->ops = *ops;
	f->max = max_streams > 0 ? max_streams : 1;
	pthread_mutex_init(&f->lock, NULL);
	pthread_cond_init(&f->gone, NULL);
	if (spool_open(&f->watch_sp, spool_dir) < 0)
		goto fail;
	if (pthread_create(&f->watcher, NULL, watch, f) != 0) {
		spool_close(f->watch_sp);
		mend_err("cannot start the spool watcher thread");
		goto fail;
	}
	*out = f;
	return 0;
fail:
	pthread_cond_destroy(&f->gone);
	pthread_mutex_destroy(&f->lock);
	free(f);
	return -1;
}

struct feed_stream *
feed_open(struct feed *f, void *conn, int64_t from)
{
	struct feed_stream *s;

	pthread_mutex_lock(&f->lock);
	if (f->stopping || f->nstreams >= f->max) {
		pthread_mutex_unlock(&f->lock);
		mend_err("too many live streams");
		return NULL;
	}
	if (!(s = calloc(1, sizeof *s))) {
		pthread_mutex_unlock(&f->lock);
		mend_err("out of memory");
		return NULL;
	}
	s->conn = conn;
	s->cursor = from;
	s->next = f->streams;
	f->streams = s;
	f->nstreams++;
	pthread_mutex_unlock(&f->lock);
	/* The browser's reconnect delay, and something to send at once. */
	strbuf_add(&s->buf, "retry: 3000\n\n");
	return s;
}

ssize_t
feed_read(struct feed *f, struct feed_stream *s, struct spool *sp, char *out, size_t max)
{
	unsigned long seen;
	size_t n;
	int ping, stop;

	while (s->off >= s->buf.len) {
		strbuf_release(&s->buf);
		s->off = 0;
		pthread_mutex_lock(&f->lock);
		seen = f->wakeups;
		ping = s->ping;
		s->ping = 0;
		stop = f->stopping;
		pthread_mutex_unlock(&f->lock);
		if (stop)
			return FEED_END;
		if (dash_events(&s->buf, sp, &s->cursor) < 0)
			return FEED_ERROR;
		if (s->buf.oom)
			return FEED_ERROR;
		if (s->buf.len == 0 && ping)
			strbuf_add(&s->buf, ": ping\n\n");
		if (s->buf.len > 0)
			break;
		pthread_mutex_lock(&f->lock);
		if (f->stopping) {
			pthread_mutex_unlock(&f->lock);
			return FEED_END;
		}
		if (seen == f->wakeups) {
			s->suspended = 1;
			f->ops.suspend(s->conn);
			pthread_mutex_unlock(&f->lock);
			return 0;
		}
		pthread_mutex_unlock(&f->lock);
	}
	n = s->buf.len - s->off < max ? s->buf.len - s->off : max;
	memcpy(out, s->buf.s + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

void
feed_close(struct feed *f, struct feed_stream *s)
{
	struct feed_stream **pp;

	pthread_mutex_lock(&f->lock);
	for (pp = &f->streams; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	f->nstreams--;
	pthread_cond_broadcast(&f->gone);
	pthread_mutex_unlock(&f->lock);
	strbuf_release(&s->buf);
	free(s);
}

void
feed_end(struct feed *f)
{
	struct timespec until;

	pthread_mutex_lock(&f->lock);
	f->stopping = 1;
	pthread_mutex_unlock(&f->lock);
	wake(f, 0);
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += STOP_WAIT_S;
	pthread_mutex_lock(&f->lock);
	while (f->nstreams > 0)
		if (pthread_cond_timedwait(&f->gone, &f->lock, &until) != 0)
			break;
	pthread_mutex_unlock(&f->lock);
	pthread_join(f->watcher, NULL);
	spool_close(f->watch_sp);
	f->watch_sp = NULL;
}

void
feed_free(struct feed *f)
{
	if (!f)
		return;
	pthread_cond_destroy(&f->gone);
	pthread_mutex_destroy(&f->lock);
	free(f);
}
