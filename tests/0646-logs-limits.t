#!/usr/bin/env bash
# logs keeps memory bounded: a trace is cut at --max-lines / --max-bytes
# (and says so), a line at --max-line (the lines after it are intact), and
# streams past the 1024 tracked are ended and forgotten, their counts
# printed, not lost.  Usage errors exit 64.
. "$(dirname "$0")/lib.sh"
[ -x "$MEND_BIN/logs" ] || skip_all "logs is not built yet"
command -v jq >/dev/null || skip_all "jq not installed"
FX=$TOP/tests/fixtures/traces
plan 13

# A Java trace of 2000 frames.
{ echo 'Exception in thread "main" java.lang.StackOverflowError: deep'
  for i in $(seq 1 2000); do printf '\tat com.example.Deep.f(Deep.java:%d)\n' "$i"; done
  echo "INFO next"; } > "$T/deep.log"
logs -n --max-lines 50 "$T/deep.log" > "$T/deep.out"
is "$(jq -r '[.exception, (.stacktrace | split("\n") | length - 1), .attributes."log.truncated", .attributes."log.lines_dropped"] | map(tostring) | join(" ")' "$T/deep.out")" \
	"java.lang.StackOverflowError 50 true 1951" "--max-lines: 50 lines kept, the rest counted as dropped"
is "$(wc -l < "$T/deep.out" | tr -d ' ')" 1 "and the dropped lines are not records of their own"
logs -n --max-bytes 4096 "$T/deep.log" > "$T/deep2.out"
ok "--max-bytes: the stack trace is at most 4096 bytes" jq -e '(.stacktrace | utf8bytelength) <= 4096 and .attributes."log.truncated"' "$T/deep2.out"
logs -n "$T/deep.log" > "$T/deep3.out"
is "$(jq -r '.stacktrace | split("\n") | length - 1' "$T/deep3.out")" 200 "by default 200 lines"

# A line of 300 000 bytes, then a trace.
{ printf 'ERROR '; head -c 300000 /dev/zero | tr '\0' x; echo; echo "INFO between";
  cat "$FX/py_zero.txt"; echo "INFO end"; } > "$T/long.log"
logs -n --max-line 1000 "$T/long.log" > "$T/long.out"
is "$(jq -r '.count // .exception' "$T/long.out" | sort | tr '\n' ' ')" "1 ZeroDivisionError " \
	"a long line is cut, and the trace after it is intact"
ok "the record keeps a bounded message" jq -e 'select(.count) | (.message | length) <= 1024' "$T/long.out"
logs -n --max-line 1000 < "$T/long.log" > "$T/long2.out"
jq -c '[.count, .message, .exception, .stacktrace]' "$T/long.out" | sort > "$T/long.a"
jq -c '[.count, .message, .exception, .stacktrace]' "$T/long2.out" | sort > "$T/long.b"
test_cmp "$T/long.a" "$T/long.b" "the same from standard input"

# 1500 pm2 apps with one error line each: more streams than are tracked.
for i in $(seq 1 1500); do echo "$i|app$i | ERROR boom"; done > "$T/many.log"
logs -n < "$T/many.log" > "$T/many.out"
is "$(jq -s 'map(.count) | add' "$T/many.out")" 1500 "1500 streams: every error line is counted once"
is "$(jq -r .monitor "$T/many.out" | sort -u | wc -l | tr -d ' ')" 1500 "each in its own stream"

# Usage.
logs --help > "$T/help" 2>&1
is "$?" 0 "--help exits 0"
like "$(cat "$T/help")" "usage: logs *" "and prints the usage"
logs --no-such-option 2> /dev/null
is "$?" 64 "an unknown option: 64"
logs --gap x "$T/deep.log" 2> /dev/null
is "$?" 64 "a bad --gap: 64"
