#!/usr/bin/env bash
# analyze --traces on huge inputs of each shape that could make a parser
# rescan what it has seen (one trace of 60000 frames; 60000 headers,
# frames, cause lines or message lines alone; one very long line): each
# finishes within a generous minute (a linear parser takes about a second,
# under ASan a few; a quadratic one takes many minutes), and the frames are
# all there.  The time ratios (8x the input, about 8x the time) are
# measured by tests/bench/analyze.sh, not here.  And a short line starting
# with a digit is not read past its end (issue 9).
. "$(dirname "$0")/lib.sh"
command -v python3 > /dev/null || skip_all "no python3"
KINDS="java atonly caused arrows py pyframes digits goroutine panicked longline php ruby san msgcont blank pyindent pygutter markup bugsnag honeybadger appcenter notifier django goindent rubywrap chrome"
plan $(( $(echo $KINDS | wc -w) + 3 ))

N=${TRACES_N:-60000}
for k in $KINDS; do
	python3 "$TOP/tests/traces-huge.py" "$k" "$N" > "$T/h.txt"
	ok "$k: $N lines parse within a minute" timeout 60 sh -c "analyze --traces '$T/h.txt' > /dev/null"
done

python3 "$TOP/tests/traces-huge.py" java 50000 > "$T/j.txt"
is "$(analyze --traces "$T/j.txt" | jq '.traces[0].frames | length')" "50000" \
	"a trace of 50000 frames has all its frames"
printf '1\n12\n2\n2024-\n2024-01-0\n9 \n' > "$T/d.txt"
is "$(analyze --traces "$T/d.txt" | jq -c .traces)" "[]" \
	"short lines starting with a digit are no log prefix and no trace"
printf '0' > "$T/d1.txt"
is "$(analyze --traces "$T/d1.txt" | jq -c .traces)" "[]" "a lone digit without a newline"
