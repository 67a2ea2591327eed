#!/usr/bin/env bash
# analyze --traces on the held-out corpus (tests/fixtures/traces/heldout):
# 94 real traces in nine languages, taken verbatim from bug reports that
# the tuned corpus (traces/real) does not use, collected after the parser
# was tuned and scored before it changed (tests/bench/README.md has both
# figures).  Every trace has an origin and an expectation, no origin is
# shared with the tuned corpus, every language has at least ten, and the
# share right per language stays at or above what the parser reached.
. "$(dirname "$0")/lib.sh"
command -v python3 > /dev/null || skip_all "no python3"
plan 30

D=$TOP/tests/fixtures/traces/heldout
R=$TOP/tests/fixtures/traces/real
ok "every held-out trace has an origin and an expectation, ten per language" sh -c "
	cd '$D' && ls *.txt | sed 's/\.txt\$//' | sort > '$T/files' &&
	grep -v '^#' ORIGINS.tsv | cut -f1 | sort > '$T/origins' &&
	grep -v '^#' EXPECT.tsv | cut -f1 | sort > '$T/expect' &&
	cmp -s '$T/files' '$T/origins' && cmp -s '$T/files' '$T/expect' &&
	for l in c dotnet go java js php py ruby rust; do
		[ \$(grep -c \"^\$l[0-9]*_\" '$T/files') -ge 10 ] || exit 1
	done"
grep -v '^#' "$D/ORIGINS.tsv" | cut -f2 | sort -u > "$T/ho"
grep -v '^#' "$R/ORIGINS.tsv" | cut -f2 | sort -u > "$T/ro"
is "$(comm -12 "$T/ho" "$T/ro" | wc -l)" "0" "no held-out origin is in the tuned corpus"
python3 "$TOP/tests/traces-corpus.py" "$MEND_BIN/analyze" "$D" > "$T/score" 2> "$T/err"
is "$?" "0" "the held-out corpus is scored"

. "$TOP/tests/traces-floor.sh"
floor c 100 100 100
floor dotnet 90 80 80
floor go 91 91 91
floor java 90 90 100
floor js 100 100 100
floor php 80 80 80
floor py 100 100 100
floor ruby 90 90 90
floor rust 80 80 80
grep . "$T/score" | sed 's/^/# /'
