#!/usr/bin/env bash
# The analysis record names the primary trace's exception, message, the
# frame that raised it (top_frame), the root cause's frame (root_frame) and
# the chain from the top level to the root; analyze --traces gives every
# trace its top_frame.  Real traces from tests/fixtures/traces/real.  PHP
# traces go through without leaking (issue 9; seen by the ASan build).
. "$(dirname "$0")/lib.sh"
command -v python3 > /dev/null || skip_all "no python3"
plan 13

R=$TOP/tests/fixtures/traces/real
# inc ID NAME EXCEPTION: an incident whose error record carries trace NAME
inc() {
	MEND_TEST_EXTRA="{\"exception\": \"$3\", \"message\": \"\"}" \
		python3 "$TOP/tests/fixtures/analyze/incident.py" "$1" "$R/$2.txt"
}

# Java: an Android crash, "Caused by" deeper in.
inc inc_0000000000003520 java_sanmill_android java.lang.RuntimeException | analyze --no-spool > "$T/java.json"
is "$?" "0" "java: analyze succeeds"
is "$(jq -r '.analysis | [.exception, .top_frame.function, .top_frame.line] | join(" ")' "$T/java.json")" \
	"java.lang.RuntimeException android.app.ActivityThread.performLaunchActivity 2195" \
	"java: the top-level exception and its frame"
is "$(jq -r '.analysis.root_frame.function' "$T/java.json")" \
	"com.calcitem.sanmill.MainActivity.attachBaseContext" "java: the root cause's frame"
is "$(jq -r '[.analysis.chain[].exception] | join(",")' "$T/java.json")" \
	"java.lang.RuntimeException,java.lang.NullPointerException" "java: the chain, top level to root"
is "$(jq -r '.analysis.frames | length > 0' "$T/java.json")" "true" "java: frames are still there"

# Python: "During handling of the above exception": the last printed is the top level.
inc inc_0000000000003521 py_blog_during_handling RuntimeError | analyze --no-spool > "$T/py.json"
is "$(jq -r '.analysis | [.exception, .message, .top_frame.line, .root_frame.line] | join(" ")' "$T/py.json")" \
	"RuntimeError oops 6 4" "python: the top level is the last exception printed, its cause the root"
is "$(jq -r '[.analysis.chain[].exception] | join(",")' "$T/py.json")" "RuntimeError,ZeroDivisionError" \
	"python: the chain"

# Go: the culprit is the frame under panic(), the exception "panic".
inc inc_0000000000003522 go_grmon panic | analyze --no-spool > "$T/go.json"
is "$(jq -r '.analysis | [.exception, .message, .top_frame.function, .top_frame.line] | join("|")' "$T/go.json")" \
	"panic|runtime error: invalid memory address or nil pointer dereference|main.ReadRoutines|76" \
	"go: exception, full message and the frame that panicked"
is "$(jq -r '.analysis.root_frame.function' "$T/go.json")" "main.ReadRoutines" "go: no cause: the root is the top"

# No trace: no trace fields.
python3 "$TOP/tests/fixtures/analyze/incident.py" inc_0000000000003523 | analyze --no-spool > "$T/none.json"
is "$(jq -r '.analysis | has("exception"), has("chain")' "$T/none.json" | tr '\n' ' ')" "false false " \
	"no trace, no trace fields"

# analyze --traces: every trace and cause has a top_frame.
analyze --traces "$R/java_sanmill_android.txt" > "$T/tr.json"
is "$(jq -r '.traces[0] | [.top_frame.line, .cause.top_frame.function] | join(" ")' "$T/tr.json")" \
	"2195 com.calcitem.sanmill.MainActivity.attachBaseContext" "--traces: top_frame on the trace and its cause"

# PHP: every PHP trace of the corpus, in one run (the ASan build sees leaks).
analyze --traces "$R"/php*.txt > "$T/php.json" 2> "$T/php.err"
is "$?" "0" "php: the PHP traces parse (no leak under ASan)"
is "$(jq -s '[.[].traces[] | select(.lang == "php")] | length >= 20' "$T/php.json")" "true" "php: the traces are found"
