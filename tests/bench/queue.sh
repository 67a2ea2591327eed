#!/usr/bin/env bash
# Benchmark the spool queue against its peers, in one run:
#  - enqueue of N records from a pipe vs the sqlite3 CLI inserting the
#    same rows in one transaction (the ceiling), synchronous=FULL both;
#  - work -j 2 running `true` per job vs spawning `true` alone (the floor);
#  - pick-up latency from commit (enqueue printed the job) to the child's
#    start, and the CPU work used while idle (no busy polling);
#  - peak RSS of each.
# Prints ratios.  N defaults to 100000.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
PATH=$top/bin:$PATH
N=${N:-100000}
J=${J:-2000}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT

now() { date +%s.%N; }
rate() { awk -v n="$1" -v a="$2" -v b="$3" 'BEGIN { printf "%.0f", n / (b - a) }'; }
rss() { awk '/Maximum resident/ { printf "%.1f MB", $6 / 1024 }' "$1"; }

seq 1 "$N" | sed 's/.*/{"type":"bench","n":&,"pad":"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"}/' > "$tmp/in"

# Ceiling: one transaction in the sqlite3 CLI, same table shape, FULL sync.
{
	echo "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;"
	echo "CREATE TABLE jobs (id INTEGER PRIMARY KEY, queue TEXT, key TEXT, state TEXT,"
	echo " priority INT, payload TEXT, attempts INT, max_attempts INT, ready_at REAL,"
	echo " created REAL, updated REAL);"
	echo "CREATE INDEX jobs_ready ON jobs(queue, state, priority DESC, id);"
	echo "BEGIN;"
	sed "s/.*/INSERT INTO jobs VALUES (NULL,'b',NULL,'queued',0,'&',0,5,0,0,0);/" "$tmp/in"
	echo "COMMIT;"
} > "$tmp/sql"
t0=$(now); /usr/bin/time -v sqlite3 "$tmp/ceiling.db" < "$tmp/sql" > /dev/null 2> "$tmp/t.sqlite"; t1=$(now)
sq=$(rate "$N" "$t0" "$t1")

t0=$(now); /usr/bin/time -v enqueue -s "$tmp/spool" -q b < "$tmp/in" > /dev/null 2> "$tmp/t.enq"; t1=$(now)
eq=$(rate "$N" "$t0" "$t1")
echo "enqueue:  $eq jobs/s   sqlite3 CLI one transaction: $sq rows/s   ratio $(awk -v a="$eq" -v b="$sq" 'BEGIN{printf "%.2f", a/b}')x"
echo "          peak RSS enqueue $(rss "$tmp/t.enq"), sqlite3 $(rss "$tmp/t.sqlite")"

# Floor: spawning `true` J times, two at a time.
t0=$(now); seq 1 "$J" | xargs -P 2 -n 1 true; t1=$(now)
fl=$(rate "$J" "$t0" "$t1")
head -n "$J" "$tmp/in" | enqueue -s "$tmp/spool" -q w > /dev/null
t0=$(now); /usr/bin/time -v work -s "$tmp/spool" -q w -j 2 --drain -- true 2> "$tmp/t.work"; t1=$(now)
wk=$(rate "$J" "$t0" "$t1")
echo "work -j 2 true: $wk jobs/s   xargs -P 2 true: $fl spawns/s   ratio $(awk -v a="$wk" -v b="$fl" 'BEGIN{printf "%.2f", a/b}')x"
echo "          peak RSS work $(rss "$tmp/t.work")"

# Pick-up latency: commit (enqueue printed the job) -> child started.
python3 - "$tmp/spool" <<'PY'
import subprocess, sys, time, statistics, os
spool = sys.argv[1]
w = subprocess.Popen(["work", "-s", spool, "-q", "lat", "--", "date", "+%s%N"],
                     stdout=subprocess.PIPE, text=True)
time.sleep(0.3)
cpu0 = os.popen("ps -o cputimes= -p %d" % w.pid).read().strip()
lat = []
for i in range(40):
    e = subprocess.Popen(["enqueue", "-s", spool, "-q", "lat"], stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, text=True)
    e.stdin.write('{"n":%d}\n' % i); e.stdin.close()
    e.stdout.readline(); committed = time.time_ns()
    started = int(w.stdout.readline())
    lat.append((started - committed) / 1e6)
    e.wait()
    time.sleep(0.02)
# Idle cost: 2 s with nothing to do.
t = os.popen("ps -o cputimes= -p %d" % w.pid).read().strip()
time.sleep(2)
t2 = os.popen("ps -o cputimes= -p %d" % w.pid).read().strip()
w.terminate(); w.wait()
lat.sort()
print("pick-up latency: median %.1f ms, p90 %.1f ms, max %.1f ms (target: median < 50 ms)"
      % (statistics.median(lat), lat[int(len(lat) * 0.9)], lat[-1]))
print("idle work CPU over 2 s: %s -> %s s (no busy polling)" % (t, t2))
PY
