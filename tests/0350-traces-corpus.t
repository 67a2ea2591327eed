#!/usr/bin/env bash
# analyze --traces on 300 real stack traces in nine languages, taken
# verbatim from bug reports and other projects (tests/fixtures/traces/real,
# ORIGINS.tsv says where from): per language, the share of traces whose
# top-level and root-cause frames, exception names and messages are right
# stays at or above the floor below (what the parser reached; a drop is a
# regression).  The numbers and the misses: tests/bench/README.md; the
# held-out traces: tests/0540-traces-heldout.t.
. "$(dirname "$0")/lib.sh"
command -v python3 > /dev/null || skip_all "no python3"
plan 29

D=$TOP/tests/fixtures/traces/real
ok "every trace has an origin and an expectation" sh -c "
	cd '$D' && ls *.txt | sed 's/\.txt\$//' | sort > '$T/files' &&
	grep -v '^#' ORIGINS.tsv | cut -f1 | sort > '$T/origins' &&
	grep -v '^#' EXPECT.tsv | cut -f1 | sort > '$T/expect' &&
	cmp -s '$T/files' '$T/origins' && cmp -s '$T/files' '$T/expect' &&
	[ \$(wc -l < '$T/files') -ge 300 ]"
python3 "$TOP/tests/traces-corpus.py" "$MEND_BIN/analyze" "$D" > "$T/score" 2> "$T/err"
is "$?" "0" "the corpus is scored"

. "$TOP/tests/traces-floor.sh"
floor c 100 100 100
floor dotnet 100 100 100
floor go 100 100 100
floor java 100 100 100
floor js 100 100 100
floor php 100 100 100
floor py 97 97 97
floor ruby 96 96 96
floor rust 96 96 96
grep . "$T/score" | sed 's/^/# /'
