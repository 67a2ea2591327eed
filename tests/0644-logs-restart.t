#!/usr/bin/env bash
# logs keeps each file's position in the spool: runs from cron and restarts
# of logs -f neither skip nor repeat a line - also when the file was rotated
# in between, and when a trace was still being written at the end of a run.
. "$(dirname "$0")/lib.sh"
[ -x "$MEND_BIN/logs" ] || skip_all "logs is not built yet"
command -v jq >/dev/null || skip_all "jq not installed"
FX=$TOP/tests/fixtures/traces
plan 12

LOG=$T/app.log
excs() { jq -r .exception "$@" | tr '\n' ','; }
lines() { [ "$(wc -l < "$1" | tr -d ' ')" -ge "$2" ]; }

# Cron: each run reads what is new.
cat "$FX/py_zero.txt" > "$LOG"; echo "2026-11-24 06:00:00,000 INFO after" >> "$LOG"
is "$(logs "$LOG" | excs)" "ZeroDivisionError," "the first run reads the file"
is "$(logs "$LOG" | wc -l | tr -d ' ')" 0 "a second run has nothing new"
cat "$FX/java_npe.txt" >> "$LOG"; echo "2026-11-24 06:00:01,000 INFO after" >> "$LOG"
is "$(logs "$LOG" | excs)" "java.lang.NullPointerException," "the next run only what was appended"

# A trace still being written when the run ends (the file changed within
# --gap) is left for the next run, which reads it whole.
head -3 "$FX/java_cause.txt" >> "$LOG"
is "$(logs --gap 60 "$LOG" | wc -l | tr -d ' ')" 0 "half a trace, just written: not printed cut short"
tail -n +4 "$FX/java_cause.txt" >> "$LOG"; echo "2026-11-24 06:00:02,000 INFO after" >> "$LOG"
logs --gap 60 "$LOG" > "$T/whole"
is "$(excs "$T/whole")" "java.lang.IllegalStateException," "the next run prints it whole"
is "$(jq -r '.frames | length' "$T/whole")" 2 "with every frame"
# An old, quiet, unfinished trace is printed (nothing will finish it).
cat "$FX/go_divide.txt" >> "$LOG"
touch -d '-1 hour' "$LOG"
is "$(logs --gap 60 "$LOG" | excs)" "panic," "a trace that stopped long ago is printed"

# Rotated between two runs: the rest of the old file (found by its inode
# as app.log.1), then the new file.
cat "$FX/ruby34.txt" >> "$LOG"
mv "$LOG" "$LOG.1"
cat "$FX/php_uncaught.txt" > "$LOG"; echo "INFO after" >> "$LOG"
is "$(logs "$LOG" | excs)" "ZeroDivisionError,DivisionByZeroError," \
	"rotated while away: the old file's rest, then the new file"
is "$(logs "$LOG" | wc -l | tr -d ' ')" 0 "and then nothing twice"

# logs -f stopped and started again.
logs -f --gap 0.3 "$LOG" > "$T/f1" &
pid=$!
cleanup "kill $pid 2>/dev/null"
cat "$FX/node_undef.txt" >> "$LOG"
wait_for 60 lines "$T/f1" 1
kill -TERM "$pid"; wait "$pid"
cat "$FX/asan.txt" >> "$LOG"; echo "INFO after" >> "$LOG"
logs -f --gap 0.3 "$LOG" > "$T/f2" &
pid=$!
cleanup "kill $pid 2>/dev/null"
ok "restarted, logs -f prints what came while it was down" wait_for 60 lines "$T/f2" 1
kill -TERM "$pid"; wait "$pid"
is "$(excs "$T/f1")|$(excs "$T/f2")" "TypeError,|heap-buffer-overflow," "each trace once, in the run that read it"
# Without state, a file is read from its start each time.
is "$(logs -n "$LOG" | wc -l | tr -d ' ')" 3 "-n: no position, the whole file"
