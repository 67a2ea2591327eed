#!/usr/bin/env bash
# testloop on a fix with nothing to replay, and on a fix that assumes.
# An incident opened from an error record (a stack trace from logs or otlp,
# no failing HTTP request) gets the failing call from its frame as its
# regression test only when the values can be rebuilt (0532-0535); div(a, b)
# failing on b == 0 also needs a, which the trace does not carry, so none is
# written and the testrun says why in words that name the frame.  Its confidence
# stays below ready (0.9).  A fix whose template assumed something the
# code does not say (analysis.templates[].assumes: a parameter being
# required) stays below ready too however well it replays, and the
# unproven list says what it assumed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
plan 7
make_repo
good_diff > "$T/good.diff"

# The trace-only incident: its evidence is an error record from logs.
analysis_record inc_0000000000000e01 "$T/good.diff" | jq -c '
	.incident.evidence = [{type: "error", ts: "2026-11-22T03:00:00.000Z", monitor: "calc",
		message: "division by zero", exception: "ZeroDivisionError",
		stacktrace: "Traceback (most recent call last):\n  File \"calc.py\", line 2, in div\n    return a / b\nZeroDivisionError: division by zero",
		trace_id: null, attributes: {}}]
	| .incident.url = null
	| .analysis.frames = [{path: "/srv/calc/calc.py", file: "calc.py", line: 2, function: "div", in_app: true}]' |
	patch -r "$T/remote.git" > "$T/patch1.json" 2>/dev/null
testloop -t 'python3 -m unittest' --serve "exec python3 app.py" "$T/patch1.json" > "$T/out1" 2> "$T/err1"
is "$?" 0 "testloop passes the fix"
is "$(jq -r .testrun.regression_test.written "$T/out1")" false "no regression test is written"
like "$(jq -r .testrun.regression_test.why "$T/out1")" \
	"*stack trace*not a failing HTTP request*div (calc.py:2)*also needs a, a value the trace does not carry*" \
	"the testrun says why, naming the frame"
ok "its confidence is below ready" python3 -c "import sys; sys.exit(not $(jq .testrun.confidence "$T/out1") < 0.9)"

# A fix that assumes: the replay passes, the confidence is capped.
analysis_record inc_0000000000000e02 "$T/good.diff" | jq -c '
	.analysis.templates = [{template: "chain-key-400", applied: true, file: "calc.py", line: 2,
		reason: "answer 400", assumes: "that the request must send b: div reads it without a default"}]' |
	patch -r "$T/remote.git" > "$T/patch2.json" 2>/dev/null
testloop -t 'python3 -m unittest' --serve "exec python3 app.py" \
	"$T/patch2.json" > "$T/out2" 2> "$T/err2"
is "$(jq -c .testrun.replay.after "$T/out2")" "[200]" "the fix replays"
is "$(jq -c "[.testrun.regression_test.fails_before, .testrun.confidence]" "$T/out2")" "[true,0.8]" \
	"with a regression test it would be 0.85; it is capped at 0.8"
like "$(jq -r '.testrun.unproven | join("; ")' "$T/out2")" \
	"*the fix assumes that the request must send b: div reads it without a default*" \
	"the unproven list says what it assumed"
