#!/usr/bin/env bash
# bench/watch.sh - watch's verdicts on the deploy-stream corpus
# (tests/fixtures/watch/streams.py) against the truth a careful person
# would call, and against the naive judge watch used before (one
# comparison of two windows: failure rate +10 points and doubled, p95
# +50% and +100 ms, any new error signature), run in the same pass.
# Prints false reverts (a fine deploy called worse) and missed
# regressions (a regression not called worse) for both.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${MEND_BIN:-$top/bin}
S=$top/tests/fixtures/watch/streams.py
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
naive() {	# the old rules, on the same stream, window 300 s, baseline 1800 s
	python3 - "$1" <<'PY'
import json, math, sys, datetime
recs = [json.loads(l) for l in open(sys.argv[1])]
def t(s): return datetime.datetime.fromisoformat(s.replace("Z", "+00:00")).timestamp()
dep = t(next(r for r in recs if r["type"] == "deploy")["ts"])
worse = False
mons = {r["monitor"] for r in recs if r["type"] == "probe"}
for m in mons:
    b = [r for r in recs if r["type"] == "probe" and r["monitor"] == m and dep - 1800 <= t(r["ts"]) < dep]
    a = [r for r in recs if r["type"] == "probe" and r["monitor"] == m and dep <= t(r["ts"]) <= dep + 300]
    if len(b) < 5 or len(a) < 5: continue
    rb = sum(not r["ok"] for r in b) / len(b); ra = sum(not r["ok"] for r in a) / len(a)
    def p95(x):
        v = sorted(r["ms"] for r in x if r["ok"]); return v[max(0, math.ceil(0.95 * len(v)) - 1)] if v else -1
    pb, pa = p95(b), p95(a)
    if ra - rb >= 0.10 and ra >= 2 * rb: worse = True
    if pb >= 0 and pa >= 1.5 * pb and pa - pb >= 100: worse = True
eb = {(r["monitor"], r["exception"]) for r in recs if r["type"] == "error" and t(r["ts"]) < dep}
ea = {(r["monitor"], r["exception"]) for r in recs if r["type"] == "error" and dep <= t(r["ts"]) <= dep + 300}
if ea - eb: worse = True
print("worse" if worse else "no worse")
PY
}
n=0 reg=0 fine=0 fr=0 miss=0 nfr=0 nmiss=0
printf '%-32s %-10s %-16s %-16s %s\n' case truth watch naive expected
while read -r name truth expected; do
	python3 "$S" "$name" > "$T/s.jsonl"
	got=$("$bin/watch" -s "$T/sp.$name" "$T/s.jsonl" 2>/dev/null | jq -r .verdict.verdict)
	nv=$(naive "$T/s.jsonl")
	printf '%-32s %-10s %-16s %-16s %s\n' "$name" "$truth" "$got" "$nv" "${expected//_/ }"
	n=$((n + 1))
	if [ "$truth" = regression ]; then
		reg=$((reg + 1))
		[ "$got" = worse ] || miss=$((miss + 1))
		[ "$nv" = worse ] || nmiss=$((nmiss + 1))
	else
		fine=$((fine + 1))
		[ "$got" != worse ] || fr=$((fr + 1))
		[ "$nv" != worse ] || nfr=$((nfr + 1))
	fi
done < <(python3 "$S" --list)
echo
echo "$n deploy streams: $reg regressions, $fine fine deploys"
echo "watch: $fr false reverts of $fine, $miss missed regressions of $reg"
echo "naive two-window judge: $nfr false reverts of $fine, $nmiss missed regressions of $reg"
