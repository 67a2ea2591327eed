#!/usr/bin/env bash
# A Go panic that a middleware recovered and logged with debug.Stack():
# the stack starts with the recovering code (debug.Stack, the deferred
# func, panic()), not where it failed.  analyze must point at the line
# that panicked (main.quote, main.go:18), and the fix template must patch
# that line, not the middleware (tests/fixtures/traces/go_recovered.txt is
# the trace tests/heal/cases/go-convert-pair-short's service printed).
. "$(dirname "$0")/lib.sh"
plan 5

jq -cn --arg tb "$(cat "$TOP/tests/fixtures/traces/go_recovered.txt")" '{type: "incident",
	incident: {id: "inc_0000000000000541", event: "open", monitor: "svc", url: "http://127.0.0.1:9/",
	reason: "status", summary: "the service failed", evidence: [{type: "error",
	ts: "2026-12-03T19:08:24.000Z", monitor: "svc", message: "request failed", stacktrace: $tb,
	attributes: {}}]}}' > "$T/inc.json"
cp -r "$TOP/tests/heal/cases/go-convert-pair-short/src" "$T/repo"
analyze --no-spool -r "$T/repo" "$T/inc.json" > "$T/out.json" 2> "$T/err"
is "$?" 0 "analyze runs"
is "$(jq -r '.analysis.frames | map(select(.in_app)) | map("\(.file):\(.line)") | join(" ")' \
	"$T/out.json")" "main.go:18 main.go:31" \
	"the app's frames are the one that panicked and its caller, not the recover machinery"
is "$(jq -r '.analysis.top_frame.line' "$T/out.json")" 18 "the top frame is the line that panicked"
if command -v gofmt > /dev/null; then
	is "$(jq -r '[.analysis.templates[] | select(.applied) | "\(.template) \(.file):\(.line)"] |
		join(",")' "$T/out.json")" "go-index-400 main.go:18" "the template patches that line"
	like "$(jq -r .analysis.diff "$T/out.json")" "*if len(codes) <= 1 {*http.StatusBadRequest*" \
		"with a 400 for the missing part"
else
	for i in 1 2; do _n=$((_n + 1)); echo "ok $_n # skip gofmt is not installed"; done
fi
