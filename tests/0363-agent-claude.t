#!/usr/bin/env bash
# Issue 12: a real coding agent, Claude Code (the npm package, a native
# binary), run by analyze's agent engine and by patch --agent against a
# scripted model on the Anthropic Messages API, streamed: its Read and
# Edit tools on app/shop.py, then a verdict.  The fix lands in the
# throwaway checkout, the user's repository is untouched, the diff
# reaches patch.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-agents.sh"
CLAUDE=
for b in "$N"/node_modules/@anthropic-ai/claude-code-linux-*/claude; do
	[ -x "$b" ] && "$b" --version > "$T/version" 2>&1 && { CLAUDE=$b; break; }
done
[ -n "$CLAUDE" ] || skip_all "Claude Code not installed or not runnable (npm ci --prefix tests/node; is npm reachable?)"
command -v bwrap >/dev/null || skip_all "bwrap is not installed"
plan 10

shop_repo || exit 1
shop_incident inc_0000000000000365
python3 - "$T/script.json" <<PY
import json, sys
json.dump({"turns": [
    {"call": {"name": "Read", "arguments": {"file_path": "{cwd}/app/shop.py"}}},
    {"call": {"name": "Edit", "arguments": {"file_path": "{cwd}/app/shop.py",
              "old_string": """$SHOP_OLD""", "new_string": """$SHOP_NEW"""}}},
    {"content": """$SHOP_VERDICT"""}],
    "plain": {"content": "Fix user_name"}}, open(sys.argv[1], "w"))
PY
start_model "$T/script.json"

# The recipe of mend(7), with the model server in ANTHROPIC_BASE_URL and
# the key in ANTHROPIC_API_KEY, both let into the sandbox.
export ANTHROPIC_BASE_URL=http://127.0.0.1:$MODEL_PORT ANTHROPIC_API_KEY=$MEND_TEST_MODEL_KEY
export CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1
export MEND_SANDBOX_ENV=ANTHROPIC_API_KEY,ANTHROPIC_BASE_URL,CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC
export MEND_AGENT="$CLAUDE -p --permission-mode acceptEdits --model claude-test {prompt}"

analyze -e agent --no-spool -r "$T/repo" "$T/inc.json" > "$T/an.json" 2> "$T/an.err"
is "$?" 0 "analyze runs Claude Code"
is "$(jq -r '.analysis | [.engine, .agent.program, .agent.exit, .agent.verdict] | join(",")' "$T/an.json")" \
	"agent,claude,0,true" "the analysis is Claude Code's, with its verdict"
jq -r .analysis.diff "$T/an.json" > "$T/an.diff"
like "$(cat "$T/an.diff")" "*+    return u.display_name if u else None*" \
	"the fix Claude Code made in the throwaway checkout is the diff"
is "$(git -C "$T/repo" status --porcelain)" "" "the user's repository is untouched"
is "$(jq -s '[.[] | select(.path | startswith("/v1/messages")) | select(.body.messages | map(.content | if type == "array" then map(select(.type == "tool_result")) | length else 0 end) | add > 0)] | length > 0' "$T/model.log")" \
	true "it spoke the Messages API, and its tools' results came back"
is "$(jq -r '.headers["x-api-key"] // .headers["X-Api-Key"] // empty' "$T/model.log" | sort -u)" \
	"$MEND_TEST_MODEL_KEY" "with the key from MEND_SANDBOX_ENV"

git clone -q --bare "$T/repo" "$T/remote.git"
patch -s "$T/spool" -r "$T/remote.git" "$T/an.json" > "$T/p.json" 2> "$T/p.err"
is "$?:$(jq -c .patch.files "$T/p.json")" '0:["app/shop.py"]' "patch commits the agent's diff"

jq -c '.analysis.diff = null | .incident.id = "inc_0000000000000366"' "$T/an.json" > "$T/nodiff.json"
patch -s "$T/spool" -r "$T/remote.git" "$T/nodiff.json" > "$T/p2.json" 2> "$T/p2.err"
is "$?:$(jq -c .patch.files "$T/p2.json")" '0:["app/shop.py"]' "patch --agent: Claude Code's edit is committed"
is "$(jq -r '.patch.agent | [.program, .exit] | join(",")' "$T/p2.json")" "claude,0" \
	"the record names the agent"
is "$(git -C "$T/repo" status --porcelain)" "" "the user's repository is still untouched"
