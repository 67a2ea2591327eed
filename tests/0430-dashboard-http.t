#!/usr/bin/env bash
# trigger's dashboard over HTTP: each route, the live event stream while
# detect writes incidents, and the access rules (loopback only without a
# token; a signed login link and its cookie with one; /status public and
# without internals, only for the monitors marked public).
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/servers/trigger.sh"
. "$TOP/tests/lib-dash.sh"
plan 51
export MEND_TRIGGER_SECRET=s3cr3t-0123456789-never-shown
# trigger is told an agent is configured, so an analysis without a diff can
# still be fixed and its fix job is queued (409 when nothing could write one).
MEND_AGENT='sh -c true' start_trigger --public 'shop,ghost'

# Two monitors: shop is public, billing-db is not.
{ probe_line shop true 20; probe_line billing-db true 30; } | detect >/dev/null
break_monitor billing-db 'password=hunter2hunter2 <b>bold</b>' 'http://db.internal:5432/?token=tok_abcdefabcdef'
id=$(spool incidents | jq -r 'select(.monitor == "billing-db") | .id')
like "$id" "inc_*" "detect opened an incident for billing-db"

code=$(curl -s -D "$T/h" -o "$T/index.html" -w '%{http_code}' "$TRIG/")
is "$code" 200 "GET /: 200 from loopback without a token"
like "$(cat "$T/index.html")" "*<a href=\"/incident/$id\">billing-db</a>*analysing*" \
	"the list shows the open incident, its monitor and its stage"
like "$(cat "$T/index.html")" "*<h2>Monitors</h2>*billing-db*down*shop*up*uptime 24 h*<svg class=\"spark\"*" \
	"and the monitors with their state, uptime and a latency sparkline"
like "$(tr -d '\r' <"$T/h")" "*Content-Security-Policy: default-src 'none'; script-src 'self'; connect-src 'self';*" \
	"the page may run only its own script file"
like "$(cat "$T/index.html")" '*<script src="/dashboard.js" defer></script>*' "which it loads from /dashboard.js"
not_ok "and has no inline script or handler" grep -Eq '<script>|<script [^s]|on(error|load|click)=' "$T/index.html"
like "$(cat "$T/index.html")" '*<noscript><meta http-equiv="refresh"*<a href="">refresh</a>*' \
	"without JavaScript it refreshes itself and has a refresh link"

code=$(curl -s -o "$T/inc.html" -w '%{http_code}' "$TRIG/incident/$id")
is "$code" 200 "GET /incident/ID: 200"
like "$(cat "$T/inc.html")" "*<h2>Timeline</h2>*<strong>Opened</strong>*Evidence (3 records)*-&gt; 500 in 120 ms*" \
	"the timeline shows the probe evidence"
like "$(cat "$T/inc.html")" "*&lt;b&gt;bold&lt;/b&gt;*" "record text is escaped"
not_ok "no raw markup from a record reaches the page" grep -q '<b>' "$T/inc.html"
not_ok "secrets in the records are not shown" grep -Eq 'hunter2|tok_abcdef' "$T/inc.html"
is "$(curl -s -o /dev/null -w '%{http_code}' "$TRIG/incident/inc_0000000000000000")" 404 "an unknown incident: 404"
is "$(curl -s -o /dev/null -w '%{http_code}' "$TRIG/incident/..%2Fx")" 404 "a malformed id: 404"
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$TRIG/")" 405 "POST /: 405"

js=$(curl -s -D "$T/jh" "$TRIG/dashboard.js")
like "$js" "*new EventSource(*" "GET /dashboard.js: the script that follows /events"
like "$(tr -d '\r' <"$T/jh")" "*Content-Type: text/javascript*" "served as JavaScript"

# The fix page keeps its own policy: no script at all.
fix=$(curl -s -D - -o /dev/null "$TRIG/fix/$id?exp=1&sig=00")
like "$fix" "*Content-Security-Policy: default-src 'none'; style-src*" "the fix page still runs no script"

# Live: an event stream while detect opens and resolves incidents.
curl -sN "$TRIG/events" >"$T/events" 2>/dev/null &
ev_pid=$!
cleanup "kill $ev_pid"
ok "GET /events: the stream starts" wait_for 60 grep -q '^retry: ' "$T/events"
break_monitor shop
shop=$(spool incidents | jq -r 'select(.monitor == "shop") | .id')
ok "a new incident arrives as an 'incident' event" wait_for 60 grep -q "^data: {\"incident\":\"$shop\",\"type\":\"incident\",\"state\":\"open\"}" "$T/events"
spool show "$shop" >/dev/null
spool incidents | jq -c "select(.id == \"$shop\")" | jq -c '{type: "incident", incident: {id, event: "open", monitor, summary}}' |
	analyze >/dev/null 2>>"$T/analyze.err"
ok "an analysis arrives as a 'stage' event" wait_for 60 grep -q '^event: stage' "$T/events"
like "$(curl -s "$TRIG/")" "*<a href=\"/incident/$shop\">shop</a> <span class=\"badge s-fix-proposed\">fix proposed*Waiting for a person: read the analysis*" \
	"with an analysis the incident is 'fix proposed', waiting for a person"
exp=$(( $(date +%s) + 600 ))
is "$(curl -s -o /dev/null -w '%{http_code}' -X POST "$TRIG/fix/$shop?exp=$exp&sig=$(sign "$shop" $exp)")" 202 \
	"its fix link queues a fix job"
like "$(curl -s "$TRIG/incident/$shop")" "*<strong>Analysis</strong>*<strong>Fix job</strong>*job 1 queued on fix*" \
	"the timeline shows the fix job after the analysis"
heal_monitor shop
ok "and the recovery as a 'resolved' event" wait_for 60 grep -q '^event: resolved' "$T/events"
ids=$(sed -n 's/^id: //p' "$T/events" | tr '\n' ' ')
like "$ids" "[0-9]* [0-9]* [0-9]* " "each event has an id (the timeline's seq)"
not_ok "events carry ids and stages, no text from the records" grep -q 'summary\|checks failed' "$T/events"
first=${ids%% *}
curl -sN -H "Last-Event-ID: $first" "$TRIG/events" >"$T/events2" 2>/dev/null &
ev2=$!
cleanup "kill $ev2"
ok "a reconnect with Last-Event-ID gets what came after it" wait_for 60 grep -q '^event: resolved' "$T/events2"
not_ok "and not the event it had" grep -q "^id: $first\$" "$T/events2"
curl -s "$TRIG/" >"$T/index2.html"
like "$(cat "$T/index2.html")" "*Resolved in the last 7 days*<a href=\"/incident/$shop\">shop</a>*resolved*" \
	"the list shows the resolved incident"
like "$(curl -s "$TRIG/incident/$shop")" "*<strong>Analysis</strong>*<strong>Resolved</strong>*" \
	"its timeline shows the analysis and the recovery"

# /status: public monitors only, no internals.
curl -s -D "$T/sh" -o "$T/status.html" "$TRIG/status"
like "$(cat "$T/status.html")" "*<td>shop</td>*operational*" "/status shows the public monitor shop"
not_ok "and not billing-db, which is not public" grep -q 'billing-db' "$T/status.html"
not_ok "no incident ids, summaries, URLs or reasons" grep -Eq 'inc_|checks failed|http://|127\.0\.0\.1|down \(' "$T/status.html"
not_ok "and runs no script" grep -q '<script' "$T/status.html"
not_ok "a public name with no checks is not listed" grep -q 'ghost' "$T/status.html"

# SIGTERM with two event streams open: they end, and trigger exits 0.
kill -TERM "$TRIG_PID"
wait "$TRIG_PID"
is "$?" 0 "SIGTERM with event streams open: trigger stops and exits 0"
ok "and the streams ended" wait_for 60 sh -c "! kill -0 $ev_pid 2>/dev/null && ! kill -0 $ev2 2>/dev/null"

# The token: everyone (loopback too, as behind a proxy) needs a session.
export MEND_DASHBOARD_TOKEN=dash-token-0123456789-abcdef
rm -f "$TRIG_ERR"	# else start_trigger may read the old "listening on" line
start_trigger
is "$(curl -s -o /dev/null -w '%{http_code}' "$TRIG/")" 401 "with a token, no cookie: 401"
is "$(curl -s -o /dev/null -w '%{http_code}' "$TRIG/events")" 401 "and no event stream either"
link=$(MEND_TRIGGER_URL=$TRIG trigger --login-link)
like "$link" "$TRIG/login?exp=*&sig=*" "trigger --login-link prints a signed login link"
hdr=$(curl -s -c "$T/jar" -D - -o /dev/null "$link" | tr -d '\r')
like "$hdr" "*303*Set-Cookie: mend_dashboard=*; HttpOnly; SameSite=Lax*Location: /*" \
	"the link sets an HttpOnly session cookie and sends the browser to /"
is "$(curl -s -b "$T/jar" -o /dev/null -w '%{http_code}' "$TRIG/")" 200 "with the cookie: 200"
sig=${link##*sig=}; exp=${link##*exp=}; exp=${exp%%&*}
case $sig in *0) bad=${sig%?}1 ;; *) bad=${sig%?}0 ;; esac
is "$(curl -s -o /dev/null -w '%{http_code}' "$TRIG/login?exp=$exp&sig=$bad")" 403 "a changed login link: 403"
old=$(( $(date +%s) - 5 ))
is "$(curl -s -o /dev/null -w '%{http_code}' "$TRIG/login?exp=$old&sig=$(MEND_TRIGGER_SECRET=$MEND_DASHBOARD_TOKEN sign dashboard-login $old)")" 410 \
	"an expired login link (signed with Python): 410"
forged="$(( $(date +%s) + 3600 )).$sig"
is "$(curl -s -b "mend_dashboard=$forged" -o /dev/null -w '%{http_code}' "$TRIG/")" 401 \
	"the login link's signature is no session cookie: 401"
not_ok "the log has no signature or token" grep -q "$sig\|$MEND_DASHBOARD_TOKEN" "$TRIG_ERR"

# Without a token, a peer that is not loopback is refused.
kill "$TRIG_PID"; wait "$TRIG_PID" 2>/dev/null
unset MEND_DASHBOARD_TOKEN
addr=$(outside_addr)
if [ -z "$addr" ]; then
	for _ in 1 2 3; do echo "ok $((_n += 1)) # skip no address but loopback on this machine"; done
else
	trigger -l "$addr:0" --public shop 2>"$T/out.err" &
	out_pid=$!
	cleanup "kill $out_pid"
	wait_for 60 grep -q 'listening on' "$T/out.err"
	url=$(sed -n 's/.*listening on \(http:[^ ]*\).*/\1/p' "$T/out.err")
	is "$(curl -s -o /dev/null -w '%{http_code}' "$url/")" 403 "from $addr (not loopback), no token: 403"
	is "$(curl -s -o /dev/null -w '%{http_code}' "$url/incident/$id")" 403 "the incident page too"
	is "$(curl -s -o /dev/null -w '%{http_code}' "$url/status")" 200 "but /status is public"
fi
