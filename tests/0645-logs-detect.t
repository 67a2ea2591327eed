#!/usr/bin/env bash
# logs | detect | enqueue: a burst of error lines opens one incident (a
# stray error line does not), an exception in the log opens one with its
# stack frame, and both are queued for analysis.
. "$(dirname "$0")/lib.sh"
for p in logs detect enqueue spool; do
	[ -x "$MEND_BIN/$p" ] || skip_all "$p is not built yet"
done
command -v jq >/dev/null || skip_all "jq not installed"
FX=$TOP/tests/fixtures/traces
plan 10

# Two error lines among info lines: below --log-errors, no incident.
{ echo "2026-11-24T10:00:00Z INFO up"; echo "2026-11-24T10:00:01Z ERROR cache miss storm";
  echo "2026-11-24T10:00:02Z ERROR cache miss storm"; } > "$T/quiet.log"
is "$(logs -n -m shop "$T/quiet.log" | detect --log-errors 5 | wc -l | tr -d ' ')" 0 \
	"two error lines: no incident"

# A burst: the error lines of several counts add up within the window.
for i in $(seq 10 29); do echo "2026-11-24T10:00:${i}Z ERROR payment gateway timeout (order $i)"; done > "$T/burst.log"
logs -n -m shop "$T/burst.log" > "$T/counts"
is "$(jq -r .count "$T/counts")" 20 "logs counts the error lines"
detect --log-errors 5 < "$T/counts" > "$T/inc"
is "$(jq -r '[.incident.event, .incident.monitor, .incident.reason, .incident.exception] | join(" ")' "$T/inc")" \
	"open shop exception error lines" "a burst opens an incident"
like "$(jq -r .incident.summary "$T/inc")" "22 error lines within 600 s: *payment gateway timeout*" \
	"its summary counts the window's error lines (these and the two before) and says what"
# More of the same keep the incident open, counted.
sed 's/T10:00:/T10:01:/' "$T/burst.log" | logs -n -m shop | detect --log-errors 5 > "$T/inc2"
is "$(wc -l < "$T/inc2" | tr -d ' ')" 0 "more errors: the incident stays open, no new one"
# Counts arriving in small pieces (records of 2) add up across runs too.
export MEND_SPOOL=$T/spool2
for i in 1 2 3; do
	printf '{"type":"error","ts":"2026-11-24T11:00:0%sZ","monitor":"api","message":"db down","exception":null,"stacktrace":null,"trace_id":null,"count":2}\n' "$i" |
		detect --log-errors 5 >> "$T/inc3"
done
is "$(jq -r .incident.event "$T/inc3")" "open" "small counts add up to a burst, across runs"
export MEND_SPOOL=$T/spool3

# The whole pipeline: an exception in the log is an incident job.
{ echo "2026-11-24T12:00:00Z INFO GET /avg"; cat "$FX/py_zero.txt"; echo "2026-11-24T12:00:01Z INFO GET /health"; } > "$T/app.log"
logs -m shop "$T/app.log" | detect | enqueue -q incidents > "$T/jobs"
is "$(jq -r .job.state "$T/jobs")" "queued" "logs | detect | enqueue queues the incident"
spool show "$(jq -r .job.id "$T/jobs")" | jq -c .payload > "$T/payload"
like "$(jq -r .incident.summary "$T/payload")" "ZeroDivisionError: division by zero (at /srv/app/app.py:6 in average)" \
	"keyed by the exception and its innermost frame"
like "$(jq -r '.incident.evidence[0].stacktrace' "$T/payload")" "*return total / len(values)*" \
	"with the stack trace as evidence"
# Run again: the file's position is kept, nothing is queued twice.
is "$(logs -m shop "$T/app.log" | detect | enqueue -q incidents | wc -l | tr -d ' ')" 0 "a second run queues nothing"
