#!/usr/bin/env bash
# analyze --engine rules says what it knows and refuses what it cannot
# prove: a failed body check is named; a fix whose file cannot be parsed
# here (no parser installed) is refused, and the analysis says so.
. "$(dirname "$0")/lib.sh"
plan 7

# A probe whose body check failed (no exception anywhere).
jq -cn '{type: "incident", incident: {id: "inc_0000000000000921", event: "open", monitor: "shop",
	url: "http://127.0.0.1:9/products", reason: "body", summary: "GET /products body check",
	evidence: [{type: "probe", ts: "2026-11-24T06:00:00.000Z", monitor: "shop",
	url: "http://127.0.0.1:9/products", method: "GET", ok: false, status: 200, ms: 9, bytes: 23,
	error: "body", detail: "HTTP 200, body does not contain '\''\"items\":[{'\''"}]}}' > "$T/body.json"
analyze --no-spool "$T/body.json" > "$T/out"
is "$(jq -r '.analysis.class' "$T/out")" "body-check" "a failed body check has its own class"
like "$(jq -r '.analysis.root_cause' "$T/out")" "*body does not contain '\"items\":[{'*" \
	"the root cause names the check that failed"
is "$(jq -r '.analysis.diff' "$T/out")" "null" "and proposes no diff"

# Any other failed check without a trace: the check is named too.
jq -c '.incident.evidence[0].error = "http" | .incident.evidence[0].detail = "HTTP/2 stream 1 was not closed cleanly"' \
	"$T/body.json" | analyze --no-spool > "$T/out"
like "$(jq -r '.analysis.root_cause' "$T/out")" "No known failure class*(the check that failed: HTTP/2 stream*" \
	"'no known failure class' says which check failed"

# The Go nil-map case, with no gofmt on PATH: the template applies, but
# the patched file cannot be shown to parse, so no diff is proposed.
c=$TOP/tests/heal/cases/go-hits-nil-map
jq -cn --arg tb "$(cat "$c/trace.txt")" '{type: "incident", incident: {id: "inc_0000000000000922",
	event: "open", monitor: "hits", evidence: [{type: "error", message: "request failed",
	stacktrace: $tb}]}}' > "$T/go.json"
mkdir -p "$T/nobin"
PATH=$T/nobin "$MEND_BIN/analyze" --no-spool -r "$c/src" "$T/go.json" > "$T/out"
is "$(jq -r '.analysis | [.class, .diff] | join(",")' "$T/out")" "nil-map," \
	"no parser: no diff"
like "$(jq -r '.analysis.templates[0].reason' "$T/out")" "*refused: gofmt -e is not installed here*" \
	"the template record says the parser is missing"
like "$(jq -r '.analysis.remediation | join(" ")' "$T/out")" "*gofmt -e is not installed*" \
	"and so does the remediation"
