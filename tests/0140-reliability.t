#!/usr/bin/env bash
# Reliability: kill -9 enqueue and work at random points, many times.
# Every job enqueue printed is in the spool; every job ends done; two
# workers never run one job at once.
. "$(dirname "$0")/lib.sh"
plan 5

# 1. enqueue killed mid-stream: what it printed was committed.  Each
# round kills it once it has printed a random number of jobs (an event,
# not a guessed time, so a loaded machine changes nothing).
lost=0 printed=0
printed_at_least() { [ "$(grep -c '}$' "$1" 2>/dev/null)" -ge "$2" ]; }
for round in $(seq 1 15); do
	python3 -c '
import sys, time
for i in range(200000):
    sys.stdout.write("{\"type\":\"r\",\"round\":%s,\"n\":%d}\n" % (sys.argv[1], i))
    if i % 500 == 0: sys.stdout.flush(); time.sleep(0.001)
' "$round" 2>/dev/null | enqueue -q r > "$T/printed.$round" 2>/dev/null &
	wait_for 60 printed_at_least "$T/printed.$round" $((RANDOM % 3000 + 1))
	kill -9 $! 2>/dev/null
	wait $! 2>/dev/null
	# A torn last line is possible on the pipe; whole lines count.
	grep '}$' "$T/printed.$round" | jq -r .job.id > "$T/ids.$round" 2>/dev/null
	printed=$((printed + $(wc -l < "$T/ids.$round")))
done
cat "$T"/ids.* | sort > "$T/ids"
sqlite3 "$MEND_SPOOL/mend.db" "select id from jobs where queue='r'" | sort > "$T/stored"
lost=$(comm -23 "$T/ids" "$T/stored" | wc -l)
ok "enqueue killed 15 times printed $printed jobs" test "$printed" -gt 0
is "$lost" "0" "every printed job is in the spool"

# 2. workers killed with -9 mid-job: every job still ends done.  Each
# round kills one worker once a job has started since the round began
# (an event), so the kill lands mid-run however slow the machine is.
mkdir "$T/locks"
: > "$T/started"
for i in $(seq 1 40); do echo "{\"n\":$i}"; done | enqueue -q w --attempts 1000 >/dev/null
job='echo "$MEND_JOB_ID" >> "$T/started"; exec flock -n "$T/locks/$MEND_JOB_ID" sh -c "sleep 0.0$((RANDOM % 5)); echo \$MEND_JOB_ID >> $T/finished" || echo "$MEND_JOB_ID" >> "$T/overlap"'
export T
all_done() { [ "$(spool jobs -q w --state done | jq -s length)" = 40 ]; }
# A job started since the round began, or both workers are gone (--drain
# ends at once when the only jobs left are leased by a killed worker).
progress() { [ "$(wc -l < "$T/started")" -gt "$1" ] || [ -z "$(jobs -rp)" ]; }
for round in $(seq 1 30); do
	all_done && break
	n=$(wc -l < "$T/started")
	work -q w -j 2 --lease 1 --drain -- bash -c "$job" >/dev/null 2>&1 &
	a=$!
	work -q w -j 2 --lease 1 --drain -- bash -c "$job" >/dev/null 2>&1 &
	b=$!
	wait_for 30 progress "$n"
	kill -9 "$a" 2>/dev/null
	wait "$b" 2>/dev/null
	wait "$a" 2>/dev/null
done
# What the killed workers held comes back when their 1 s leases lapse:
# drain until everything is done.
drain_all() { work -q w -j 2 --lease 1 --drain -- bash -c "$job" >/dev/null 2>&1; all_done; }
wait_for 60 drain_all
is "$(spool jobs -q w --state done | jq -s length)" "40" "all 40 jobs end done after kill -9s"
is "$(spool jobs -q w | jq -s length)" "40" "and there are no extra jobs"
is "$(cat "$T/overlap" 2>/dev/null | wc -l)" "0" "no job ran in two workers at once"
