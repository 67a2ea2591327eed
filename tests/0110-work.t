#!/usr/bin/env bash
# work: run a command per job; done, dead, retry, timeout, -j, pick-up, SIGTERM.
. "$(dirname "$0")/lib.sh"
plan 18

for i in 1 2 3; do echo "{\"type\":\"t\",\"n\":$i}"; done | enqueue -q q >/dev/null
out=$(work -q q --drain -- sh -c 'jq -c "{n:.n, id:env.MEND_JOB_ID, q:env.MEND_JOB_QUEUE}"')
is "$(echo "$out" | jq -r .n | paste -sd,)" "1,2,3" "each payload reaches the command on stdin, oldest first"
is "$(echo "$out" | jq -r .q | sort -u)" "q" "MEND_JOB_QUEUE is set"
is "$(spool jobs -q q --state done | jq -s length)" "3" "exit 0 marks the job done"
is "$(spool show 1 | jq -r .result | jq -r .n)" "1" "the command's stdout is stored as the result"

echo '{"p":"low"}' | enqueue -q prio >/dev/null
echo '{"p":"high"}' | enqueue -q prio --priority 9 >/dev/null
is "$(work -q prio --drain -- jq -r .p | paste -sd,)" "high,low" "higher priority runs first"

echo '{"x":1}' | enqueue -q bad >/dev/null
work -q bad --drain -- sh -c 'exit 65' 2>"$T/err"
is "$(spool jobs -q bad | jq -r '[.state,.attempts]|join(",")')" "dead,1" "exit 65 is dead at once"
like "$(cat "$T/err")" "*dead after 1 attempt*" "work says the job is dead"

echo '{"x":1}' | enqueue -q flaky --attempts 3 >/dev/null
for i in 1 2 3; do work -q flaky --drain --backoff 0.05 -- sh -c 'exit 1' 2>/dev/null; sleep 0.1; done
is "$(spool jobs -q flaky | jq -r '[.state,.attempts,.error]|join(",")')" "dead,3,exit status 1" \
	"other failures retry until the attempts run out"

echo '{"x":1}' | enqueue -q retry >/dev/null
work -q retry --drain --backoff 0.05 -- sh -c '[ "$MEND_JOB_ATTEMPT" = 2 ] || exit 3; echo second' 2>/dev/null
sleep 0.1
is "$(work -q retry --drain -- sh -c '[ "$MEND_JOB_ATTEMPT" = 2 ] || exit 3; echo second' 2>/dev/null)" "second" \
	"a failed job runs again after its backoff"

echo '{"x":1}' | enqueue -q slow >/dev/null
start=$(date +%s%N)
work -q slow --drain --timeout 0.3 -- sh -c 'sleep 30 & echo $! > "$T/pids"; echo $$ >> "$T/pids"; sleep 30; echo never' 2>"$T/err"
ms=$(( ($(date +%s%N) - start) / 1000000 ))
ok "--timeout stops the child quickly ($ms ms)" test "$ms" -lt 20000
is "$(spool jobs -q slow | jq -r .error)" "timed out after 0.3 s" "a timeout is recorded as the failure"
alive() {	# a killed orphan may linger as a zombie: that is not alive
	for p in $(cat "$T/pids"); do
		ps -o stat= -p "$p" 2>/dev/null | grep -qv Z && return 0
	done
	return 1
}
gone() { ! alive; }
ok "--timeout kills the whole process group" wait_for 10 gone

# -j: lines of parallel children never mix.
for i in $(seq 1 8); do echo "{\"n\":$i}"; done | enqueue -q par >/dev/null
work -q par -j 4 --drain -- sh -c 'for i in $(seq 1 200); do printf "%s-%0100d\n" "$MEND_JOB_ID" 0; done' > "$T/par"
is "$(grep -cvE '^[0-9]+-0{100}$' "$T/par")" "0" "-j 4: every output line is whole"
is "$(wc -l < "$T/par")" "1600" "-j 4: every line arrives"

# Waiting: a job committed later is picked up by a worker already idle.
# A first job proves the worker is in its loop; how fast the second is
# picked up is measured in tests/bench/queue.sh, not asserted here.
work -q live -- sh -c 'cat; date +%s%N' > "$T/live" &
wpid=$!
cleanup "kill $wpid"
echo '{"warm":1}' | enqueue -q live >/dev/null
wait_for 30 grep -q warm "$T/live"
t0=$(date +%s%N)
echo '{"live":1}' | enqueue -q live >/dev/null
ok "a new job is picked up by a waiting worker" wait_for 30 grep -q '"live"' "$T/live"
t1=$(sed -n 4p "$T/live")
echo "# picked up after $(( (t1 - t0) / 1000000 )) ms"

kill -TERM $wpid; wait $wpid

# SIGTERM: finish the running child, lease nothing new.  The child holds
# its job until the test lets it go, so SIGTERM surely lands mid-job.
work -q term -- sh -c 'cat >/dev/null; touch "$T/term.started"
	while [ ! -e "$T/term.go" ]; do sleep 0.05; done; echo finished' > "$T/term.out" &
wpid=$!
echo '{"a":1}' | enqueue -q term >/dev/null
echo '{"a":2}' | enqueue -q term >/dev/null
wait_for 30 test -e "$T/term.started"
kill -TERM $wpid
touch "$T/term.go"
wait $wpid
is "$?" "0" "SIGTERM exits 0"
is "$(cat "$T/term.out")" "finished" "SIGTERM lets the running child finish"
is "$(spool jobs -q term --state queued | jq -s length)" "1" "SIGTERM leases nothing new"
