#!/usr/bin/env bash
# Issue 12: a real coding agent, the Cline CLI (the npm package, a
# native binary), run by analyze's agent engine and by patch --agent
# against a scripted model on the chat completions API, streamed: its
# editor tool on app/shop.py, then a verdict.  Cline keeps its provider
# in a configuration directory, made once with `cline auth`, let into
# the sandbox read-only and copied to its private home (Cline writes its
# sessions there).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-agents.sh"
CLINE=
for b in "$N"/node_modules/@cline/cli-linux-*/bin/cline; do
	[ -x "$b" ] && "$b" --version > "$T/version" 2>&1 && { CLINE=$b; break; }
done
[ -n "$CLINE" ] || skip_all "the Cline CLI not installed or not runnable (npm ci --prefix tests/node; is npm reachable?)"
command -v bwrap >/dev/null || skip_all "bwrap is not installed"
plan 8

shop_repo || exit 1
shop_incident inc_0000000000000367
python3 - "$T/script.json" <<PY
import json, sys
json.dump({"turns": [
    {"call": {"name": "editor", "arguments": {"path": "{cwd}/app/shop.py",
              "old_text": """$SHOP_OLD""", "new_text": """$SHOP_NEW"""}}},
    {"content": """$SHOP_VERDICT"""}],
    "plain": {"content": "Fix user_name"}}, open(sys.argv[1], "w"))
PY
start_model "$T/script.json"

# The recipe of mend(7): the provider configured once, outside the sandbox.
"$CLINE" auth -p openai -k "$MEND_TEST_MODEL_KEY" -m test-model \
	-b "http://127.0.0.1:$MODEL_PORT/v1" --config "$T/cline" > "$T/auth.out" 2>&1 ||
	{ echo "Bail out! cline auth failed: $(head -c 300 "$T/auth.out")"; exit 1; }
export MEND_SANDBOX_RO=$MEND_SANDBOX_RO:$T/cline
# Cline writes its sessions there too: each run gets a copy in the
# sandbox's private home.
export MEND_AGENT="cp -r $T/cline \"\$HOME/.cline\" && $CLINE {prompt}"

analyze -e agent --no-spool -r "$T/repo" "$T/inc.json" > "$T/an.json" 2> "$T/an.err"
is "$?" 0 "analyze runs Cline"
[ "$(jq -r .analysis.engine "$T/an.json")" = agent ] ||
	jq -r '(.analysis.fallback // "") + " " + (.analysis.agent.stderr // "" | .[-600:])' "$T/an.json" |
	sed 's/^/# /'
is "$(jq -r '.analysis | [.engine, .agent.program, .agent.exit] | join(",")' "$T/an.json")" \
	"agent,cline,0" "the analysis is Cline's"
jq -r .analysis.diff "$T/an.json" > "$T/an.diff"
like "$(cat "$T/an.diff")" "*+    return u.display_name if u else None*" \
	"the fix Cline made in the throwaway checkout is the diff"
is "$(git -C "$T/repo" status --porcelain)" "" "the user's repository is untouched"
is "$(jq -s '[.[] | select(.body.messages | map(select(.role == "tool")) | length > 0)] | length > 0' "$T/model.log")" \
	true "its editor tool's result came back to the model"

git clone -q --bare "$T/repo" "$T/remote.git"
patch -s "$T/spool" -r "$T/remote.git" "$T/an.json" > "$T/p.json" 2> "$T/p.err"
is "$?:$(jq -c .patch.files "$T/p.json")" '0:["app/shop.py"]' "patch commits the agent's diff"

jq -c '.analysis.diff = null | .incident.id = "inc_0000000000000368"' "$T/an.json" > "$T/nodiff.json"
patch -s "$T/spool" -r "$T/remote.git" "$T/nodiff.json" > "$T/p2.json" 2> "$T/p2.err"
is "$?:$(jq -c .patch.files "$T/p2.json")" '0:["app/shop.py"]' "patch --agent: Cline's edit is committed"
is "$(git -C "$T/repo" status --porcelain)" "" "the user's repository is still untouched"
