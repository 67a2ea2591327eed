#!/usr/bin/env bash
# Reliability: kill -9 enqueue and work at random points, many times.
# Every job enqueue printed is in the spool; every job ends done; two
# workers never run one job at once.
. "$(dirname "$0")/lib.sh"
plan 5

# 1. enqueue killed mid-stream: what it printed was committed.
lost=0 printed=0
for round in $(seq 1 15); do
	python3 -c '
import sys, time
for i in range(200000):
    sys.stdout.write("{\"type\":\"r\",\"round\":%s,\"n\":%d}\n" % (sys.argv[1], i))
    if i % 500 == 0: sys.stdout.flush(); time.sleep(0.001)
' "$round" 2>/dev/null | enqueue -q r > "$T/printed.$round" 2>/dev/null &
	sleep "0.$((RANDOM % 30 + 5))"
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

# 2. workers killed with -9 mid-job: every job still ends done.
mkdir "$T/locks"
for i in $(seq 1 40); do echo "{\"n\":$i}"; done | enqueue -q w --attempts 1000 >/dev/null
job='exec flock -n "$T/locks/$MEND_JOB_ID" sh -c "sleep 0.0$((RANDOM % 5)); echo \$MEND_JOB_ID >> $T/finished" || echo "$MEND_JOB_ID" >> "$T/overlap"'
export T
for round in $(seq 1 60); do
	[ "$(spool jobs -q w --state done | jq -s length)" = 40 ] && break
	work -q w -j 2 --lease 1 --drain -- bash -c "$job" >/dev/null 2>&1 &
	a=$!
	work -q w -j 2 --lease 1 --drain -- bash -c "$job" >/dev/null 2>&1 &
	b=$!
	sleep "0.$((RANDOM % 20 + 1))"
	kill -9 "$a" 2>/dev/null
	wait "$b" 2>/dev/null
	wait "$a" 2>/dev/null
	# Leases of killed workers expire after 1 s.
	[ $((round % 5)) = 0 ] && sleep 1.1
done
sleep 1.1
work -q w -j 2 --lease 1 --drain -- bash -c "$job" >/dev/null 2>&1
is "$(spool jobs -q w --state done | jq -s length)" "40" "all 40 jobs end done after kill -9s"
is "$(spool jobs -q w | jq -s length)" "40" "and there are no extra jobs"
is "$(cat "$T/overlap" 2>/dev/null | wc -l)" "0" "no job ran in two workers at once"
