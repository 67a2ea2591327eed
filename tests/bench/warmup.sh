#!/usr/bin/env bash
# bench/warmup.sh - watch's warm-up learned from a monitor's past deploys
# vs the fixed 60 s it used before (--warmup 60), in the same pass.
# A service that warms up for W seconds after every deploy (its checks
# fail, or answer 400 ms slower) gets five fine deploys and then a real
# regression (after the warm-up, every third check fails, or every check
# is 300 ms slower, for good).  Prints, per W and kind, the verdicts of
# both, then the false reverts (a fine deploy called worse) and missed
# regressions of each.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${MEND_BIN:-$top/bin}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
gen() {	# gen W KIND: the stream, checks every 10 s, deploys every 40 min
	python3 - "$1" "$2" <<'PY'
import json, sys
W, kind = int(sys.argv[1]), sys.argv[2]
deps = [2400 * (i + 1) for i in range(6)]
reg = deps[-1]
def ts(s): return "2026-11-24T%02d:%02d:%02d.000Z" % (s // 3600, (s // 60) % 60, s % 60)
for s in range(0, reg + 600, 10):
    if s in deps:
        print(json.dumps({"type": "deploy", "ts": ts(s), "commit": "%040x" % s,
                          "monitors": ["api"]}))
    warm = any(d <= s < d + W for d in deps)
    bad = s >= reg + W
    ok, ms = True, 40 + s % 7
    if warm and kind == "fail" or bad and kind == "fail" and (s // 10) % 3 == 0:
        ok = False
    if warm and kind == "slow":
        ms += 400
    if bad and kind == "slow":
        ms += 300
    print(json.dumps({"type": "probe", "ts": ts(s), "monitor": "api", "url": "http://x/",
                      "method": "GET", "ok": ok, "status": 200 if ok else 0, "ms": ms,
                      "bytes": 2, "error": None if ok else "connect", "detail": None}))
PY
}
fr_l=0 fr_f=0 miss_l=0 miss_f=0 n=0
printf '%-6s %-5s %-34s %-34s\n' W kind "learned (5 fine, 1 regression)" "fixed 60 s"
for kind in fail slow; do
	for W in 20 90 150 170 180 190 200; do
		gen "$W" "$kind" > "$T/s.jsonl"
		rm -rf "$T/l" "$T/f"
		"$bin/watch" -s "$T/l" "$T/s.jsonl" 2>/dev/null | jq -r '.verdict.verdict' > "$T/l.out"
		"$bin/watch" -s "$T/f" --warmup 60 "$T/s.jsonl" 2>/dev/null | jq -r '.verdict.verdict' > "$T/f.out"
		l=$(tr '\n' ',' < "$T/l.out" | sed 's/no worse/ok/g; s/,$//')
		f=$(tr '\n' ',' < "$T/f.out" | sed 's/no worse/ok/g; s/,$//')
		printf '%-6s %-5s %-34s %-34s\n' "$W" "$kind" "$l" "$f"
		fr_l=$((fr_l + $(head -5 "$T/l.out" | grep -c '^worse$' || true)))
		fr_f=$((fr_f + $(head -5 "$T/f.out" | grep -c '^worse$' || true)))
		miss_l=$((miss_l + $(tail -1 "$T/l.out" | grep -vc '^worse$' || true)))
		miss_f=$((miss_f + $(tail -1 "$T/f.out" | grep -vc '^worse$' || true)))
		n=$((n + 1))
	done
done
echo "fine deploys: $((n * 5)), regressions: $n"
echo "learned warm-up: $fr_l false reverts, $miss_l missed regressions"
echo "fixed 60 s:      $fr_f false reverts, $miss_f missed regressions"
