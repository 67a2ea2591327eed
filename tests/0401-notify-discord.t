#!/usr/bin/env bash
# notify to Discord: embeds under every documented limit however big the
# record (title 256, description 4096, 25 fields of 1024, 6000 in all),
# the fix link never cut, and no pings from untrusted text.
. "$(dirname "$0")/lib.sh"
# These analyses carry no diff: an agent makes a fix possible, so links are
# offered (tests/0903 covers analyses that cannot be fixed).
export MEND_AGENT="my-agent --fix"
. "$TOP/tests/servers/webhook.sh"
plan 12
start_webhook
export MEND_TRIGGER_URL=https://fix.example.com/ MEND_TRIGGER_SECRET=s3cr3t-0123456789-never-shown
D=discord:$WH/api/webhooks/123/ok-discord

analysis='{"type":"analysis","incident":{"id":"inc_3f2a9c1e5b7d8a04","event":"open","monitor":"shop"},"analysis":{"engine":"rules","root_cause":"ZeroDivisionError in total() when the cart is empty","category":"code","confidence":0.8,"remediation":["return 0 for an empty cart"],"frames":[{"path":"cart.py","line":42,"function":"total"}],"similar":[],"diff":null}}'
resolve='{"type":"incident","incident":{"id":"inc_3f2a9c1e5b7d8a04","event":"resolve","monitor":"shop","first_seen":"2026-11-22T03:00:00.000Z","last_seen":"2026-11-22T05:05:00.000Z"}}'

printf '%s\n%s\n' "$analysis" "$resolve" | notify --no-spool -w "$D" >"$T/out"
is "$?" 0 "exit 0"
is "$(jq -c '[.notified[0] | .kind, .status, .ok]' "$T/out" | sort -u)" '["discord",204,true]' \
	"Discord answered 204 No Content to both"
is "$(jq -s -c '[.[] | [.status, .violations]]' "$WHLOG")" '[[204,[]],[204,[]]]' "no limit broken"
is "$(jq -s -r '.[0].body.embeds[0].title' "$WHLOG")" "🔎 shop: ZeroDivisionError in total() when the cart is empty" \
	"analysis: the embed's title says what broke"
fix=$(jq -r '.notified[0].fix_url' "$T/out" | head -n1)
like "$fix" "https://fix.example.com/fix/inc_3f2a9c1e5b7d8a04?exp=*" "a fix link (base URL's trailing slash dropped)"
ok "the description carries the link" grep -qF "**[Review and fix]($fix)**" \
	<<<"$(jq -s -r '.[0].body.embeds[0].description' "$WHLOG")"
is "$(jq -s -r '.[1].body.content' "$WHLOG")" "✅ shop recovered after 2 h 5 min" "resolve: content line for the phone"

# Everything too big at once, with markup and mentions in it.
bad='<@&1> @everyone [Fix it here](https://evil.example) '
huge=$(jq -c --arg s "$(for i in $(seq 400); do printf '%s' "$bad"; done)" \
	'.incident.monitor = $s | .analysis.root_cause = $s | .analysis.remediation = [range(40) | $s]
	 | .analysis.frames = [{path: $s, line: 1, function: $s}]' <<<"$analysis")
: >"$WHLOG"
echo "$huge" | notify --no-spool -w "$D" >"$T/out2"
is "$(jq -c '[.status, .violations]' "$WHLOG")" '[204,[]]' "a 20 kB record still fits every Discord limit"
e=$(jq -c '.body.embeds[0]' "$WHLOG")
is "$(jq '[.title, .description, .footer.text, (.fields[] | .name, .value)] | map(length) | add <= 6000' <<<"$e")" true \
	"the embed's text is 6000 characters or fewer in all"
like "$(jq -r .description <<<"$e")" "*(https://fix.example.com/fix/inc_3f2a9c1e5b7d8a04?exp=*&sig=*)\*\*" \
	"the fix link survives the cut, whole, at the end"
is "$(jq -c '.body.allowed_mentions' "$WHLOG")" '{"parse":[]}' "mentions are switched off"
not_ok "untrusted text cannot make a link: [ and ] are escaped" \
	grep -q '[^\\]\[Fix it here\]' <<<"$(jq -r .description <<<"$e")"
