#!/usr/bin/env bash
# scripts/demo (make demo) end to end: the example service breaks, and the
# whole loop heals it through the real spool, leaving no process behind.
# Skips until every stage is built.
. "$(dirname "$0")/lib.sh"
for p in probe detect enqueue work analyze notify trigger patch testloop openpr spool; do
	[ -x "$MEND_BIN/$p" ] || skip_all "$p is not built yet"
done
plan 10

export MEND_DEMO_OUT=$T/demo
export MEND_DEMO_LINGER=0	# no minute with the dashboard open at the end
"$TOP/scripts/demo" >"$T/out" 2>"$T/err"
rc=$?
is "$rc" 0 "the demo runs to the end"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$T/out" "$T/err"
like "$(cat "$T/out")" "*incident: inc_* opened:*" "an incident opens"
like "$(cat "$T/out")" "*analysis (rules): code, confidence *" "the analysis finds a code fault"
like "$(cat "$T/out")" "*fix link: pressed (POST) -> fix job *" "the fix link enqueues a fix"
like "$(cat "$T/out")" "*testloop: *failing request replayed: true*" "the failing request is replayed"
like "$(cat "$T/out")" "*incident: inc_* resolved*" "the incident resolves"
like "$(cat "$T/out")" "*dashboard: http://127.0.0.1:*/incident/inc_* ([1-9]* timeline entries)*" \
	"the dashboard shows the incident's timeline"
branch=$(git -C "$T/demo/remote.git" branch --list 'mend/fix-*' | tr -d ' *')
like "$branch" "mend/fix-inc_*" "the fix branch is on the remote"
ok "the fixed code passes the service's tests" bash -c \
	"git clone -q -b '$branch' '$T/demo/remote.git' '$T/check' && cd '$T/check' && python3 -m unittest -q 2>/dev/null"
# Everything the demo started listened on loopback ports it printed.
port=$(sed -n 's|.*service: http://127.0.0.1:\([0-9]*\).*|\1|p' "$T/out")
not_ok "no process is left: the service is stopped" curl -s -o /dev/null "http://127.0.0.1:$port/health"
