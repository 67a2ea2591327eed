#!/usr/bin/env bash
# Where bubblewrap is missing (or the kernel refuses it), mend says so:
# a warning on stderr and "sandbox": "none" in the record, never in
# silence; the allow-listed environment and the checkout as cwd and PWD
# stay.  MEND_SANDBOX=require / --sandbox=require fail instead (exit 69).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sandbox.sh"
plan 17
sandbox_patch inc_0000000000000806

MEND_BWRAP=/nonexistent/bwrap MY_TOKEN=tokensecret \
	testloop -t 'env; pwd' -n 1 "$T/patch.json" > "$T/out" 2> "$T/err"
is "$?:$(jq -r .testrun.passed "$T/out")" 0:true "without bwrap the tests still run"
like "$(cat "$T/err")" "*warning: no sandbox: cannot run '/nonexistent/bwrap'*" \
	"with a warning that says why"
is "$(jq -r .testrun.sandbox "$T/out")" none "and the record says sandbox none"
log=$(testloop_log "$T/out")
not_ok "the environment is still the allow-list" grep -q tokensecret <<<"$log"
ok "the checkout is cwd and PWD" grep -qx "PWD=$WD" <<<"$log"

# A bwrap that runs but cannot make namespaces (user namespaces off).
mkdir -p "$T/bin"
printf '#!/bin/sh\necho "bwrap: No permissions to create new namespace" >&2\nexit 1\n' \
	> "$T/bin/bwrap-refused"
chmod +x "$T/bin/bwrap-refused"
MEND_BWRAP=$T/bin/bwrap-refused testloop -t true -n 1 "$T/patch.json" > "$T/out2" 2> "$T/err2"
like "$(cat "$T/err2")" "*warning: no sandbox:*does not work here*No permissions*" \
	"a kernel that refuses is a warning with bwrap's reason"
is "$(jq -r .testrun.sandbox "$T/out2")" none "and sandbox none"

MEND_BWRAP=/nonexistent/bwrap testloop --sandbox=require -t true -n 1 "$T/patch.json" \
	> "$T/out3" 2> "$T/err3"
is "$?:$(wc -c < "$T/out3")" "69:0" "--sandbox=require without bwrap exits 69 and runs nothing"
like "$(cat "$T/err3")" "*the sandbox is required but cannot run '/nonexistent/bwrap'*" \
	"and says why"
MEND_SANDBOX=require MEND_BWRAP=/nonexistent/bwrap testloop -t true -n 1 "$T/patch.json" \
	> /dev/null 2>&1
is "$?" 69 "MEND_SANDBOX=require too"
MEND_SANDBOX=sometimes testloop -t true -n 1 "$T/patch.json" > /dev/null 2> "$T/err4"
is "$?" 64 "a bad MEND_SANDBOX is a usage error"

# patch --agent: required and missing is exit 69, the branch untouched.
analysis_record inc_0000000000000816 - > "$T/a.json"
MEND_SANDBOX=require MEND_BWRAP=/nonexistent/bwrap \
	patch -r "$T/remote.git" --agent 'echo x > x.txt' "$T/a.json" > "$T/p.json" 2> "$T/p.err"
is "$?:$(wc -c < "$T/p.json")" "69:0" "patch --agent with a required sandbox missing exits 69"
MEND_BWRAP=/nonexistent/bwrap \
	patch -r "$T/remote.git" --agent 'echo x > x.txt' "$T/a.json" > "$T/p2.json" 2> "$T/p2.err"
is "$(jq -r .patch.sandbox "$T/p2.json")" none "in auto mode the agent runs, recorded as sandbox none"
like "$(cat "$T/p2.err")" "*warning: the agent runs without a sandbox*" "with a warning"

# analyze's agent engine: never run without the sandbox when required;
# the rules answer and the record says why.
FIX=$TOP/tests/fixtures/analyze
mkdir -p "$T/srv"
cp -r "$FIX/app" "$T/srv/"
(cd "$T/srv" && python3 app/shop.py none 2> "$T/tb.txt" >/dev/null)
python3 "$FIX/incident.py" inc_0000000000000826 "$T/tb.txt" > "$T/inc.json"
printf '#!/bin/sh\ntouch "%s/agent-ran"\necho "{}"\n' "$T" > "$T/bin/agent"
chmod +x "$T/bin/agent"
MEND_SANDBOX=require MEND_BWRAP=/nonexistent/bwrap MEND_AGENT=$T/bin/agent \
	analyze --no-spool "$T/inc.json" > "$T/an.json" 2> "$T/an.err"
is "$(jq -r '.analysis | [.engine, .requested_engine] | join(",")' "$T/an.json")" rules,agent \
	"analyze with a required sandbox missing falls back to rules"
like "$(jq -r .analysis.fallback "$T/an.json")" "*the sandbox is required*" "and says why"
ok "the agent did not run" test ! -e "$T/agent-ran"
