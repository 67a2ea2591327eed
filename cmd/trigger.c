/*
 * trigger - serve the one-click fix links that notify sends, and the
 * dashboard.  This is its options and its life (start, wait for SIGTERM
 * or SIGINT, stop); the requests are lib/trigger.c's, whose header says
 * what each path does and why.
 */
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <getopt.h>

#include "httpd.h"

/* The dashboard's token (NULL: loopback only), for --login-link. */
static const char *dash_token;

static void
usage(const char *why)
{
	mend_usage(why, "usage: trigger [-l ADDR:PORT] [-s DIR] [-q QUEUE] [--max-conns N]\n"
	    "               [--max-conns-per-ip N] [--timeout DURATION] [--quiet]\n"
	    "               [--public NAME,...] [--session DURATION] [--login-link]\n");
}

/* --login-link: print a login link for the dashboard and exit. */
static int
print_login_link(const char *listen)
{
	const char *base = getenv("MEND_TRIGGER_URL");
	char dflt[300];
	char *link;

	if (!dash_token)
		usage("--login-link: MEND_DASHBOARD_TOKEN is not set");
	if (!base || !*base) {
		snprintf(dflt, sizeof dflt, "http://%s", listen);
		base = dflt;
	}
	if (dash_login_link(&link, base, dash_token, (long long)mend_now() + 900) < 0)
		mend_die(EX_SOFTWARE, "%s", mend_errmsg());
	printf("%s\n", link);
	free(link);
	return 0;
}

static long
posint(const char *s, const char *what, long max)
{
	char *end;
	long v = strtol(s, &end, 10);
	char msg[128];

	if (end == s || *end || v < 1 || v > max) {
		snprintf(msg, sizeof msg, "%s must be from 1 to %ld", what, max);
		usage(msg);
	}
	return v;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "spool", required_argument, NULL, 's' },
		{ "queue", required_argument, NULL, 'q' },
		{ "max-conns", required_argument, NULL, 'C' },
		{ "max-conns-per-ip", required_argument, NULL, 'P' },
		{ "timeout", required_argument, NULL, 't' },
		{ "quiet", no_argument, NULL, 'Q' },
		{ "public", required_argument, NULL, 'p' },
		{ "session", required_argument, NULL, 'S' },
		{ "login-link", no_argument, NULL, 'L' },
		CLI_OPTIONS_END
	};
	const char *listen = getenv("MEND_TRIGGER_LISTEN");
	long max_conns = 64, per_ip = 16;
	double timeout = 10;
	struct httpd_opts o = { 0 };
	struct httpd *h;
	sigset_t set;
	struct trigger_opts t = { .queue = "fix", .session_s = 12 * 3600 };
	int c, login_link = 0;

	mend_setprog(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	if (!listen || !*listen)
		listen = "127.0.0.1:8787";
	while ((c = cli_getopt(argc, argv, "l:s:q:t:h", longopts, usage)) != -1) {
		switch (c) {
		case 'l': listen = optarg; break;
		case 'q': t.queue = optarg; break;
		case 'C': max_conns = posint(optarg, "--max-conns", 100000); break;
		case 'P': per_ip = posint(optarg, "--max-conns-per-ip", 100000); break;
		case 't':
			if (mend_parse_duration(&timeout, optarg) < 0 || timeout < 1)
				usage("--timeout: give a duration of at least 1s");
			break;
		case 'Q': t.quiet = 1; break;
		case 'p': t.status_public = optarg; break;
		case 'S':
			if (mend_parse_duration(&t.session_s, optarg) < 0 || t.session_s < 60)
				usage("--session: give a duration of at least 1m");
			break;
		case 'L': login_link = 1; break;
		}
	}
	argc -= optind;
	if (argc > 0)
		usage("no arguments expected");
	if (!*t.queue)
		usage("empty queue name");
	if (httpd_listen_check(listen) < 0 || !strchr(listen, ':'))
		usage("--listen: give ADDR:PORT, such as 127.0.0.1:8787 or [::1]:8787");
	t.secret = getenv("MEND_TRIGGER_SECRET");
	if (sign_secret_ok(t.secret) < 0)
		usage(mend_errmsg());
	if (!t.status_public)
		t.status_public = getenv("MEND_STATUS_PUBLIC");
	dash_token = getenv("MEND_DASHBOARD_TOKEN");
	if (dash_token && !*dash_token)
		dash_token = NULL;
	if (dash_token_ok(dash_token, t.secret) < 0)
		usage(mend_errmsg());
	if (login_link)
		return print_login_link(listen);
	t.dash_token = dash_token;
	t.max_streams = max_conns / 2 > 0 ? (int)(max_conns / 2) : 1;
	t.spool = cli_spool_open(EX_UNAVAILABLE);
	trigger_init(&t);

	/* The daemon's thread inherits this mask: the signals come to us. */
	httpd_block_signals(&set);
	o.listen = listen;
	o.max_conns = (unsigned)max_conns;
	o.per_ip = (unsigned)per_ip;
	o.timeout_s = (unsigned)ceil(timeout);
	o.conn_memory = 16384;
	if (trigger_start(&h, &o) < 0) {
		spool_close(t.spool);
		mend_die(EX_UNAVAILABLE, "%s", mend_errmsg());
	}
	mend_warn("listening on http://%s", httpd_addr(h));
	httpd_wait_stop(&set, -1);
	trigger_stop(h);
	spool_close(t.spool);
	if (!t.quiet)
		mend_warn("stopped");
	return 0;
}
