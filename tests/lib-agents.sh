# tests/lib-agents.sh - real coding agents (installed from npm into
# tests/node) against the scripted model server tests/servers/openai.py.
#
#   . "$(dirname "$0")/lib-agents.sh"
#   shop_repo              # $T/repo: the shop service with its None bug, committed
#   shop_incident ID       # $T/inc.json: an incident with the traceback
#   start_model SCRIPT     # the model server on $MODEL_PORT, requests in $T/model.log
#
# The agent's model key is MEND_TEST_MODEL_KEY, let into the sandbox by
# MEND_SANDBOX_ENV; node_modules is let in read-only (it may sit under a
# home directory, which the sandbox hides).
N=$TOP/tests/node
export MEND_TEST_MODEL_KEY=sk-test-not-a-secret-0001
export MEND_SANDBOX_ENV=MEND_TEST_MODEL_KEY
export MEND_SANDBOX_RO=$N/node_modules
export GIT_CONFIG_NOSYSTEM=1 HOME=$T/home
mkdir -p "$HOME"
git config --global user.name "Test User"
git config --global user.email "test@example.invalid"
git config --global init.defaultBranch main

# The change a model would make to app/shop.py: u may be None.
SHOP_OLD='    return find_user(uid).display_name'
SHOP_NEW='    u = find_user(uid)
    return u.display_name if u else None'
SHOP_VERDICT='Fixed. {"root_cause":"user_name dereferences find_user(uid), which is None for an unknown id","category":"code","confidence":0.85,"remediation":["check for a missing user"]}'

shop_repo() {
	mkdir -p "$T/repo" "$T/srv" &&
	cp -r "$TOP/tests/fixtures/analyze/app" "$T/repo/" &&
	cp -r "$TOP/tests/fixtures/analyze/app" "$T/srv/" &&
	(cd "$T/repo" && git init -q && git add . && git commit -qm "shop")
}

shop_incident() {
	(cd "$T/srv" && python3 app/shop.py none 2> "$T/tb.txt" >/dev/null)
	python3 "$TOP/tests/fixtures/analyze/incident.py" "$1" "$T/tb.txt" > "$T/inc.json"
}

start_model() {
	MODEL_PORT=$(free_port)
	python3 "$TOP/tests/servers/openai.py" --port "$MODEL_PORT" --script "$1" \
		--log "$T/model.log" > "$T/model.out" 2>&1 &
	MODEL_PID=$!
	trap 'kill $MODEL_PID 2>/dev/null' EXIT
	wait_for 20 curl -sf "http://127.0.0.1:$MODEL_PORT/healthz" -o /dev/null ||
		{ echo "Bail out! the model server did not start"; exit 1; }
}
