#!/usr/bin/env bash
# probe | detect for real, run the way cron runs it: one incident per outage.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/servers/probe-env.sh"
plan 8

start_http web
B=http://127.0.0.1:$PORT
printf '%s\n' "$B/ok name=home" "$B/503 name=api" "$B/hang name=slow timeout=200ms" > "$T/urls"
for run in 1 2 3; do
	probe "$T/urls" | detect >> "$T/inc" || echo "run $run failed" >> "$T/fail"
done
ok "every run succeeded" test ! -e "$T/fail"
is "$(jq -r '.incident | .monitor + " " + .event + " " + .class' "$T/inc" | sort | tr '\n' ',')" \
	"api open status:5xx,slow open timeout," "three cron runs: one incident per failing monitor"
is "$(spool incidents | jq -r '.monitor + " " + .state' | sort | tr '\n' ',')" \
	"api open,slow open," "spool incidents: both open"
like "$(jq -r 'select(.incident.monitor == "api") | .incident.summary' "$T/inc")" \
	"2 of 2 checks failed with HTTP 503 over *" "summary from real checks"
is "$(jq -r 'select(.incident.monitor == "api") | .incident.evidence[-1] | [.type, .status, .url] | @csv' "$T/inc")" \
	"\"probe\",503,\"$B/503\"" "evidence: the probe records"

# the service comes back: each incident resolves once
printf '%s\n' "$B/ok name=home" "$B/ok name=api" "$B/ok name=slow" > "$T/fixed"
for run in 1 2 3; do probe "$T/fixed" | detect >> "$T/inc2"; done
is "$(jq -r '.incident | .monitor + " " + .event' "$T/inc2" | sort | tr '\n' ',')" \
	"api resolve,slow resolve," "recovered: one resolve each"
is "$(spool incidents | jq -r 'select(.duration_s > 0) | .monitor + " " + .state' | sort | tr '\n' ',')" \
	"api resolved,slow resolved," "spool incidents: the downtime log"
# a long-running pipeline does the same
printf '%s\n' "$B/503 name=loop" > "$T/loop"
probe -e 0.1 -n 4 "$T/loop" | MEND_SPOOL=$T/loop.spool detect > "$T/inc3"
is "$(jq -r .incident.event "$T/inc3" | tr '\n' ' ')" "open " "probe -e | detect: one open"
