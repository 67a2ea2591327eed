#!/usr/bin/env bash
# testloop's sandbox: no tokens in the environment, a timeout that kills
# the whole process group, the test command detected, and no network
# with --no-network where the kernel allows it.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
plan 9
make_repo
good_diff > "$T/good.diff"
analysis_record inc_0000000000000c01 "$T/good.diff" | patch -r "$T/remote.git" > "$T/patch.json" 2>/dev/null

GITHUB_TOKEN=ghp_secret123 OPENAI_API_KEY=sk-secret MY_PASSWORD=hunter2 PLAIN=visible \
	MEND_SANDBOX_ENV=PLAIN testloop -t env -n 1 "$T/patch.json" > "$T/out" 2>/dev/null
is "$?" 0 "a passing test command"
jq -r .testrun.log "$T/out" > "$T/env"
not_ok "no token, key or password reaches the tests" grep -qE 'secret|hunter2' "$T/env"
ok "variables named in MEND_SANDBOX_ENV do" grep -q '^PLAIN=visible$' "$T/env"

start=$(date +%s)
# The marker in the command line finds its processes from outside.
testloop -t "(sleep 30; echo leaked > leak) & sleep 30 # marker:$T:bg" --timeout 1 -n 1 \
	"$T/patch.json" > "$T/out2" 2>/dev/null
rc=$?
is "$rc:$(jq -r .testrun.passed "$T/out2")" "1:false" "a test run over its timeout fails"
ok "within the timeout plus the grace period" test $(( $(date +%s) - start )) -lt 6
like "$(jq -r .testrun.log "$T/out2")" "*killed after 1 s*" "the log says it was killed"
dead() { ! pgrep -f -- "marker:$T:bg" >/dev/null; }
ok "the background child died with the group" wait_for 3 dead

testloop "$T/patch.json" > "$T/out3" 2>/dev/null
is "$(jq -r '[.testrun.command, .testrun.passed] | join(" ")' "$T/out3")" \
	"python3 -m unittest discover true" "the test command is detected (test_*.py)"

# --no-network: a test that reaches a local server fails when the
# network is gone; skipped where user namespaces are not allowed.
if unshare -rn true 2>/dev/null; then
	port=$(free_port)
	python3 -m http.server -b 127.0.0.1 "$port" >/dev/null 2>&1 &
	srv=$!
	cleanup "kill $srv"
	wait_for 5 python3 -c "import socket; socket.create_connection(('127.0.0.1', $port))"
	testloop -t "python3 -c \"import socket; socket.create_connection(('127.0.0.1', $port))\"" \
		--no-network -n 1 "$T/patch.json" > "$T/out4" 2>/dev/null
	is "$(jq -r .testrun.passed "$T/out4")" false "--no-network: the tests cannot reach the network"
else
	echo "ok 9 # SKIP user namespaces not allowed here"
fi
