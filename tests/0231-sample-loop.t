#!/usr/bin/env bash
# scripts/mend-sample-loop (what the mend-sample unit and PM2 app run): a
# /metrics endpoint that stops answering becomes an incident job.
. "$(dirname "$0")/lib.sh"
plan 3
Q=$(free_port)
echo "http://127.0.0.1:$Q/metrics name=shop" > "$T/targets"
# In its own session, so the whole pipeline is stopped at the end; its
# output (the jobs) in a file, not on the test's stdout.
MEND_SAMPLE_TARGETS=$T/targets MEND_SAMPLE_EVERY=0.2s MEND_METRIC_RULES='up < 1' \
	setsid "$TOP/scripts/mend-sample-loop" > "$T/out" 2> "$T/err" &
loop=$!
cleanup "kill -- -$loop"
jobs_of() { [ "$(spool jobs -q incidents | jq -s length)" -ge 1 ]; }
ok "a target that does not answer opens an incident job" wait_for 60 jobs_of
is "$(spool jobs -q incidents | jq -r .key | head -1 | cut -c1-4)" "inc_" "keyed by the incident"
is "$(spool show 1 | jq -r '.payload | fromjson? // . | .incident | [.reason, .monitor] | join(" ")')" \
	"metric_below shop" "a metric_below incident of the target's monitor"
