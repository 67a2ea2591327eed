/*
 * httpd.c - the common part of mend's HTTP servers, the one wrapper of
 * libmicrohttpd (see httpd.h): trigger serves its links and dashboard
 * with it, and otlp can receive telemetry with it.
 *
 * The socket is made here rather than by libmicrohttpd, so that a taken
 * port is a plain error with errno's words, and so that port 0 (tests)
 * can say the port it got.  The daemon runs its own thread (or a pool),
 * with a cap on connections, per client address and per connection
 * memory, and an idle timeout: a slow client costs a slot, not the
 * thread.  The stop signals are blocked before the daemon's threads
 * exist, so they inherit the mask and the main thread alone takes them
 * with sigtimedwait.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <pthread.h>

#include "httpd.h"

struct httpd {
	struct MHD_Daemon *d;
	int fd;
	const int *quiet;
	char addr[INET6_ADDRSTRLEN + 16];
};

/* Split spec into host (NULL: any IPv4 address) and port, in buf. */
static int
split(const char *spec, char *buf, size_t len, const char **host, const char **port)
{
	char *p;

	if (strlen(spec) >= len)
		return mend_err("listen address '%s' is too long", spec);
	strcpy(buf, spec);
	if (buf[0] == '[') {
		char *rb = strchr(buf, ']');
		if (!rb || rb[1] != ':')
			return mend_err("bad listen address '%s': want [ADDR]:PORT", spec);
		*rb = '\0';
		*host = buf + 1;
		*port = rb + 2;
	} else if ((p = strrchr(buf, ':'))) {
		*p = '\0';
		*host = *buf ? buf : "0.0.0.0";
		*port = p + 1;
	} else {
		*host = "0.0.0.0";
		*port = buf;
	}
	if (!**port || strspn(*port, "0123456789") != strlen(*port) || atol(*port) > 65535)
		return mend_err("bad listen address '%s': want ADDR:PORT", spec);
	return 0;
}

int
httpd_listen_check(const char *spec)
{
	char buf[300];
	const char *host, *port;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV | AI_NUMERICHOST }, *ai;

	if (split(spec, buf, sizeof buf, &host, &port) < 0)
		return -1;
	if (getaddrinfo(host, port, &hints, &ai) != 0)
		return mend_err("bad listen address '%s': want a numeric address", spec);
	freeaddrinfo(ai);
	return 0;
}

int
httpd_listen(const char *spec, int *v6, char *addr, size_t addrlen)
{
	char buf[300], a[INET6_ADDRSTRLEN] = "?";
	const char *host, *port;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE | AI_NUMERICSERV }, *ai;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	int fd, one = 1, rc;

	if (split(spec, buf, sizeof buf, &host, &port) < 0)
		return -1;
	if ((rc = getaddrinfo(host, port, &hints, &ai)) != 0)
		return mend_err("bad listen address '%s': %s", spec, gai_strerror(rc));
	if ((fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0) {
		freeaddrinfo(ai);
		return mend_errno("cannot listen on '%s'", spec);
	}
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	*v6 = ai->ai_family == AF_INET6;
	if (bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 128) < 0) {
		rc = mend_errno("cannot listen on '%s'", spec);
		freeaddrinfo(ai);
		close(fd);
		return rc;
	}
	freeaddrinfo(ai);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 && ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof a);
		snprintf(addr, addrlen, "[%s]:%d", a, ntohs(s6->sin6_port));
	} else if (ss.ss_family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof a);
		snprintf(addr, addrlen, "%s:%d", a, ntohs(s4->sin_port));
	} else {
		snprintf(addr, addrlen, "%s", spec);
	}
	return fd;
}

/* libmicrohttpd's error messages, one line each, through mend_warn. */
static void
log_mhd(void *cls, const char *fmt, va_list ap)
{
	struct httpd *h = cls;
	char buf[512];

	if (h->quiet && *h->quiet)
		return;
	vsnprintf(buf, sizeof buf, fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	mend_warn("%s", buf);
}

void
httpd_block_signals(sigset_t *set)
{
	sigemptyset(set);
	sigaddset(set, SIGTERM);
	sigaddset(set, SIGINT);
	sigaddset(set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, set, NULL);
}

int
httpd_start(struct httpd **out, const struct httpd_opts *o)
{
	struct httpd *h = calloc(1, sizeof *h);
	unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
	int v6 = 0;

	*out = NULL;
	if (!h)
		return mend_err("out of memory");
	h->quiet = o->quiet;
	if ((h->fd = httpd_listen(o->listen, &v6, h->addr, sizeof h->addr)) < 0) {
		free(h);
		return -1;
	}
	if (v6)
		flags |= MHD_USE_IPv6;
	if (o->suspend)
		flags |= MHD_ALLOW_SUSPEND_RESUME;
	h->d = MHD_start_daemon(flags, 0, NULL, NULL, o->handler, o->handler_cls,
	    MHD_OPTION_EXTERNAL_LOGGER, log_mhd, h,
	    MHD_OPTION_LISTEN_SOCKET, h->fd,
	    MHD_OPTION_NOTIFY_COMPLETED, o->completed, NULL,
	    MHD_OPTION_CONNECTION_LIMIT, o->max_conns ? o->max_conns : 1000u,
	    MHD_OPTION_PER_IP_CONNECTION_LIMIT, o->per_ip,
	    MHD_OPTION_CONNECTION_TIMEOUT, o->timeout_s ? o->timeout_s : 30u,
	    MHD_OPTION_CONNECTION_MEMORY_LIMIT, o->conn_memory ? o->conn_memory
	    : (size_t)32 * 1024,
	    o->threads > 1 ? MHD_OPTION_THREAD_POOL_SIZE : MHD_OPTION_END, o->threads,
	    MHD_OPTION_END);
	if (!h->d) {
		int rc = mend_err("cannot serve on '%s': %s", h->addr,
		    errno ? strerror(errno) : "libmicrohttpd refused");
		close(h->fd);
		free(h);
		return rc;
	}
	*out = h;
	return 0;
}

const char *
httpd_addr(const struct httpd *h)
{
	return h->addr;
}

int
httpd_wait_signal(const sigset_t *set, double timeout)
{
	for (;;) {
		struct timespec ts = { 0, 0 };
		int sig;
		if (timeout >= 0) {
			ts.tv_sec = (time_t)timeout;
			ts.tv_nsec = (long)((timeout - floor(timeout)) * 1e9);
		}
		sig = timeout >= 0 ? sigtimedwait(set, NULL, &ts) : sigwaitinfo(set, NULL);
		if (sig < 0 && errno == EAGAIN)
			return 0;
		if (sig > 0)
			return sig;
	}
}

int
httpd_wait_stop(const sigset_t *set, double timeout)
{
	for (;;) {
		int sig = httpd_wait_signal(set, timeout);
		if (sig == 0 || sig == SIGTERM || sig == SIGINT)
			return sig;
	}
}

void
httpd_stop(struct httpd *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);	/* closes the listening socket too */
	free(h);
}

enum MHD_Result
httpd_respond(struct MHD_Connection *c, unsigned code, const char *ctype, const void *body,
    size_t len, const char *const *headers)
{
	struct MHD_Response *r;
	enum MHD_Result ret;

	r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, ctype);
	for (; headers && headers[0] && headers[1]; headers += 2)
		MHD_add_response_header(r, headers[0], headers[1]);
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}
