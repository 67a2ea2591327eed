#!/usr/bin/env bash
# spool: jobs, incidents, show, retry, purge, stats, -H.
. "$(dirname "$0")/lib.sh"
plan 18

printf '%s\n' '{"type":"incident","incident":{"id":"inc_0000000000000001","event":"open","monitor":"api","summary":"3 of 3 checks failed with HTTP 503"}}' \
	'{"type":"incident","incident":{"id":"inc_0000000000000002","event":"open","monitor":"web"}}' > "$T/inc"
enqueue < "$T/inc" > /dev/null
work --drain -- sh -c 'exit 65' 2>/dev/null
is "$(spool jobs | jq -r .state | paste -sd,)" "dead,dead" "spool jobs lists jobs as JSON lines"
is "$(spool jobs --state dead -q incidents | jq -s length)" "2" "--state and -q filter"
is "$(spool jobs --state queued | jq -s length)" "0" "no queued jobs left"
spool jobs --state bogus 2>/dev/null
is "$?" "64" "an unknown state is a usage error"
spool -H jobs > "$T/table"
like "$(head -1 "$T/table")" "ID*QUEUE*STATE*" "-H prints a table with a header"
is "$(spool retry 1 | jq -r .state)" "queued" "spool retry puts a dead job back"
is "$(work --drain -- cat | jq -r .incident.id)" "inc_0000000000000001" "the retried job runs"
spool retry 999 2>"$T/err"
is "$?" "65" "retrying an unknown job fails"

is "$(spool show 1 | jq -r .payload.incident.id)" "inc_0000000000000001" "spool show N prints a job with its payload"
spool show inc_nope 2>"$T/err"
is "$?" "65" "show of an unknown id fails with 65"
like "$(cat "$T/err")" "*no job or incident 'inc_nope'*" "and says so"

is "$(spool stats | jq -c .queues.incidents)" '{"dead":1,"done":1}' "spool stats counts by queue and state"
is "$(spool purge --older-than 1h | jq -c '[.jobs,.incidents]')" "[0,0]" "purge keeps recent jobs"
sleep 1.1
is "$(spool purge --older-than 1s | jq -r .jobs)" "2" "purge deletes old done and dead jobs"
spool purge 2>/dev/null
is "$?" "64" "purge without --older-than is a usage error"

# --help is an answer, not an error: stdout, exit 0.
for c in spool work enqueue; do
	like "$($c --help 2>/dev/null; echo "rc=$?")" "usage: $c *rc=0" "$c --help prints usage on stdout and exits 0"
done
