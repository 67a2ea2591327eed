#!/usr/bin/env bash
# trigger: a used link stays used however its query is spelt.  Issue 9,
# attack 6: after a link was used, the same link with one hex letter of
# sig upper-cased (or exp with a leading zero) was accepted again and
# queued a second fix, because the used-set was keyed by the raw sig.
# And the request log printed the URL-decoded path as is, so %0a in a
# path forged a second log line.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/servers/webhook.sh"
. "$TOP/tests/servers/trigger.sh"
plan 13
export MEND_TRIGGER_SECRET=replay-0123456789-secret-never-shown
start_webhook
start_trigger
export MEND_TRIGGER_URL=$TRIG
id=inc_5a5a5a5a5a5a5a5a
jq -nc --arg id $id '{type:"analysis",incident:{id:$id,event:"open",monitor:"shop",
	summary:"checkout fails"},analysis:{engine:"rules",root_cause:"x",category:"code",
	confidence:0.9,remediation:[],frames:[],similar:[],diff:"--- a/app.py\n+++ b/app.py\n@@ -1 +1 @@\n-a\n+b\n"}}' |
	notify -w "json:$WH/json/ok" >"$T/out"
fix=$(jq -r '.notified[0].fix_url' "$T/out")
exp=${fix##*exp=}; exp=${exp%%&*}; sig=${fix##*sig=}
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$fix")" 202 "the link queues a fix"
is "$(count_jobs fix)" 1 "one job"
# The fix ran: a second job for the incident would not be a duplicate now.
work -q fix --drain -- cat >/dev/null 2>&1
is "$(spool jobs -q fix --state done | wc -l | tr -d ' ')" 1 "the job is done"

# The same link, one hex letter upper-cased.
up=$(printf '%s' "$sig" | sed 's/[a-f]/\U&/')
ok "the changed signature differs from the one used" test "$up" != "$sig"
code=$(curl -s -o "$T/up.html" -w '%{http_code}' -X POST "$TRIG/fix/$id?exp=$exp&sig=$up")
is "$code" 410 "one hex letter upper-cased: 410, the link is used"
like "$(cat "$T/up.html")" "*already used*" "the page says it was used"
allup=$(printf '%s' "$sig" | tr a-f A-F)
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$TRIG/fix/$id?exp=$exp&sig=$allup")" 410 \
	"all upper case: 410"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$TRIG/fix/$id?exp=0$exp&sig=$sig")" 410 \
	"a leading zero on exp: 410"
is "$(curl -s -o /dev/null -w '%{http_code}' "$TRIG/fix/$id?exp=$exp&sig=$up")" 410 \
	"GET with the changed case: 410 too"
is "$(count_jobs fix)" 1 "still one job: no second fix was queued"

# A forged log line: %0a (and ESC) in the path.
curl -g -s -o /dev/null "$TRIG/fix/x%0a${MEND_PROG:-trigger}:%20POST%20/fix/$id%20202%1b[2J"
wait_for 10 grep -q 'GET /fix/x' "$TRIG_ERR"
is "$(grep -c "^trigger: POST /fix/$id 202$" "$TRIG_ERR")" 1 "%0a in a path forges no log line"
ok "the newline is shown escaped" grep -q 'GET /fix/x\\ntrigger: POST' "$TRIG_ERR"
not_ok "no escape byte reaches the log" grep -q "$(printf '\033')" "$TRIG_ERR"
