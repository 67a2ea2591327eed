#!/usr/bin/env bash
# analyze --traces stays linear in its input: for each shape of huge input
# (one trace of many frames; many headers, frames, cause lines or message
# lines alone; one very long line), eight times the input takes at most
# about eight times as long (a quadratic rescan would take 64 times), and
# a short line starting with a digit is not read past its end (issue 9).
. "$(dirname "$0")/lib.sh"
command -v python3 > /dev/null || skip_all "no python3"
KINDS="java atonly caused arrows py pyframes digits goroutine panicked longline php ruby san msgcont blank pyindent pygutter"
plan $(( $(echo $KINDS | wc -w) + 3 ))

N=${TRACES_N:-2000}
secs() { # secs FILE: the best of two runs, in seconds
	best=
	for r in 1 2; do
		t0=$(date +%s%N)
		analyze --traces "$1" > /dev/null || return 1
		t1=$(date +%s%N)
		t=$(( (t1 - t0) / 1000 ))
		[ -z "$best" ] || [ "$t" -lt "$best" ] && best=$t
	done
	echo "$best"
}
for k in $KINDS; do
	python3 "$TOP/tests/traces-huge.py" "$k" "$N" > "$T/s.txt"
	python3 "$TOP/tests/traces-huge.py" "$k" $((N * 8)) > "$T/l.txt"
	s=$(secs "$T/s.txt") l=$(secs "$T/l.txt")
	# 8x the input in at most 20x the time, plus 100 ms of slack for
	# start-up and a busy machine.
	ok "$k: 8x the input, ${s:-?} us -> ${l:-?} us" \
		awk "BEGIN { exit !(\"$s\" != \"\" && \"$l\" != \"\" && $l <= 20 * $s + 100000) }"
done

python3 "$TOP/tests/traces-huge.py" java 50000 > "$T/j.txt"
is "$(analyze --traces "$T/j.txt" | jq '.traces[0].frames | length')" "50000" \
	"a trace of 50000 frames has all its frames"
printf '1\n12\n2\n2024-\n2024-01-0\n9 \n' > "$T/d.txt"
is "$(analyze --traces "$T/d.txt" | jq -c .traces)" "[]" \
	"short lines starting with a digit are no log prefix and no trace"
printf '0' > "$T/d1.txt"
is "$(analyze --traces "$T/d1.txt" | jq -c .traces)" "[]" "a lone digit without a newline"
