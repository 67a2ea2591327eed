#!/usr/bin/env bash
# kb: add records, search them (BM25), merge per incident, redact.
. "$(dirname "$0")/lib.sh"
plan 11

a='{"type":"analysis","incident":{"id":"inc_00000000000003a1","monitor":"shop","summary":"GET /stats 500"},"analysis":{"root_cause":"ZeroDivisionError in average","category":"code","remediation":["guard the empty list"],"frames":[{"path":"app/stats.py","line":6,"function":"average"}]}}'
b='{"type":"analysis","incident":{"id":"inc_00000000000003a2","monitor":"api","summary":"GET /users 500"},"analysis":{"root_cause":"Connection refused by postgres","category":"upstream","remediation":["wait"]}}'
c='{"type":"analysis","incident":{"id":"inc_00000000000003a3","monitor":"api","summary":"GET /login 500, token=supersecret123"},"analysis":{"root_cause":"KeyError in login","category":"code"}}'
printf '%s\n%s\n%s\n' "$a" "$b" "$c" | kb add
is "$?" "0" "kb add succeeds"
is "$(kb search average empty | jq -r .incident | head -1)" "inc_00000000000003a1" \
	"search finds the incident by its analysis"
is "$(kb search postgres refused | jq -r '[.type, .incident, .category] | join(",")' | head -1)" \
	"match,inc_00000000000003a2,upstream" "matches are match records with the fields"
is "$(kb search -n 1 500 | wc -l | tr -d ' ')" "1" "-n limits the matches"
is "$(kb search zzzznothing | wc -l | tr -d ' ')" "0" "no match, no output"
not_ok "secrets are redacted before they are stored" sh -c "kb search supersecret123 | grep -q supersecret123"

# A later record of the same incident (the merged PR) joins its entry.
printf '%s\n' '{"type":"pr","incident":{"id":"inc_00000000000003a1"},"pr":{"url":"https://git.example.com/shop/pull/7","merged":true}}' | kb add
is "$(kb search average | jq -r '[.incident, .fix] | join(",")' | head -1)" \
	"inc_00000000000003a1,https://git.example.com/shop/pull/7" "the fix joins the incident's entry"

# -p passes records through; records without an incident are skipped.
out=$(printf '%s\n{"type":"probe"}\n' "$b" | kb add -p 2> "$T/err")
is "$(echo "$out" | wc -l | tr -d ' ')" "2" "-p passes every record through"
like "$(cat "$T/err")" "*1 record without incident.id not added*" "skipped records are counted"

kb search 2>/dev/null
is "$?" "64" "search without text is a usage error"
kb frobnicate 2>/dev/null
is "$?" "64" "an unknown subcommand is a usage error"
