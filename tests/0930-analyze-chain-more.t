#!/usr/bin/env bash
# The chain templates for Ruby, Go, Java and PHP (lib/template_caller.c)
# on the traces their heal cases' services printed: the guard goes in the
# handler, a 400 for a missing value says what it assumes and a 404 for
# a lookup does not, a value from configuration or the data is refused
# with why, and without the language's parser no fix is offered at all.
. "$(dirname "$0")/lib.sh"
command -v ruby > /dev/null || skip_all "ruby is not installed"
plan 8

CASES=$TOP/tests/heal/cases
# run CASE [PATH]: analyze the case's trace against a copy of its source.
run() {
	jq -cn --arg tb "$(cat "$CASES/$1/trace.txt")" '{type: "incident", incident: {
		id: "inc_0000000000000930", event: "open", monitor: "svc", url: "http://127.0.0.1:9/",
		reason: "status", summary: "the service failed", evidence: [{type: "error",
		ts: "2026-12-03T19:30:00.000Z", monitor: "svc", message: "request failed",
		stacktrace: $tb, attributes: {}}]}}' > "$T/inc.json"
	rm -rf "$T/repo" && cp -r "$CASES/$1/src" "$T/repo"
	PATH=${2:-$PATH} "$MEND_BIN/analyze" --no-spool -r "$T/repo" "$T/inc.json" > "$T/$1.json" 2> "$T/err"
}
applied() { jq -r '[.analysis.templates[] | select(.applied) | "\(.template) \(.file):\(.line)"] |
	join(",")' "$T/$1.json"; }

run ruby-webrick-tag-no-name
is "$(applied ruby-webrick-tag-no-name)" "rb-chain-400 shop.rb:11" \
	"NoMethodError in a helper: the guard goes in the servlet"
like "$(jq -r '.analysis.templates[] | select(.applied) | .assumes' "$T/ruby-webrick-tag-no-name.json")" \
	"*name is missing*author's call*" "a 400 for a missing value says what it assumes"
like "$(jq -r .analysis.diff "$T/ruby-webrick-tag-no-name.json")" \
	"*+    if name.nil?*+      res.status = 400*+      return*" "with WEBrick's own way to answer"

run ruby-webrick-banner-unset
is "$(jq -r .analysis.diff "$T/ruby-webrick-banner-unset.json")" null "a nil from ENV: no diff"
like "$(jq -r '.analysis.templates[] | select(.template == "rb-chain") | .reason' \
	"$T/ruby-webrick-banner-unset.json")" "*ENV*is not what the request sent*" "and says why"

# The parser is not there: the fix cannot be shown to parse, so none is offered.
mkdir -p "$T/nobin"
for p in git sh; do ln -sf "$(command -v $p)" "$T/nobin/$p"; done
run ruby-webrick-tag-no-name "$MEND_BIN:$T/nobin"
is "$(jq -r .analysis.diff "$T/ruby-webrick-tag-no-name.json")" null "without ruby: no diff"
like "$(jq -c .analysis.templates "$T/ruby-webrick-tag-no-name.json")" "*ruby -c is not installed*" \
	"and the analysis says why"

if command -v php > /dev/null; then
	run php-slug-no-title
	like "$(jq -r .analysis.diff "$T/php-slug-no-title.json")" \
		"*+if ((\$_POST\['title'\] ?? null) === null) {*+    http_response_code(400);*" \
		"PHP: an expression's null is tested with === null (isset takes only a variable)"
else
	_n=$((_n + 1)); echo "ok $_n # skip php is not installed"
fi
