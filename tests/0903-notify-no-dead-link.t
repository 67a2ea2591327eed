#!/usr/bin/env bash
# No dead links: notify offers a fix link only when a fix can be produced
# (the analysis has a diff, or an agent is configured) and otherwise says
# what a person should do; trigger refuses to queue a job that could only
# fail (patch would exit 65), even for a link signed by hand.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/servers/webhook.sh"
. "$TOP/tests/servers/trigger.sh"
plan 12
export MEND_TRIGGER_SECRET=s3cr3t-0123456789-never-shown
start_webhook
start_trigger
export MEND_TRIGGER_URL=$TRIG
rec() { # ID DIFF
	printf '{"type":"analysis","incident":{"id":"%s","event":"open","monitor":"shop","summary":"GET /stats answers 500"},"analysis":{"engine":"rules","root_cause":"KeyError in stats","category":"code","confidence":0.6,"remediation":["Give the lookup a default or check the key first"],"frames":[],"similar":[],"diff":%s}}\n' "$1" "$2"
}
nodiff=inc_0000000000000a01 withdiff=inc_0000000000000a02
rec $nodiff null | notify -w "json:$WH/json/ok" > "$T/n1"
is "$(jq -c '[.notified[0].ok, .notified[0].fix_url]' "$T/n1")" '[true,null]' \
	"no diff, no agent: sent, without a fix link"
like "$(tail -1 "$WHLOG")" "*No fix link: there is no change to apply and no agent (MEND_AGENT)*" \
	"the alert says why"
like "$(tail -1 "$WHLOG")" "*A person should start here: Give the lookup a default or check the key first*" \
	"and what a person should do"
rec $withdiff '"--- a/s.py\n+++ b/s.py\n@@ -1 +1 @@\n-x\n+y\n"' | notify -w "json:$WH/json/ok" > "$T/n2"
like "$(jq -r '.notified[0].fix_url' "$T/n2")" "$TRIG/fix/$withdiff?exp=*" "with a diff: a fix link"
MEND_AGENT="my-agent --fix" notify -w "json:$WH/json/ok" < <(rec inc_0000000000000a03 null) > "$T/n3"
like "$(jq -r '.notified[0].fix_url' "$T/n3")" "$TRIG/fix/inc_0000000000000a03?exp=*" \
	"no diff but an agent: a fix link"

# A link for the analysis without a change, signed as trigger signs them.
exp=$(( $(date +%s) + 3600 ))
link="$TRIG/fix/$nodiff?exp=$exp&sig=$(sign "$nodiff" "$exp")"
code=$(curl -s -o "$T/get.html" -w '%{http_code}' "$link")
is "$code" 409 "GET: 409, nothing to apply"
like "$(cat "$T/get.html")" "*no change to apply and no agent*Nothing was queued*" "the page says so"
code=$(curl -s -o "$T/post.html" -w '%{http_code}' -X POST "$link")
is "$code" 409 "POST: 409"
is "$(count_jobs fix)" 0 "no job queued"
# The same link works once the fix worker side has an agent.
kill "$TRIG_PID"
MEND_AGENT="my-agent --fix" start_trigger
link="$TRIG/fix/$nodiff?exp=$exp&sig=$(sign "$nodiff" "$exp")"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$link")" 202 "with MEND_AGENT: 202, queued"
is "$(count_jobs fix)" 1 "one job"
unset MEND_AGENT
kill "$TRIG_PID"
start_trigger
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$TRIG/fix/$withdiff?exp=$exp&sig=$(sign "$withdiff" "$exp")")" 202 \
	"a diff and no agent: queued"
