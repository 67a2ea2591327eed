#!/usr/bin/env bash
# Benchmark the fix stage: from an analysis record to a pr record on a
# local remote whose test suite takes about 1 s, split by stage, with
# mend's own overhead (everything but the test command) beside the test
# time.  Target: overhead under 300 ms.
#
# Peer, in the same run: the git CLI doing what patch and openpr do
# (fetch, branch, apply, commit, push) in a clone of its own.
# R runs (default 5), medians printed.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
PATH=$top/bin:$PATH
R=${R:-5}
T=$(mktemp -d)
export T TOP=$top MEND_SPOOL=$T/spool
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT
. "$top/tests/lib-fix.sh"
make_repo >/dev/null
# A suite of about one second.
(cd "$T/src" && sed -i 's/^import unittest$/import time\nimport unittest/' test_calc.py &&
	sed -i 's/    def test_add(self):/    def test_add(self):\n        time.sleep(1)/' test_calc.py &&
	git commit -qam "slow test" && git push -q "$T/remote.git" main)
good_diff > "$T/good.diff"

now() { date +%s.%N; }
ms() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", (b - a) * 1000 }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

# Warm: the first run clones.
analysis_record inc_00000000000bee00 "$T/good.diff" > "$T/warm.json"
t0=$(now); patch -r "$T/remote.git" "$T/warm.json" > /dev/null 2>&1; t1=$(now)
clone_ms=$(ms "$t0" "$t1")

: > "$T/rows"
for i in $(seq 1 "$R"); do
	id=$(printf 'inc_%016x' $((0xbee00 + i)))
	analysis_record "$id" "$T/good.diff" > "$T/a.json"
	t0=$(now); patch -r "$T/remote.git" "$T/a.json" > "$T/p.json" 2>/dev/null; t1=$(now)
	testloop -t 'python3 -m unittest' "$T/p.json" > "$T/t.json" 2>/dev/null; t2=$(now)
	openpr "$T/t.json" > "$T/pr.json" 2>/dev/null; t3=$(now)
	test "$(jq -r .pr.branch "$T/pr.json")" = "mend/fix-$id" || { echo "run $i failed"; exit 1; }
	tests_ms=$(jq '[.testrun.steps[].seconds] | add * 1000 | floor' "$T/t.json")
	echo "$(ms "$t0" "$t1") $(ms "$t1" "$t2") $(ms "$t2" "$t3") $tests_ms" >> "$T/rows"
done

# The git CLI peer: fetch, branch, apply, commit, push in its own clone.
git clone -q "$T/remote.git" "$T/peer"
: > "$T/peer.rows"
for i in $(seq 1 "$R"); do
	t0=$(now)
	(cd "$T/peer" && git fetch -q origin && git checkout -q -B "peer/fix-$i" origin/main &&
		git apply "$T/good.diff" && git commit -qam "peer fix $i" &&
		git push -q -f origin "peer/fix-$i") > /dev/null 2>&1
	t1=$(now)
	ms "$t0" "$t1" >> "$T/peer.rows"
	echo >> "$T/peer.rows"
done

col() { awk -v c="$1" '{ print $c }' "$T/rows" | median; }
p=$(col 1) t=$(col 2) o=$(col 3) tests=$(col 4)
peer=$(grep . "$T/peer.rows" | median)
overhead=$((p + t - tests + o))
echo "first patch (clone): ${clone_ms} ms"
echo "median of $R runs:   patch ${p} ms   testloop ${t} ms (tests ${tests} ms)   openpr ${o} ms"
echo "analysis -> pr:      $((p + t + o)) ms, of which mend's overhead ${overhead} ms" \
	"(target < 300 ms: $([ "$overhead" -lt 300 ] && echo met || echo MISSED))"
echo "patch + openpr:      $((p + o)) ms   git CLI fetch+branch+apply+commit+push: ${peer} ms" \
	"  ratio $(awk -v a=$((p + o)) -v b="$peer" 'BEGIN { printf "%.2f", a / b }')x"
