#!/usr/bin/env bash
# detect --metric: rules over metric records (sample's output).  A leak
# opens one incident with its slope and resolves after the restart; a
# flat or garbage-collected (sawtooth) heap opens nothing; a pinned CPU
# opens on the counter's rate, and a counter reset is not a spike; cron
# runs (one detect per record) decide what one long run does.
. "$(dirname "$0")/lib.sh"
plan 19

S=$TOP/tests/servers/metric-series.py
LEAK='growing(process_resident_memory_bytes) for 30m'
CPU='rate(process_cpu_seconds_total) > 0.9 for 2m'
run() { MEND_SPOOL=$T/$1.spool detect --metric "$LEAK" --metric "$CPU" > "$T/$1.out" 2> "$T/$1.err"; }

python3 "$S" leak > "$T/leak.in"
run leak < "$T/leak.in"
is "$(jq -r .incident.event "$T/leak.out" | paste -sd,)" "open,resolve" "a leak: one incident, opened and resolved"
is "$(jq -r 'select(.incident.event == "open") | .incident | [.reason, .class, .monitor, .url] | join(",")' "$T/leak.out")" \
	"leak,resource,shop,pid:4242" "named a leak of class resource, with the monitor and target"
like "$(jq -r 'select(.incident.event == "open") | .incident.summary' "$T/leak.out")" \
	"process_resident_memory_bytes grew steadily for 30 min: * MiB to * MiB, +*MiB/min (R² 0.*): a leak?" \
	"the summary says how fast it grows"
is "$(jq -r 'select(.incident.event == "open") | .incident.metric | (.slope_per_s > 10000 and .slope_per_s < 50000 and .r2 >= 0.8)' "$T/leak.out")" \
	true "the incident carries the slope (bytes/s) and the fit"
# The leak starts at 10:20 and grows 2 MiB/min: it must be seen within its window.
like "$(jq -r 'select(.incident.event == "open") | .incident.last_seen' "$T/leak.out")" "2026-12-03T10:[2-5]*" \
	"opened while the leak is on, not after the restart"
like "$(jq -r 'select(.incident.event == "resolve") | .incident.summary' "$T/leak.out")" \
	"process_resident_memory_bytes stopped growing (now * MiB)" "resolved once it stopped growing"
is "$(jq -r 'select(.incident.event == "open") | .incident.evidence | length' "$T/leak.out")" 5 \
	"with the last records as evidence"

jq -c 'select(.incident.event == "open")' "$T/leak.out" | analyze --no-spool > "$T/leak.analysis"
is "$(jq -c '.analysis | [.category, .class, .diff]' "$T/leak.analysis")" '["resource","memory-leak",null]' \
	"analyze: a leak is a resource incident, with no code change guessed"
like "$(jq -r '.analysis.remediation[0]' "$T/leak.analysis")" "Take two heap snapshots*" "and says what to look at"

python3 "$S" flat 180 | run flat
is "$(wc -l < "$T/flat.out" | tr -d ' ')" 0 "a flat, noisy heap for 3 hours opens nothing"
python3 "$S" sawtooth 180 | run saw
is "$(wc -l < "$T/saw.out" | tr -d ' ')" 0 "a garbage-collected heap (sawtooth) opens nothing"

python3 "$S" cpu | run cpu
is "$(jq -r '.incident | [.event, .reason] | join(":")' "$T/cpu.out" | paste -sd,)" \
	"open:metric_rate,resolve:metric_rate" "a pinned CPU opens on the counter's rate and resolves when idle"
like "$(jq -r 'select(.incident.event == "open") | .incident.last_seen' "$T/cpu.out")" "2026-12-03T10:1[0-9]*" \
	"while it is pinned"

# cron: one detect per batch of 20 records (a sample -n 20 per run), state
# in the spool, the same incidents.
split -l 20 "$T/leak.in" "$T/batch."
for f in "$T"/batch.*; do
	MEND_SPOOL=$T/cron.spool detect --metric "$LEAK" --metric "$CPU" < "$f"
done > "$T/cron.out"
is "$(jq -c '.incident | [.event, .reason, .last_seen, .summary]' "$T/cron.out")" \
	"$(jq -c '.incident | [.event, .reason, .last_seen, .summary]' "$T/leak.out")" \
	"one detect per batch decides what one long run does"
is "$(jq -r .incident.id "$T/cron.out" | sort -u | wc -l | tr -d ' ')" 1 "and the resolve carries the open's id"

# A threshold for a while: disk use above 90% for 5 minutes.
python3 - > "$T/disk.in" <<'PY'
import json
for i in range(60):
    v = 0.95 if 12 <= i < 48 else 0.5
    print(json.dumps({"type": "metric", "ts": "2026-12-03T10:%02d:%02d.000Z" % (i // 6, i % 6 * 10),
                      "monitor": "db", "target": "disk:/var", "name": "disk_used_ratio", "value": v,
                      "kind": "gauge", "labels": {}}))
PY
MEND_SPOOL=$T/disk.spool detect --metric 'disk_used_ratio > 90% for 5m' < "$T/disk.in" > "$T/disk.out"
is "$(jq -r '.incident | [.event, .last_seen] | join("@")' "$T/disk.out" | paste -sd,)" \
	"open@2026-12-03T10:07:00.000Z,resolve@2026-12-03T10:08:10.000Z" \
	"a value past its limit opens once it stayed there 5 minutes, resolves after recover-after samples"

detect --metric 'process_resident_memory_bytes >> 5' < /dev/null 2> "$T/bad.err"
is "$?" 64 "a malformed rule is a usage error"
like "$(cat "$T/bad.err")" "detect: bad metric rule 'process_resident_memory_bytes >> 5': want *" "saying which"

printf '%s\n' '{"type":"metric","ts":"2026-12-03T10:00:00Z","monitor":"a","name":"disk_used_ratio","value":"high"}' > "$T/badrec"
MEND_SPOOL=$T/br.spool detect --metric 'disk_used_ratio > 90%' "$T/badrec" 2> "$T/badrec.err"
like "$?:$(cat "$T/badrec.err")" "65:detect: $T/badrec:1: a metric record needs ts, monitor, name and a numeric value" \
	"a bad metric record is named by file and line"
