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
cat > "$T/bin/answer-agent" <<EOF
#!/bin/sh
cat > "$T/agent-prompt"
pwd > "$T/agent-cwd"
env > "$T/agent-env"
echo "I looked at the code."
echo '{"root_cause":"find_user returns None for unknown ids","category":"code","confidence":0.8,"remediation":["return 404"],"diff":null}'
EOF
# An agent that edits the checkout and leaves the diff to git.
cat > "$T/bin/edit-agent" <<EOF
#!/bin/sh
printf '%s' "\$1" > "$T/agent-arg"
sed -i 's/return find_user(uid).display_name/u = find_user(uid)\n    return u.display_name if u else None/' app/shop.py
git -c user.email=a@example.com -c user.name=agent commit -qam "agent fix"
echo '# notes' > NOTES.md
echo '{"root_cause":"None user","category":"code","confidence":0.7,"remediation":["guard"],"diff":null}'
EOF
printf '#!/bin/sh\necho oops >&2\nexit 3\n' > "$T/bin/fail-agent"
chmod +x "$T/bin/"*
PATH=$T/bin:$PATH

GITHUB_TOKEN=ghp_notforagents MEND_AGENT=answer-agent analyze --no-spool -r "$T/repo" "$T/inc.json" > "$T/out" 2> "$T/err"
is "$?" "0" "agent: analyze succeeds"
is "$(jq -r '.analysis | [.engine, .confidence, .root_cause] | join(",")' "$T/out")" \
	"agent,0.8,find_user returns None for unknown ids" "the agent's JSON is the analysis"
like "$(cat "$T/agent-prompt")" "*<<<DATA-*" "the prompt arrives on stdin, fenced"
ok "the agent runs in a clone, not the repository" test "$(cat "$T/agent-cwd")" != "$T/repo"
not_ok "the agent does not see GITHUB_TOKEN" grep -q ghp_notforagents "$T/agent-env"
ok "the clone is removed afterwards" test ! -e "$(cat "$T/agent-cwd")"

MEND_AGENT='edit-agent {prompt}' analyze --no-spool -r "$T/repo" "$T/inc.json" > "$T/out" 2> "$T/err"
like "$(cat "$T/agent-arg")" "*Diagnose this incident*" "{prompt} is replaced by the prompt"
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
