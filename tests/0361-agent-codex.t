#!/usr/bin/env bash
# Issue 12: a real coding agent, Codex CLI (the npm package, a native
# binary), run by analyze's agent engine and by patch --agent against a
# scripted model that answers as a model would: an exec_command tool
# call running apply_patch on app/shop.py, then a verdict.  The fix
# lands in the throwaway checkout, the user's repository is untouched,
# and the diff reaches patch.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-agents.sh"
command -v node >/dev/null || skip_all "node is not installed"
CODEX=$N/node_modules/@openai/codex/bin/codex.js
[ -f "$CODEX" ] || skip_all "Codex CLI not installed (npm ci --prefix tests/node; is npm reachable?)"
node "$CODEX" --version > "$T/version" 2>&1 ||
	skip_all "Codex CLI does not run here: $(head -c 200 "$T/version")"
command -v bwrap >/dev/null || skip_all "bwrap is not installed"
plan 16

shop_repo || exit 1
shop_incident inc_0000000000000361
python3 - "$T/script.json" <<PY
import json, sys
patch = "*** Begin Patch\n*** Update File: app/shop.py\n@@\n-%s\n+%s\n*** End Patch\n" % (
    """$SHOP_OLD""", """$SHOP_NEW""".replace("\n", "\n+"))
json.dump({"turns": [
    {"call": {"name": "exec_command",
              "arguments": {"cmd": "apply_patch <<'PATCH'\n" + patch + "PATCH\n"}}},
    {"content": """$SHOP_VERDICT"""}],
    "plain": {"content": "Fix user_name"}}, open(sys.argv[1], "w"))
PY
start_model "$T/script.json"

# The recipe of mend(7): the provider points Codex at the model; mend's
# sandbox confines it, so Codex's own (which cannot nest in it) is off.
export MEND_AGENT="node $CODEX exec --skip-git-repo-check -s danger-full-access \
-c model_provider=mend -c 'model_providers.mend={name=\"mend\",base_url=\"http://127.0.0.1:$MODEL_PORT/v1\",env_key=\"MEND_TEST_MODEL_KEY\",wire_api=\"responses\"}' \
-m test-model {prompt}"

analyze -e agent --no-spool -r "$T/repo" "$T/inc.json" > "$T/an.json" 2> "$T/an.err"
is "$?" 0 "analyze runs Codex"
is "$(jq -r '.analysis | [.engine, .agent.program, .agent.exit, .agent.verdict] | join(",")' "$T/an.json")" \
	"agent,codex,0,true" "the analysis is Codex's, with its verdict"
like "$(jq -r .analysis.root_cause "$T/an.json")" "user_name dereferences find_user(uid)*" \
	"the verdict's root cause"
jq -r .analysis.diff "$T/an.json" > "$T/an.diff"
like "$(cat "$T/an.diff")" "*+    return u.display_name if u else None*" \
	"the fix Codex applied in the throwaway checkout is the diff"
is "$(git -C "$T/repo" status --porcelain)" "" "the user's repository is untouched"
is "$(jq -s '[.[] | select(.path | endswith("/responses"))] | length' "$T/model.log")" 2 \
	"Codex spoke the Responses API: the tool call, then the verdict"
like "$(jq -r 'select(.path | endswith("/responses")) | .body.input[] | select(.role == "user") | .content[0].text' "$T/model.log" | head -c 100000)" \
	"*Diagnose this incident*" "the task reached the model"
like "$(jq -c 'select(.path | endswith("/responses")) | [.body.input[] | select(.type == "function_call_output")]' "$T/model.log" | tail -1)" \
	'*"call_id":"call_0_0"*' "and the tool's result came back"
is "$(jq -r '.headers.authorization // .headers.Authorization' "$T/model.log" | sort -u)" \
	"Bearer $MEND_TEST_MODEL_KEY" "with the key from MEND_SANDBOX_ENV"

# The diff reaches patch.
git clone -q --bare "$T/repo" "$T/remote.git"
patch -s "$T/spool" -r "$T/remote.git" "$T/an.json" > "$T/p.json" 2> "$T/p.err"
is "$?:$(jq -c .patch.files "$T/p.json")" '0:["app/shop.py"]' "patch commits the agent's diff"
wd=$(jq -r .patch.workdir "$T/p.json")
like "$(git -C "$wd" show HEAD -- app/shop.py)" "*+    return u.display_name if u else None*" \
	"on the fix branch"

# patch --agent: Codex in patch's checkout, for an analysis without a diff.
jq -c '.analysis.diff = null | .incident.id = "inc_0000000000000362"' "$T/an.json" > "$T/nodiff.json"
: > "$T/model.log"
patch -s "$T/spool" -r "$T/remote.git" "$T/nodiff.json" > "$T/p2.json" 2> "$T/p2.err"
is "$?:$(jq -c .patch.files "$T/p2.json")" '0:["app/shop.py"]' "patch --agent: Codex's edit is committed"
is "$(jq -r '.patch.agent | [.program, .exit, .sandbox] | join(",")' "$T/p2.json")" "codex,0,bwrap" \
	"the record names the agent and its sandbox"
like "$(jq -r .patch.agent.stdout "$T/p2.json")" "*Fixed.*" "and keeps its output"
like "$(jq -r 'select(.path | endswith("/responses")) | .body.input[] | select(.role == "user") | .content[0].text' "$T/model.log" | head -c 100000)" \
	"*Fix the fault the analysis below describes*" "the task, not a literal {prompt}, reached the model"
is "$(git -C "$T/repo" status --porcelain)" "" "the user's repository is still untouched"
