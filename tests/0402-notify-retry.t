#!/usr/bin/env bash
# notify's deliveries: 429 waits as long as the service says, 5xx is
# retried with backoff, a 4xx is reported with the body the service sent,
# no answer at all is reported without the webhook's secret URL, and the
# record always passes through.  Exit 75 when a retry could still help,
# 69 when the service refused for good.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/servers/webhook.sh"
plan 17
start_webhook
rec='{"type":"incident","incident":{"id":"inc_00000000000000aa","event":"open","monitor":"api","summary":"HTTP 500"}}'

# 429 from Slack (Retry-After: 1) and from Discord (retry_after in the body too).
echo "$rec" | notify --no-spool -w "slack:$WH/services/T/B/ratelimit1-a" \
	-w "discord:$WH/api/webhooks/1/ratelimit1-b" >"$T/out"
is "$?" 0 "rate limited, then delivered: exit 0"
is "$(jq -c '[.notified[] | [.status, .ok, .attempts]]' "$T/out")" '[[200,true,2],[204,true,2]]' \
	"each target took two attempts"
is "$(jq -s -c '[.[] | .status]' "$WHLOG")" '[429,200,429,204]' "the server saw 429 then success, twice"
is "$(jq -s '(.[1].t - .[0].t) >= 0.95' "$WHLOG")" true "Slack's Retry-After: 1 was honoured"
is "$(jq -s '(.[3].t - .[2].t) >= 0.25' "$WHLOG")" true "Discord's wait was honoured"

# 5xx twice, then fine.
: >"$WHLOG"
echo "$rec" | notify --no-spool -w "discord:$WH/api/webhooks/1/fail2-c" >"$T/out"
is "$(jq -c '[.notified[0] | .status, .ok, .attempts]' "$T/out")" '[204,true,3]' "5xx twice, then delivered on the third try"

# 4xx: reported with the service's body, not retried, exit 69.
: >"$WHLOG"
echo "$rec" | notify --no-spool -w "slack:$WH/services/T/B/gone-d" \
	-w "discord:$WH/api/webhooks/1/gone-e" >"$T/out" 2>"$T/err"
is "$?" 69 "a webhook that is gone: exit 69"
is "$(wc -l <"$T/out")" 1 "the record still passes through"
is "$(jq -c '[.notified[] | [.status, .ok, .attempts, .error]]' "$T/out")" \
	'[[404,false,1,"no_service"],[404,false,1,"{\"message\": \"Unknown Webhook\", \"code\": 10015}"]]' \
	"each failure carries the body the service sent, after one attempt"
like "$(cat "$T/err")" "*notify: slack:$WH/… (*): HTTP 404: no_service*" "and is reported on stderr"
is "$(jq -s length "$WHLOG")" 2 "4xx is not retried"

# A payload Discord rejects comes back with its errors tree.  (notify never
# sends one, so ask the server directly, as Discord would answer.)
code=$(curl -s -o "$T/body" -w '%{http_code}' -H 'Content-Type: application/json' \
	--data "{\"embeds\":[{\"title\":\"$(head -c 300 /dev/zero | tr '\0' x)\"}]}" "$WH/api/webhooks/1/ok-f")
is "$code $(jq -c '[.code, .errors.embeds["0"].title._errors[0].code]' "$T/body")" \
	'400 [50035,"BASE_TYPE_MAX_LENGTH"]' "the test server answers over-long titles as Discord does"

# Still failing after every attempt: exit 75 so work retries the job.
: >"$WHLOG"
echo "$rec" | notify --no-spool --attempts 2 -w "json:$WH/json/down-g" >"$T/out" 2>"$T/err"
is "$?" 75 "still 503 after the last attempt: exit 75"
is "$(jq -c '[.notified[0] | .status, .ok, .attempts]' "$T/out")" '[503,false,2]' "status 503 after 2 attempts"

# Nobody listening: status 0, and the error does not show the secret path.
port=$(free_port)
echo "$rec" | notify --no-spool --attempts 1 -w "slack:http://127.0.0.1:$port/services/T/B/tok-SECRET" \
	>"$T/out" 2>"$T/err"
is "$?" 75 "connection refused: exit 75"
is "$(jq -c '[.notified[0] | .status, .ok]' "$T/out")" '[0,false]' "status 0 when no answer came"
not_ok "the webhook's secret path is in neither the record nor stderr" grep -q "tok-SECRET" "$T/out" "$T/err"
