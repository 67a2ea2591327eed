/*
 * spool - look into the spool and manage it: jobs, incidents (the
 * uptime log), one job or incident in full, retry, purge, stats.
 * JSON lines by default, a table for people with -H.
 */
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "mend.h"

static int human;

static void
usage(const char *why)
{
	mend_usage(why, "usage: spool [-s SPOOL] [-H] jobs [-q QUEUE] [--state STATE]\n"
	    "       spool [-s SPOOL] [-H] incidents [--open]\n"
	    "       spool [-s SPOOL] show ID\n"
	    "       spool [-s SPOOL] retry ID\n"
	    "       spool [-s SPOOL] purge --older-than DURATION\n"
	    "       spool [-s SPOOL] stats\n");
}

static int
out(jv rec)
{
	if (record_write(stdout, rec) < 0) {
		mend_warn("%s", mend_errmsg());
		return EX_IOERR;
	}
	return 0;
}

/* o (consumed) with "type" first, as every record has it. */
static jv
typed(const char *type, jv o)
{
	return jv_object_merge(jv_object_set(jv_object(), jv_string("type"),
	    jv_string(type)), o);
}

/* A string field for a table cell: "-" when absent. */
static const char *
cell(jv o, const char *k)
{
	const char *s = record_str(o, k);

	return s && *s ? s : "-";
}

/*
 * The rows of a (consumed): with -H a table, header first and a line
 * from row() each; else one record a row, typed as type (NULL: as is).
 */
static int
print_rows(jv a, const char *header, void (*row)(jv), const char *type)
{
	int rc = 0;

	if (human)
		fputs(header, stdout);
	jv_array_foreach(a, i, o) {
		(void)i;
		if (human) {
			row(o);
			jv_free(o);
		} else if ((rc = out(type ? typed(type, o) : o))) {
			break;
		}
	}
	jv_free(a);
	return rc ? rc : (fflush(stdout) == EOF ? EX_IOERR : 0);
}

static void
job_row(jv j)
{
	printf("%-8.0f %-10s %-7s %2.0f/%-5.0f %-24s %s%s%s\n",
	    record_num(j, "id", 0), cell(j, "queue"), cell(j, "state"),
	    record_num(j, "attempts", 0), record_num(j, "max_attempts", 0),
	    cell(j, "updated"), cell(j, "key"),
	    record_str(j, "error") ? "  " : "",
	    record_str(j, "error") ? record_str(j, "error") : "");
}

static int
print_jobs(jv a)
{
	char head[128];

	snprintf(head, sizeof head, "%-8s %-10s %-7s %-8s %-24s %s\n", "ID", "QUEUE", "STATE",
	    "ATTEMPTS", "UPDATED", "KEY / ERROR");
	return print_rows(a, head, job_row, "job");
}

static void
duration(char *buf, size_t len, double s)
{
	if (s < 120)
		snprintf(buf, len, "%.0fs", s);
	else if (s < 7200)
		snprintf(buf, len, "%.0fm", s / 60);
	else if (s < 172800)
		snprintf(buf, len, "%.1fh", s / 3600);
	else
		snprintf(buf, len, "%.1fd", s / 86400);
}

static void
incident_row(jv o)
{
	char down[32] = "-";
	double opened, now = mend_now();

	if (record_has(o, "duration_s"))
		duration(down, sizeof down, record_num(o, "duration_s", 0));
	else if (mend_parse_time(&opened, cell(o, "opened")) == 0)
		duration(down, sizeof down, now - opened);
	printf("%-20s %-8s %-24s %-8s %-20s %s\n", cell(o, "id"),
	    cell(o, "state"), cell(o, "opened"), down, cell(o, "monitor"),
	    cell(o, "summary"));
}

static int
print_incidents(jv a)
{
	char head[128];

	snprintf(head, sizeof head, "%-20s %-8s %-24s %-8s %-20s %s\n", "ID", "STATE", "OPENED",
	    "DOWN", "MONITOR", "SUMMARY");
	return print_rows(a, head, incident_row, NULL);
}

static int
cmd_jobs(struct spool *sp, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "queue", required_argument, NULL, 'q' },
		{ "state", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	const char *queue = NULL, *state = NULL;
	static const char *states[] = { "queued", "leased", "done", "failed", "dead" };
	jv a;
	int c, ok = 0;

	while ((c = getopt_long(argc, argv, "q:", lo, NULL)) != -1) {
		if (c == 'q')
			queue = optarg;
		else if (c == 'S')
			state = optarg;
		else
			usage("");
	}
	if (optind < argc)
		usage("jobs takes no arguments");
	for (size_t i = 0; state && i < sizeof states / sizeof states[0]; i++)
		ok |= !strcmp(state, states[i]);
	if (state && !ok)
		usage("--state is one of queued, leased, done, failed, dead");
	if (spool_jobs(sp, &a, queue, state) < 0) {
		mend_warn("%s", mend_errmsg());
		return EX_UNAVAILABLE;
	}
	return print_jobs(a);
}

static int
cmd_incidents(struct spool *sp, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "open", no_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	int c, open_only = 0;
	jv a;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c == 'o')
			open_only = 1;
		else
			usage("");
	}
	if (optind < argc)
		usage("incidents takes no arguments");
	if (spool_incidents(sp, &a, open_only) < 0) {
		mend_warn("%s", mend_errmsg());
		return EX_UNAVAILABLE;
	}
	return print_incidents(a);
}

static int
parse_id(const char *s, long long *id)
{
	char *end;

	*id = strtoll(s, &end, 10);
	return *s && !*end && *id > 0;
}

static int
cmd_show(struct spool *sp, int argc, char **argv)
{
	long long id;
	jv o;
	int n;

	if (argc != 2)
		usage("show wants one ID: a job number or an incident id");
	if (parse_id(argv[1], &id))
		n = spool_job_get(sp, &o, id);
	else
		n = spool_incident_get(sp, &o, argv[1]);
	if (n < 0) {
		mend_warn("%s", mend_errmsg());
		return EX_UNAVAILABLE;
	}
	if (n == 0) {
		mend_warn("no job or incident '%s'", argv[1]);
		return EX_DATAERR;
	}
	if (human) {
		jv s = jv_dump_string(o, JV_PRINT_PRETTY | JV_PRINT_SPACE1);
		printf("%s\n", jv_string_value(s));
		jv_free(s);
		return fflush(stdout) == EOF ? EX_IOERR : 0;
	}
	return out(record_has(o, "queue") ? typed("job", o) : o);
}

static int
cmd_retry(struct spool *sp, int argc, char **argv)
{
	long long id;

	if (argc != 2 || !parse_id(argv[1], &id))
		usage("retry wants one job number");
	if (spool_job_retry(sp, id) < 0) {
		mend_warn("%s", mend_errmsg());
		return EX_DATAERR;
	}
	if (!human) {
		jv o;
		if (spool_job_get(sp, &o, id) == 1)
			return out(typed("job", record_del(o, "payload")));
	}
	return 0;
}

static int
cmd_purge(struct spool *sp, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "older-than", required_argument, NULL, 'o' },
		{ NULL, 0, NULL, 0 },
	};
	double age = -1;
	int c, nj = 0, ni = 0;
	jv o;

	while ((c = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		if (c == 'o') {
			if (mend_parse_duration(&age, optarg) < 0)
				usage(mend_errmsg());
		} else {
			usage("");
		}
	}
	if (age < 0)
		usage("purge wants --older-than DURATION (e.g. 7d)");
	if (spool_purge(sp, age, &nj, &ni) < 0) {
		mend_warn("%s", mend_errmsg());
		return EX_UNAVAILABLE;
	}
	if (human) {
		printf("purged %d job%s and %d incident%s\n", nj, nj == 1 ? "" : "s",
		    ni, ni == 1 ? "" : "s");
		return 0;
	}
	o = jv_object_set(jv_object(), jv_string("type"), jv_string("purge"));
	o = jv_object_set(o, jv_string("jobs"), jv_number(nj));
	return out(jv_object_set(o, jv_string("incidents"), jv_number(ni)));
}

static int
cmd_stats(struct spool *sp, int argc, char **argv)
{
	jv o;

	if (argc != 1)
		usage("stats takes no arguments");
	if (spool_stats(sp, &o) < 0) {
		mend_warn("%s", mend_errmsg());
		return EX_UNAVAILABLE;
	}
	if (human) {
		jv q = record_get(o, "queues");
		printf("spool %s\n", cell(o, "spool"));
		printf("incidents: %.0f open, %.0f resolved\n",
		    record_num(o, "incidents.open", 0), record_num(o, "incidents.resolved", 0));
		jv_object_foreach(q, name, states) {
			printf("queue %s:", jv_string_value(name));
			jv_object_foreach(states, st, n) {
				printf(" %s %.0f", jv_string_value(st), jv_number_value(n));
				jv_free(st);
				jv_free(n);
			}
			printf("\n");
			jv_free(name);
			jv_free(states);
		}
		jv_free(q);
		jv_free(o);
		return fflush(stdout) == EOF ? EX_IOERR : 0;
	}
	return out(o);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "spool", required_argument, NULL, 's' },
		{ "human", no_argument, NULL, 'H' },
		CLI_OPTIONS_END
	};
	static const struct {
		const char *name;
		int (*fn)(struct spool *, int, char **);
	} cmds[] = {
		{ "jobs", cmd_jobs }, { "incidents", cmd_incidents }, { "show", cmd_show },
		{ "retry", cmd_retry }, { "purge", cmd_purge }, { "stats", cmd_stats },
	};
	struct spool *sp;
	int c, rc;
	size_t i;

	mend_setprog(argv[0]);
	signal(SIGPIPE, SIG_IGN);
	while ((c = cli_getopt(argc, argv, "+s:Hh", longopts, usage)) != -1) {
		switch (c) {
		case 'H':
			human = 1;
			break;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1)
		usage("no subcommand");
	for (i = 0; i < sizeof cmds / sizeof cmds[0]; i++)
		if (!strcmp(argv[0], cmds[i].name))
			break;
	if (i == sizeof cmds / sizeof cmds[0])
		usage("unknown subcommand");
	sp = cli_spool_open(EX_UNAVAILABLE);
	optind = 1;
	rc = cmds[i].fn(sp, argc, argv);
	spool_close(sp);
	return rc;
}
