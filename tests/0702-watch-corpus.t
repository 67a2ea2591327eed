#!/usr/bin/env bash
# watch on the deploy-stream corpus (tests/fixtures/watch/streams.py):
# every case gets its expected verdict word; no fine deploy is called
# worse (a false revert).  Misses are counted in tests/bench/watch.sh.
. "$(dirname "$0")/lib.sh"
S=$TOP/tests/fixtures/watch/streams.py
python3 "$S" --list > "$T/cases"
plan $(( $(wc -l < "$T/cases") + 1 ))

false_reverts=0
while read -r name truth expected; do
	python3 "$S" "$name" > "$T/$name.jsonl"
	got=$(watch -s "$T/$name.spool" "$T/$name.jsonl" 2>/dev/null | jq -r .verdict.verdict)
	reason=$(watch -s "$T/$name.spool2" "$T/$name.jsonl" 2>/dev/null |
		jq -r '[.verdict.monitors[] | select(.verdict == "worse" or .verdict == "better") | .reason] | first // ""')
	is "$got" "${expected//_/ }" "$name ($truth): ${expected//_/ }${reason:+ — $reason}"
	[ "$truth" = fine ] && [ "$got" = worse ] && false_reverts=$((false_reverts + 1))
done < "$T/cases"
is "$false_reverts" 0 "no fine deploy is called worse"
