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
#   detect-2run the first half, then the second half on the state the
#               first left in the spool (the cron case); must print as
#               many incidents as one run
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
# the cron case: the first half, then the second on the saved state
half=$((N / 2))
head -n "$half" "$D/in.jsonl" > "$D/a.jsonl"
tail -n +"$((half + 1))" "$D/in.jsonl" > "$D/b.jsonl"
read -r a_s a_rss <<< "$(run "$DETECT" -s "$D/spool2" --error-rate 50 --latency 5000 "$D/a.jsonl")"
a_inc=$(wc -l < "$D/out")
read -r b_s b_rss <<< "$(run "$DETECT" -s "$D/spool2" --error-rate 50 --latency 5000 "$D/b.jsonl")"
b_inc=$(wc -l < "$D/out")
d2_s=$(awk "BEGIN { print $a_s + $b_s }")
d2_rss=$((a_rss > b_rss ? a_rss : b_rss))

rate() { awk "BEGIN { printf \"%d\", $N / $1 }"; }
printf '%-11s %8s %10s %9s  %s\n' tool seconds records/s rss_MB output
printf '%-11s %8s %10s %9s  %s\n' jq-select "$jq_s" "$(rate "$jq_s")" "$((jq_rss / 1024))" "$jq_lines lines"
printf '%-11s %8s %10s %9s  %s\n' detect "$d_s" "$(rate "$d_s")" "$((d_rss / 1024))" "$d_inc incidents"
printf '%-11s %8s %10s %9s  %s\n' detect-2run "$d2_s" "$(rate "$d2_s")" "$((d2_rss / 1024))" \
	"$((a_inc + b_inc)) incidents$([ $((a_inc + b_inc)) = "$d_inc" ] && echo ", as one run" || echo ", NOT as one run")"
echo "detect / jq: $(awk "BEGIN { printf \"%.2f\", $jq_s / $d_s }")x (target >= 1.5), $N records, $MONITORS monitors"
