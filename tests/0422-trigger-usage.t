#!/usr/bin/env bash
# trigger's edges: configuration errors, the paths it serves and the
# methods it takes.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/servers/trigger.sh"
plan 15

trigger -l 127.0.0.1:0 2>"$T/err"
is "$?" 64 "no MEND_TRIGGER_SECRET: usage error"
like "$(cat "$T/err")" "*MEND_TRIGGER_SECRET*" "and it says which variable"
MEND_TRIGGER_SECRET=tooshort-x trigger -l 127.0.0.1:0 2>"$T/err"
is "$?" 64 "a secret under 16 characters: usage error"
not_ok "the message does not show the secret" grep -q tooshort-x "$T/err"

export MEND_TRIGGER_SECRET=s3cr3t-0123456789-never-shown
trigger -l 127.0.0.1 2>/dev/null
is "$?" 64 "--listen without a port: usage error"
trigger -l 127.0.0.1:0 extra 2>/dev/null
is "$?" 64 "arguments: usage error"

start_trigger
port=${TRIG##*:}
trigger -l "127.0.0.1:$port" 2>"$T/err2"
is "$?" 69 "the port is taken: exit 69"
is "$(curl -s "$TRIG/healthz")" ok "GET /healthz: ok"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$TRIG/healthz")" 405 "POST /healthz: 405"
is "$(curl -s -o /dev/null -w '%{http_code}' "$TRIG/nothing")" 404 "an unknown path: 404"
is "$(curl -s -o /dev/null -w '%{http_code}' "$TRIG/fix/..%2f..%2fetc")" 404 "an id that cannot be an incident: 404"
is "$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$TRIG/fix/inc_0000000000000001")" 405 \
	"DELETE on a link: 405"
is "$(head -c 10000 /dev/zero | curl -s -o /dev/null -w '%{http_code}' --data-binary @- \
	"$TRIG/fix/inc_0000000000000001?exp=1&sig=00")" 413 "a big POST body: 413"

start_trigger --quiet
kill -INT "$TRIG_PID"
wait "$TRIG_PID"
is "$?" 0 "SIGINT: clean exit 0"
is "$(curl -s -o /dev/null -w '%{http_code}' "$TRIG/healthz")" 000 "and the port is closed"
