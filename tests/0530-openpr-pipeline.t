#!/usr/bin/env bash
# The fix stage as the design runs it: an analysis enqueued on the fix
# queue, `work -q fix -- sh -c 'patch | testloop | openpr'`, ends with a
# pull request on the (stand-in) forge and the job done; a refused
# change ends dead, not retried.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
plan 6
make_repo
python3 "$TOP/tests/servers/forge.py" --port-file "$T/port" --slug acme/calc \
	--git "$T/remote.git" --token tok --log "$T/forge.log" &
cleanup "kill $!"
wait_for 5 test -s "$T/port"
export GITHUB_TOKEN=tok MEND_REPO=$T/remote.git MEND_TEST_CMD='python3 -m unittest'
export MEND_FORGE=github MEND_FORGE_API=http://127.0.0.1:$(cat "$T/port")
good_diff > "$T/good.diff"
analysis_record inc_0000000000000f01 "$T/good.diff" | enqueue -q fix > /dev/null
printf -- '--- a/.github/workflows/ci.yml\n+++ b/.github/workflows/ci.yml\n@@ -1 +1 @@\n-on: push\n+on: pull_request\n' \
	> "$T/ci.diff"
analysis_record inc_0000000000000f02 "$T/ci.diff" | enqueue -q fix > /dev/null

work -q fix --drain -- bash -o pipefail -c 'patch | testloop | openpr --slug acme/calc' \
	> "$T/out" 2> "$T/err"
spool jobs -q fix > "$T/jobs"
is "$(jq -r '"\(.id):\(.state):\(.attempts)"' "$T/jobs" | tr '\n' ' ')" "1:done:1 2:dead:1 " \
	"the fix job is done, the refused one dead at once"
is "$(jq -r 'select(.method == "POST") | .body.head' "$T/forge.log")" \
	"mend/fix-inc_0000000000000f01" "one pull request, from the fix branch"
spool show inc_0000000000000f01 > "$T/show"
is "$(jq -c '[.timeline[].type]' "$T/show")" '["patch","testrun","pr"]' "the timeline has every stage"
is "$(jq -r '.timeline[-1].record.pr.url' "$T/show")" "$MEND_FORGE_API/acme/calc/pull/1" \
	"and the pull request's URL"
like "$(cat "$T/err")" "*inc_0000000000000f02: change refused:*protected path*" "the refusal is on stderr"
is "$(git --git-dir="$T/remote.git" for-each-ref --format='%(refname:short)' refs/heads/mend | tr '\n' ' ')" \
	"mend/fix-inc_0000000000000f01 " "only the accepted fix was pushed"
