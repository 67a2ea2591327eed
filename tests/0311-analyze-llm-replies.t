#!/usr/bin/env bash
# analyze --engine llm: replies as real models and servers send them.  The
# answer follows other JSON (a <think> block, tool echoes), sits in
# reasoning_content, is cut at the token limit, or is a tool call; 429s
# with an HTTP-date Retry-After; Azure OpenAI's deployment URL and api-key.
. "$(dirname "$0")/lib.sh"
plan 20

FIX=$TOP/tests/fixtures/analyze
mkdir -p "$T/repo" "$T/srv/shop"
cp -r "$FIX/app" "$T/repo/" && cp -r "$FIX/app" "$T/srv/shop/"
(cd "$T/srv/shop" && python3 app/shop.py zero 2> "$T/tb.txt" >/dev/null)
python3 "$FIX/incident.py" inc_0000000000000312 "$T/tb.txt" > "$T/inc.json"

port=
serve() {
	[ -n "$port" ] && kill "$(cat "$T/srv.pid")" 2>/dev/null && wait "$(cat "$T/srv.pid")" 2>/dev/null
	port=$(free_port)
	printf '%s\n' "$1" > "$T/script.json"
	: > "$T/requests.jsonl"
	python3 "$TOP/tests/servers/openai.py" --port "$port" --script "$T/script.json" \
		--log "$T/requests.jsonl" & echo $! > "$T/srv.pid"
	cleanup "kill $! 2>/dev/null"
	wait_for 5 curl -sf "http://127.0.0.1:$port/healthz" >/dev/null
	export MEND_LLM_URL="http://127.0.0.1:$port/v1"
}
export MEND_LLM_KEY=test-key MEND_LLM_MODEL=test-model MEND_LLM_ATTEMPTS=2
requests() { wc -l < "$T/requests.jsonl" | tr -d ' '; }
run() { analyze --no-spool -r "$T/repo" "$T/inc.json" > "$T/out" 2> "$T/err"; }
field() { jq -r ".analysis.$1" "$T/out"; }

good=$(jq -cn '{root_cause: "average() divides by len([])", category: "code", confidence: 0.8,
	remediation: ["guard the empty list"], diff: null}')
other=$(jq -cn '{root_cause: "the second answer", category: "code", confidence: 0.7,
	remediation: ["the last one counts"], diff: null}')
script() { jq -cn --arg good "$good" --arg other "$other" "[$(IFS=,; echo "$*")]"; }

serve "$(script '{content: ("<think>The plan: {\"step\": 1, \"look\": \"shop.py\"}</think>\n" + $good)}')"
run
is "$(field engine),$(field root_cause)" "llm,average() divides by len([])" \
	"an answer after a <think> block holding another JSON object is found"
is "$(requests)" 1 "at the first request"

serve "$(script '{content: ("[read_files] {\"files\":[\"app/shop.py\"]}\n[search] {\"q\": \"len(\"}\n" + $good + "\nDone {not json}")}')"
run
is "$(field root_cause)" "average() divides by len([])" "tool echoes before the answer and prose after it are skipped"

serve "$(script '{content: ($good + "\nOn second thought:\n" + $other)}')"
run
is "$(field root_cause)" "the second answer" "of two valid answers the last one counts"

serve "$(script '{content: null, reasoning_content: ("Looking at the trace... " + $good)}')"
run
is "$(field engine),$(field root_cause)" "llm,average() divides by len([])" \
	"an answer only in reasoning_content is used"
like "$(cat "$T/err")" "*answered only in its reasoning*" "and analyze says so"

serve "$(script '{content: ($good | .[0:40]), finish_reason: "length"}')"
run
is "$(field engine)" "rules" "an answer cut at the token limit twice falls back to rules"
like "$(field fallback)" "model gave no valid answer: the answer was cut off at the model's output token limit (finish_reason length)*" \
	"saying it was cut off, not that a field is missing"
like "$(sed -n 2p "$T/requests.jsonl" | jq -r '.body.messages[-1].content')" "*cut off at the model's output token limit*" \
	"the retry tells the model why"

serve "$(script '{content: null, tool_calls: [{name: "read_file", arguments: "{\"path\":\"app/shop.py\"}"}]}' '{content: $good}')"
run
is "$(field engine),$(field root_cause)" "llm,average() divides by len([])" \
	"a tool call instead of an answer is asked again, and the second answer used"
like "$(sed -n 2p "$T/requests.jsonl" | jq -r '.body.messages[-1].content')" \
	"*called tools (read_file)*Do not call tools*" "the retry says no tools are offered"
is "$(sed -n 2p "$T/requests.jsonl" | jq -r '[.body.messages[].role] | join(",")')" "system,user,user" \
	"and sends no half tool-call exchange back"

serve "$(script '{content: null, tool_calls: [{name: "bash"}]}')"
run
like "$(field fallback)" "model gave no valid answer: the model called tools (bash) instead of answering*" \
	"tool calls every time: the fallback says so (not 'unreachable')"

serve "$(script '{content: "I cannot help with that."}')"
run
like "$(field fallback)" "model gave no valid answer: the answer is not a JSON object" "prose only: said so"

serve "$(script '{status: 429, retry_after_date: 2}' '{content: $good}')"
start=$(date +%s.%N)
run
took=$(awk "BEGIN { print $(date +%s.%N) - $start }")
is "$(field engine)" "llm" "a 429 with an HTTP-date Retry-After is retried"
ok "and the date is honoured (waited $took s)" awk "BEGIN { exit !($took >= 0.9) }"

# Azure OpenAI: a deployment URL, ?api-version=, the key in api-key.
serve "$(script '{content: $good}')"
MEND_LLM_URL="http://127.0.0.1:$port/openai/deployments/gpt-4o-prod" MEND_LLM_API_VERSION=2024-10-21 \
	MEND_LLM_KEY=azure-key-123 run
is "$(field engine)" "llm" "Azure OpenAI answers"
is "$(jq -r .path "$T/requests.jsonl")" "/openai/deployments/gpt-4o-prod/chat/completions?api-version=2024-10-21" \
	"at the deployment's chat/completions with api-version"
is "$(jq -r '.headers | [.["api-key"], (.Authorization // "none")] | join(",")' "$T/requests.jsonl")" \
	"azure-key-123,none" "with the key in api-key, no bearer token"

: > "$T/requests.jsonl"
MEND_LLM_URL="http://127.0.0.1:$port/v1/chat/completions" run
is "$(jq -r .path "$T/requests.jsonl")" "/v1/chat/completions" "a URL that is already the endpoint is used as is"
