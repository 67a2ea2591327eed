#!/usr/bin/env bash
# openpr --wait-checks and --merge against the GitHub stand-in: check runs
# from a real CI run of the pushed commit, commit statuses, bounded
# waits (pending, none), rate limits, a real merge on the bare
# repository, every refusal with its reason, and never a second merge.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
plan 32
make_repo
export MEND_REPO=$T/remote.git GITHUB_TOKEN=tok-7 FORGE_TOKEN=tok-7
id=inc_0000000000000c01
good_diff > "$T/good.diff"
analysis_record $id "$T/good.diff" | patch -r "$T/remote.git" 2>/dev/null |
	testloop -t 'python3 -m unittest' > "$T/run.json" 2>/dev/null
is "$(jq -c '[.testrun.passed, .testrun.confidence]' "$T/run.json")" '[true,0.74]' \
	"setup: the testrun passed with confidence 0.74"
commit=$(jq -r .patch.commit "$T/run.json")

# openpr_ ARGS...: openpr on the stand-in, fast polls; record in $T/pr.json, stderr in $T/err.
openpr_() {
	openpr --forge github --api-url "$api" --slug acme/calc --draft-below 0.7 \
		--checks-interval 0.1 "$@" > "$T/pr.json" 2> "$T/err"
}

# The CI runs the project's tests on the pushed commit; pending for 3 polls.
start_forge ci --ci 'python3 -m unittest' --ci-polls 3
openpr_ --wait-checks=120 --merge --merge-min-confidence 0.7 "$T/run.json"
is "$?" 0 "openpr exits 0"
is "$(jq -c '.pr | [.created, .checks, .merged, .merge_refused]' "$T/pr.json")" \
	'[true,"passed",true,null]' "checks passed, merged"
is "$(jq -c '.pr.checks_detail' "$T/pr.json")" \
	'[{"name":"ci/test","state":"passed","url":"https://ci.example/runs/9000"}]' \
	"the check run is in the record"
is "$(jq -r 'select(.path | test("check-runs")) | .path' "$T/ci.log" | sort -u)" \
	"/repos/acme/calc/commits/$commit/check-runs?per_page=100" "polled for the tested commit"
ok "polled until the check completed" test "$(grep -c check-runs "$T/ci.log")" -ge 4
is "$(jq -c 'select(.method == "PUT") | [.path, .body.sha, .body.merge_method]' "$T/ci.log")" \
	"[\"/repos/acme/calc/pulls/1/merge\",\"$commit\",\"merge\"]" "PUT merge with the tested sha"
is "$(git --git-dir="$T/remote.git" rev-parse main^2)" "$commit" \
	"main of the bare repository now merges the tested commit"
is "$(jq -r .pr.merge_commit "$T/pr.json")" "$(git --git-dir="$T/remote.git" rev-parse main)" \
	"the record names the merge commit"
like "$(cat "$T/err")" "*checks passed after*merged #1 as*" "stderr says so"
spool show $id > "$T/show"
is "$(jq -c '.timeline[-1].record.pr | [.checks, .merged]' "$T/show")" '["passed",true]' \
	"the timeline has the verdict"

# Idempotent: a re-run reports the merge and calls nothing that changes anything.
n=$(wc -l < "$T/ci.log")
openpr_ --wait-checks=120 --merge --merge-min-confidence 0.7 "$T/run.json"
is "$?:$(jq -c '.pr | [.created, .merged, .number]' "$T/pr.json")" '0:[false,true,1]' \
	"a re-run reports the merged pull request"
is "$(tail -n +$((n + 1)) "$T/ci.log" | jq -r .method | sort -u | tr '\n' ' ')" "" \
	"and makes no request at all (no push, no second PR, no second merge)"
like "$(cat "$T/err")" "*merged already; nothing to do*" "it says why"

# A fresh incident for the rest (the first one is merged).
id=inc_0000000000000c02
git --git-dir="$T/remote.git" update-ref refs/heads/main "$(git --git-dir="$T/remote.git" rev-parse main^1)"
analysis_record $id "$T/good.diff" | patch -r "$T/remote.git" 2>/dev/null |
	testloop -t 'python3 -m unittest' > "$T/run2.json" 2>/dev/null
commit=$(jq -r .patch.commit "$T/run2.json")

# No CI at all: "none" after the grace, no merge.
start_forge none
openpr_ --wait-checks=60 --checks-grace 0.3 --merge --merge-min-confidence 0.7 "$T/run2.json"
is "$(jq -c '.pr | [.checks, .merged, .merge_refused]' "$T/pr.json")" \
	'["none",false,"the checks are none: nothing proved the change on the forge"]' \
	"no checks: none, and no merge"
is "$(jq -c 'select(.method == "PUT")' "$T/none.log")" "" "no merge was attempted"

# A CI that never finishes within the bound: pending.
start_forge slow --ci 'python3 -m unittest' --ci-polls 100000
openpr_ --wait-checks=0.5 "$T/run2.json"
is "$?:$(jq -c '.pr | [.checks, .merged, .checks_detail[0].state]' "$T/pr.json")" \
	'0:["pending",false,"pending"]' "the bound runs out: pending"
like "$(jq -r .pr.checks_waited_s "$T/pr.json")" "0.[5-9]*" "after waiting about the bound"

# A commit status that failed: failed, with its description as the log.
start_forge st --ci 'python3 -m unittest' --status 'failure:lint:2 problems in calc.py' \
	--status 'success:deploy/preview'
openpr_ --wait-checks=60 --merge --merge-min-confidence 0.7 "$T/run2.json"
is "$(jq -c '.pr | [.checks, .merged, .merge_refused]' "$T/pr.json")" \
	'["failed",false,"the checks failed"]' "a failed status fails the checks, no merge"
like "$(jq -r .pr.checks_log "$T/pr.json")" "*== lint https://ci.example/lint ==*failure: 2 problems in calc.py*" \
	"its description is the log"
is "$(jq -c '[.pr.checks_detail[] | select(.state == "failed") | .name]' "$T/pr.json")" '["lint"]' \
	"only lint failed"

# Refusals: confidence, a draft, a required review, changes requested.
start_forge ok --ci 'python3 -m unittest'
openpr_ --wait-checks=60 --merge "$T/run2.json"
is "$(jq -c '.pr | [.checks, .merged, .merge_refused]' "$T/pr.json")" \
	'["passed",false,"confidence 0.74 is below --merge-min-confidence 0.90"]' \
	"below the minimum confidence (default 0.9): refused"
start_forge dr --ci 'python3 -m unittest'
openpr_ --draft --wait-checks=60 --merge --merge-min-confidence 0.7 "$T/run2.json"
is "$(jq -c '.pr | [.draft, .merged, .merge_refused]' "$T/pr.json")" \
	'[true,false,"the pull request is a draft"]' "a draft: refused"
start_forge bl --ci 'python3 -m unittest' --blocked
openpr_ --wait-checks=60 --merge --merge-min-confidence 0.7 "$T/run2.json"
is "$(jq -r .pr.merge_refused "$T/pr.json")" "a required review is missing (mergeable_state blocked)" \
	"a required review missing: refused"
start_forge cr --ci 'python3 -m unittest' --review CHANGES_REQUESTED:alice --review COMMENTED:alice
openpr_ --wait-checks=60 --merge --merge-min-confidence 0.7 "$T/run2.json"
is "$(jq -r .pr.merge_refused "$T/pr.json")" "alice requested changes" \
	"a review asking for changes (a later comment does not undo it): refused"
start_forge ap --ci 'python3 -m unittest' --review CHANGES_REQUESTED:alice --review APPROVED:alice \
	--unmergeable
openpr_ --wait-checks=60 --merge --merge-min-confidence 0.7 "$T/run2.json"
is "$(jq -r .pr.merge_refused "$T/pr.json")" \
	"the forge refused the merge: HTTP 405: Pull Request is not mergeable" \
	"approved later, but the forge says 405: its words"
is "$(git --git-dir="$T/remote.git" rev-parse main)" "$(jq -r .patch.base_commit "$T/run2.json")" \
	"nothing was merged by any of them"

# The primary rate limit on the polls: waited out until its reset.
start_forge rl --ci 'python3 -m unittest' --checks-hard-limit 2
openpr_ --wait-checks=120 --merge --merge-min-confidence 0.7 "$T/run2.json"
is "$?:$(jq -c '.pr | [.checks, .merged]' "$T/pr.json")" '0:["passed",true]' \
	"rate limited polls (403, x-ratelimit-remaining 0): waited for the reset, then merged"
ok "the rate-limited polls were retried" test "$(grep -c check-runs "$T/rl.log")" -ge 3
not_ok "the token is in no output" grep -q tok-7 "$T/pr.json" "$T/err"

# Usage: --merge alone is refused.
openpr --merge "$T/run2.json" > /dev/null 2> "$T/err"
is "$?" 64 "--merge without --wait-checks: usage error"
like "$(cat "$T/err")" "*--merge needs --wait-checks*" "saying why"
