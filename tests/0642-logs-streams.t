#!/usr/bin/env bash
# logs: streams written at the same time stay apart - two pm2 apps, docker's
# stdout and stderr, two journald units, two files - each trace is one
# record of its own stream, with its own exception.
. "$(dirname "$0")/lib.sh"
[ -x "$MEND_BIN/logs" ] || skip_all "logs is not built yet"
command -v jq >/dev/null || skip_all "jq not installed"
FX=$TOP/tests/fixtures/traces
plan 6

# Line by line, alternating: interleave FILE1 FILE2 (the longer one's rest last).
interleave() { paste -d '\n' "$1" "$2" | sed '/^$/d'; }

sed 's/^/0|api    | /' "$FX/java_cause.txt" > "$T/a"
sed 's/^/1|worker | /' "$FX/py_chain.txt" > "$T/b"
interleave "$T/a" "$T/b" > "$T/pm2.log"
logs -n < "$T/pm2.log" > "$T/pm2.out"
is "$(jq -r '[.monitor, .exception, (.frames | length)] | map(tostring) | join(" ")' "$T/pm2.out" | sort | tr '\n' ',')" \
	"api java.lang.IllegalStateException 2,worker RuntimeError 2," "two pm2 apps, interleaved: one trace each"
ok "and each trace holds only its own lines" jq -e -s \
	'(.[] | select(.monitor == "api") | .stacktrace | test("Traceback") | not) and
	 (.[] | select(.monitor == "worker") | .stacktrace | test("java") | not)' "$T/pm2.out"

# docker json-file: stdout and stderr interleaved.
while IFS= read -r l; do jq -nc --arg l "$l"$'\n' '{log:$l,stream:"stdout",time:"2026-11-24T06:00:00Z"}'; done \
	< "$FX/node_undef.txt" > "$T/out.json"
while IFS= read -r l; do jq -nc --arg l "$l"$'\n' '{log:$l,stream:"stderr",time:"2026-11-24T06:00:00Z"}'; done \
	< "$FX/go_http.txt" > "$T/err.json"
interleave "$T/out.json" "$T/err.json" > "$T/c-json.log"
logs -n "$T/c-json.log" > "$T/docker.out"
is "$(jq -r '[.attributes."log.stream", .exception, (.frames | length)] | map(tostring) | join(" ")' "$T/docker.out" | sort | tr '\n' ',')" \
	"stderr panic 8,stdout TypeError 10," "docker stdout and stderr, interleaved"

# journald: two units.
jent() { jq -nc --arg m "$1" --arg u "$2" '{__REALTIME_TIMESTAMP:"1764000000000000",_SYSTEMD_UNIT:$u,PRIORITY:"6",MESSAGE:$m}'; }
while IFS= read -r l; do jent "$l" shop.service; done < "$FX/ruby_nomethod.txt" > "$T/u1"
while IFS= read -r l; do jent "$l" billing.service; done < "$FX/php_uncaught.txt" > "$T/u2"
interleave "$T/u1" "$T/u2" > "$T/journal.json"
logs < "$T/journal.json" > "$T/journal.out"
is "$(jq -r '[.monitor, .exception] | join(" ")' "$T/journal.out" | sort | tr '\n' ',')" \
	"billing DivisionByZeroError,shop NoMethodError," "two journald units, interleaved"

# Two files, read together: each its own monitor.
cp "$FX/rust_bt.txt" "$T/engine.log"
cp "$FX/dotnet_inner.txt" "$T/api-error.log"
logs -n "$T/engine.log" "$T/api-error.log" > "$T/files.out"
is "$(jq -r '[.monitor, .exception] | join(" ")' "$T/files.out" | sort | tr '\n' ',')" \
	"api System.InvalidOperationException,engine panic," "two files: their names (pm2's -error dropped) are the monitors"

# Interleaved kubectl --prefix containers, one of them with plain error lines.
sed 's|^|[pod/shop-1/app] |' "$FX/py_zero.txt" > "$T/k1"
for i in 1 2 3 4 5 6 7 8 9 10; do echo "[pod/shop-1/proxy] 2026-11-24T06:00:0${i#1}Z ERROR upstream reset $i"; done > "$T/k2"
interleave "$T/k1" "$T/k2" > "$T/kubectl.log"
logs -n < "$T/kubectl.log" > "$T/kubectl.out"
is "$(jq -r '[.monitor, .exception // "-", .count // "-"] | map(tostring) | join(" ")' "$T/kubectl.out" | sort | tr '\n' ',')" \
	"app ZeroDivisionError -,proxy - 10," "kubectl: the trace whole, the other container's error lines counted"
