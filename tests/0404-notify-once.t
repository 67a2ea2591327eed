#!/usr/bin/env bash
# A record fed to notify again (work retries a failed job) is not posted
# again to a target that took it, but is to the ones that did not; the
# entry says which, with the fix link sent the first time.  --resend
# posts anyway.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/servers/webhook.sh"
plan 9
start_webhook
export MEND_TRIGGER_URL=https://fix.example.com MEND_TRIGGER_SECRET=s3cr3t-0123456789-never-shown
analysis='{"type":"analysis","incident":{"id":"inc_00000000000000cc","event":"open","monitor":"api"},"analysis":{"engine":"rules","root_cause":"KeyError: user_id","category":"code","confidence":0.7,"remediation":[],"frames":[],"similar":[],"diff":null}}'
ok_t="slack:$WH/services/T/B/ok-once"
flaky="discord:$WH/api/webhooks/1/fail3-once"

echo "$analysis" | notify --attempts 2 -w "$ok_t" -w "$flaky" >"$T/out1" 2>/dev/null
is "$?" 75 "first run: the Discord target failed (500 twice), exit 75"
is "$(jq -c '[.notified[] | .ok]' "$T/out1")" '[true,false]' "Slack took it, Discord did not"
# As work would: the same record again, with the job's attempt count changed.
jq -c '.job = {"id": 3, "attempts": 2}' <<<"$analysis" | notify --attempts 2 -w "$ok_t" -w "$flaky" >"$T/out2"
is "$?" 0 "second run: exit 0"
is "$(jq -c '[.notified[] | [.ok, .duplicate, .attempts]]' "$T/out2")" '[[true,true,0],[true,null,2]]' \
	"Slack is not posted again; Discord is, and takes it"
is "$(jq -r '.notified[0].fix_url' "$T/out2")" "$(jq -r '.notified[0].fix_url' "$T/out1")" \
	"the duplicate entry carries the link sent the first time"
is "$(jq -s '[.[] | select(.kind == "slack")] | length' "$WHLOG")" 1 "Slack got the record once"
is "$(jq -s '[.[] | select(.kind == "discord")] | length' "$WHLOG")" 4 "Discord was asked four times: 500, 500; 500, 204"

echo "$analysis" | notify --resend -w "$ok_t" >"$T/out3"
is "$(jq -c '[.notified[0] | .ok, .duplicate, .attempts]' "$T/out3")" '[true,null,1]' "--resend posts again"
echo "$analysis" | jq -c '.analysis.confidence = 0.9' | notify -w "$ok_t" >"$T/out4"
is "$(jq -c '.notified[0].duplicate' "$T/out4")" null "a changed record is a new notification"
