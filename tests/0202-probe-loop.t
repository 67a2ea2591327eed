#!/usr/bin/env bash
# probe -e/-n cycles, a slow target never delays the others, -c and --reuse.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/servers/probe-env.sh"
plan 9

start_http web
B=http://127.0.0.1:$PORT
printf '%s\n' "$B/ok name=fast" "$B/hang name=slow timeout=2s" > "$T/urls"
t0=$(date +%s.%N)
probe -e 0.4 -n 4 "$T/urls" > "$T/out"
is "$?" 0 "probe -e -n exits 0"
t1=$(date +%s.%N)
is "$(jq -r 'select(.monitor == "fast") | .ok' "$T/out" | tr -d '\n')" truetruetruetrue "fast target checked every cycle"
is "$(jq -r 'select(.monitor == "slow") | .error' "$T/out")" timeout "slow target in flight is not checked again"
is "$(jq -r 'select(.monitor == "fast") | .ts' "$T/out" | sort -u | wc -l)" 4 "each cycle its own time"
is "$(awk "BEGIN { print ($t1 - $t0 < 6) }")" 1 "the run ends when the last check does (not a cycle of 2 s hangs later)"
# cycles are on the clock: 3 cycles every 0.3 s start 0.3 s apart
probe -e 0.3 -n 3 -S here <<< "$B/ok" > "$T/out2"
is "$(jq -r .source "$T/out2" | sort -u)" here "-S sets source"
span=$(jq -r '.ts' "$T/out2" | python3 -c 'import sys,datetime as d
t=[d.datetime.fromisoformat(l.strip().replace("Z","+00:00")) for l in sys.stdin]
print(round((t[-1]-t[0]).total_seconds(),1))')
ok "cycles start every -e seconds (3 cycles span $span s)" awk -v s="$span" 'BEGIN { exit !(s >= 0.55 && s < 1.5) }'

# -c bounds concurrency: 4 checks of 300 ms, 2 at a time take >= 600 ms
for i in 1 2 3 4; do echo "$B/slow?ms=300 name=s$i"; done > "$T/slow"
t0=$(date +%s%N); probe -c 2 "$T/slow" > /dev/null; t1=$(date +%s%N)
is "$(( (t1 - t0) / 1000000 >= 590 ))" 1 "-c 2 runs two at a time"

# default: a connection per check; --reuse shares one
start_http conn
C=http://127.0.0.1:$PORT
for i in 1 2 3 4 5; do echo "$C/ok name=r$i"; done > "$T/five"
probe -c 1 "$T/five" > /dev/null
probe -c 1 --reuse "$T/five" > /dev/null
is "$(curl -s "$C/conns")" 7 "5 connections fresh, then 1 with --reuse (+1 for this request)"
