#!/usr/bin/env bash
# openpr --forge none (and a local remote, detected): push only, print a
# request-pull summary; every stage appended its record to the
# incident's timeline in the spool.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
plan 9
make_repo
# openpr pushes to the configured repository only (see 0820).
export MEND_REPO=$T/remote.git
id=inc_0000000000000e01
good_diff > "$T/good.diff"
analysis_record $id "$T/good.diff" > "$T/a.json"
patch -r "$T/remote.git" "$T/a.json" 2>/dev/null | testloop -t 'python3 -m unittest' 2>/dev/null |
	openpr > "$T/pr.json" 2> "$T/err"
is "$?" 0 "patch | testloop | openpr exits 0"
is "$(jq -c '[.type, .pr.forge, .pr.created, .pr.number]' "$T/pr.json")" '["pr","none",true,null]' \
	"a local remote means the none forge"
like "$(jq -r .pr.summary "$T/pr.json")" \
	"The following changes since commit *are available in the Git repository at:*$T/remote.git mend/fix-$id*mend: calc.div divides by zero*calc.py | 2 ++*" \
	"a request-pull style summary"
is "$(git --git-dir="$T/remote.git" log -1 --format=%s "mend/fix-$id")" "mend: calc.div divides by zero" \
	"the branch is on the remote"
jq -c '.type = "testrun" | del(.pr)' "$T/pr.json" | openpr > "$T/pr2.json" 2> "$T/err2"
is "$(jq -c .pr.created "$T/pr2.json")" false "a re-run pushes nothing: created false"
like "$(cat "$T/err2")" "*already on the remote*" "and says so"

spool show $id > "$T/show.json"
is "$(jq -c '[.timeline[].type]' "$T/show.json" 2>/dev/null || jq -c . "$T/show.json")" \
	'["patch","testrun","pr","pr"]' "the timeline holds patch, testrun and pr"

# A remote that is gone: exit 75 (the queue retries later).
mv "$T/remote.git" "$T/moved.git"
jq -c '.type = "testrun" | del(.pr)' "$T/pr.json" | openpr > "$T/out3" 2> "$T/err3"
is "$?:$(wc -c < "$T/out3")" "75:0" "an unreachable remote exits 75"
like "$(cat "$T/err3")" "*cannot resolve '$T/remote.git'*" "and says why"
