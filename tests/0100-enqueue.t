#!/usr/bin/env bash
# enqueue: jobs committed before printed, dedup keys, bad lines, options.
. "$(dirname "$0")/lib.sh"
plan 16

inc='{"type":"incident","incident":{"id":"inc_00000000000000a1","event":"open"}}'
printf '%s\n%s\n' "$inc" "$inc" | enqueue > "$T/out"
is "$(jq -r .job.state "$T/out" | paste -sd,)" "queued,duplicate" "second record with the same key is a duplicate"
is "$(jq -r .job.key "$T/out" | head -1)" "inc_00000000000000a1:open" "default key for incidents is id:event"
is "$(jq -r .job.queue "$T/out" | head -1)" "incidents" "default queue is incidents"
is "$(spool jobs | jq -s length)" "1" "a duplicate adds no job"
is "$(jq -c 'del(.job)' "$T/out" | head -1)" "$inc" "the record passes through unchanged"

# Only queued or leased jobs deduplicate: after the job is done, the same key queues again.
work --drain -- cat >/dev/null
is "$(echo "$inc" | enqueue | jq -r .job.state)" "queued" "a key whose job is done queues again"

printf '{"a":1}\nnot json\n{"a":2}\r\n[1,2]\n\n{"a":3}\n' > "$T/mixed"
enqueue -q other "$T/mixed" > "$T/out" 2> "$T/err"
is "$?" "65" "bad lines make the exit status 65"
is "$(jq -r .a "$T/out" | paste -sd,)" "1,2,3" "good lines are accepted around bad ones (CRLF too)"
like "$(cat "$T/err")" "*enqueue: $T/mixed:2: bad JSON*" "a bad line is named FILE:LINE"
like "$(cat "$T/err")" "*enqueue: $T/mixed:4: not a JSON object*" "a non-object is rejected with its line"

echo '{"svc":"api","n":1}' | enqueue -q k --key '.svc' --priority 5 --attempts 9 --delay 1h > "$T/out"
is "$(jq -r '.job.key' "$T/out")" "api" "--key evaluates a jq expression"
is "$(spool jobs -q k | jq -r '[.priority,.max_attempts,.state]|join(",")')" "5,9,queued" \
	"--priority and --attempts are stored"
is "$(work -q k --drain -- cat | wc -l)" "0" "--delay keeps a job from being ready"

# A long line (2 MB) is fine.
python3 -c 'import json; print(json.dumps({"type":"big","blob":"x"*2000000}))' | enqueue -q big > "$T/out"
is "$(jq -r '.blob|length' "$T/out")" "2000000" "any line length"

enqueue --key '.[' </dev/null 2>"$T/err"
is "$?" "64" "a bad --key is a usage error"

# Printing only after commit: a reader that stops early still finds every printed job.
seq 1 5000 | sed 's/.*/{"n":&}/' | enqueue -q many 2>/dev/null | head -n 100 > "$T/printed"
n=$(jq -r .job.id "$T/printed" | while read -r id; do spool show "$id" >/dev/null && echo ok; done | grep -c ok)
is "$n" "100" "every printed job is in the spool"
