/*
 * httpd.h - mend's HTTP servers (trigger, otlp) on libmicrohttpd: the one
 * header besides httpd.c that names it, for the servers' request
 * handlers.  httpd.c owns the rest: the listen address, the socket, the
 * daemon's limits and error log, the stop signals, plain responses.
 */
#ifndef HTTPD_H
#define HTTPD_H

#include <signal.h>
#include <microhttpd.h>

#include "mend.h"

struct httpd;

struct httpd_opts {
	const char *listen;	/* "ADDR:PORT", "[V6]:PORT", ":PORT" (all IPv4) or "PORT" */
	MHD_AccessHandlerCallback handler;
	void *handler_cls;
	MHD_RequestCompletedCallback completed;	/* may be NULL */
	unsigned max_conns;	/* 0: 1000 */
	unsigned per_ip;	/* connections per client address; 0: no cap */
	unsigned timeout_s;	/* an idle connection is closed; 0: 30 */
	unsigned threads;	/* > 1: a pool of that many, else one polling thread */
	size_t conn_memory;	/* per-connection memory; 0: libmicrohttpd's */
	int suspend;		/* handlers may suspend connections */
	const int *quiet;	/* while *quiet, libmicrohttpd's errors are not logged */
};

/* Is spec a listen address of the forms above?  0, or -1 with a message
 * (a usage error: nothing is bound). */
int httpd_listen_check(const char *spec);
/* A bound, listening socket for spec (ADDR:PORT, [V6]:PORT, :PORT or
 * PORT; an empty address is 0.0.0.0), *v6 set for an IPv6 one, the
 * address it got shown in addr: the fd, or -1 with a message. */
int httpd_listen(const char *spec, int *v6, char *addr, size_t addrlen);
/* Block SIGTERM, SIGINT and SIGHUP (into *set) in this thread and the
 * threads it starts later: call before httpd_start, then wait for them
 * with httpd_wait_stop. */
void httpd_block_signals(sigset_t *set);
/* Bind, listen and serve: 0 with *out, -1 with a message (the address is
 * taken, or not ours). */
int httpd_start(struct httpd **out, const struct httpd_opts *o);
/* The address served, "127.0.0.1:8787" or "[::1]:8787", with the port
 * the kernel chose for port 0 (borrowed). */
const char *httpd_addr(const struct httpd *h);
/* SIGTERM or SIGINT (SIGHUP is ignored): the signal; 0 when timeout
 * (seconds; < 0: none) passed first. */
int httpd_wait_stop(const sigset_t *set, double timeout);
/* Any signal of set (SIGHUP too, for a server that stops on it): the
 * signal; 0 when timeout passed first. */
int httpd_wait_signal(const sigset_t *set, double timeout);
/* Stop serving (the requests in hand finish), close, free. */
void httpd_stop(struct httpd *h);
/* Queue a response with a copy of body and the headers (name, value,
 * ..., NULL; may be NULL). */
enum MHD_Result httpd_respond(struct MHD_Connection *c, unsigned code, const char *ctype,
    const void *body, size_t len, const char *const *headers);

/* trigger.c - the trigger program's requests: fix links and the dashboard */

struct trigger_opts {
	struct spool *spool;	/* borrowed; used by the server's thread alone */
	const char *secret;	/* MEND_TRIGGER_SECRET */
	const char *queue;	/* the fix jobs' queue */
	int quiet;		/* no request log lines, no libmicrohttpd errors */
	const char *dash_token;	/* NULL: the dashboard on loopback only */
	const char *status_public;	/* the public status page's monitors */
	double session_s;	/* a dashboard session's lifetime */
	int max_streams;	/* the cap on /events streams */
};
/* The server's options (copied; the strings and the spool borrowed). */
void trigger_init(const struct trigger_opts *o);
/* Serve o's address (o's limits; the handlers are filled in here) and
 * the event feed: 0 with *out, or -1 with a message, nothing running. */
int trigger_start(struct httpd **out, struct httpd_opts *o);
/* Stop the feed and the server (the requests in hand finish). */
void trigger_stop(struct httpd *h);

#endif
