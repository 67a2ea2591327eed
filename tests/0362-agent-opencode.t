#!/usr/bin/env bash
# Issue 12: a real coding agent, OpenCode (the npm package, a native
# binary), run by analyze's agent engine and by patch --agent against a
# scripted model on the chat completions API, streamed: OpenCode's edit
# tool on app/shop.py, then a verdict.  The fix lands in the throwaway
# checkout, the user's repository is untouched, the diff reaches patch.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-agents.sh"
OPENCODE=
for b in "$N"/node_modules/opencode-linux-*/bin/opencode; do
	[ -x "$b" ] && "$b" --version > "$T/version" 2>&1 && { OPENCODE=$b; break; }
done
[ -n "$OPENCODE" ] || skip_all "OpenCode not installed or not runnable (npm ci --prefix tests/node; is npm reachable?)"
command -v bwrap >/dev/null || skip_all "bwrap is not installed"
plan 13

shop_repo || exit 1
shop_incident inc_0000000000000363
python3 - "$T/script.json" <<PY
import json, sys
json.dump({"turns": [
    {"call": {"name": "edit", "arguments": {"filePath": "app/shop.py",
              "oldString": """$SHOP_OLD""", "newString": """$SHOP_NEW"""}}},
    {"content": """$SHOP_VERDICT"""}],
    "plain": {"content": "Fix user_name"}}, open(sys.argv[1], "w"))
PY
start_model "$T/script.json"

# The recipe of mend(7): the provider in OPENCODE_CONFIG_CONTENT, the
# key from the environment, nothing fetched from the network.
export OPENCODE_CONFIG_CONTENT='{"provider":{"mend":{"npm":"@ai-sdk/openai-compatible","name":"mend","options":{"baseURL":"http://127.0.0.1:'$MODEL_PORT'/v1","apiKey":"{env:MEND_TEST_MODEL_KEY}"},"models":{"test-model":{"name":"test-model","tool_call":true}}}},"model":"mend/test-model","share":"disabled","autoupdate":false}'
export MEND_SANDBOX_ENV=MEND_TEST_MODEL_KEY,OPENCODE_CONFIG_CONTENT,OPENCODE_DISABLE_MODELS_FETCH,OPENCODE_DISABLE_LSP_DOWNLOAD,OPENCODE_DISABLE_AUTOUPDATE
export OPENCODE_DISABLE_MODELS_FETCH=1 OPENCODE_DISABLE_LSP_DOWNLOAD=1 OPENCODE_DISABLE_AUTOUPDATE=1
export MEND_AGENT="$OPENCODE run -m mend/test-model {prompt}"

analyze -e agent --no-spool -r "$T/repo" "$T/inc.json" > "$T/an.json" 2> "$T/an.err"
is "$?" 0 "analyze runs OpenCode"
is "$(jq -r '.analysis | [.engine, .agent.program, .agent.exit, .agent.verdict] | join(",")' "$T/an.json")" \
	"agent,opencode,0,true" "the analysis is OpenCode's, with its verdict"
like "$(jq -r .analysis.root_cause "$T/an.json")" "user_name dereferences find_user(uid)*" \
	"the verdict's root cause"
jq -r .analysis.diff "$T/an.json" > "$T/an.diff"
like "$(cat "$T/an.diff")" "*+    return u.display_name if u else None*" \
	"the fix OpenCode made in the throwaway checkout is the diff"
is "$(git -C "$T/repo" status --porcelain)" "" "the user's repository is untouched"
like "$(jq -c 'select(.path | endswith("/chat/completions")) | select(.body.tools | length > 0) | .body.stream' "$T/model.log" | sort -u)" \
	"true" "OpenCode streamed chat completions with its tools"
like "$(jq -r 'select(.body.tools | length > 0) | .body.messages[] | select(.role == "user") | .content | if type == "array" then .[0].text else . end' "$T/model.log" | head -c 100000)" \
	"*Diagnose this incident*" "the task reached the model"
is "$(jq -s '[.[] | select(.body.messages | map(select(.role == "tool")) | length > 0)] | length > 0' "$T/model.log")" \
	true "and the edit tool's result came back"

git clone -q --bare "$T/repo" "$T/remote.git"
patch -s "$T/spool" -r "$T/remote.git" "$T/an.json" > "$T/p.json" 2> "$T/p.err"
is "$?:$(jq -c .patch.files "$T/p.json")" '0:["app/shop.py"]' "patch commits the agent's diff"

jq -c '.analysis.diff = null | .incident.id = "inc_0000000000000364"' "$T/an.json" > "$T/nodiff.json"
patch -s "$T/spool" -r "$T/remote.git" "$T/nodiff.json" > "$T/p2.json" 2> "$T/p2.err"
is "$?:$(jq -c .patch.files "$T/p2.json")" '0:["app/shop.py"]' "patch --agent: OpenCode's edit is committed"
is "$(jq -r '.patch.agent | [.program, .exit] | join(",")' "$T/p2.json")" "opencode,0" \
	"the record names the agent"
wd=$(jq -r .patch.workdir "$T/p2.json")
like "$(git -C "$wd" show HEAD -- app/shop.py)" "*+    return u.display_name if u else None*" \
	"the fix is on the branch"
is "$(git -C "$T/repo" status --porcelain)" "" "the user's repository is still untouched"
