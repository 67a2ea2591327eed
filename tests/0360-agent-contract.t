#!/usr/bin/env bash
# Issue 12: one agent contract for analyze and patch.  patch passed
# {prompt} to the agent literally (analyze substituted it), gave the
# record on stdin where analyze gave the prompt, discarded the agent's
# stderr, named the wrapper (env) when an agent timed out, and only
# took --agent-timeout where analyze took MEND_AGENT_TIMEOUT.  Now
# both run the command with sh -c in the checkout, with the task in
# $MEND_TASK, in place of {prompt}, or on stdin; both take
# --agent-timeout and MEND_AGENT_TIMEOUT; failures name the program.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
plan 17

make_repo
mkdir -p "$T/bin"
printf '#!/bin/sh\necho "thinking hard" >&2\nexit 2\n' > "$T/bin/grumpy-agent"
printf '#!/bin/sh\nexec sleep 60\n' > "$T/bin/slow-agent"
printf '#!/bin/sh\ncat > /dev/null\necho "nothing to do"\n' > "$T/bin/lazy-agent"
printf '#!/bin/sh\ncat > STDIN.txt\nprintf "%%s\\n" "$MEND_TASK" > ENV.txt\nsed -i "s/a + b/b + a/" calc.py\n' > "$T/bin/stdin-agent"
chmod +x "$T/bin/"*
PATH=$T/bin:$PATH
n=0
# rec: the next analysis without a diff, in $R (incident inc_...36NN).
rec() { n=$((n + 1)); R=$T/r$n.json; analysis_record "inc_00000000000036$(printf %02d $n)" - > "$R"; }

# {prompt} is the task, as one word, never the literal text.
rec
patch -s "$T/spool" -r "$T/remote.git" \
	--agent 'printf "%s" {prompt} > TASK.txt; sed -i "s/return a \/ b/return a \/ b if b else None/" calc.py' \
	"$R" > "$T/p1.json" 2> "$T/p1.err"
is "$?" 0 "patch --agent with {prompt} commits"
wd=$(jq -r .patch.workdir "$T/p1.json")
git -C "$wd" show HEAD:TASK.txt > "$T/task1" 2>/dev/null
not_ok "no literal {prompt} reaches the agent" grep -q '{prompt}' "$T/task1"
ok "the task says what to fix" grep -q "Fix the fault the analysis below describes" "$T/task1"
ok "with the analysis fenced as data" grep -q "calc.div divides by zero" "$T/task1"
is "$(grep -c '^<<<DATA-' "$T/task1")" 3 "incident, analysis and frames in fences"

# A command that names neither gets the task on stdin; MEND_TASK is the same task.
rec
patch -s "$T/spool" -r "$T/remote.git" --agent 'LANG=C stdin-agent --go' \
	"$R" > "$T/p2.json" 2> "$T/p2.err"
wd=$(jq -r .patch.workdir "$T/p2.json")
ok "the task arrives on stdin" sh -c "git -C '$wd' show HEAD:STDIN.txt | grep -q 'Fix the fault'"
is "$(git -C "$wd" show HEAD:STDIN.txt)" "$(git -C "$wd" show HEAD:ENV.txt)" "and is MEND_TASK"
is "$(jq -r '.patch.agent | [.program, .exit, .sandbox != null] | join(",")' "$T/p2.json")" \
	"stdin-agent,0,true" "the record keeps the agent's run, named by its program"

# A failing agent: its program and last word on stderr, in the message and the timeline.
rec
patch -s "$T/spool" -r "$T/remote.git" --agent 'grumpy-agent --fix' "$R" > "$T/p3.json" 2> "$T/p3.err"
is "$?" 65 "a failing agent: exit 65"
like "$(cat "$T/p3.err")" "*agent 'grumpy-agent' exited 2: thinking hard*" "the message names it and its stderr"
is "$(spool -s "$T/spool" show inc_0000000000003603 | jq -r '.timeline[-1].record.refused.reason')" \
	"change refused: agent 'grumpy-agent' exited 2: thinking hard" "and so does the timeline"

# A timeout names the agent, not env; --agent-timeout and MEND_AGENT_TIMEOUT both work.
rec
patch -s "$T/spool" -r "$T/remote.git" --agent 'env LANG=C slow-agent' --agent-timeout 1 \
	"$R" > /dev/null 2> "$T/p4.err"
like "$(cat "$T/p4.err")" "*agent 'slow-agent' timed out after 1 s*" "--agent-timeout; the timeout names the agent"
rec
MEND_AGENT_TIMEOUT=1s patch -s "$T/spool" -r "$T/remote.git" --agent 'slow-agent' \
	"$R" > /dev/null 2> "$T/p5.err"
like "$(cat "$T/p5.err")" "*agent 'slow-agent' timed out after 1 s*" "MEND_AGENT_TIMEOUT works for patch too"

# An agent that changes nothing has failed, and says so.
rec
patch -s "$T/spool" -r "$T/remote.git" --agent lazy-agent "$R" > "$T/p6.json" 2> "$T/p6.err"
is "$?:$(wc -c < "$T/p6.json")" "65:0" "an agent that changed nothing: exit 65, no record"
like "$(cat "$T/p6.err")" "*agent 'lazy-agent' changed nothing in the checkout*" "and the message says so"

# analyze and patch read the same variables.
MEND_AGENT=lazy-agent MEND_AGENT_TIMEOUT=2m analyze --help > /dev/null
is "$?" 0 "analyze accepts the same environment"
like "$(analyze --help)" "*--agent CMD*--agent-timeout DURATION*" "and the same options"
