#!/usr/bin/env bash
# openpr against a local GitHub REST stand-in: push with libgit2 (read
# back with the git CLI), open the pull request with a body that passes
# GitHub's schema, never a second one, ride out rate limits.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
plan 30
make_repo
# openpr pushes to the configured repository only (see 0820).
export MEND_REPO=$T/remote.git
id=inc_0000000000000d01
good_diff > "$T/good.diff"
analysis_record $id "$T/good.diff" | patch -r "$T/remote.git" 2>/dev/null |
	testloop -t 'python3 -m unittest' > "$T/run.json" 2>/dev/null
is "$(jq -r .testrun.passed "$T/run.json")" true "setup: the testrun passed"

# forge NAME [ARGS...]: start a forge server; sets $api.
forge() {
	name=$1; shift
	python3 "$TOP/tests/servers/forge.py" --port-file "$T/$name.port" --slug acme/calc \
		--git "$T/remote.git" --token tok-123 --log "$T/$name.log" "$@" &
	cleanup "kill $!"
	wait_for 5 test -s "$T/$name.port"
	api=http://127.0.0.1:$(cat "$T/$name.port")
}
forge gh
export GITHUB_TOKEN=tok-123
# testloop ran without --serve (confidence 0.74): ready only below the default 0.9.
openpr --forge github --api-url "$api" --slug acme/calc --draft-below 0.7 "$T/run.json" > "$T/pr.json" 2> "$T/err"
is "$?" 0 "openpr exits 0"
is "$(jq -c '.type, .pr.forge, .pr.number, .pr.created, .pr.draft' "$T/pr.json" | tr '\n' ' ')" \
	'"pr" "github" 1 true false ' "prints the pr record: created, not a draft"
is "$(jq -r .pr.url "$T/pr.json")" "$api/acme/calc/pull/1" "with the forge's html_url"
is "$(jq -r .pr.branch "$T/pr.json")" "mend/fix-$id" "and the branch"
is "$(git --git-dir="$T/remote.git" rev-parse "mend/fix-$id")" "$(jq -r .patch.commit "$T/run.json")" \
	"the git CLI sees the pushed branch at the tested commit"
ok "the remote is consistent" git --git-dir="$T/remote.git" fsck --no-progress
post=$(jq -c 'select(.method == "POST")' "$T/gh.log")
is "$(echo "$post" | jq -c '.body | keys')" '["base","body","draft","head","title"]' \
	"the POST sends title, head, base, body, draft"
is "$(echo "$post" | jq -r '[.auth, .accept, .api_version] | join(" ")')" \
	"true application/vnd.github+json 2022-11-28" "with the token and GitHub's headers"
body=$(echo "$post" | jq -r .body.body)
like "$body" "*## What users saw*GET /div answers 500*since 2026-11-22T03:00:00.000Z*" "body: what users saw"
like "$body" "*## Root cause*calc.div divides by zero*" "body: the root cause"
like "$body" "*## Evidence*GET http://calc.example/div?a=1&b=0 -> 500*" "body: the evidence"
like "$body" "*## The change*calc.py | 2 ++*" "body: the change"
like "$body" "*## Proof*python3 -m unittest* passed (3 passed, 0 failed)*Confidence: \*\*0.74\*\**" \
	"body: tests and confidence"
like "$body" "*## How to reject it*" "body: how to reject it"
not_ok "the token is in no output" grep -q tok-123 "$T/pr.json" "$T/err"

openpr --forge github --api-url "$api" --slug acme/calc "$T/run.json" > "$T/pr2.json" 2>/dev/null
is "$?:$(jq -c '[.pr.number, .pr.created]' "$T/pr2.json")" "0:[1,false]" "a re-run finds it: created false"
is "$(grep -c '"POST"' "$T/gh.log")" 1 "and posts nothing"

# A listing that lags: the POST meets 422 "A pull request already exists".
forge stale --stale-list 1
(cd "$T" && git --git-dir=remote.git update-ref -d "refs/heads/mend/fix-$id")
curl -s -X POST -H "Authorization: Bearer tok-123" "$api/repos/acme/calc/pulls" \
	-d "{\"title\":\"t\",\"head\":\"main\",\"base\":\"main\",\"draft\":\"yes\"}" > "$T/bad.json"
is "$(jq -r '.errors[0].field' "$T/bad.json")" draft "the stand-in rejects a body GitHub would"
git --git-dir="$T/remote.git" branch "mend/fix-$id" main
curl -s -X POST -H "Authorization: Bearer tok-123" "$api/repos/acme/calc/pulls" \
	-d "{\"title\":\"t\",\"head\":\"mend/fix-$id\",\"base\":\"main\"}" > /dev/null
openpr --forge github --api-url "$api" --slug acme/calc "$T/run.json" > "$T/pr3.json" 2>/dev/null
is "$?:$(jq -c '[.pr.number, .pr.created]' "$T/pr3.json")" "0:[1,false]" \
	"422 already exists: found, created false"
is "$(jq -r 'select(.method == "POST") | .path' "$T/stale.log" | wc -l)" 3 \
	"one POST from openpr (two from the test)"

# Secondary rate limits (403 and 429 with Retry-After) are waited out.
forge rl --rate 403,429
openpr --forge github --api-url "$api" --slug acme/calc "$T/run.json" > "$T/pr4.json" 2>/dev/null
is "$?:$(jq -c .pr.created "$T/pr4.json")" "0:true" "403/429 with Retry-After: retried, opened"
# The primary limit (403, no Retry-After): exit 75, the queue retries later.
forge hard --hard-limit 10
openpr --forge github --api-url "$api" --slug acme/calc "$T/run.json" > "$T/pr5.json" 2> "$T/err5"
is "$?:$(wc -c < "$T/pr5.json")" "75:0" "rate limited without Retry-After: exit 75"
like "$(cat "$T/err5")" "*rate limited (403)*" "and says so"

forge fl
GITHUB_TOKEN=wrong openpr --forge github --api-url "$api" --slug acme/calc "$T/run.json" \
	> /dev/null 2> "$T/err6"
is "$?" 69 "bad credentials: exit 69"
like "$(cat "$T/err6")" "*HTTP 401: Bad credentials*" "with the forge's message"

# A failed testrun: refused, or a draft with --allow-failing.
jq -c '.testrun.passed = false | .testrun.confidence = 0' "$T/run.json" > "$T/fail.json"
openpr --forge github --api-url "$api" --slug acme/calc "$T/fail.json" > /dev/null 2>&1
is "$?" 65 "a failed testrun is refused"
openpr --forge github --api-url "$api" --slug acme/calc --allow-failing "$T/fail.json" \
	> "$T/pr7.json" 2>/dev/null
is "$(jq -c '[.pr.created, .pr.draft]' "$T/pr7.json"):$(jq -r 'select(.method == "POST") | .body.draft' "$T/fl.log")" \
	"[true,true]:true" "--allow-failing opens a draft"

# Secrets in the evidence do not reach the pull request.
forge rd
jq -c '.incident.evidence += [{"ts":"2026-11-22T03:00:01.000Z","monitor":"calc",
	"url":"https://u:pw-sekrit0@calc.example/div?a=1&token=sekrit1","method":"GET","status":502,
	"message":"upstream said Authorization: Bearer sekrit2 for ghp_sekrit3"}]' "$T/run.json" > "$T/sec.json"
openpr --forge github --api-url "$api" --slug acme/calc "$T/sec.json" > /dev/null 2>&1
body=$(jq -r 'select(.method == "POST") | .body.body' "$T/rd.log")
not_ok "no secret from the evidence in the body" grep -q sekrit <<< "$body"
like "$body" "*https://calc.example/div?a=1&token=REDACTED*Authorization: \[REDACTED\]*" \
	"masked where they were"
