#!/usr/bin/env bash
# The git token over plain http: refused before connecting unless the
# user opted in (--allow-http, or MEND_ALLOW_HTTP=1), with a message that
# says how; the refusal of a job is 65 and lands in the timeline.  And a
# server that redirects elsewhere never makes mend offer the token to the
# other host.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
plan 15
make_repo
git -C "$T/remote.git" config http.receivepack true
python3 "$TOP/tests/servers/githttp.py" --port-file "$T/port" --root "$T" --user mend \
	--token tok-h --log "$T/http.log" &
cleanup "kill $!"
wait_for 5 test -s "$T/port"
touch "$T/http.log"
url=http://127.0.0.1:$(cat "$T/port")/remote.git
export MEND_GIT_USER=mend MEND_GIT_TOKEN=tok-h MEND_REPO=$url
good_diff > "$T/good.diff"
analysis_record inc_0000000000000841 "$T/good.diff" > "$T/a.json"
msg="refusing to send the git token over plain http to '$url' (use https; --allow-http or MEND_ALLOW_HTTP=1 allows it, dangerously)"

patch "$T/a.json" > "$T/out1" 2> "$T/err1"
is "$?:$(wc -c < "$T/out1")" "65:0" "patch: an http remote with a token, no opt-in: 65"
is "$(cat "$T/err1")" "patch: inc_0000000000000841: refused: $msg" "and says how to opt in"
is "$(wc -l < "$T/http.log")" 0 "the server was not even asked"
is "$(spool show inc_0000000000000841 | jq -r '.timeline[-1].record.refused.reason')" "$msg" \
	"the timeline says why"
MEND_ALLOW_HTTP=0 patch "$T/a.json" > /dev/null 2>&1
is "$?" 65 "MEND_ALLOW_HTTP=0 is no opt-in"

patch --allow-http "$T/a.json" > "$T/p.json" 2> "$T/err2"
is "$?" 0 "patch --allow-http: cloned with the token"
jq -c '.type = "testrun" | .testrun = {passed: true, confidence: 0.9}' "$T/p.json" > "$T/t.json"
openpr --forge none "$T/t.json" > "$T/out3" 2> "$T/err3"
is "$?:$(wc -c < "$T/out3")" "65:0" "openpr: no opt-in: 65"
like "$(cat "$T/err3")" "*refused: $msg" "and says why"
not_ok "nothing was pushed" git --git-dir="$T/remote.git" rev-parse -q --verify mend/fix-inc_0000000000000841
MEND_ALLOW_HTTP=1 openpr --forge none "$T/t.json" > /dev/null 2>&1
is "$?:$(git --git-dir="$T/remote.git" rev-parse mend/fix-inc_0000000000000841)" \
	"0:$(jq -r .patch.commit "$T/p.json")" "MEND_ALLOW_HTTP=1: pushed"

jq -nc '{type: "verdict", incident: {id: "inc_0000000000000842"},
	deploy: {commit: "0123456789abcdef0123456789abcdef01234567"},
	verdict: {worse: true, summary: "worse"}}' | watch --revert --forge none > /dev/null 2> "$T/err4"
is "$?:$(cat "$T/err4")" "65:watch: 0123456789ab: revert refused: $msg" "watch --revert: no opt-in: 65"

# A server that redirects elsewhere: libgit2 does not follow it to another
# host, and the credential callback withholds the token from another port.
python3 "$TOP/tests/servers/snoop.py" --port-file "$T/evil.port" --log "$T/evil.log" &
cleanup "kill $!"
wait_for 5 test -s "$T/evil.port"
touch "$T/evil.log"
# redirect NAME TARGET: a server NAME answering every request 302 to TARGET; sets $redir.
redirect() {
	python3 "$TOP/tests/servers/snoop.py" --port-file "$T/$1.port" --log "$T/$1.log" \
		--redirect "$2" &
	cleanup "kill $!"
	wait_for 5 test -s "$T/$1.port"
	redir=http://127.0.0.1:$(cat "$T/$1.port")/remote.git
}
stolen() { jq -r 'select(.authorization != null) | .path' "$T/evil.log" | wc -l; }
redirect host "http://localhost:$(cat "$T/evil.port")"
analysis_record inc_0000000000000843 "$T/good.diff" | MEND_ALLOW_HTTP=1 patch -r "$redir" > /dev/null 2> "$T/err5"
is "$?:$(stolen)" "75:0" "a redirect to another host: the clone fails (75), no credentials there"
ok "the redirecting server was asked" test -s "$T/host.log"
redirect port "http://127.0.0.1:$(cat "$T/evil.port")"
analysis_record inc_0000000000000843 "$T/good.diff" | MEND_ALLOW_HTTP=1 patch -r "$redir" > /dev/null 2> "$T/err6"
is "$?:$(stolen)" "75:0" "a redirect to another port of the host: 75, no credentials there"
like "$(cat "$T/err6")" "*credentials withheld: the server asking for them is not the configured repository's*" \
	"the credential callback said no"
