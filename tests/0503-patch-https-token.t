#!/usr/bin/env bash
# Credentials: over HTTP(S) the token is offered as the password (libgit2's
# credentials callback) for clone, fetch and push, against git's own
# http-backend; a wrong token fails instead of looping; file:// URLs work.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
plan 9
make_repo
git -C "$T/remote.git" config http.receivepack true
python3 "$TOP/tests/servers/githttp.py" --port-file "$T/port" --root "$T" --user mend \
	--token tok-h --log "$T/http.log" &
cleanup "kill $!"
wait_for 5 test -s "$T/port"
url=http://127.0.0.1:$(cat "$T/port")/remote.git
# The stand-in speaks plain http: allowed here (0822 tests the refusal).
export MEND_ALLOW_HTTP=1
good_diff > "$T/good.diff"
analysis_record inc_0000000000000h01 "$T/good.diff" > "$T/a.json"

MEND_GIT_USER=mend MEND_GIT_TOKEN=tok-h patch -r "$url" "$T/a.json" > "$T/p.json" 2> "$T/err"
is "$?:$(jq -r .patch.branch "$T/p.json")" "0:mend/fix-inc_0000000000000h01" "clone over HTTP with the token"
ok "the server saw the token" grep -q '"user": "mend", "ok": true' "$T/http.log"
not_ok "the token is not in the record" grep -q tok-h "$T/p.json"
not_ok "nor in the checkout's config" grep -rq tok-h "$(jq -r .patch.workdir "$T/p.json")/.git/config"

jq -c '.type = "testrun" | .testrun = {passed: true, confidence: 0.9}' "$T/p.json" > "$T/t.json"
MEND_GIT_USER=mend MEND_GIT_TOKEN=tok-h openpr --forge none -r "$url" "$T/t.json" > "$T/pr.json" 2>/dev/null
is "$?" 0 "push over HTTP with the token"
is "$(git --git-dir="$T/remote.git" rev-parse mend/fix-inc_0000000000000h01)" \
	"$(jq -r .patch.commit "$T/p.json")" "the git CLI sees the pushed commit"

start=$(date +%s)
MEND_GIT_USER=mend MEND_GIT_TOKEN=wrong patch -r "$url" "$T/a.json" > /dev/null 2> "$T/err2"
is "$?" 75 "a wrong token fails (exit 75)"
ok "without looping" test $(( $(date +%s) - start )) -lt 10

analysis_record inc_0000000000000h02 "$T/good.diff" | patch -r "file://$T/remote.git" > "$T/f.json" 2>/dev/null
is "$?:$(jq -r .patch.repo "$T/f.json")" "0:file://$T/remote.git" "file:// URLs work"
