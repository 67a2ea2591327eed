#!/usr/bin/env bash
# detect learns a monitor's known-good answers from the probes that pass
# while it is healthy, and a "recovery" whose answers lost data (an empty
# list, a zero page count) is no recovery: the incident stays open until
# the answers look like the known-good ones again.
. "$(dirname "$0")/lib.sh"
plan 10
PORT=$(free_port)
good='{"total":45,"pages":3,"items":[{"id":1},{"id":2}]}'
lost='{"total":45,"pages":0,"items":[]}'
set_answer() { # STATUS BODY
	python3 -c 'import json,sys; json.dump({"/products": {"status": int(sys.argv[1]), "body": sys.argv[2]}}, open(sys.argv[3] + ".new", "w"))' \
		"$1" "$2" "$T/state" && mv "$T/state.new" "$T/state"
}
set_answer 200 "$good"
python3 "$TOP/tests/servers/answers.py" "$PORT" "$T/state" & cleanup "kill $!"
wait_for 10 test -e "$T/state.ready" || { echo "Bail out! the service did not start"; exit 1; }
echo "http://127.0.0.1:$PORT/products?page=1 name=catalog" > "$T/urls"
round() { probe "$T/urls" | tee -a "$T/probes" | detect --fail-after 2 --recover-after 2 >> "$T/incidents"; }
for i in 1 2 3; do round; done
known=$(sqlite3 "$MEND_SPOOL/mend.db" "select value from state where ns = 'shape'")
is "$(jq -c '[.monitor, .url, .json, .paths["$.items"].tok]' <<<"$known")" \
	"[\"catalog\",\"http://127.0.0.1:$PORT/products?page=1\",3,{\"arr\":3}]" \
	"the known-good record: monitor, URL, JSON answers whose items array was never empty"

# A check that sends a body: detect learns the keys every good request had
# (testloop then knows a 4xx to a request lacking one is right).
echo "http://127.0.0.1:$PORT/products name=search method=POST body=q=shoe&page=2" > "$T/urls.post"
probe "$T/urls.post" | detect >/dev/null
keys=$(sqlite3 "$MEND_SPOOL/mend.db" "select value from state where ns = 'shape' and key like 'search %'")
is "$(jq -c '.request_keys | sort' <<<"$keys")" '["page","q"]' \
	"a check's request body keys are learned"

set_answer 500 '{"error":"internal"}'
round; round
is "$(jq -r .incident.event "$T/incidents")" open "two 500s open an incident"

set_answer 200 "$lost"
round; round; round
is "$(tail -3 "$T/probes" | jq -r .ok | tr '\n' ' ')" "true true true " \
	"the degraded answers pass the status check"
is "$(jq -r .incident.event "$T/incidents" | tr '\n' ' ')" "open " \
	"but three of them resolve nothing"
is "$(sqlite3 "$MEND_SPOOL/mend.db" "select state from incidents")" open "the incident is still open in the spool"
like "$(sqlite3 "$MEND_SPOOL/mend.db" "select value from state where ns = 'detect'")" \
	'*"degraded"*' "detect's state says why it is still down"

set_answer 200 "$good"
round; round
is "$(jq -r .incident.event "$T/incidents" | tr '\n' ' ')" "open resolve " \
	"two answers with the known-good shape resolve it"
like "$(jq -r 'select(.incident.event == "resolve") | .incident.summary' "$T/incidents")" \
	"*2 checks in a row succeeded*" "the resolve says why"

# An answer that says it has nothing is a recovery (a fresh spool: no flapping).
export MEND_SPOOL=$T/spool2
: > "$T/incidents"
for i in 1 2 3; do round; done
set_answer 500 '{"error":"internal"}'
round; round
set_answer 200 '{"total":0,"pages":1,"items":[]}'
round; round
is "$(jq -r .incident.event "$T/incidents" | tr '\n' ' ')" "open resolve " \
	"an answer that says it has nothing (total 0) is a recovery"
