#!/usr/bin/env bash
# logs -f: follows a file by name like tail -F - a trace at the end of the
# file comes out after the quiet gap; a rotation (rename, new file) loses
# neither the old file's last lines nor the new file's first; a truncation
# (copytruncate) starts again at 0; a file that does not exist yet is
# waited for; the same without inotify (--poll); SIGTERM exits 0 with the
# position saved.
. "$(dirname "$0")/lib.sh"
[ -x "$MEND_BIN/logs" ] || skip_all "logs is not built yet"
command -v jq >/dev/null || skip_all "jq not installed"
command -v sqlite3 >/dev/null || skip_all "sqlite3 not installed"
FX=$TOP/tests/fixtures/traces
plan 18

lines() { [ "$(wc -l < "$1" | tr -d ' ')" -ge "$2" ]; }
excs() { jq -r .exception "$1" | tr '\n' ','; }
# The saved offset of a file (the spool's "logs" namespace).
saved_off() { sqlite3 -cmd ".timeout 5000" "$MEND_SPOOL/mend.db" \
	"select json_extract(value, '$.off') from state where ns = 'logs' and key = '$1'"; }
at_end() { [ "$(saved_off "$1")" = "$(wc -c < "$1" | tr -d ' ')" ]; }

LOG=$T/app.log
echo "service started" > "$LOG"
logs -f --gap 0.3 "$LOG" > "$T/out" 2> "$T/err" &
pid=$!
cleanup "kill $pid"

# A trace with nothing after it: only the quiet gap ends it.
cat "$FX/py_zero.txt" >> "$LOG"
ok "a trace at the end of the file comes out after the quiet gap" wait_for 60 lines "$T/out" 1
is "$(excs "$T/out")" "ZeroDivisionError," "as one record"

# Rotation: the old file's last lines, then the new file from its start.
cat "$FX/go_divide.txt" >> "$LOG"
mv "$LOG" "$LOG.1"
cat "$FX/java_npe.txt" > "$LOG"
ok "rotation: both files' traces come out" wait_for 60 lines "$T/out" 3
is "$(excs "$T/out")" "ZeroDivisionError,panic,java.lang.NullPointerException," \
	"the old file's rest first, then the new file's"

# copytruncate: the file is copied and cut to 0, then written again.
for i in $(seq 1 100); do echo "2026-11-24 06:00:00,000 INFO request $i served in 3 ms"; done >> "$LOG"
ok "the position reaches the end of the file" wait_for 60 at_end "$LOG"
cp "$LOG" "$LOG.2"
: > "$LOG"
cat "$FX/ruby34.txt" >> "$LOG"
ok "truncation: the file is read again from 0" wait_for 60 lines "$T/out" 4
is "$(jq -r .exception "$T/out" | tail -1)" "ZeroDivisionError" "and its new trace is found"
ok "the position follows the truncated file" wait_for 60 at_end "$LOG"

# A file that does not exist yet.
logs -f --gap 0.3 "$T/later.log" > "$T/later.out" 2>&1 &
pid2=$!
cleanup "kill $pid2"
cat "$FX/php_uncaught.txt" > "$T/later.log"
ok "a file created later is read from its start" wait_for 60 lines "$T/later.out" 1
is "$(excs "$T/later.out")" "DivisionByZeroError," "with its trace"

# Without inotify: --poll.
P=$T/poll.log
: > "$P"
logs -f --poll 0.1 --gap 0.3 "$P" > "$T/poll.out" 2> "$T/poll.err" &
pid3=$!
cleanup "kill $pid3"
# (once it has the file open: a rotation before it starts is no rotation)
opened() { [ "$(saved_off "$1")" = 0 ]; }
wait_for 60 opened "$P"
cat "$FX/rust_index.txt" >> "$P"
mv "$P" "$P.1"
cat "$FX/dotnet_inner.txt" > "$P"
ok "--poll: rotation is followed too" wait_for 60 lines "$T/poll.out" 2
is "$(excs "$T/poll.out")" "panic,System.InvalidOperationException," "both traces, in order"

# Standard input kept open (journalctl -f | logs): the gap ends the trace.
mkfifo "$T/fifo"
logs --gap 0.3 < "$T/fifo" > "$T/fifo.out" &
pid4=$!
cleanup "kill $pid4"
exec 7> "$T/fifo"
cat "$FX/go_http.txt" >&7
ok "stdin: a trace comes out after the quiet gap, input still open" wait_for 60 lines "$T/fifo.out" 1
exec 7>&-
wait "$pid4"
is "$?:$(excs "$T/fifo.out")" "0:panic," "and at the end of input logs exits 0"

# SIGTERM: exit 0, nothing printed twice, the position saved.
kill -TERM "$pid"
wait "$pid"
is "$?" 0 "SIGTERM: exit 0"
is "$(wc -l < "$T/out" | tr -d ' ')" 4 "nothing printed twice"
is "$(saved_off "$LOG")" "$(wc -c < "$LOG" | tr -d ' ')" "the position is saved"
is "$(cat "$T/err")" "" "nothing on standard error"
