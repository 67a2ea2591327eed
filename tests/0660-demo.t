#!/usr/bin/env bash
# scripts/demo (make demo) end to end: the example service breaks, and the
# whole loop heals it through the real spool; then a second failure is
# seen only from the service's log (logs | detect | enqueue), analyzed,
# notified and shown on the dashboard; no process is left behind.
# Skips until every stage is built.
. "$(dirname "$0")/lib.sh"
for p in probe detect enqueue work analyze notify trigger patch testloop openpr spool logs; do
	[ -x "$MEND_BIN/$p" ] || skip_all "$p is not built yet"
done
plan 14

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
# The second failure, from the log.
like "$(cat "$T/out")" "*incident: inc_* opened from the log: json.decoder.JSONDecodeError: *(at */app.py:* in load_orders)*" \
	"the tracebacks in the log open an incident at the frame that read the file"
like "$(cat "$T/out")" "*analysis (rules): code, confidence *: json.decoder.JSONDecodeError * in load_orders (app.py:*): *malformed JSON*" \
	"its analysis names the malformed JSON read in load_orders"
id2=$(sed -n 's/.*incident: \(inc_[0-9a-f]*\) opened from the log.*/\1/p' "$T/out")
like "$(grep -c "\"$id2\"" "$T/demo/notifications.jsonl")" "[1-9]*" "its notification went out"
like "$(grep "dashboard: http://127.0.0.1:.*/incident/$id2 " "$T/out")" "*([1-9]* timeline entries)" \
	"and the dashboard shows its timeline"
branch=$(git -C "$T/demo/remote.git" branch --list 'mend/fix-*' | tr -d ' *')
like "$branch" "mend/fix-inc_*" "the fix branch is on the remote"
ok "the fixed code passes the service's tests" bash -c \
	"git clone -q -b '$branch' '$T/demo/remote.git' '$T/check' && cd '$T/check' && python3 -m unittest -q 2>/dev/null"
# Everything the demo started listened on loopback ports it printed.
port=$(sed -n 's|.*service: http://127.0.0.1:\([0-9]*\).*|\1|p' "$T/out")
not_ok "no process is left: the service is stopped" curl -s -o /dev/null "http://127.0.0.1:$port/health"
