#!/usr/bin/env bash
# Planted jobs (issue 9, attack 4): anything that can enqueue on the fix
# queue (a test of a patched checkout, a forged link) could put a record
# whose `repo` points at its own server, and with MEND_REPO unset patch
# cloned it with the git token.  Records never choose where credentials
# go: a record naming a repository is refused unless it names the
# configured one, and refused when none is configured; the job ends dead
# at once (exit 65) and the incident's timeline says why.  watch --revert
# applies the same rule to deploy.repo.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
plan 17
make_repo
python3 "$TOP/tests/servers/snoop.py" --port-file "$T/snoop.port" --log "$T/snoop.log" &
cleanup "kill $!"
wait_for 5 test -s "$T/snoop.port"
evil=http://127.0.0.1:$(cat "$T/snoop.port")/x.git
touch "$T/snoop.log"
export MEND_GIT_TOKEN=tok-secret MEND_TEST_CMD='python3 -m unittest'
good_diff > "$T/good.diff"
stolen() { jq -r 'select(.authorization != null) | .path' "$T/snoop.log" | wc -l; }
# plant ID JQ: enqueue an analysis for incident ID, changed by the jq program.
plant() { analysis_record "$1" "$T/good.diff" | jq -c --arg evil "$evil" "$2" | enqueue -q fix > /dev/null; }
# timeline ID: the last timeline entry's type, stage and reason.
timeline() {
	spool show "$1" | jq -r '.timeline[-1] | "\(.type) \(.record.refused.stage): \(.record.refused.reason)"'
}
run() { work -q fix --drain -- bash -o pipefail -c 'patch | testloop | openpr --forge none'; }

# Nothing configured, the record names the attacker's repository.
plant inc_0000000000000831 '.repo = $evil'
run > "$T/out1" 2> "$T/err1"
is "$(spool jobs -q fix | jq -r '"\(.state):\(.attempts)"')" "dead:1" "the planted job is dead at once"
is "$(stolen):$(wc -l < "$T/snoop.log")" "0:0" "the attacker's server saw nothing"
like "$(cat "$T/err1")" "*inc_0000000000000831: refused: repo '$evil' names a repository, but none is configured*" \
	"the refusal is on stderr"
is "$(timeline inc_0000000000000831)" \
	"refused patch: repo '$evil' names a repository, but none is configured (--repo or MEND_REPO); records cannot choose where credentials go" \
	"and in the incident's timeline"
is "$(ls "$T/spool/work" 2>/dev/null | wc -l)" 0 "nothing was cloned"

# Configured, and the record names another repository.
export MEND_REPO=$T/remote.git
plant inc_0000000000000832 '.repo = $evil'
plant inc_0000000000000833 '.incident.repo = $evil'
run > "$T/out2" 2> "$T/err2"
is "$(spool jobs -q fix | jq -r '"\(.id):\(.state):\(.attempts)"' | tr '\n' ' ')" \
	"1:dead:1 2:dead:1 3:dead:1 " "records naming another repository: dead at once"
is "$(stolen):$(wc -l < "$T/snoop.log")" "0:0" "the attacker's server saw nothing"
like "$(timeline inc_0000000000000832)" "refused patch: repo '$evil' is not the configured repository '$T/remote.git'*" \
	"the timeline says why (repo)"
like "$(timeline inc_0000000000000833)" "refused patch: incident.repo '$evil' is not the configured*" \
	"the timeline says why (incident.repo)"
is "$(git --git-dir="$T/remote.git" for-each-ref refs/heads/mend | wc -l)" 0 "nothing was pushed"

# The configured repository, spelled another way, is the same one.
plant inc_0000000000000834 '.repo = "file://'"$T"'/remote.git/"'
run > "$T/out3" 2> "$T/err3"
is "$(spool jobs -q fix | jq -r 'select(.id == 4) | .state')" done "the same repository spelled otherwise: done"
is "$(git --git-dir="$T/remote.git" for-each-ref --format='%(refname:short)' refs/heads/mend)" \
	mend/fix-inc_0000000000000834 "its fix was pushed"

# watch --revert: deploy.repo is a record field like the others.
verdict() {
	jq -nc --arg repo "$1" --arg id "$2" '{type: "verdict", incident: {id: $id},
		deploy: {commit: "0123456789abcdef0123456789abcdef01234567", repo: $repo},
		verdict: {worse: true, summary: "worse"}}'
}
verdict "$evil" inc_0000000000000835 | env -u MEND_REPO watch --revert > "$T/out4" 2> "$T/err4"
is "$?:$(wc -c < "$T/out4")" "65:0" "watch: deploy.repo with nothing configured: 65"
is "$(stolen):$(wc -l < "$T/snoop.log")" "0:0" "the attacker's server saw nothing"
like "$(timeline inc_0000000000000835)" "refused watch: deploy.repo '$evil' names a repository, but none is configured*" \
	"the timeline says why"
verdict "$evil" inc_0000000000000836 | watch --revert > "$T/out5" 2> "$T/err5"
is "$?:$(stolen)" "65:0" "watch: deploy.repo naming another repository: 65, nothing stolen"
like "$(cat "$T/err5")" "*revert refused: deploy.repo '$evil' is not the configured repository*" "and says why"
