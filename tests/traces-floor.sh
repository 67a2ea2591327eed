# Sourced by the trace corpus tests (0350, 0540) after tests/lib.sh:
# floor LANG FRAME EXCEPTION MESSAGE (percent) checks the share right for
# LANG in $T/score (tests/traces-corpus.py's output) against each floor,
# as three TAP tests.
floor() {
	set -- "$@" $(sed -n "s/^$1 .*frame *\([0-9.]*\)%.*exception *\([0-9.]*\)%.*message *\([0-9.]*\)%.*/\1 \2 \3/p" "$T/score")
	ok "$1: frames ${5:-?}% >= $2%" awk "BEGIN { exit !(${5:-0} >= $2) }"
	ok "$1: exceptions ${6:-?}% >= $3%" awk "BEGIN { exit !(${6:-0} >= $3) }"
	ok "$1: messages ${7:-?}% >= $4%" awk "BEGIN { exit !(${7:-0} >= $4) }"
}
