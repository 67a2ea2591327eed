# tests/lib-call.sh - trace-only incidents for the tests of the failing
# call from the frame (0532-0535): what a service in $T/src logged when
# a call raised, through logs | detect | analyze.
#
#   . "$(dirname "$0")/lib-call.sh"
#   call_trace NAME 'python3 -c' CODE > analysis.json
#   call_trace NAME 'node -e' CODE | with_diff fix.diff | patch ...

# call_trace NAME RUNNER CODE: the analysis of the stack trace CODE left.
call_trace() {
	(cd "$T/src" && $2 "$3") 2> "$T/$1.trace"
	{ echo "2026-11-24T12:00:00Z INFO GET /x"; cat "$T/$1.trace"
	  echo "2026-11-24T12:00:01Z INFO GET /health"; } > "$T/$1.log"
	logs -m shop "$T/$1.log" | detect | analyze --repo "$T/src" --log "$T/$1.log"
}

# with_diff FILE: the analysis on stdin, carrying the author's fix FILE.
with_diff() {
	jq -c --rawfile d "$1" '.analysis.diff = $d | del(.analysis.edits)'
}
