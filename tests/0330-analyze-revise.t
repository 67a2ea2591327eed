#!/usr/bin/env bash
# analyze --revise: a record carrying a change that failed its tests
# becomes a revised analysis (llm); the rules engine says it cannot.
. "$(dirname "$0")/lib.sh"
plan 12

FIX=$TOP/tests/fixtures/analyze
mkdir -p "$T/repo" "$T/srv/shop"
cp -r "$FIX/app" "$T/repo/" && cp -r "$FIX/app" "$T/srv/shop/"
(cd "$T/srv/shop" && python3 app/shop.py zero 2> "$T/tb.txt" >/dev/null)
python3 "$FIX/incident.py" inc_0000000000000330 "$T/tb.txt" | analyze -r "$T/repo" > "$T/analysis.json"
# What testloop hands back: the analysis, the patch, the failing test run.
jq -c '. + {type: "testrun", patch: {repo: "r", branch: "mend/fix-inc_0000000000000330"},
	testrun: {passed: false, iterations: 1, log: "FAILED tests/test_shop.py::test_average_empty\nAssertionError: assert 0 == None\n"}}' \
	"$T/analysis.json" > "$T/testrun.json"

analyze --revise -r "$T/repo" "$T/testrun.json" > "$T/out" 2> "$T/err"
is "$?" "69" "rules cannot revise: exit 69"
is "$(jq -r '.analysis | [.engine, .revised, .revision, .diff] | join(",")' "$T/out")" "rules,false,1," \
	"the record says revised false, no diff"
like "$(jq -r '.analysis.remediation[0]' "$T/out")" "The rules engine cannot revise*" "and why"
is "$(jq -r '[.type, has("testrun"), has("patch")] | join(",")' "$T/out")" "analysis,false,false" \
	"the output is an analysis record without the stale testrun and patch"

# The llm engine revises.
port=$(free_port)
printf -- '--- a/app/shop.py\n+++ b/app/shop.py\n@@ -9 +9 @@\n-    return total / len(values)\n+    return total / len(values) if values else None\n' > "$T/v2.diff"
jq -cn --rawfile d "$T/v2.diff" '[{content: ({root_cause: "average([]) must be None", category: "code",
	confidence: 0.8, remediation: ["return None for no values"], diff: $d} | tojson)}]' > "$T/script.json"
python3 "$TOP/tests/servers/openai.py" --port "$port" --script "$T/script.json" --log "$T/req.jsonl" &
cleanup "kill $! 2>/dev/null"
wait_for 5 curl -sf "http://127.0.0.1:$port/healthz" >/dev/null
export MEND_LLM_URL=http://127.0.0.1:$port/v1 MEND_LLM_ATTEMPTS=1

analyze --revise -r "$T/repo" "$T/testrun.json" > "$T/out" 2> "$T/err"
is "$?" "0" "llm: revise succeeds"
is "$(jq -r '.analysis | [.engine, .revised, .revision] | join(",")' "$T/out")" "llm,true,1" \
	"a revised analysis, revision 1"
is "$(jq -r .analysis.diff "$T/out")" "$(cat "$T/v2.diff")" "with the model's new diff"
is "$(jq -r .analysis.previous_diff "$T/out")" "$(jq -r .analysis.diff "$T/analysis.json")" \
	"and the diff it replaces"
jq -r '.body.messages[1].content' "$T/req.jsonl" > "$T/prompt"
like "$(cat "$T/prompt")" "*AssertionError: assert 0 == None*" "the prompt carries the test output"
like "$(cat "$T/prompt")" "*The previous change failed the tests. Revise it*" "and asks for a revision"
# A second round counts on.
jq -c '.type = "testrun" | .testrun = {passed: false, log: "still failing"}' "$T/out" |
	analyze --revise --no-spool -r "$T/repo" > "$T/out2" 2>/dev/null
is "$(jq -r .analysis.revision "$T/out2")" "2" "revision counts up"
is "$(spool show inc_0000000000000330 | jq -r '[.timeline[].type] | join(",")')" "analysis,analysis,analysis" \
	"each revision is on the timeline"
