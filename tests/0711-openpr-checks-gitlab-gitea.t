#!/usr/bin/env bash
# openpr --wait-checks and --merge on GitLab (the merge request's
# pipeline, its failed job's trace, approvals, PUT merge) and Gitea
# (commit statuses named "status", reviews, POST merge {"Do":"merge"}),
# against the stand-ins, with a CI that really runs the pushed commit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
plan 17
make_repo
export MEND_REPO=$T/remote.git GITLAB_TOKEN=tok-8 GITEA_TOKEN=tok-8 FORGE_TOKEN=tok-8
good_diff > "$T/good.diff"
# run ID: a passing testrun for incident ID in $T/ID.json.
run() {
	analysis_record "$1" "$T/good.diff" | patch -r "$T/remote.git" 2>/dev/null |
		testloop -t 'python3 -m unittest' > "$T/$1.json" 2>/dev/null
}
openpr_() {
	kind=$1; shift
	openpr --forge "$kind" --api-url "$api/api/$([ "$kind" = gitlab ] && echo v4 || echo v1)" \
		--slug acme/calc --draft-below 0.7 --checks-interval 0.1 --wait-checks=120 \
		--merge-min-confidence 0.7 "$@" > "$T/pr.json" 2> "$T/err"
}
base=$(git --git-dir="$T/remote.git" rev-parse main)

# GitLab: the CI fails on the commit (a stricter test than the local one).
run inc_0000000000000e01
start_forge gl1 --kind gitlab --ci 'python3 -c "import calc; assert calc.div(2, 0) == 0, \"div(2, 0) must be 0 in CI\""' --ci-polls 2
openpr_ gitlab --merge "$T/inc_0000000000000e01.json"
is "$?:$(jq -c '.pr | [.forge, .checks, .merged, .merge_refused]' "$T/pr.json")" \
	'0:["gitlab","failed",false,"the checks failed"]' "gitlab: the pipeline failed, no merge"
is "$(jq -c '.pr.checks_detail[] | [.name, .state]' "$T/pr.json")" '["test","failed"]' \
	"gitlab: the failed job"
like "$(jq -r .pr.checks_log "$T/pr.json")" "*== test http://*/-/jobs/9001 ==*failure_reason: script_failure*AssertionError: div(2, 0) must be 0 in CI*" \
	"gitlab: the job's trace is the log"
is "$(jq -r 'select(.path | test("trace")) | .path' "$T/gl1.log")" \
	"/api/v4/projects/acme%2Fcalc/jobs/9001/trace" "gitlab: read through the jobs API"
is "$(jq -r 'select(.method == "PUT") | .path' "$T/gl1.log")" "" "gitlab: no merge attempted"

# GitLab: passing pipeline, a required approval missing, then merged.
run inc_0000000000000e02
start_forge gl2 --kind gitlab --ci 'python3 -m unittest' --blocked
openpr_ gitlab --merge "$T/inc_0000000000000e02.json"
is "$(jq -c '.pr | [.checks, .merged, .merge_refused]' "$T/pr.json")" \
	'["passed",false,"a required review is missing (1 approvals left)"]' \
	"gitlab: approvals_left 1: refused"
start_forge gl3 --kind gitlab --ci 'python3 -m unittest'
openpr_ gitlab --merge "$T/inc_0000000000000e02.json"
commit=$(jq -r .patch.commit "$T/inc_0000000000000e02.json")
is "$(jq -c '.pr | [.checks, .merged]' "$T/pr.json")" '["passed",true]' "gitlab: merged"
is "$(jq -c 'select(.method == "PUT") | [.path, .body.sha]' "$T/gl3.log")" \
	"[\"/api/v4/projects/acme%2Fcalc/merge_requests/1/merge\",\"$commit\"]" \
	"gitlab: PUT merge with the sha"
is "$(git --git-dir="$T/remote.git" rev-parse main^2)" "$commit" "gitlab: main merges the commit"
is "$(jq -r '.pr.merge_commit' "$T/pr.json")" "$(git --git-dir="$T/remote.git" rev-parse main)" \
	"gitlab: the merge commit in the record"
git --git-dir="$T/remote.git" update-ref refs/heads/main "$base"

# Gitea: a failing commit status, then a passing one and the merge.
run inc_0000000000000e03
start_forge gt1 --kind gitea --ci 'python3 -m unittest' --status 'error:ci/lint:lint crashed'
openpr_ gitea --merge "$T/inc_0000000000000e03.json"
is "$(jq -c '.pr | [.forge, .checks, .merged]' "$T/pr.json")" '["gitea","failed",false]' \
	"gitea: an error status fails the checks"
like "$(jq -r .pr.checks_log "$T/pr.json")" "*== ci/lint https://ci.example/ci/lint ==*error: lint crashed*" \
	"gitea: the status's description is the log"
start_forge gt2 --kind gitea --ci 'python3 -m unittest' --review REQUEST_CHANGES:bob
openpr_ gitea --merge "$T/inc_0000000000000e03.json"
is "$(jq -r .pr.merge_refused "$T/pr.json")" "bob requested changes" "gitea: changes requested: refused"
start_forge gt3 --kind gitea --ci 'python3 -m unittest' --status 'warning:ci/style:2 notes'
openpr_ gitea --merge "$T/inc_0000000000000e03.json"
commit=$(jq -r .patch.commit "$T/inc_0000000000000e03.json")
is "$(jq -c '.pr | [.checks, .merged]' "$T/pr.json")" '["passed",true]' \
	"gitea: success and warning pass; merged"
is "$(jq -c 'select(.path | test("/merge$")) | [.method, .body.Do, .body.head_commit_id]' "$T/gt3.log")" \
	"[\"POST\",\"merge\",\"$commit\"]" "gitea: POST merge {Do: merge, head_commit_id}"
is "$(git --git-dir="$T/remote.git" rev-parse main^2)" "$commit" "gitea: main merges the commit"
not_ok "no token in any output" grep -q tok-8 "$T/pr.json" "$T/err"
