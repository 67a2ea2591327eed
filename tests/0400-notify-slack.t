#!/usr/bin/env bash
# notify to Slack: Block Kit that a real Slack accepts (the local server
# checks it against Slack's limits), a plain-text fallback that reads well
# on a phone, fix links only when there is something to fix, and the
# trigger secret nowhere.
. "$(dirname "$0")/lib.sh"
# These analyses carry no diff: an agent makes a fix possible, so links are
# offered (tests/0903 covers analyses that cannot be fixed).
export MEND_AGENT="my-agent --fix"
. "$TOP/tests/servers/webhook.sh"
plan 25
start_webhook
export MEND_TRIGGER_URL=https://fix.example.com MEND_TRIGGER_SECRET=s3cr3t-0123456789-never-shown
S=slack:$WH/services/T000/B000/ok-slack

open='{"type":"incident","incident":{"id":"inc_3f2a9c1e5b7d8a04","event":"open","fingerprint":"9c1e","monitor":"shop","url":"https://shop.example/health","reason":"consecutive","summary":"3 of 3 checks failed with HTTP 503 over 60 s","first_seen":"2026-11-22T03:00:00.000Z","last_seen":"2026-11-22T03:01:00.000Z","evidence":[{"type":"probe","ts":"2026-11-22T03:01:00.000Z","monitor":"shop","url":"https://shop.example/health","ok":false,"status":503,"ms":41.7,"error":"status","detail":"HTTP 503, expected 200-399"}]}}'
resolve='{"type":"incident","incident":{"id":"inc_3f2a9c1e5b7d8a04","event":"resolve","monitor":"shop","url":"https://shop.example/health","first_seen":"2026-11-22T03:00:00.000Z","last_seen":"2026-11-22T03:14:00.000Z"}}'
analysis='{"type":"analysis","incident":{"id":"inc_3f2a9c1e5b7d8a04","event":"open","monitor":"shop"},"analysis":{"engine":"rules","root_cause":"ZeroDivisionError in total() when the cart is empty","category":"code","confidence":0.8,"remediation":["return 0 for an empty cart"],"frames":[{"path":"cart.py","line":42,"function":"total"}],"similar":[],"diff":null}}'

printf '%s\n%s\n%s\n' "$open" "$resolve" "$analysis" | notify -s "$T/spool" -w "$S" >"$T/out" 2>"$T/err"
is "$?" 0 "notify exits 0 when every message was taken"
is "$(wc -l <"$T/out")" 3 "every record passes through"
is "$(jq -r .type "$T/out" | tr '\n' ' ')" "incident incident analysis " "in order"
is "$(jq -c '[.notified[] | [.kind, .status, .ok, .attempts]]' "$T/out" | sort -u)" '[["slack",200,true,1]]' \
	"each record got one entry per target: kind, status, ok, attempts"
is "$(jq -s -c '[.[] | del(.notified)]' "$T/out")" "$(printf '%s\n%s\n%s\n' "$open" "$resolve" "$analysis" | jq -s -c .)" \
	"records are otherwise passed through untouched"
is "$(jq -r '.notified[0].target' "$T/out" | sort -u)" "slack:$WH/…" "the target is named without its secret path"
is "$(jq -s '[.[] | select(.status == 200 and .violations == [])] | length' "$WHLOG")" 3 \
	"Slack accepted all three payloads (no limit broken)"

jq -s -r '.[0].body.text' "$WHLOG" >"$T/open.txt"
like "$(head -n1 "$T/open.txt")" "🔴 shop is failing: 3 of 3 checks failed with HTTP 503 over 60 s" \
	"open: the first line says what broke"
like "$(cat "$T/open.txt")" "*03:01:00 HTTP 503 in 42 ms — HTTP 503, expected 200-399*" "open: shows the latest check"
is "$(jq -s -r '.[1].body.text' "$WHLOG" | head -n1)" "✅ shop recovered after 14 min" "resolve: recovered after 14 min"
is "$(jq -s -r '.[1].body.blocks[0].text.text' "$WHLOG")" "✅ shop recovered after 14 min" "resolve: the header block says so too"
is "$(jq -s -r '.[2].body.blocks[0].type' "$WHLOG")" header "analysis: Block Kit, header first"
like "$(jq -s -r '.[2].body.text' "$WHLOG")" "*Root cause:*ZeroDivisionError in total() when the cart is empty*" \
	"analysis: fallback text has the root cause"
like "$(jq -s -r '.[2].body.blocks[1].fields | map(.text) | join("|")' "$WHLOG")" \
	"*Confidence*80% (high)*cart.py:42 in total()*" "analysis: confidence and where, as fields"
fix=$(jq -s -r '.[2].notified[0].fix_url' "$T/out")
like "$fix" "https://fix.example.com/fix/inc_3f2a9c1e5b7d8a04?exp=*&sig=*" "analysis: a signed fix link"
is "$(jq -s -r '.[2].body.blocks[] | select(.type == "actions") | .elements[0].url' "$WHLOG")" "$fix" \
	"analysis: the button opens the fix link"
is "$(jq -s -r '.[0:2][] | .notified[0].fix_url' "$T/out" | sort -u)" null "no fix link on open and resolve"
is "$(spool -s "$T/spool" show inc_3f2a9c1e5b7d8a04 | jq -r '[.timeline[].type] | join(" ")')" \
	"notified notified analysis" "the spool's timeline: what was sent, the analysis as printed"
not_ok "the secret is in no output, payload or diagnostic" grep -rqa "s3cr3t-0123456789" "$T/out" "$T/err" "$WHLOG" "$T/spool"

# Nothing to fix: upstream, low confidence; and nothing configured.
up=$(jq -c '.analysis.category = "upstream" | .analysis.root_cause = "payments.example is down"' <<<"$analysis")
low=$(jq -c '.analysis.confidence = 0.25' <<<"$analysis")
: >"$WHLOG"
printf '%s\n%s\n' "$up" "$low" | notify --no-spool -w "$S" >"$T/out2"
is "$(jq -r '.notified[0].fix_url' "$T/out2" | sort -u)" null "no fix link for upstream or low confidence"
like "$(jq -s -r '.[0].body.text' "$WHLOG")" "*No fix offered: the cause is upstream*" "upstream: the message says why"
like "$(jq -s -r '.[1].body.text' "$WHLOG")" "*No fix offered: confidence 25% is below the 40%*" \
	"low confidence: the message says why"
echo "$low" | notify --no-spool --min-confidence 0.2 -w "$S" >"$T/out3"
like "$(jq -r '.notified[0].fix_url' "$T/out3")" "https://fix.example.com/fix/*" "--min-confidence lowers the bar"
echo "$analysis" | env -u MEND_TRIGGER_SECRET notify --no-spool -w "$S" >"$T/out4"
like "$(jq -r '.notified[0].no_fix' "$T/out4")" "No fix link: MEND_TRIGGER_URL and MEND_TRIGGER_SECRET*" \
	"without a secret: no link, and it says why"

# Long text is split over several blocks, each under Slack's limits.
long=$(jq -c --arg rc "$(head -c 20000 /dev/zero | tr '\0' 'x' | fold -w 70)" '.analysis.root_cause = $rc' <<<"$analysis")
: >"$WHLOG"
echo "$long" | notify --no-spool -w "$S" >/dev/null
is "$(jq -c '[.status, .violations, ([.body.blocks[] | select(.type == "section" and .text)] | length > 2), (.body.text | length <= 4000)]' "$WHLOG")" \
	'[200,[],true,true]' "a 20000-character cause: split into sections, all under the limits"
