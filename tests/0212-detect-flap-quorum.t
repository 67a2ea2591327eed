#!/usr/bin/env bash
# detect: a flapping monitor is held in one incident; --quorum across sources.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/servers/probe-records.sh"
plan 13

# fail fail ok ok, ten times: not a storm of open/resolve pairs
for i in $(seq 0 39); do
	if [ $((i % 4)) -lt 2 ]; then rec flap $((i * 10)) false; else rec flap $((i * 10)) true; fi
done > "$T/flap"
detect "$T/flap" > "$T/o1"
is "$(jq -r .incident.event "$T/o1" | tr '\n' ' ')" "open resolve open " "40 flips: one short episode, then one held incident"
is "$(jq -r 'select(.incident.event == "open") | .incident.id' "$T/o1" | tail -1)" \
	"$(sqlite3 -cmd ".timeout 5000" "$MEND_SPOOL/mend.db" "select id from incidents where state = 'open'")" "the held incident is the open one in the spool"
# healthy again: resolves once, after the flips leave the window, marked flapping
for i in $(seq 40 110); do rec flap $((i * 10)) true; done | detect > "$T/o2"
is "$(jq -r '.incident | [.event,.flapping] | @csv' "$T/o2")" '"resolve",true' "then one resolve, marked flapping"
like "$(jq -r .incident.summary "$T/o2")" "recovered after * (was flapping)" "summary says it flapped"
is "$(jq -r .incident.last_seen "$T/o2")" "$(ts 950)" "held until the window holds no more than flap/2 flips"

# flapping faster than --fail-after ever sees: opens as flapping
for i in $(seq 0 9); do
	if [ $((i % 2)) = 0 ]; then rec fast $((i * 10)) false; else rec fast $((i * 10)) true; fi
done | MEND_SPOOL=$T/s2 detect > "$T/o3"
is "$(jq -r '.incident | [.event,.reason,.class,.flapping] | @csv' "$T/o3")" '"open","flapping","flapping",true' "alternating checks open one flapping incident"
like "$(jq -r .incident.summary "$T/o3")" "changed state 5 times in 50 s (flapping)*" "flapping summary"
for i in $(seq 0 9); do
	if [ $((i % 2)) = 0 ]; then rec fast $((i * 10)) false; else rec fast $((i * 10)) true; fi
done | MEND_SPOOL=$T/s3 detect --flap 0 > "$T/o4"
is "$(wc -l < "$T/o4")" 0 "--flap 0 turns it off"

# quorum: three probers watch one monitor
export MEND_SPOOL=$T/q
q() { rec shop "$1" "$2" 0 '"connect"' 5 p1; rec shop "$1" "$3" 0 '"connect"' 5 p2; rec shop "$1" "$4" 0 '"connect"' 5 p3; }
{ q 0 true true true; q 10 false true true; q 20 false true true; q 30 false true true; } | sort -t'"' -k4,4 > "$T/q1"
detect --quorum 2 "$T/q1" > "$T/o5"
is "$(wc -l < "$T/o5")" 0 "--quorum 2: one prober failing (its own network, say) opens nothing"
{ q 40 false false true; q 50 false false true; } | detect --quorum 2 > "$T/o6"
is "$(jq -r '.incident | [.event, (.sources | sort | join(","))] | @csv' "$T/o6")" '"open","p1,p2"' "two agree: open, with the sources"
is "$(jq -r .incident.summary "$T/o6")" "2 of 2 checks failed with connection errors over 10 s, seen from 2 of 3 sources" "quorum summary: the deciding source"
{ q 60 true false true; q 70 true false true; } | detect --quorum 2 > "$T/o7"
is "$(jq -r .incident.event "$T/o7")" resolve "fewer than the quorum failing: resolved"
{ q 0 false true true; q 10 false true true; } | MEND_SPOOL=$T/q2 detect > "$T/o8"
is "$(jq -r .incident.event "$T/o8")" open "without --quorum any one source opens"
