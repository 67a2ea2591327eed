#!/usr/bin/env bash
# Issue 9, attack 3: without --no-network, tests reached loopback
# services (a database, the trigger server, a cloud metadata proxy).
# Now the tests have no network unless --network allows it, and the
# service under replay has a network of its own that only the replay
# joins.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sandbox.sh"
need_bwrap
plan 9
sandbox_patch inc_0000000000000803

port=$(free_port)
python3 -m http.server -b 127.0.0.1 "$port" >/dev/null 2>&1 &
srv=$!
cleanup "kill $srv"
wait_for 10 python3 -c "import socket; socket.create_connection(('127.0.0.1', $port))"
probe="python3 -c \"import socket; socket.create_connection(('127.0.0.1', $port)); print('reached')\""

testloop -t "$probe" -n 1 "$T/patch.json" > "$T/out" 2> "$T/err"
is "$(jq -r .testrun.passed "$T/out")" false "by default the tests cannot reach a loopback service"
not_ok "and say so" grep -q reached <<<"$(testloop_log "$T/out")"

testloop -t "$probe" --network -n 1 "$T/patch.json" > "$T/out2" 2> "$T/err2"
is "$(jq -r .testrun.passed "$T/out2")" true "with --network they can"

testloop -t true --network --no-network -n 1 "$T/patch.json" > /dev/null 2> "$T/err3"
is "$?" 64 "--network with --no-network is a usage error"
like "$(cat "$T/err3")" "*contradict*" "and says why"

# The service under replay: its own network, the replay still reaches it.
try="python3 -c \"import socket
try:
    socket.create_connection(('127.0.0.1', $port)); print('service reached the host')
except OSError:
    print('service isolated')\""
log=$MEND_SPOOL/logs/serve-inc_0000000000000803.log
testloop -t true -n 1 --serve "$try; exec python3 app.py" "$T/patch.json" > "$T/out5" 2> "$T/err5"
is "$(jq -c '.testrun | [.passed, .replay.before, .replay.after]' "$T/out5")" '[true,[500],[200]]' \
	"the replay reaches the service in its own network"
ok "the service could not reach the host's loopback" grep -q 'service isolated' "$log"
not_ok "not once" grep -q 'service reached the host' "$log"
rm -f "$log"
testloop -t true -n 1 --network --serve "$try; exec python3 app.py" "$T/patch.json" > /dev/null 2>&1
ok "with --network it shares the host's" grep -q 'service reached the host' "$log"
