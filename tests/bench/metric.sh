#!/usr/bin/env bash
# tests/bench/metric.sh - detect --metric over many series, against jq.
#
#   bash tests/bench/metric.sh
#
# Generates SERIES (default 10,000) series of SAMPLES (default 30) metric
# records each, 10 s apart and interleaved as `sample` would print them for
# a fleet (one record per series per round), one series in 100 leaking
# and one in 100 over a limit, then times on the same file:
#   jq-select   jq -c 'select(.value > 1e9)'  (the peer: a filter that
#               parses every record)
#   detect      detect --metric 'rss > 1G for 1m' --metric
#               'growing(rss) for 3m' into a fresh spool, incidents committed
#   before      the same with the detect in MEND_BASE_BIN, when set (one
#               built from a tree before series were hashed)
# and prints records/s, the ratios and the incidents (the same for both).
# Environment: SERIES, SAMPLES, MEND_BIN, MEND_BASE_BIN.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
SERIES=${SERIES:-10000}
SAMPLES=${SAMPLES:-30}
bin=${MEND_BIN:-$top/bin}
[ -x "$bin/detect" ] || { echo "build first: make" >&2; exit 1; }
command -v jq >/dev/null || { echo "jq is needed" >&2; exit 1; }

D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT
python3 - "$SERIES" "$SAMPLES" >"$D/in.jsonl" <<'PY'
import datetime, json, sys
n, samples = int(sys.argv[1]), int(sys.argv[2])
t0 = datetime.datetime(2026, 12, 3, 10, 0, 0)
M = 1048576
for i in range(samples):
    ts = (t0 + datetime.timedelta(seconds=10 * i)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    for s in range(n):
        v = 200 * M + (s % 7) * M
        if s % 100 == 1:
            v += i * 4 * M          # leaking: +24 MiB/min
        if s % 100 == 2 and i >= samples // 2:
            v = 2 * 1024 * M        # over the limit
        print(json.dumps({"type": "metric", "ts": ts, "monitor": "web-%d" % s,
                          "target": "pid:%d" % (1000 + s), "name": "rss", "value": v,
                          "kind": "gauge", "labels": {"host": "h%d" % (s % 50)}}))
PY
records=$(wc -l <"$D/in.jsonl")
cat "$D/in.jsonl" >/dev/null	# warm the page cache

run() {	# COMMAND... -> "seconds rss_kb"; output in $D/out
	/usr/bin/time -f '%e %M' -o "$D/time" "$@" >"$D/out" 2>"$D/err" ||
		{ echo "$1 failed:" >&2; cat "$D/err" >&2; exit 1; }
	cat "$D/time"
}
rules=(--metric 'rss > 1G for 1m' --metric 'growing(rss) for 3m')
read -r jq_s jq_rss <<<"$(run jq -c 'select(.value > 1e9)' "$D/in.jsonl")"
read -r d_s d_rss <<<"$(run "$bin/detect" -s "$D/spool" "${rules[@]}" "$D/in.jsonl")"
d_inc=$(wc -l <"$D/out")
if [ -n "${MEND_BASE_BIN:-}" ]; then
	read -r b_s b_rss <<<"$(run "$MEND_BASE_BIN/detect" -s "$D/spool-before" "${rules[@]}" "$D/in.jsonl")"
	b_inc=$(wc -l <"$D/out")
fi
rate() { awk -v n="$records" -v s="$1" 'BEGIN { printf "%d", (s > 0 ? n / s : 0) }'; }
echo "detect --metric: $SERIES series x $SAMPLES samples = $records records"
printf '%-12s %7ss %9s rec/s  RSS %6s kB\n' jq-select "$jq_s" "$(rate "$jq_s")" "$jq_rss"
printf '%-12s %7ss %9s rec/s  RSS %6s kB  %s incidents  %.2fx jq\n' detect "$d_s" "$(rate "$d_s")" \
	"$d_rss" "$d_inc" "$(awk -v a="$jq_s" -v b="$d_s" 'BEGIN { print a / b }')"
if [ -n "${MEND_BASE_BIN:-}" ]; then
	printf '%-12s %7ss %9s rec/s  RSS %6s kB  %s incidents  %.2fx jq\n' before "$b_s" "$(rate "$b_s")" \
		"$b_rss" "$b_inc" "$(awk -v a="$jq_s" -v b="$b_s" 'BEGIN { print a / b }')"
	printf 'detect now / before: %.2fx\n' "$(awk -v a="$b_s" -v b="$d_s" 'BEGIN { print a / b }')"
fi
