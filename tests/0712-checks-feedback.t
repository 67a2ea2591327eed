#!/usr/bin/env bash
# A failed check feeds its log back into the healing loop once:
#   patch | testloop | openpr --wait-checks --merge
#         | testloop --from-checks | openpr --wait-checks --merge
# The first fix passes the local tests but fails the forge's CI (a
# stricter check); testloop --from-checks gives the CI's log to the
# fixer, whose revision passes both, and the second openpr pushes it to
# the same pull request and merges it.  A second failure is not fed back.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
. "$TOP/tests/servers/webhook.sh"
plan 20
make_repo
# The CI's stricter check, in the repository.
(cd "$T/src" && printf 'import calc\nfor a in (1, 2, -5):\n    assert calc.div(a, 0) is None, "div(%%d, 0) should be None" %% a\n' > ci_check.py &&
	git add ci_check.py && git commit -qm "ci check" && git push -q "$T/remote.git" main)
export MEND_REPO=$T/remote.git GITHUB_TOKEN=tok-5
FORGE_TOKEN=tok-5 start_forge forge --ci 'python3 -m unittest && python3 ci_check.py'
# A fix too narrow: passes test_calc (div(1, 0)), fails the CI (div(2, 0)).
cat > "$T/narrow.diff" <<'D'
--- a/calc.py
+++ b/calc.py
@@ -1,2 +1,4 @@
 def div(a, b):
+    if b == 0 and a == 1:
+        return None
     return a / b
D
fx=$T/fx
mkdir -p "$fx"
good_diff > "$fx/answer1.diff"
id=inc_0000000000000b01
analysis_record $id "$T/narrow.diff" > "$T/analysis.json"
op="openpr --forge github --api-url $api --slug acme/calc --draft-below 0.7 --checks-interval 0.1 --wait-checks=120 --merge --merge-min-confidence 0.7"
tl="testloop -t 'python3 -m unittest' --fixer 'python3 $TOP/tests/servers/fixer.py $fx'"
sh -c "patch -r '$T/remote.git' | $tl | $op | tee '$T/pr1.json' | $tl --from-checks | tee '$T/run2.json' | $op" \
	< "$T/analysis.json" > "$T/out" 2> "$T/err"
is "$?" 0 "the pipeline exits 0"
first=$(jq -r .patch.commit "$T/pr1.json")
is "$(jq -c '.pr | [.number, .created, .checks, .merged]' "$T/pr1.json")" '[1,true,"failed",false]' \
	"the first pull request's checks failed"
like "$(jq -r .pr.checks_log "$T/pr1.json")" "*== ci/test*ci_check.py*ZeroDivisionError: division by zero*" \
	"with the CI's output"
like "$(jq -r .testrun.log "$fx/input1.json")" "*ci_check.py*ZeroDivisionError*" \
	"the fixer saw the CI's log as the failure"
is "$(jq -c '.testrun | [.command, .failures]' "$fx/input1.json")" '["the forge'"'"'s checks",["ci/test"]]' \
	"and which check failed"
like "$(jq -r .patch.diff "$fx/input1.json")" "*and a == 1*" "and the change that failed"
is "$(jq -r 'has("pr")' "$fx/input1.json")" false "the fixer's input is a testrun, not the pr"
is "$(jq -c '.testrun | [.passed, .from_checks.failed, .from_checks.commit]' "$T/run2.json")" \
	"[true,[\"ci/test\"],\"$first\"]" "the revision passed the local tests; the record says why it ran"
second=$(jq -r .patch.commit "$T/run2.json")
ok "the revision is a new commit" test "$second" != "$first"
is "$(jq -c '.pr | [.number, .created, .checks, .merged]' "$T/out")" '[1,false,"passed",true]' \
	"the same pull request, checks passed, merged"
is "$(git --git-dir="$T/remote.git" rev-parse main^2)" "$second" "main merges the revised commit"
is "$(grep -c '"POST"' "$T/forge.log")" 1 "one pull request was opened"
spool show $id > "$T/show"
is "$(jq -c '[.timeline[].type]' "$T/show")" '["patch","testrun","pr","testrun","pr"]' \
	"the timeline has both rounds"
is "$(jq -r '.timeline[3].record.testrun.from_checks.pr' "$T/show")" "$api/acme/calc/pull/1" \
	"the second testrun names the pull request whose checks failed"

# Once: the failed pr record again (a re-run, or a second failure) passes through.
eval "$tl --from-checks" < "$T/pr1.json" > "$T/again.json" 2> "$T/err2"
is "$?:$(jq -c '[.type, .pr.checks]' "$T/again.json")" '0:["pr","failed"]' \
	"a second feed-back passes the record through"
ok "without asking the fixer" test ! -e "$fx/input2.json"
like "$(cat "$T/err2")" "*went back to the fixer once already*" "and says so"

# The notification reports the checks and the merge.
start_webhook
cat "$T/pr1.json" "$T/out" | notify --no-spool -w "json:$WH/json/ok-1" > /dev/null 2>&1
jq -s -c '.[] | .body.notify' "$WHLOG" > "$T/notes"
like "$(jq -r .title "$T/notes" | head -1)" "❌ Fix PR: checks failed for *$api/acme/calc/pull/1" \
	"notify: the failed checks in the title"
like "$(jq -r .text "$T/notes" | tr '\n' ' ')" '*Checks: failed (1 of 1) Merged: no: the checks failed  Failed checks: == ci/test*ZeroDivisionError*' \
	"notify: which checks, why no merge, the log"
like "$(tail -1 "$T/notes" | jq -r .text | tr '\n' ' ')" '✅ Fix merged for*Checks: passed (1) Merged: yes ' \
	"notify: the merge"
