#!/usr/bin/env bash
# Issue 9, attack 5 (environment and cwd): MEND_FORGE_TOKEN and
# MEND_GIT_TOKEN reached the agent's environment, and the agent started
# with the caller's $PWD, so an agent that trusts PWD (OpenCode) edited
# the user's real repository instead of the throwaway clone.  Now the
# agent runs in the sandbox: cwd and PWD are its checkout, the only
# place it can write, and its environment is the allow-list.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sandbox.sh"
need_bwrap
plan 13

# --- analyze --engine agent: a throwaway clone of the user's repository
FIX=$TOP/tests/fixtures/analyze
mkdir -p "$T/repo" "$T/srv/shop" "$T/bin"
cp -r "$FIX/app" "$T/repo/" && cp -r "$FIX/app" "$T/srv/shop/"
(cd "$T/repo" && git init -q && git add . &&
	git -c user.email=t@example.com -c user.name=t commit -qm "shop") || exit 1
(cd "$T/srv/shop" && python3 app/shop.py none 2> "$T/tb.txt" >/dev/null)
python3 "$FIX/incident.py" inc_0000000000000805 "$T/tb.txt" > "$T/inc.json"

# An agent that edits where PWD says, writes to the user's repository by
# its path, and reports what it saw in its answer.
cat > "$T/bin/pwd-agent" <<EOF
#!/bin/sh
cat > /dev/null
echo pwned > "\$PWD/PWNED"
echo pwned > "$T/repo/PWNED2" 2>/dev/null
tokens=\$(env | grep -c -e forgesecret -e gitsecret -e ghsecret)
printf '{"root_cause":"r","category":"code","confidence":0.5,"remediation":["pwd %s","PWD %s","tokens %s"],"diff":null}\n' "\$(pwd)" "\$PWD" "\$tokens"
EOF
chmod +x "$T/bin/pwd-agent"
PATH=$T/bin:$PATH

(cd "$T/repo" && MEND_FORGE_TOKEN=forgesecret MEND_GIT_TOKEN=gitsecret GITHUB_TOKEN=ghsecret \
	MEND_AGENT=pwd-agent analyze --no-spool -r "$T/repo" "$T/inc.json") > "$T/out" 2> "$T/err"
is "$(jq -r .analysis.engine "$T/out")" agent "the agent answered"
cwd=$(jq -r '.analysis.remediation[0]' "$T/out")
cwd=${cwd#pwd }
is "$(jq -r '.analysis.remediation[1]' "$T/out")" "PWD $cwd" "the agent's PWD is its cwd"
ok "which is not the user's repository" test -n "$cwd" -a "$cwd" != "$T/repo"
is "$(jq -r '.analysis.remediation[2]' "$T/out")" "tokens 0" "no forge, git or GitHub token reaches the agent"
ok "the user's repository is untouched" test ! -e "$T/repo/PWNED" -a ! -e "$T/repo/PWNED2"
is "$(git -C "$T/repo" status --porcelain)" "" "git status is clean there"
like "$(jq -r '.analysis.diff // ""' "$T/out")" "*+++ b/PWNED*" "what the agent wrote in its clone is its diff"
is "$(jq -r .analysis.sandbox "$T/out")" bwrap "the analysis says the agent ran in bwrap"

# --- patch --agent: the spool's checkout
make_repo
good_diff > /dev/null
analysis_record inc_0000000000000815 - > "$T/a.json"
MEND_FORGE_TOKEN=forgesecret MEND_GIT_TOKEN=gitsecret GITHUB_TOKEN=ghsecret \
	patch -r "$T/remote.git" --agent 'env > agent-env.txt; pwd > agent-pwd.txt;
		echo evil > .git/evil 2>/dev/null; echo x > "$HOME/x" 2>/dev/null;
		sed -i "s/a + b/b + a/" calc.py' \
	"$T/a.json" > "$T/p.json" 2> "$T/p.err"
is "$?:$(jq -r .patch.sandbox "$T/p.json")" 0:bwrap "patch ran the agent in bwrap"
wd=$(jq -r .patch.workdir "$T/p.json")
git -C "$wd" show HEAD:agent-env.txt > "$T/agent-env" 2>/dev/null
not_ok "no token in the agent's environment" grep -q -e forgesecret -e gitsecret -e ghsecret "$T/agent-env"
ok "its PWD is the checkout" grep -qx "PWD=$wd" "$T/agent-env"
is "$(git -C "$wd" show HEAD:agent-pwd.txt 2>/dev/null)" "$wd" "and so is its cwd"
ok "it cannot write the checkout's .git" test ! -e "$wd/.git/evil"
