#!/usr/bin/env bash
# testloop: a failing fix goes back to the fixer with the failure; a
# scripted fixer answers wrong first and right second, and the loop
# ends with passing tests on the third run.  Never passing exits 1.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
plan 21
make_repo
fx=$T/fx
mkdir -p "$fx"
# The patch: wrong (returns 0 where the tests want None).
cat > "$T/wrong.diff" <<'D'
--- a/calc.py
+++ b/calc.py
@@ -1,2 +1,4 @@
 def div(a, b):
+    if b == 0:
+        return 0
     return a / b
D
# Revision 1, on top of the patch: still wrong.
cat > "$fx/answer1.diff" <<'D'
--- a/calc.py
+++ b/calc.py
@@ -2,2 +2,2 @@
     if b == 0:
-        return 0
+        return float("inf")
D
# Revision 2, written against the base: right.
good_diff > "$fx/answer2.diff"
id=inc_0000000000000a01
analysis_record $id "$T/wrong.diff" | patch -r "$T/remote.git" > "$T/patch.json" 2>/dev/null
is "$?" 0 "patch commits the wrong fix"
wd=$(jq -r .patch.workdir "$T/patch.json")

testloop --test 'python3 -m unittest' --fixer "python3 $TOP/tests/servers/fixer.py $fx" \
	"$T/patch.json" > "$T/out" 2> "$T/err"
is "$?" 0 "testloop exits 0 when an attempt passes"
is "$(jq -r .type "$T/out")" testrun "prints a testrun record"
is "$(jq -c '.testrun | [.passed, .iterations, .tests_passed, .tests_failed]' "$T/out")" \
	'[true,3,3,0]' "passed on the third run, 3 tests passed"
like "$(jq -r .testrun.confidence "$T/out")" "0.*" "a confidence below 1"
is "$(jq -r .analysis.root_cause "$T/out")" "revision 2 of the fix" "the record carries the revision"
like "$(jq -r '.testrun.failures[]' "$fx/input1.json")" "*test_div_zero*" \
	"the fixer saw the failing test"
like "$(jq -r .testrun.log "$fx/input1.json")" "*AssertionError: 0 is not None*" \
	"the fixer saw the output"
like "$(jq -r .patch.diff "$fx/input1.json")" "*+        return 0*" "the fixer saw the diff so far"
like "$(jq -r '.patch.contents[0].content' "$fx/input1.json")" "*return 0*" \
	"and the current files"
head=$(jq -r .patch.commit "$T/out")
is "$(git -C "$wd" rev-parse "mend/fix-$id")" "$head" "the branch holds the passing commit"
ok "the passing commit has the right fix" sh -c "git -C '$wd' show $head:calc.py | grep -q 'return None'"
is "$(git -C "$wd" log --format=%s "$(jq -r .patch.base_commit "$T/out")..$head" | head -1)" \
	"mend: revise the fix (attempt 3)" "revisions are commits on the branch"
like "$(cat "$T/err")" "*attempt 1/3*failed*asking the fixer*on top of the last attempt*attempt 3/3*passed*" \
	"progress on stderr"

# Never passing: exit 1, passed false, the branch keeps the last attempt.
id=inc_0000000000000a02
rm -f "$fx"/input* "$fx/answer2.diff"
analysis_record $id "$T/wrong.diff" | patch -r "$T/remote.git" > "$T/patch2.json" 2>/dev/null
testloop -t 'python3 -m unittest' -n 2 --fixer "python3 $TOP/tests/servers/fixer.py $fx" \
	"$T/patch2.json" > "$T/out2" 2>/dev/null
is "$?" 1 "never passing exits 1"
is "$(jq -c '.testrun | [.passed, .iterations, .confidence]' "$T/out2")" '[false,2,0]' \
	"passed false after 2 runs, confidence 0"
ok "the branch keeps the last attempt" sh -c \
	"git -C '$wd' show mend/fix-$id:calc.py | grep -q 'float(\"inf\")'"

# The fixer fails (here: a command that does not exist): the loop stops, exit 1.
id=inc_0000000000000a03
analysis_record $id "$T/wrong.diff" | patch -r "$T/remote.git" > "$T/patch3.json" 2>/dev/null
testloop -t 'python3 -m unittest' --fixer 'mend-no-such-fixer --revise' \
	"$T/patch3.json" > "$T/out3" 2> "$T/err3"
is "$?:$(jq -c '[.testrun.passed, .testrun.iterations]' "$T/out3")" "1:[false,1]" \
	"a failing fixer ends the loop after one run"
like "$(cat "$T/err3")" "*the fixer exited with 127*" "and says why"

# A revision that is the change that just failed ends the loop.
id=inc_0000000000000a04
fx2=$T/fx2
mkdir -p "$fx2"
cp "$T/wrong.diff" "$fx2/answer1.diff"
analysis_record $id "$T/wrong.diff" | patch -r "$T/remote.git" > "$T/patch4.json" 2>/dev/null
testloop -t 'python3 -m unittest' --fixer "python3 $TOP/tests/servers/fixer.py $fx2" \
	"$T/patch4.json" > "$T/out4" 2> "$T/err4"
is "$?:$(jq -c '[.testrun.passed, .testrun.iterations]' "$T/out4")" "1:[false,1]" \
	"the same change again ends the loop"
like "$(cat "$T/err4")" "*the revision is the change that just failed*" "and says so"
