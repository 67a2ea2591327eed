#!/usr/bin/env bash
# watch learns a monitor's warm-up from its own past deploys, kept in the
# spool: a service that refuses connections for 100 s after each deploy
# is judged with the 60 s default the first time (worse at first, then
# back: no worse), and with a 100 s warm-up from then on; --warmup
# overrides; a regression that stays teaches nothing, a deploy judged
# worse that settled does; a fresh spool starts at 60 s.
. "$(dirname "$0")/lib.sh"
plan 14
# gen FROM TO DEPLOY... : probe records of monitor api every 5 s from
# FROM to TO (seconds after 2026-11-24T00:00:00Z), failing for $WARM s
# (default 100) after each deploy (a deploy BAD-suffixed fails for good),
# 40 ms else.
gen() {
	python3 - "$@" <<'PY'
import json, sys
import os
frm, to, warm = int(sys.argv[1]), int(sys.argv[2]), int(os.environ.get("WARM", "100"))
deps = [(int(d.rstrip("bad")), d.endswith("bad")) for d in sys.argv[3:]]
def ts(s): return "2026-11-24T%02d:%02d:%02d.000Z" % (s // 3600, (s // 60) % 60, s % 60)
for s in range(frm, to, 5):
    for d, bad in deps:
        if s == d:
            print(json.dumps({"type": "deploy", "ts": ts(d), "commit": "%040x" % d,
                              "monitors": ["api"]}))
    ok = not any(d <= s < d + warm or (bad and s >= d) for d, bad in deps)
    print(json.dumps({"type": "probe", "ts": ts(s), "monitor": "api", "url": "http://127.0.0.1:9/",
                      "method": "GET", "ok": ok, "status": 200 if ok else 0, "ms": 40 + s % 3,
                      "bytes": 2, "error": None if ok else "connect", "detail": None}))
PY
}
m='.verdict.monitors[0]'
# Deploys at 2000, 4400, 6800, 9200 s; each run of watch sees up to 400 s after one.
gen 0 2400 2000 > "$T/d1.jsonl"
watch -s "$T/sp" "$T/d1.jsonl" > "$T/v1" 2> /dev/null
is "$(jq -c "$m | [.warmup_from, .warmup_s, .verdict, .settle_s]" "$T/v1")" \
	'["default",60,"no worse",100]' "first deploy: the 60 s default; it settled after 100 s"
like "$(jq -r "$m.reason" "$T/v1")" "no worse (worse at first, back to the baseline*" \
	"judged by its trend"
gen 2400 4800 4400 > "$T/d2.jsonl"
watch -s "$T/sp" "$T/d2.jsonl" > "$T/v2" 2> /dev/null
is "$(jq -c "$m | [.warmup_from, .warmup_s, .verdict, .settle_s]" "$T/v2")" \
	'["history",100,"no worse",100]' "second deploy: the warm-up its history asks for"
is "$(jq -r "$m.reason" "$T/v2")" "no worse (a warm-up in the first 100 s is not counted)" \
	"said in the reason"
is "$(jq -c "$m.after.checks" "$T/v2")" 41 "the checks from 100 s to 300 s (both ends) are judged"

# --warmup overrides the history.
cp -r "$T/sp" "$T/sp2"
gen 4800 7200 6800 > "$T/d3.jsonl"
watch -s "$T/sp2" --warmup 30 "$T/d3.jsonl" > "$T/v3" 2> /dev/null
is "$(jq -c "$m | [.warmup_from, .warmup_s]" "$T/v3")" '["flag",30]' "--warmup overrides"

# A worse deploy (it never comes back) teaches nothing.
gen 4800 7200 6800bad > "$T/d3bad.jsonl"
watch -s "$T/sp" "$T/d3bad.jsonl" > "$T/v3b" 2> /dev/null
is "$(jq -c "$m | [.warmup_from, .warmup_s, .verdict, .settle_s]" "$T/v3b")" \
	'["history",100,"worse",300]' "a worse deploy: judged with the learned warm-up, never settled"
gen 7200 9600 9200 > "$T/d4.jsonl"
watch -s "$T/sp" "$T/d4.jsonl" > "$T/v4" 2> /dev/null
is "$(jq -c "$m | [.warmup_from, .warmup_s, .verdict]" "$T/v4")" '["history",100,"no worse"]' \
	"and the next deploy still uses 100 s, not the worse one's 300"

# A longer warm-up is capped at half the window.
gen 0 2400 2000 > "$T/e1.jsonl"
watch -s "$T/sp3" --window 150 "$T/e1.jsonl" > "$T/w1" 2> /dev/null
gen 2400 4800 4400 > "$T/e2.jsonl"
watch -s "$T/sp3" --window 150 "$T/e2.jsonl" > "$T/w2" 2> /dev/null
is "$(jq -c "$m | [.warmup_from, .warmup_s]" "$T/w1")" '["default",60]' "window 150 s: the default first"
is "$(jq -c "$m | [.warmup_from, .warmup_s]" "$T/w2")" '["history",75]' \
	"then 100 s learned, capped at half the window"

# A warm-up so long that the first deploy is judged worse: it settled, so it teaches.
WARM=190 gen 0 2400 2000 > "$T/l1.jsonl"
watch -s "$T/sp5" "$T/l1.jsonl" > "$T/x1" 2> /dev/null
is "$(jq -c "$m | [.warmup_from, .warmup_s, .verdict, .settle_s]" "$T/x1")" \
	'["default",60,"worse",190]' "190 s of failures after the 60 s default: worse, settled at 190 s"
WARM=190 gen 2400 4800 4400 > "$T/l2.jsonl"
watch -s "$T/sp5" "$T/l2.jsonl" > "$T/x2" 2> /dev/null
is "$(jq -c "$m | [.warmup_from, .warmup_s, .verdict]" "$T/x2")" '["history",150,"no worse"]' \
	"the next deploy: 150 s (capped) learned from it, no worse"

# A fresh spool knows nothing.
watch -s "$T/sp4" "$T/d2.jsonl" > "$T/v5" 2> /dev/null
is "$(jq -c "$m | [.warmup_from, .warmup_s]" "$T/v5")" '["default",60]' "a fresh spool: 60 s"
is "$(jq -c '.verdict.warmup_s' "$T/v5")" 60 "the deploy's default warm-up in the verdict"
