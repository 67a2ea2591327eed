#!/usr/bin/env bash
# analyze --engine agent: the agent command runs in a throwaway clone,
# gets the prompt on stdin or as {prompt}, answers JSON or edits files.
. "$(dirname "$0")/lib.sh"
plan 14

FIX=$TOP/tests/fixtures/analyze
mkdir -p "$T/repo" "$T/srv/shop" "$T/bin"
cp -r "$FIX/app" "$T/repo/" && cp -r "$FIX/app" "$T/srv/shop/"
(cd "$T/repo" && git init -q && git add . &&
	git -c user.email=t@example.com -c user.name=t commit -qm "shop") || exit 1
(cd "$T/srv/shop" && python3 app/shop.py none 2> "$T/tb.txt" >/dev/null)
python3 "$FIX/incident.py" inc_0000000000000320 "$T/tb.txt" > "$T/inc.json"

# An agent that reads the prompt on stdin and answers with prose and JSON.
# It runs in the sandbox and can write only its clone: what it saw comes
# back in its answer's remediation steps.
cat > "$T/bin/answer-agent" <<'EOF'
#!/bin/sh
fenced=$(grep -c '<<<DATA-')
token=$(env | grep -c ghp_notforagents)
echo "I looked at the code."
printf '{"root_cause":"find_user returns None for unknown ids","category":"code","confidence":0.8,"remediation":["fenced %s","cwd %s","token %s"],"diff":null}\n' "$fenced" "$(pwd)" "$token"
EOF
# An agent that edits the checkout and leaves the diff to git.
cat > "$T/bin/edit-agent" <<'EOF'
#!/bin/sh
case $1 in *"Diagnose this incident"*) arg=prompt ;; *) arg=other ;; esac
sed -i 's/return find_user(uid).display_name/u = find_user(uid)\n    return u.display_name if u else None/' app/shop.py
git -c user.email=a@example.com -c user.name=agent commit -qam "agent fix"
echo '# notes' > NOTES.md
printf '{"root_cause":"None user","category":"code","confidence":0.7,"remediation":["arg %s"],"diff":null}\n' "$arg"
EOF
printf '#!/bin/sh\necho oops >&2\nexit 3\n' > "$T/bin/fail-agent"
chmod +x "$T/bin/"*
PATH=$T/bin:$PATH

GITHUB_TOKEN=ghp_notforagents MEND_AGENT=answer-agent analyze --no-spool -r "$T/repo" "$T/inc.json" > "$T/out" 2> "$T/err"
is "$?" "0" "agent: analyze succeeds"
is "$(jq -r '.analysis | [.engine, .confidence, .root_cause] | join(",")' "$T/out")" \
	"agent,0.8,find_user returns None for unknown ids" "the agent's JSON is the analysis"
like "$(jq -r '.analysis.remediation[0]' "$T/out")" "fenced [1-9]*" "the prompt arrives on stdin, fenced"
cwd=$(jq -r '.analysis.remediation[1]' "$T/out")
cwd=${cwd#cwd }
ok "the agent runs in a clone, not the repository" test -n "$cwd" -a "$cwd" != "$T/repo"
is "$(jq -r '.analysis.remediation[2]' "$T/out")" "token 0" "the agent does not see GITHUB_TOKEN"
ok "the clone is removed afterwards" test ! -e "$cwd"

MEND_AGENT='edit-agent {prompt}' analyze --no-spool -r "$T/repo" "$T/inc.json" > "$T/out" 2> "$T/err"
is "$(jq -r '.analysis.remediation[0]' "$T/out")" "arg prompt" "{prompt} is replaced by the prompt"
jq -r '.analysis.diff // empty' "$T/out" > "$T/agent.diff"
like "$(cat "$T/agent.diff")" "*+    return u.display_name if u else None*" \
	"files the agent edited and committed become the diff"
like "$(cat "$T/agent.diff")" "*+++ b/NOTES.md*" "new files too"
is "$(git -C "$T/repo" status --porcelain)" "" "the repository itself is untouched"
ok "the agent's diff applies to the repository" git -C "$T/repo" apply --check "$T/agent.diff"

MEND_AGENT=fail-agent analyze --no-spool -r "$T/repo" "$T/inc.json" > "$T/out" 2> "$T/err"
is "$(jq -r '.analysis | [.engine, .requested_engine] | join(",")' "$T/out")" "rules,agent" \
	"a failing agent falls back to rules"
like "$(jq -r .analysis.fallback "$T/out")" "agent 'fail-agent' exited 3" "and the record says why"
MEND_AGENT=no-such-agent-here analyze --no-spool "$T/inc.json" > "$T/out" 2> "$T/err"
like "$(jq -r .analysis.fallback "$T/out")" "*no-such-agent-here*" "a missing agent command falls back too"
