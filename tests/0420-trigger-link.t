#!/usr/bin/env bash
# trigger end to end: notify sends a fix link for an analysis; GET shows
# what broke and a button and changes nothing (link previews); the POST
# queues the latest analysis on queue "fix" once; tampered links are 403,
# expired and used ones 410, and none of them queue anything.
. "$(dirname "$0")/lib.sh"
# These analyses carry no diff: an agent makes a fix possible, so links are
# offered (tests/0903 covers analyses that cannot be fixed).
export MEND_AGENT="my-agent --fix"
. "$TOP/tests/servers/webhook.sh"
. "$TOP/tests/servers/trigger.sh"
plan 37
export MEND_TRIGGER_SECRET=s3cr3t-0123456789-never-shown
start_webhook
start_trigger
export MEND_TRIGGER_URL=$TRIG
id=inc_3f2a9c1e5b7d8a04

analysis='{"type":"analysis","job":{"id":9,"queue":"incidents","state":"leased"},"incident":{"id":"inc_3f2a9c1e5b7d8a04","event":"open","monitor":"shop <b>","summary":"3 of 3 checks failed with HTTP 500"},"analysis":{"engine":"rules","root_cause":"ZeroDivisionError in total() <script>alert(1)</script>","category":"code","confidence":0.8,"remediation":["return 0 for an \"empty\" cart & test it"],"frames":[{"path":"cart.py","line":42,"function":"total"}],"similar":[],"diff":null}}'
echo "$analysis" | notify -w "json:$WH/json/ok" >"$T/out"
fix=$(jq -r '.notified[0].fix_url' "$T/out")
like "$fix" "$TRIG/fix/$id?exp=*&sig=*" "notify made a link to this trigger"

code=$(curl -s -o "$T/get.html" -w '%{http_code}' "$fix")
is "$code" 200 "GET a valid link: 200"
like "$(cat "$T/get.html")" "*<dt>Root cause</dt><dd>ZeroDivisionError in total() &lt;script&gt;alert(1)&lt;/script&gt;</dd>*" \
	"the page shows the root cause, escaped"
like "$(cat "$T/get.html")" "*<dt>Confidence</dt><dd>80% (high)</dd>*" "and the confidence"
like "$(cat "$T/get.html")" "*<dd>3 of 3 checks failed with HTTP 500</dd>*" "and what broke"
like "$(cat "$T/get.html")" "*shop &lt;b&gt;*return 0 for an &quot;empty&quot; cart &amp; test it*" \
	"every piece of text is escaped"
not_ok "no raw markup from the record reaches the page" grep -q '<script>\|<b>' "$T/get.html"
is "$(grep -c '<form method="post">' "$T/get.html") $(grep -c '<button' "$T/get.html")" "1 1" "one form, one button"
hdrs=$(curl -s -D - -o /dev/null "$fix")
like "$hdrs" "*Cache-Control: no-store*" "the page is not cached"
like "$hdrs" "*Content-Security-Policy: default-src 'none'*" "and runs no script"
curl -s -I "$fix" >/dev/null
curl -s "$fix" >/dev/null
is "$(count_jobs fix)" 0 "GET and HEAD, three times: no job"

code=$(curl -s -o "$T/post.html" -w '%{http_code}' -X POST "$fix")
is "$code" 202 "POST the valid link: 202 Accepted"
like "$(cat "$T/post.html")" "*<h1>Fix queued</h1>*Job 1 is on queue fix.*" "the page says the fix is queued"
is "$(count_jobs fix)" 1 "one job on queue fix"
is "$(job_payloads fix | jq -c '[.type, .incident.id, .analysis.root_cause]')" \
	"[\"analysis\",\"$id\",\"ZeroDivisionError in total() <script>alert(1)</script>\"]" \
	"its payload is the incident's latest analysis"
is "$(job_payloads fix | jq -c '[has("job"), (.notified | length)]')" '[false,1]' \
	"without the stale incidents-queue job, with what notify sent"

code=$(curl -s -o "$T/again.html" -w '%{http_code}' -X POST "$fix")
is "$code" 410 "POST it again: 410 Gone"
like "$(cat "$T/again.html")" "*already used*job 1*" "the page says when and which job"
is "$(curl -s -o /dev/null -w '%{http_code}' "$fix")" 410 "GET a used link: 410"
is "$(count_jobs fix)" 1 "still one job"

# Tampering: another incident, a later expiry, a changed signature.
exp=${fix##*exp=}; exp=${exp%%&*}; sig=${fix##*sig=}
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$TRIG/fix/inc_0000000000000000?exp=$exp&sig=$sig")" 403 \
	"another incident with this signature: 403"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$TRIG/fix/$id?exp=$((exp + 86400))&sig=$sig")" 403 \
	"a later expiry with this signature: 403"
case $sig in *0) bad=${sig%?}1 ;; *) bad=${sig%?}0 ;; esac	# a different last digit
is "$(curl -s -o /dev/null -w '%{http_code}' "$TRIG/fix/$id?exp=$exp&sig=$bad")" 403 "a changed signature: 403"
is "$(curl -s -o /dev/null -w '%{http_code}' "$TRIG/fix/$id")" 403 "no signature: 403"

# Expired links (signed independently, with Python) queue nothing.
now=$(date +%s)
old=$((now - 5))
is "$(curl -s -o "$T/exp.html" -w '%{http_code}' -X POST "$TRIG/fix/$id?exp=$old&sig=$(sign $id $old)")" 410 \
	"a genuine but expired link: 410"
like "$(cat "$T/exp.html")" "*has expired*" "the page says it expired"
is "$(count_jobs fix)" 1 "no job for tampered or expired links"

# A fresh link for the same incident while its fix waits: no second job.
new=$((now + 600))
is "$(curl -s -o "$T/dup.html" -w '%{http_code}' -X POST "$TRIG/fix/$id?exp=$new&sig=$(sign $id $new)")" 200 \
	"another link while the fix is queued: 200"
like "$(cat "$T/dup.html")" "*already waiting (job 1*" "the page says a fix is already queued"
is "$(count_jobs fix)" 1 "still one job"

# Two analyses of another incident: the link queues the latest.
id2=inc_00000000000000b2
for rc in "the first analysis" "the second analysis"; do
	jq -c --arg id $id2 --arg rc "$rc" '.incident.id = $id | .analysis.root_cause = $rc' <<<"$analysis"
done | notify -w "json:$WH/json/ok" >/dev/null
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$TRIG/fix/$id2?exp=$new&sig=$(sign $id2 $new)")" 202 \
	"a link signed with Python per the documented format works"
is "$(job_payloads fix | tail -n1 | jq -r '[.incident.id, .analysis.root_cause] | join(" ")')" \
	"$id2 the second analysis" "it queued the incident's latest analysis"

# A genuine link for an incident with no analysis yet: 404, and the link
# is not used up.
id3=inc_00000000000000d3
is "$(curl -s -o "$T/none.html" -w '%{http_code}' -X POST "$TRIG/fix/$id3?exp=$new&sig=$(sign $id3 $new)")" 404 \
	"no analysis in the spool: 404"
like "$(cat "$T/none.html")" "*no analysis in the spool*" "the page says so"
jq -c --arg id $id3 '.incident.id = $id' <<<"$analysis" | notify -w "json:$WH/json/ok" >/dev/null
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$TRIG/fix/$id3?exp=$new&sig=$(sign $id3 $new)")" 202 \
	"once the analysis is there, the same link works"

not_ok "trigger's log has neither the secret nor a link's signature" \
	grep -q "s3cr3t-0123456789\|sig=" "$TRIG_ERR"
kill -TERM "$TRIG_PID"
wait "$TRIG_PID"
is "$?" 0 "SIGTERM: trigger stops and exits 0"
