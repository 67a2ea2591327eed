#!/usr/bin/env bash
# analyze --engine agent: the agent command runs in a throwaway clone,
# gets the task (on stdin, or as {prompt}), edits the checkout and may
# end with a JSON verdict.  The diff is the clone's, never the agent's
# word; an agent that fails or changes nothing leaves the rules' answer.
. "$(dirname "$0")/lib.sh"
plan 27

FIX=$TOP/tests/fixtures/analyze
mkdir -p "$T/repo" "$T/srv/shop" "$T/bin"
cp -r "$FIX/app" "$T/repo/" && cp -r "$FIX/app" "$T/srv/shop/"
(cd "$T/repo" && git init -q && git add . &&
	git -c user.email=t@example.com -c user.name=t commit -qm "shop") || exit 1
(cd "$T/srv/shop" && python3 app/shop.py none 2> "$T/tb.txt" >/dev/null)
python3 "$FIX/incident.py" inc_0000000000000320 "$T/tb.txt" > "$T/inc.json"
FIXSED='s/return find_user(uid).display_name/u = find_user(uid)\n    return u.display_name if u else None/'

# An agent that reads the task on stdin, edits, and answers with prose
# and a verdict.  What it saw comes back in the verdict's remediation.
cat > "$T/bin/answer-agent" <<EOF
#!/bin/sh
fenced=\$(grep -c '<<<DATA-')
token=\$(env | grep -c ghp_notforagents)
sed -i '$FIXSED' app/shop.py
echo "checking the handler" >&2
echo "I looked at the code."
printf '{"root_cause":"find_user returns None for unknown ids","category":"code","confidence":0.8,"remediation":["fenced %s","cwd %s","token %s"],"diff":"not a diff"}\n' "\$fenced" "\$(pwd)" "\$token"
EOF
# An agent that edits and commits, adds a file, and takes the task as an argument.
cat > "$T/bin/edit-agent" <<EOF
#!/bin/sh
case \$1 in *"Diagnose this incident"*) arg=prompt ;; *) arg=other ;; esac
sed -i '$FIXSED' app/shop.py
git -c user.email=a@example.com -c user.name=agent commit -qam "agent fix"
echo '# notes' > NOTES.md
printf '{"root_cause":"None user","category":"code","confidence":0.7,"remediation":["arg %s"],"diff":null}\n' "\$arg"
EOF
# An agent that edits and says nothing.
printf '#!/bin/sh\ncat >/dev/null\nsed -i %s app/shop.py\n' "'$FIXSED'" > "$T/bin/mute-agent"
# An agent that only talks.
cat > "$T/bin/talk-agent" <<'EOF'
#!/bin/sh
cat > /dev/null
echo '{"root_cause":"the user lookup","category":"code","confidence":0.9,"remediation":["look"],"diff":null}'
EOF
printf '#!/bin/sh\necho working\necho oops >&2\nexit 3\n' > "$T/bin/fail-agent"
printf '#!/bin/sh\nexec sleep 60\n' > "$T/bin/slow-agent"
chmod +x "$T/bin/"*
PATH=$T/bin:$PATH

GITHUB_TOKEN=ghp_notforagents MEND_AGENT=answer-agent analyze --no-spool -r "$T/repo" "$T/inc.json" > "$T/out" 2> "$T/err"
is "$?" "0" "agent: analyze succeeds"
is "$(jq -r '.analysis | [.engine, .confidence, .root_cause] | join(",")' "$T/out")" \
	"agent,0.8,find_user returns None for unknown ids" "the agent's verdict is the analysis"
like "$(jq -r '.analysis.remediation[0]' "$T/out")" "fenced [1-9]*" "the task arrives on stdin, fenced"
cwd=$(jq -r '.analysis.remediation[1]' "$T/out")
cwd=${cwd#cwd }
ok "the agent runs in a clone, not the repository" test -n "$cwd" -a "$cwd" != "$T/repo"
is "$(jq -r '.analysis.remediation[2]' "$T/out")" "token 0" "the agent does not see GITHUB_TOKEN"
ok "the clone is removed afterwards" test ! -e "$cwd"
like "$(jq -r '.analysis.diff' "$T/out")" "*+    return u.display_name if u else None*" \
	"the diff is the clone's, not the verdict's"
is "$(jq -r '.analysis.agent | [.program, .exit, .verdict] | join(",")' "$T/out")" \
	"answer-agent,0,true" "the record names the agent, its exit and that it gave a verdict"
like "$(jq -r '.analysis.agent.stderr' "$T/out")" "*checking the handler*" "its stderr is kept"
like "$(jq -r '.analysis.agent.stdout' "$T/out")" "*I looked at the code.*" "and its stdout"

MEND_AGENT='edit-agent {prompt}' analyze --no-spool -r "$T/repo" "$T/inc.json" > "$T/out" 2> "$T/err"
is "$(jq -r '.analysis.remediation[0]' "$T/out")" "arg prompt" "{prompt} is replaced by the task"
jq -r '.analysis.diff // empty' "$T/out" > "$T/agent.diff"
like "$(cat "$T/agent.diff")" "*+    return u.display_name if u else None*" \
	"files the agent edited and committed become the diff"
like "$(cat "$T/agent.diff")" "*+++ b/NOTES.md*" "new files too"
is "$(git -C "$T/repo" status --porcelain)" "" "the repository itself is untouched"
ok "the agent's diff applies to the repository" git -C "$T/repo" apply --check "$T/agent.diff"

analyze -e rules --no-spool -r "$T/repo" "$T/inc.json" > "$T/rules.out" 2> /dev/null
MEND_AGENT=mute-agent analyze --no-spool -r "$T/repo" "$T/inc.json" > "$T/out" 2> "$T/err"
is "$(jq -r '.analysis | [.engine, .agent.verdict] | join(",")' "$T/out")" "agent,false" \
	"an agent that edits without a verdict is still the fix"
is "$(jq -r .analysis.root_cause "$T/out")" "$(jq -r .analysis.root_cause "$T/rules.out")" \
	"and the rules say what failed"

MEND_AGENT=talk-agent analyze --no-spool -r "$T/repo" "$T/inc.json" > "$T/out" 2> "$T/err"
is "$(jq -r '.analysis | [.engine, .requested_engine] | join(",")' "$T/out")" "rules,agent" \
	"an agent that changed nothing falls back to rules"
like "$(jq -r .analysis.fallback "$T/out")" \
	"agent 'talk-agent' changed nothing in the checkout (it said: the user lookup)" "and says so"
is "$(jq -r .analysis.diff "$T/out")" "$(jq -r .analysis.diff "$T/rules.out")" "the rules' fix is kept"
like "$(jq -r .analysis.agent.stdout "$T/out")" "*the user lookup*" "and the agent's output is on record"

MEND_AGENT=fail-agent analyze --no-spool -r "$T/repo" "$T/inc.json" > "$T/out" 2> "$T/err"
is "$(jq -r '.analysis | [.engine, .requested_engine] | join(",")' "$T/out")" "rules,agent" \
	"a failing agent falls back to rules"
is "$(jq -r .analysis.fallback "$T/out")" "agent 'fail-agent' exited 3: oops" \
	"and the record says why, with its last word on stderr"
analyze --agent 'env LANG=C slow-agent --fast' --agent-timeout 1 --no-spool -r "$T/repo" \
	"$T/inc.json" > "$T/out" 2> "$T/err"
is "$(jq -r .analysis.fallback "$T/out")" "agent 'slow-agent' timed out after 1 s" \
	"--agent-timeout; the timeout names the agent, not its wrapper"
MEND_AGENT_TIMEOUT=1s MEND_AGENT=slow-agent analyze --no-spool -r "$T/repo" "$T/inc.json" > "$T/out" 2> "$T/err"
is "$(jq -r .analysis.fallback "$T/out")" "agent 'slow-agent' timed out after 1 s" \
	"MEND_AGENT_TIMEOUT takes a duration"
MEND_AGENT=no-such-agent-here analyze --no-spool -r "$T/repo" "$T/inc.json" > "$T/out" 2> "$T/err"
like "$(jq -r .analysis.fallback "$T/out")" "agent 'no-such-agent-here' exited 127*" \
	"a missing agent command falls back too"
MEND_AGENT=answer-agent analyze --no-spool "$T/inc.json" > "$T/out" 2> "$T/err"
like "$(jq -r .analysis.fallback "$T/out")" "*needs the repository*" "no repository, no agent"
