#!/usr/bin/env bash
# tests/bench/detect.sh - detect over N probe records against jq.
#
#   bash tests/bench/detect.sh
#
# Generates N (default 1,000,000) probe records (tests/bench/gen-probes.py:
# 1000 monitors every 30 s with outages and slow spells), then in one run
# times, on the same file:
#   jq-select   jq -c 'select(.status>=500)'   (the peer: a filter that
#               parses every record)
#   detect      detect into a fresh spool (every rule on: error rate,
#               latency, flapping), incidents committed
#   detect-2nd  detect again on the same spool (state loaded, the same
#               records replayed on top of it)
# and prints records/s, the ratio to jq (target >= 1.5) and peak RSS
# (it should not grow with N: try N=200000 and N=1000000).
# Environment: N, MONITORS (1000), DETECT (bin/detect).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-1000000}
MONITORS=${MONITORS:-1000}
DETECT=${DETECT:-$top/bin/detect}
[ -x "$DETECT" ] || { echo "build first: make" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq is needed" >&2; exit 1; }

D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
python3 "$top/tests/bench/gen-probes.py" "$N" "$MONITORS" > "$D/in.jsonl"
cat "$D/in.jsonl" > /dev/null	# warm the page cache

run() {	# NAME COMMAND... -> "seconds rss_kb"
	/usr/bin/time -f '%e %M' -o "$D/time" "$@" > "$D/out" 2> "$D/err" ||
		{ echo "$1 failed:" >&2; cat "$D/err" >&2; exit 1; }
	cat "$D/time"
}
read -r jq_s jq_rss <<< "$(run jq -c 'select(.status>=500)' "$D/in.jsonl")"
jq_lines=$(wc -l < "$D/out")
read -r d_s d_rss <<< "$(run "$DETECT" -s "$D/spool" --error-rate 50 --latency 5000 "$D/in.jsonl")"
d_inc=$(wc -l < "$D/out")
read -r d2_s d2_rss <<< "$(run "$DETECT" -s "$D/spool" --error-rate 50 --latency 5000 "$D/in.jsonl")"

rate() { echo "scale=0; $N / $1" | bc -l; }
printf '%-11s %8s %10s %9s  %s\n' tool seconds records/s rss_MB output
printf '%-11s %8s %10s %9s  %s\n' jq-select "$jq_s" "$(rate "$jq_s")" "$((jq_rss / 1024))" "$jq_lines lines"
printf '%-11s %8s %10s %9s  %s\n' detect "$d_s" "$(rate "$d_s")" "$((d_rss / 1024))" "$d_inc incidents"
printf '%-11s %8s %10s %9s\n' detect-2nd "$d2_s" "$(rate "$d2_s")" "$((d2_rss / 1024))"
echo "detect / jq: $(echo "scale=2; $jq_s / $d_s" | bc -l)x (target >= 1.5), $N records, $MONITORS monitors"
