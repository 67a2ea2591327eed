#!/usr/bin/env bash
# notify's targets and input: MEND_WEBHOOKS lists, -w overriding it, the
# generic JSON target (the record itself, with the message), bad lines,
# and usage errors.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/servers/webhook.sh"
plan 13
start_webhook
rec='{"type":"incident","incident":{"id":"inc_00000000000000bb","event":"open","monitor":"api","summary":"HTTP 500"}}'

export MEND_WEBHOOKS="slack:$WH/services/T/B/ok-1, discord:$WH/api/webhooks/1/ok-2
	json:$WH/json/ok-3"
echo "$rec" | notify --no-spool >"$T/out"
is "$(jq -c '[.notified[] | .kind]' "$T/out")" '["slack","discord","json"]' \
	"MEND_WEBHOOKS: comma, space and newline separated"
is "$(jq -r '.notified | map(.id) | unique | length' "$T/out")" 3 "each target has its own id"
is "$(jq -s -c '[.[] | .content_type] | unique' "$WHLOG")" '["application/json"]' "payloads are sent as JSON"
j=$(jq -s -c '.[] | select(.kind == "json") | .body' "$WHLOG")
is "$(jq -c 'del(.notify)' <<<"$j")" "$(jq -c . <<<"$rec")" "json: the record itself is posted"
is "$(jq -r '.notify.title' <<<"$j")" "🔴 api is failing: HTTP 500" "json: with the message under notify"

: >"$WHLOG"
echo "$rec" | notify --no-spool -w "json:$WH/json/ok-4" >"$T/out"
is "$(jq -c '[.notified[] | .kind]' "$T/out")" '["json"]' "-w replaces MEND_WEBHOOKS"
unset MEND_WEBHOOKS

printf '%s\nnot json\n[1]\n%s\n' "$rec" "$rec" | notify --no-spool -w "json:$WH/json/ok-5" >"$T/out" 2>"$T/err"
is "$?" 65 "bad lines: exit 65 at the end"
is "$(wc -l <"$T/out")" 2 "the good records still go through"
like "$(cat "$T/err")" "notify: -:2: bad JSON*" "a bad line is reported with its line number"

notify --no-spool </dev/null 2>"$T/err"
is "$?" 64 "no webhooks: usage error"
like "$(cat "$T/err")" "*no webhooks: give -w URL or set MEND_WEBHOOKS*" "and says how to give one"
notify --no-spool -w "ftp://example.com/x" </dev/null 2>/dev/null
is "$?" 64 "a webhook that is not http(s): usage error"
notify --no-spool -w "json:$WH/json/x" --min-confidence 2 </dev/null 2>/dev/null
is "$?" 64 "--min-confidence out of range: usage error"
