#!/usr/bin/env bash
# watch --revert: a worse deploy becomes a revert branch on the remote's
# default branch (real git, a bare remote) and a pull request, never a
# second one; a clean deploy reverts nothing; a verdict on input retries.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
. "$(dirname "$0")/lib-watch.sh"
plan 27
make_repo
# The deploy: a commit that breaks add(), then a later unrelated one.
(cd "$T/src" && sed -i 's/return a + b/return a - b/' calc.py && git commit -qam "calc: faster add" &&
	echo "# notes" > NOTES && git add NOTES && git commit -qm "notes" && git push -q "$T/remote.git" main) ||
	echo "setup failed"
bad=$(git -C "$T/src" rev-parse HEAD~1)
main_before=$(git -C "$T/src" rev-parse HEAD)
stream fail=1 commit=$bad > "$T/fail.jsonl"

watch --revert --repo "$T/remote.git" "$T/fail.jsonl" > "$T/out" 2> "$T/err"
is "$?" 0 "watch --revert exits 0"
is "$(jq -c .type "$T/out" | tr '\n' ' ')" '"verdict" "pr" ' "prints the verdict, then a pr record"
is "$(jq -c 'select(.type == "pr") | .pr | [.forge, .branch, .created, .revert, .reverts, .base]' "$T/out")" \
	"[\"none\",\"mend/revert-${bad:0:12}\",true,true,\"$bad\",\"main\"]" \
	"a local remote: forge none, branch mend/revert-SHA12, revert true"
branch=mend/revert-${bad:0:12}
is "$(git --git-dir="$T/remote.git" rev-parse "$branch^")" "$main_before" \
	"the branch is on the remote, one commit on the default branch's head"
is "$(git --git-dir="$T/remote.git" show "$branch:calc.py" | grep -c 'return a + b')" 1 \
	"the revert undoes the deploy's change"
is "$(git --git-dir="$T/remote.git" show "$branch:NOTES")" "# notes" "and keeps the later commit"
like "$(git --git-dir="$T/remote.git" log -1 --format=%B "$branch")" \
	"Revert ${bad:0:12}: the deploy made things worse*56% of checks failed after the deploy*This reverts commit $bad.*" \
	"the commit message says why and what it reverts"
is "$(jq -r 'select(.type == "pr") | .pr.commit' "$T/out")" "$(git --git-dir="$T/remote.git" rev-parse "$branch")" \
	"pr.commit is the pushed revert"
ok "the remote is consistent" git --git-dir="$T/remote.git" fsck --no-progress
is "$(git --git-dir="$T/remote.git" rev-parse main)" "$main_before" "the default branch is untouched"

# A failed revert is retried from the verdict record: nothing is rebuilt.
jq -c 'select(.type == "verdict")' "$T/out" > "$T/verdict.json"
watch --revert --repo "$T/remote.git" "$T/verdict.json" > "$T/out2" 2> "$T/err2"
is "$?:$(jq -c '.pr | [.created, .commit]' "$T/out2")" \
	"0:[false,\"$(git --git-dir="$T/remote.git" rev-parse "$branch")\"]" \
	"a verdict on input: the existing branch is reused, created false"
like "$(cat "$T/err2")" "*already on the remote*" "and says so"
watch --repo "$T/remote.git" "$T/verdict.json" > "$T/out3" 2>/dev/null
is "$?:$(wc -c < "$T/out3")" "0:0" "without --revert a verdict on input is ignored"

# A clean deploy reverts nothing.
stream commit=$bad > "$T/good.jsonl"
watch -s "$T/s2" --revert --repo "$T/remote.git" "$T/good.jsonl" > "$T/out4" 2>/dev/null
is "$?:$(jq -c .type "$T/out4" | tr '\n' ' ')" '0:"verdict" ' "a clean deploy: a verdict only"

# The deploy's repo field (it names the configured repository), and a GitHub-style forge.
python3 "$TOP/tests/servers/forge.py" --port-file "$T/gh.port" --slug acme/calc \
	--git "$T/remote.git" --token tok-123 --log "$T/gh.log" &
cleanup "kill $!"
wait_for 5 test -s "$T/gh.port"
api=http://127.0.0.1:$(cat "$T/gh.port")
export GITHUB_TOKEN=tok-123
git --git-dir="$T/remote.git" branch -D "$branch" >/dev/null
stream fail=1 commit=$bad repo="$T/remote.git" > "$T/gh.jsonl"
watch -s "$T/s3" --revert --repo "$T/remote.git/" --forge github --api-url "$api" --slug acme/calc "$T/gh.jsonl" \
	> "$T/out5" 2> "$T/err5"
is "$?" 0 "--forge github exits 0"
is "$(jq -c 'select(.type == "pr") | .pr | [.forge, .number, .created, .revert, .url]' "$T/out5")" \
	"[\"github\",1,true,true,\"$api/acme/calc/pull/1\"]" "opens pull request #1"
post=$(jq -c 'select(.method == "POST")' "$T/gh.log")
is "$(echo "$post" | jq -c '[.body.head, .body.base, .body.title]')" \
	"[\"$branch\",\"main\",\"Revert ${bad:0:12}: the deploy made things worse\"]" \
	"head, base and title as GitHub takes them"
like "$(echo "$post" | jq -r .body.body)" \
	"*## Why*made things worse*| \`api\` | 60 / 9 | 0% / 56% |*This reverts commit $bad.*## How to reject it*" \
	"the body says why, with the numbers"
jq -c 'select(.type == "verdict")' "$T/out5" |
	watch -s "$T/s3" --revert --repo "$T/remote.git" --forge github --api-url "$api" --slug acme/calc \
	> "$T/out6" 2>/dev/null
is "$(jq -c '.pr | [.number, .created]' "$T/out6"):$(grep -c '"POST"' "$T/gh.log")" "[1,false]:1" \
	"a re-run finds the open pull request and posts nothing"

# The revert merged: asking again changes nothing and says so.
git --git-dir="$T/remote.git" update-ref refs/heads/main "refs/heads/$branch"
git --git-dir="$T/remote.git" branch -D "$branch" >/dev/null
watch --revert --repo "$T/remote.git" "$T/verdict.json" > "$T/out9" 2> "$T/err9"
is "$?:$(wc -c < "$T/out9")" "65:0" "a deploy reverted already: 65, no pull request"
like "$(cat "$T/err9")" "*reverting ${bad:0:12} changes nothing on *: reverted already*" "and says so"
not_ok "no branch was pushed" git --git-dir="$T/remote.git" rev-parse -q --verify "refs/heads/$branch"

# A revert that conflicts with a later commit: 65, nothing pushed.
(cd "$T/src" && git fetch -q "$T/remote.git" main && git reset -q --hard FETCH_HEAD &&
	sed -i 's|return a / b|return a // b|' calc.py && git commit -qam "calc: integer division" &&
	sed -i 's|return a // b|return int(a / b)|' calc.py && git commit -qam "calc: truncate" &&
	git push -q "$T/remote.git" HEAD:main) || echo "setup failed"
x=$(git -C "$T/src" rev-parse HEAD~1)
jq -c --arg c "$x" '.deploy.commit = $c' "$T/verdict.json" |
	watch --revert --repo "$T/remote.git" > "$T/out10" 2> "$T/err10"
is "$?:$(wc -c < "$T/out10")" "65:0" "a revert that conflicts: 65, no pull request"
like "$(cat "$T/err10")" "*reverting ${x:0:12} on * conflicts*" "and says so"
not_ok "no branch was pushed for it" git --git-dir="$T/remote.git" rev-parse -q --verify "refs/heads/mend/revert-${x:0:12}"

# A repository path that is gone: 69; a remote that does not answer: 75.
mv "$T/remote.git" "$T/moved.git"
stream fail=1 commit=$bad > "$T/f2.jsonl"
watch -s "$T/s4" --revert --repo "$T/remote.git" "$T/f2.jsonl" > "$T/out7" 2> "$T/err7"
is "$?:$(jq -c .type "$T/out7" | tr '\n' ' ')" '69:"verdict" ' "a remote that never was: 69 after the verdict"
env -u GITHUB_TOKEN watch --revert --forge none --repo "http://127.0.0.1:$(free_port)/calc.git" \
	"$T/verdict.json" > "$T/out8" 2> "$T/err8"
is "$?:$(wc -c < "$T/out8")" "75:0" "a remote that does not answer: 75, retry later"
