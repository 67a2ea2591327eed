#!/usr/bin/env bash
# tests/bench/logs.sh - logs over a large application log against grep and
# a log shipper's multi-line pass.
#
#   bash tests/bench/logs.sh
#
# Generates N (default 1,000,000) log lines: request lines, error lines
# (1%), and a stack trace every TRACE_EVERY (1000) lines, alternating a
# Java trace (14 lines, with Caused by) and a Python traceback (9 lines).
# Then in one run, on the same file (page cache warm), times:
#   grep       grep -c ERROR (the floor: reading and matching lines), ten
#              times, divided by ten
#   logs       logs -n FILE (every trace grouped and parsed, error lines
#              counted); checks it printed one record per trace
#   rsyslog    rsyslogd's imfile with startmsg.regex (a message starts at
#              a line that is not indented: the usual multi-line setting)
#              writing the messages to a file, when rsyslogd is installed
#              (Debian has no fluent-bit, vector, fluentd, filebeat or
#              promtail package; rsyslog is its log shipper with a
#              multi-line pass)
# and prints lines per CPU second (user + system: the machine is shared),
# wall time, the ratios and peak RSS.
# Environment: N, TRACE_EVERY, LOGS (bin/logs).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-1000000}
TRACE_EVERY=${TRACE_EVERY:-1000}
LOGS=${LOGS:-$top/bin/logs}
[ -x "$LOGS" ] || { echo "build first: make" >&2; exit 1; }

D=$(mktemp -d)
trap 'rm -rf "$D"; [ -n "${rpid:-}" ] && kill "$rpid" 2>/dev/null' EXIT
python3 - "$N" "$TRACE_EVERY" > "$D/in.log" 2> "$D/traces" <<'PY'
import sys
n, every = int(sys.argv[1]), int(sys.argv[2])
java = ['Exception in thread "main" java.lang.IllegalStateException: bad order {i}'] + \
    ['\tat com.example.shop.Orders.step%d(Orders.java:%d)' % (k, 10 + k) for k in range(8)] + \
    ['Caused by: java.lang.NumberFormatException: For input string: "x{i}"',
     '\tat java.base/java.lang.Integer.parseInt(Integer.java:668)',
     '\tat com.example.shop.Orders.parse(Orders.java:6)', '\t... 8 more']
py = ['Traceback (most recent call last):',
      '  File "/srv/app/app.py", line 23, in <module>', '    handler(req)',
      '  File "/srv/app/app.py", line 10, in handler', '    return average(req["values"])',
      '  File "/srv/app/app.py", line 6, in average', '    return total / len(values)',
      'ZeroDivisionError: division by zero']
i, traces = 0, 0
w = sys.stdout.write
while i < n:
    if i % every == every - 1:
        tr = java if traces % 2 == 0 else py
        for l in tr:
            w(l.replace('{i}', str(i)) + '\n')
        i += len(tr)
        traces += 1
    elif i % 100 == 50:
        w('2026-11-24T06:%02d:%02d.%03dZ ERROR [db] query failed: timeout after 5000 ms (order %d)\n'
          % (i // 60000 % 60, i // 1000 % 60, i % 1000, i))
        i += 1
    else:
        w('2026-11-24T06:%02d:%02d.%03dZ INFO [http] GET /orders/%d 200 %d ms\n'
          % (i // 60000 % 60, i // 1000 % 60, i % 1000, i, i % 97))
        i += 1
sys.stderr.write('%d\n' % traces)
PY
traces=$(cat "$D/traces")
lines=$(wc -l < "$D/in.log")
cat "$D/in.log" > /dev/null

# CPU seconds (user + system) are what is compared: the machine is shared,
# and wall time mostly says how busy it was.
run() {	# COMMAND... -> "cpu_seconds rss_kb wall_seconds"
	/usr/bin/time -f '%U %S %M %e' -o "$D/time" "$@" > "$D/out" 2> "$D/err" ||
		{ echo "$1 failed:" >&2; cat "$D/err" >&2; exit 1; }
	awk '{ printf "%.2f %d %s\n", ($1 + $2 > 0.01 ? $1 + $2 : 0.01), $3, $4 }' "$D/time"
}
# grep ten times: once is below time(1)'s 10 ms resolution.
read -r g_s g_rss g_wall <<< "$(run sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do grep -c ERROR "$1"; done' sh "$D/in.log")"
g_s=$(awk "BEGIN { printf \"%.3f\", $g_s / 10 }")
g_wall=$(awk "BEGIN { printf \"%.3f\", $g_wall / 10 }")
g_out=$(head -1 "$D/out")
read -r l_s l_rss l_wall <<< "$(run "$LOGS" -n "$D/in.log")"
l_traces=$(jq -c 'select(.exception)' "$D/out" | wc -l)
l_counted=$(jq -s 'map(.count // 0) | add' "$D/out")

r_s=- r_rss=- r_msgs=- r_wall=-
if command -v rsyslogd >/dev/null; then
	# Its own copy with a last start line: without readTimeout (which
	# makes imfile crawl) the last message waits for the next start.
	{ cat "$D/in.log"; echo "END"; } > "$D/rs.log"
	starts=$(grep -c '^[^[:space:]]' "$D/in.log")
	cat > "$D/rsyslog.conf" <<EOF2
global(workDirectory="$D" maxMessageSize="64k")
module(load="imfile" mode="polling" PollingInterval="1")
input(type="imfile" file="$D/rs.log" tag="app" ruleset="out" startmsg.regex="^[^[:space:]]"
      freshStartTail="off" escapeLF="on")
ruleset(name="out") { action(type="omfile" file="$D/rsyslog.out" template="RSYSLOG_FileFormat") }
EOF2
	t0=$(date +%s.%N)
	rsyslogd -n -f "$D/rsyslog.conf" -i "$D/rsyslog.pid" 2> "$D/rsyslog.err" &
	rpid=$!
	# Done when every message is written.
	while :; do
		n=$( { wc -l < "$D/rsyslog.out"; } 2>/dev/null || echo 0)
		[ "$n" -ge "$starts" ] && break
		kill -0 "$rpid" 2>/dev/null || { echo "rsyslogd died:" >&2; cat "$D/rsyslog.err" >&2; break; }
		sleep 0.02
	done
	t1=$(date +%s.%N)
	r_rss=$(awk '/VmHWM/ { print $2 }' "/proc/$rpid/status" 2>/dev/null || echo 0)
	# utime + stime of all its threads, in clock ticks
	r_s=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$rpid/stat")
	kill "$rpid"; wait "$rpid" 2>/dev/null; rpid=
	r_wall=$(awk "BEGIN { printf \"%.2f\", $t1 - $t0 }")
	r_msgs=$(wc -l < "$D/rsyslog.out")
fi

rate() { awk "BEGIN { printf \"%d\", $lines / $1 }"; }
printf '%-8s %7s %6s %10s %7s  %s\n' tool cpu_s wall_s lines/cpu_s rss_MB output
printf '%-8s %7s %6s %10s %7s  %s\n' grep "$g_s" "$g_wall" "$(rate "$g_s")" "$((g_rss / 1024))" "$g_out lines matched"
printf '%-8s %7s %6s %10s %7s  %s\n' logs "$l_s" "$l_wall" "$(rate "$l_s")" "$((l_rss / 1024))" \
	"$l_traces trace records of $traces traces$([ "$l_traces" = "$traces" ] && echo ", all" || echo ", NOT all"), $l_counted error lines counted"
if [ "$r_s" != - ]; then
	printf '%-8s %7s %6s %10s %7s  %s\n' rsyslog "$r_s" "$r_wall" "$(rate "$r_s")" "$((r_rss / 1024))" \
		"$r_msgs messages (grouped only, not parsed)"
else
	echo "rsyslog  not installed (apt-get install rsyslog): no shipper to compare with"
fi
echo "logs / grep: $(awk "BEGIN { printf \"%.3f\", $g_s / $l_s }")x$([ "$r_s" != - ] && \
	echo ", logs / rsyslog: $(awk "BEGIN { printf \"%.2f\", $r_s / $l_s }")x"), $lines lines, $traces traces"
