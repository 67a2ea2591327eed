#!/usr/bin/env bash
# Every exit goes through lib/redact.c.  Issue 9, attack 7: notify sent
# incident and resolve records to Slack/Discord unredacted; redact()
# stopped at an embedded NUL and then kept the original string, so what
# followed the NUL reached the model and the spool's "redacted"
# timeline; diagnostics printed what they were given, newlines and all.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/servers/webhook.sh"
plan 14
start_webhook
id=inc_0841084108410841
# Secrets of the shapes the issue lists, in an incident's evidence; the
# first message hides its secrets behind a NUL.
jq -nc --arg id $id '{type:"incident",incident:{id:$id,event:"open",fingerprint:"f",
	monitor:"shop",url:"https://shop.example.com/pay",reason:"status",
	summary:"POST /pay failed: db password=Hunter2-open",
	first_seen:"2026-11-22T03:00:00.000Z",last_seen:"2026-11-22T03:01:00.000Z",
	evidence:[{type:"error",message:"boom\u0000 token=NulHiddenTok3n ghp_NulHidden0123456789abcdefghijABCDEF",
	  stacktrace:"Traceback (most recent call last):\n  File \"/srv/app/pay.py\", line 9, in pay\nKeyError: x"},
	 {type:"probe",url:"https://u:Pa/ss#w0rd@shop.example.com/pay",status:500,
	  detail:"{\\\"password\\\": \\\"EscapedJs0nPw\\\"} --password=CliPassw0rd dbPass=CamelPw99 curl -u bob:CurlPw123 password%3DUrlEncPw77 sentry https://0123456789abcdef0123456789abcdef@o1.ingest.sentry.io/5 pypi-AgEIcHlwaS5vcmcCJGE4YjU0ZDdmLWE0NjMtNGFlZS04YjdjLWZhZTg3YmE5ZjkzYwACKlszLCJhYmMiXQAABiB"}]}}' \
	>"$T/open.json"
jq -c '.incident.event = "resolve" | .incident.summary = "recovered; secret=Hunter2-resolve"' \
	"$T/open.json" >"$T/resolve.json"
secrets='Hunter2-open\|Hunter2-resolve\|NulHiddenTok3n\|NulHidden0123\|Pa/ss\|w0rd@\|EscapedJs0nPw\|CliPassw0rd\|CamelPw99\|CurlPw123\|UrlEncPw77\|0123456789abcdef0123456789abcdef\|AgEIcHlwaS5vcmc'
ok "the incident carries the secrets (the test can fail)" grep -q 'CliPassw0rd' "$T/open.json"

for kind in slack discord json; do
	case $kind in
	slack) url=$WH/services/T0/B0/ok$kind ;;
	discord) url=$WH/api/webhooks/1/ok$kind ;;
	json) url=json:$WH/json/ok$kind ;;
	esac
	cat "$T/open.json" "$T/resolve.json" | notify -w "$url" >"$T/notified.$kind" 2>"$T/err.$kind"
done
is "$(jq -s 'length' "$WHLOG")" 6 "open and resolve reached Slack, Discord and the JSON webhook"
not_ok "no secret in any webhook payload" grep -q "$secrets" "$WHLOG"
ok "the payloads say where a secret was" grep -q 'REDACTED' "$WHLOG"
is "$(jq -r '.incident.evidence[1].detail' "$T/notified.json" | head -c 40)" \
	'{\"password\": \"EscapedJs0nPw\"} --pass' "the record passed on down the pipe is the one read"

# The spool's timeline (notify appended what it sent).
spool show $id >"$T/show"
ok "the timeline has the incident" grep -q "$id" "$T/show"
not_ok "no secret in the spool's timeline" grep -q "$secrets" "$T/show"

# The model's prompt (analyze --prompt prints what an llm or agent gets).
analyze --no-spool --prompt "$T/open.json" >"$T/prompt" 2>/dev/null
ok "the prompt has the evidence" grep -q 'boom' "$T/prompt"
not_ok "no secret in the prompt, before or after the NUL" grep -q "$secrets" "$T/prompt"

# An analysis stored by analyze: redacted, its diff kept as written.
jq -c '{type:"analysis", incident:.incident, analysis:{engine:"rules",root_cause:"token=RootCauseTok9",
	category:"code",confidence:0.5,remediation:[],frames:[],similar:[],
	diff:"--- a/x.py\n+++ b/x.py\n@@ -1 +1 @@\n-password = \"old\"\n+password = os.environ[\"PW\"]\n"}}' \
	"$T/open.json" | notify --no-spool -w "json:$WH/json/ok2" >/dev/null
spool show $id >"$T/show2"
not_ok "no secret in the timeline after an analysis" grep -q "$secrets\|RootCauseTok9" "$T/show2"

# Diagnostics: redacted and one line, whatever they quote.
printf '{"m":"password=LogLeakPw1\\nenqueue: forged line"}\n' |
	enqueue --key 'error(.m)' -q x >/dev/null 2>"$T/log"
is "$(wc -l <"$T/log" | tr -d ' ')" 1 "a message with a newline is one log line"
not_ok "no secret in the log" grep -q LogLeakPw1 "$T/log"
ok "the newline is shown as \\n" grep -q 'REDACTED\]\\nenqueue: forged' "$T/log"

# The redact filter: NUL bytes are bytes, not the end of the text.
printf 'a\0token=AfterNulTok1 b\n' | redact >"$T/nul"
is "$(tr '\0' '@' <"$T/nul")" "a@token=[REDACTED] b" "redact: a NUL does not stop it, nor is it lost"
