#!/usr/bin/env bash
# otlp runs on lib/httpd.c like trigger: a pool of --threads, the extra
# headers its answers carry (Allow on 405, Retry-After on 503 is in
# 0601), and its stop signals, SIGHUP among them (unlike trigger's).
. "$(dirname "$0")/lib.sh"
plan 6

F=$TOP/tests/fixtures/otlp
P=$(free_port)
otlp --listen "127.0.0.1:$P" --threads 3 >"$T/out" 2>"$T/err" &
pid=$!
cleanup "kill $pid 2>/dev/null"
wait_for 5 grep -q 'listening on' "$T/err"
is "$(cat "$T/err")" "otlp: listening on 127.0.0.1:$P" "it says where it listens"

# Requests in parallel, served by the pool.
for i in 1 2 3 4 5 6; do
	curl -s -o /dev/null -w '%{http_code}\n' -H 'Content-Type: application/json' \
		--data-binary "@$F/trace-partial.json" "http://127.0.0.1:$P/v1/traces" &
done > "$T/codes"
wait_for 10 test "$(wc -l < "$T/codes")" -eq 6
is "$(sort -u "$T/codes")" 200 "six requests at once on three threads: all 200"
n=$(jq -s length "$T/out")
ok "each became records on stdout ($n)" test "$n" -ge 6 -a $((n % 6)) -eq 0

curl -s -D "$T/h405" -o /dev/null "http://127.0.0.1:$P/v1/traces"
like "$(tr -d '\r' < "$T/h405")" "HTTP/1.1 405*Allow: POST*" "GET is 405 with Allow: POST"

kill -HUP "$pid"
if wait_for 10 bash -c "! kill -0 $pid"; then wait "$pid"; rc=$?; else rc=running; fi
is "$rc" 0 "SIGHUP stops it: exit 0"
not_ok "and it no longer answers" curl -s -o /dev/null "http://127.0.0.1:$P/v1/traces"
