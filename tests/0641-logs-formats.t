#!/usr/bin/env bash
# logs: every input format - structured JSON logs (pino, python-json-logger,
# plain levels), journalctl -o json (MESSAGE as text and as bytes), docker's
# json-file (lines cut at 16 KiB joined), CRI (P pieces joined), pm2 and
# docker compose prefixes, kubectl --prefix, docker logs -t, syslog -
# gives the application's line back, and its traces and error lines.
. "$(dirname "$0")/lib.sh"
[ -x "$MEND_BIN/logs" ] || skip_all "logs is not built yet"
command -v jq >/dev/null || skip_all "jq not installed"
FX=$TOP/tests/fixtures/traces
plan 25

# pino: the error object carries the stack.
printf '%s\n' '{"level":30,"time":1764000000000,"msg":"listening"}' \
	'{"level":50,"time":1764000001500,"err":{"type":"TypeError","message":"x is undefined","stack":"TypeError: x is undefined\n    at total (/srv/app/cart.js:14:22)\n    at /srv/app/routes.js:33:18"},"msg":"request failed"}' \
	> "$T/pino.log"
logs -n "$T/pino.log" > "$T/pino.out"
is "$(jq -r '[.exception, .message, .ts, .frames[0].path, .attributes."log.message"] | join("|")' "$T/pino.out")" \
	"TypeError|x is undefined|2025-11-24T16:00:01.500Z|/srv/app/cart.js|request failed" \
	"pino: exception, message, time in ms, frames, the logger's message"

# python-json-logger: exc_info holds the traceback.
jq -nc '{asctime:"2026-11-24 06:00:00,123", levelname:"ERROR", name:"app", message:"unhandled",
	exc_info:"Traceback (most recent call last):\n  File \"/srv/app.py\", line 3, in f\n    1/0\nZeroDivisionError: division by zero",
	trace_id:"4bf92f3577b34da6a3ce929d0e0e4736", service:"shop"}' > "$T/pyjson.log"
logs -n "$T/pyjson.log" > "$T/pyjson.out"
is "$(jq -r '[.exception, .monitor, .trace_id, .frames[0].line] | join("|")' "$T/pyjson.out")" \
	"ZeroDivisionError|shop|4bf92f3577b34da6a3ce929d0e0e4736|3" "python-json-logger: exc_info, service, trace id"

# JSON lines without a stack: error levels are counted, others not.
printf '%s\n' '{"level":"error","msg":"db down","ts":1764000000.5}' '{"level":"info","msg":"ok"}' \
	'{"severity":"ERROR","message":"db down again"}' '{"lvl":"warn","msg":"slow"}' \
	'{"@l":"Fatal","@m":"out of memory"}' > "$T/levels.log"
logs -n "$T/levels.log" > "$T/levels.out"
is "$(jq -r '[.count, .message, .exception, .stacktrace, .attributes."log.level"] | map(tostring) | join("|")' "$T/levels.out")" \
	"3|out of memory|null|null|fatal" "JSON levels: three error lines counted, the last kept"

# journalctl -o json: one entry per line of the traceback, one MESSAGE as
# bytes (journald writes non-UTF-8 text so), and a PRIORITY 3 entry.
jent() { jq -nc --arg m "$1" --arg u "${2:-shop.service}" --arg p "${3:-6}" \
	'{__REALTIME_TIMESTAMP:"1764000000123456", _SYSTEMD_UNIT:$u, PRIORITY:$p, MESSAGE:$m}'; }
{
	jent "starting"
	while IFS= read -r line; do jent "$line"; done < "$FX/py_zero.txt"
	jent "connection refused" shop.service 3
} > "$T/journal.json"
# The exception line as an array of bytes.
jq -c 'if .MESSAGE == "ZeroDivisionError: division by zero" then .MESSAGE = ([.MESSAGE | explode[]]) else . end' \
	"$T/journal.json" > "$T/journal2.json"
ok "the fixture has a MESSAGE as bytes" grep -q '"MESSAGE":\[90,' "$T/journal2.json"
logs < "$T/journal2.json" > "$T/journal.out"
is "$(jq -r 'select(.exception) | [.exception, .message, .monitor, .ts, .attributes."log.stream"] | join("|")' "$T/journal.out")" \
	"ZeroDivisionError|division by zero|shop|2025-11-24T16:00:00.123Z|shop.service" \
	"journald: the unit's traceback is one record"
is "$(jq -r 'select(.count) | [.count, .message] | join("|")' "$T/journal.out")" "1|connection refused" \
	"journald: PRIORITY 3 is an error line"

# docker json-file: the trace's lines on stderr; a long line cut in two.
while IFS= read -r line; do
	jq -nc --arg l "$line"$'\n' '{log:$l, stream:"stderr", time:"2026-11-24T06:00:00.5Z"}'
done < "$FX/java_cause.txt" > "$T/0123456789ab0123-json.log"
jq -nc '{log:"ERROR first half ", stream:"stdout", time:"2026-11-24T06:00:01Z"}' >> "$T/0123456789ab0123-json.log"
jq -nc '{log:"second half\n", stream:"stdout", time:"2026-11-24T06:00:01Z"}' >> "$T/0123456789ab0123-json.log"
logs -n "$T/0123456789ab0123-json.log" > "$T/docker.out"
is "$(jq -r 'select(.exception) | [.exception, .attributes."log.stream", .ts] | join("|")' "$T/docker.out")" \
	"java.lang.IllegalStateException|stderr|2026-11-24T06:00:00.500Z" "docker json-file: the trace, its stream and time"
is "$(jq -r 'select(.count) | .message' "$T/docker.out")" "ERROR first half second half" \
	"docker json-file: a line cut by the driver is joined"
is "$(jq -r '.monitor' "$T/docker.out" | sort -u)" "0123456789ab" "docker: the monitor is the container id"

# CRI: one frame line cut in P pieces.
sed 's/^/2026-11-24T06:00:02.000000001Z stderr F /' "$FX/py38_keyerror.txt" |
	sed 's|^\(.*stderr\) F \(  File "/srv/app/a\)\(pp.py".*\)$|\1 P \2\n2026-11-24T06:00:02.000000002Z stderr F \3|' \
	> "$T/cri.log"
ok "the fixture has a P piece" grep -q ' stderr P ' "$T/cri.log"
logs -n -m shop "$T/cri.log" > "$T/cri.out"
is "$(jq -r '[.exception, .frames[0].path, .monitor, .ts] | join("|")' "$T/cri.out")" \
	"KeyError|/srv/app/app.py|shop|2026-11-24T06:00:02.000Z" "CRI: pieces joined, the trace parsed"
is "$(jq -r '.stacktrace | split("\n")[0]' "$T/cri.out")" "ERROR:app:unhandled" \
	"CRI: the prefix is gone"

# pm2 (without --raw) and docker compose.
sed 's/^/1|worker | /' "$FX/go_divide.txt" > "$T/pm2.log"
logs -n < "$T/pm2.log" > "$T/pm2.out"
is "$(jq -r '[.exception, .monitor, .lang] | join("|")' "$T/pm2.out")" "panic|worker|go" "pm2: the app is the monitor"
sed 's/^/web-1  | /' "$FX/ruby34.txt" > "$T/compose.log"
logs -n < "$T/compose.log" > "$T/compose.out"
is "$(jq -r '[.exception, .monitor] | join("|")' "$T/compose.out")" "ZeroDivisionError|web-1" "docker compose: the service"
# ANSI colours as pm2 prints them on a terminal.
sed 's/^/\x1b[32m0|api\x1b[39m  | /' "$FX/java_npe.txt" > "$T/color.log"
is "$(logs -n < "$T/color.log" | jq -r .exception)" "java.lang.NullPointerException" "colours are taken off"

# kubectl logs --prefix, and --timestamps.
sed 's|^|[pod/shop-7d9f/app] |' "$FX/php_uncaught.txt" > "$T/kubectl.log"
logs -n < "$T/kubectl.log" > "$T/kubectl.out"
is "$(jq -r '[.exception, .monitor, .attributes."log.stream"] | join("|")' "$T/kubectl.out")" \
	"DivisionByZeroError|app|pod/shop-7d9f/app" "kubectl --prefix: the container"
sed 's|^|2026-11-24T06:00:03.123456789Z |' "$FX/node_undef.txt" > "$T/ts.log"
logs -n < "$T/ts.log" > "$T/ts.out"
is "$(jq -r '[.exception, .ts, (.frames | length)] | map(tostring) | join("|")' "$T/ts.out")" \
	"TypeError|2026-11-24T06:00:03.123Z|10" "docker logs -t / kubectl --timestamps: times taken off each line"

# syslog and journalctl's short output.
logs -n "$FX/py_flask_journald.txt" > "$T/syslog.out"
is "$(jq -r '[.exception, .monitor] | join("|")' "$T/syslog.out")" "AttributeError|gunicorn" "syslog: the identifier"

# Plain lines: levels as loggers write them.
printf '%s\n' '2026-11-24 06:00:00,123 ERROR [main] db down' 'level=error msg="db down"' \
	'[Mon Nov 24 06:00:00 2026] [error] [client 1.2.3.4] boom' 'INFO: an error was handled' \
	'E1124 06:00:00.000 1 main.go:3] not a level word' 'user clicked ErrorPage' > "$T/plain.log"
is "$(logs -n "$T/plain.log" | jq -r .count)" 3 "plain: ERROR, level=error and [error] count; prose does not"
head -1 "$T/plain.log" > "$T/plain1.log"
is "$(logs -n "$T/plain1.log" | jq -r .ts)" "$(date -u -d "@$(date -d '2026-11-24 06:00:00' +%s)" +%Y-%m-%dT%H:%M:%S.123Z)" \
	"plain: a local time at the start is the line's"

# Forced formats report lines that do not fit: FILE:LINE, skipped, 65.
printf '%s\n' '{"log":"a\n","stream":"stdout","time":"2026-11-24T06:00:00Z"}' 'not json' > "$T/mixed.log"
logs -n -F docker "$T/mixed.log" > /dev/null 2> "$T/err"
is "$?" 65 "a line that is not the forced format: exit 65"
like "$(cat "$T/err")" "logs: $T/mixed.log:2: *" "reported as FILE:LINE"
logs -n -F nosuch "$T/mixed.log" 2> /dev/null
is "$?" 64 "an unknown format is a usage error"
# The default auto takes each line as it looks.
logs -n "$T/mixed.log" > /dev/null 2> "$T/err"
is "$?" 0 "auto: every line is something"
logs -n "$T/nosuch.log" 2> "$T/err"
is "$?" 66 "a missing file: 66"
