#!/usr/bin/env bash
# otlp | detect | enqueue (scripts/mend-otlp-loop): an application's own
# exceptions become incidents with their stack traces, queued for analysis.
. "$(dirname "$0")/lib.sh"
for p in otlp detect enqueue spool; do
	[ -x "$MEND_BIN/$p" ] || skip_all "$p is not built yet"
done
plan 5

P=$(free_port)
# In a process group of its own, stopped as a whole the way supervisors
# stop it (systemd's control group, PM2's tree kill).
MEND_OTLP_LISTEN=127.0.0.1:$P setsid "$TOP/scripts/mend-otlp-loop" >"$T/jobs" 2>"$T/err" &
loop=$!
cleanup "kill -- -$loop"
wait_for 5 curl -s -o /dev/null "http://127.0.0.1:$P/"

is "$(curl -s -H 'Content-Type: application/json' --data-binary "@$TOP/tests/fixtures/otlp/trace-errors.json" \
	"http://127.0.0.1:$P/v1/traces")" "{}" "the receiver takes the spans"
three() { [ "$(spool jobs -q incidents | wc -l)" -eq 3 ]; }
ok "three incidents are queued" wait_for 5 three
spool jobs -q incidents | jq -r '.id' >"$T/ids"
spool show "$(head -1 "$T/ids")" | jq -c .payload >"$T/first"
is "$(jq -r .incident.monitor "$T/first")" "shop /avg" "the monitor is the service and the route"
like "$(jq -r .incident.summary "$T/first")" "*ZeroDivisionError*" "the incident names the exception"
like "$(jq -r '.incident.evidence[0].stacktrace' "$T/first")" "*return total / count*" \
	"and carries the stack trace"
