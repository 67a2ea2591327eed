#!/usr/bin/env bash
# analyze --engine rules: real Python tracebacks from a deployed copy of a
# small app become diffs against the repository that apply with git apply
# and GNU patch -p1 (by path: bin/patch is ours) and make the failing call succeed.
. "$(dirname "$0")/lib.sh"
plan 41

FIX=$TOP/tests/fixtures/analyze
mkdir -p "$T/repo" "$T/srv/shop"
cp -r "$FIX/app" "$T/repo/" && cp -r "$FIX/app" "$T/srv/shop/"
(cd "$T/repo" && git init -q && git add . &&
	git -c user.email=t@example.com -c user.name=t commit -qm "shop") || exit 1

# traceback CASE: run the deployed copy, keep its stderr.
traceback() { (cd "$T/srv/shop" && python3 app/shop.py "$1" 2> "$T/tb-$1.txt" >/dev/null); }

n=0
for c in zero key none index; do
	n=$((n + 1))
	traceback "$c"
	python3 "$FIX/incident.py" "inc_000000000000030$n" "$T/tb-$c.txt" > "$T/inc-$c.json"
	analyze -r "$T/repo" "$T/inc-$c.json" > "$T/out-$c.json" 2> "$T/err-$c"
	is "$?" "0" "$c: analyze succeeds"
done
# An average of nothing is unknown: None, not an invented 0.
jq -r '.analysis.diff // empty' "$T/out-zero.json" > "$T/zero.diff"
ok "zero: a diff is proposed" test -s "$T/zero.diff"
rm -rf "$T/a" "$T/b" && cp -r "$T/repo" "$T/a" && cp -r "$T/repo" "$T/b"
ok "zero: the diff applies with git apply" git -C "$T/a" apply "$T/zero.diff"
ok "zero: the diff applies with patch -p1" sh -c "cd '$T/b' && /usr/bin/patch -s -p1 < '$T/zero.diff'"
ok "zero: the fixed code no longer raises" sh -c "cd '$T/a' && python3 app/shop.py zero >/dev/null 2>&1"
is "$(jq -r '.analysis.templates | map(select(.applied)) | .[0] | [.template, .file, .line] | join(",")' \
	"$T/out-zero.json")" "py-average-empty,app/shop.py,9" "zero: analysis.templates names the template used"
# Wrong fixes are worse than none: .get() -> None, "if u is not None else
# None" and "xs[0] if xs else None" would invent values.  No diff; the
# analysis says which template it considered and why it declined.
for c in key none index; do
	is "$(jq -r .analysis.diff "$T/out-$c.json")" "null" "$c: no diff with an invented default"
done
is "$(jq -r '.analysis.templates[0] | [.template, .applied] | join(",")' "$T/out-key.json")" \
	"py-key-get,false" "key: the .get() template was considered and declined"
like "$(jq -r '.analysis.templates[0].reason' "$T/out-key.json")" "*invented default*" \
	"key: it says why"
like "$(jq -r '.analysis.remediation | join(" ")' "$T/out-none.json")" \
	"*Fix template py-lookup-404 declined: *invented default*" "none: the remediation says why"
like "$(jq -r '.analysis.templates[0].reason' "$T/out-index.json")" "*does not come from the request*" \
	"index: it says why"
is "$(jq -r '.analysis | [.engine, .category, .class] | join(",")' "$T/out-zero.json")" \
	"rules,code,zero-division" "zero: engine, category and class"
is "$(jq -r '.analysis.frames[0] | [.file, .line, .function, .in_app] | join(",")' "$T/out-zero.json")" \
	"app/shop.py,9,average,true" "frames[0] is the innermost frame, mapped onto the repo"
is "$(jq -r '.analysis.edits[0].replace' "$T/out-zero.json")" "    return total / len(values) if len(values) else None" \
	"zero: the edit is the same change"
like "$(jq -r '.analysis.confidence' "$T/out-zero.json")" "0.7*" "a fix from a template is fairly confident"
like "$(jq -r '.analysis.confidence' "$T/out-none.json")" "0.5*" "no fix: less confident"

# Node.js: user.profile of an unknown id, outside any HTTP handler:
# optional chaining would answer an invented undefined.
(cd "$T/srv/shop" && node app/users.js 7 2> "$T/tb-node.txt" >/dev/null)
python3 "$FIX/incident.py" inc_0000000000000308 "$T/tb-node.txt" | analyze --no-spool -r "$T/repo" > "$T/out-node.json"
is "$(jq -r '.analysis | [.class, .diff] | join(",")' "$T/out-node.json")" "null-access," \
	"node: null-access, no diff"
like "$(jq -r '.analysis.templates[0].reason' "$T/out-node.json")" "*not in an HTTP handler*" \
	"node: the template says why it declined"

# The analysis is on the incident's timeline and in the knowledge base.
is "$(spool show inc_0000000000000301 | jq -r '[.timeline[].type] | join(",")')" "analysis" \
	"the analysis is appended to the incident timeline"
is "$(kb search ZeroDivisionError | jq -r .incident | head -1)" "inc_0000000000000301" \
	"the analysis is in the knowledge base"
# A second, similar incident finds the first one.
python3 "$FIX/incident.py" inc_0000000000000309 "$T/tb-zero.txt" | analyze -r "$T/repo" > "$T/out"
is "$(jq -r '.analysis.similar[0].incident' "$T/out")" "inc_0000000000000301" \
	"similar lists the past incident"

# Source that differs from what was deployed: no diff, and it says so.
sed -i 's/return total \/ len(values)/return total \/ len(values)  # changed/' "$T/repo/app/shop.py"
analyze --no-spool -r "$T/repo" "$T/inc-zero.json" > "$T/out"
is "$(jq -r .analysis.diff "$T/out")" "null" "no diff when the repository differs from the trace"
like "$(jq -r '.analysis.remediation | join(" ")' "$T/out")" "*differs from the deployed code*" \
	"the remediation says why there is no diff"

# Resolve events and other records pass through untouched.
r='{"type":"incident","incident":{"id":"inc_00000000000003ff","event":"resolve"}}'
is "$(printf '%s\n{"type":"probe","ok":true}\n' "$r" | analyze --no-spool)" \
	"$(printf '%s\n{"type":"probe","ok":true}' "$r")" "resolve events and other records pass through"

# Secrets never reach the spool.
MEND_TEST_EXTRA='{"attributes":{"http.request.header.authorization":"Bearer sekrit-token-123456"},"message":"password=hunter22"}' \
	python3 "$FIX/incident.py" inc_0000000000000310 "$T/tb-zero.txt" | analyze -r "$T/repo" > /dev/null
spool show inc_0000000000000310 > "$T/stored"
not_ok "a bearer token is not stored" grep -q sekrit-token "$T/stored"
not_ok "a password is not stored" grep -q hunter22 "$T/stored"

# No trace, but the log says a dependency refuses connections: upstream, wait.
printf '2026-11-24 ERROR upstream call failed\nrequests.exceptions.ConnectionError: HTTPConnectionPool(host=%s, port=5432): Max retries exceeded (Caused by NewConnectionError: [Errno 111] Connection refused)\n' db > "$T/app.log"
python3 "$FIX/incident.py" inc_0000000000000320 | analyze --no-spool --log "$T/app.log" > "$T/out"
is "$(jq -r '.analysis | [.category, .diff] | join(",")' "$T/out")" "upstream," \
	"an upstream failure in the log: category upstream, no diff"
like "$(jq -r '.analysis.remediation[0]' "$T/out")" "Wait*" "upstream: the advice is to wait"
# --log-cmd runs a command for the log.
python3 "$FIX/incident.py" inc_0000000000000321 | analyze --no-spool --log-cmd "cat '$T/app.log'" > "$T/out"
is "$(jq -r .analysis.category "$T/out")" "upstream" "--log-cmd reads the log from a command"
# A 5xx burst with nothing else to go on: unknown, low confidence.
python3 "$FIX/incident.py" inc_0000000000000322 | analyze --no-spool > "$T/out"
is "$(jq -r '.analysis | [.category, (.confidence < 0.3)] | join(",")' "$T/out")" "unknown,true" \
	"5xx without a trace: unknown, low confidence"
# A trace in the log (not in the evidence) is found.
python3 "$FIX/incident.py" inc_0000000000000323 | analyze --no-spool -r "$T/a" --log "$T/tb-key.txt" > "$T/out"
is "$(jq -r .analysis.class "$T/out")" "missing-key" "a trace in the log is used when the evidence has none"

# A Node.js stack inside a JSON log line (pino) is unpacked and parsed.
printf '%s\n' '{"level":50,"time":1700000000000,"msg":"request failed","err":{"type":"TypeError","message":"Cannot read properties of undefined (reading '"'"'id'"'"')","stack":"TypeError: Cannot read properties of undefined (reading '"'"'id'"'"')\n    at getOrder (/srv/api/src/orders.js:12:20)\n    at /srv/api/node_modules/express/lib/router/route.js:149:13"}}' > "$T/pino.log"
python3 "$FIX/incident.py" inc_0000000000000324 | analyze --no-spool --log "$T/pino.log" > "$T/out"
is "$(jq -r '.analysis | [.class, .frames[0].function, .frames[0].line] | join(",")' "$T/out")" \
	"null-access,getOrder,12" "a stack inside a JSON log line is found"
is "$(jq -r '.analysis.frames[1].in_app' "$T/out")" "false" "node_modules frames are library frames"

# A traceback inside an HTML error page (a debug 500 page in a probe's detail).
python3 - "$T/tb-zero.txt" > "$T/html.json" <<'PY'
import html, json, sys
tb = open(sys.argv[1]).read()
page = "<html><body><h1>500</h1><pre>" + html.escape(tb, quote=True) + "</pre></body></html>"
print(json.dumps({"type": "incident", "incident": {"id": "inc_0000000000000325", "event": "open",
    "monitor": "shop", "summary": "GET / 500", "evidence": [{"type": "probe", "ok": False,
    "status": 500, "error": "status", "detail": page}]}}))
PY
analyze --no-spool -r "$T/repo" "$T/html.json" > "$T/out"
is "$(jq -r '.analysis | [.class, .frames[0].function] | join(",")' "$T/out")" "zero-division,average" \
	"a traceback in an HTML error page is found"

# Errors.
printf 'not json\n' | analyze --no-spool > /dev/null 2>&1
is "$?" "65" "a bad input line: exit 65"
MEND_ENGINE=bogus analyze --no-spool < /dev/null 2> /dev/null
is "$?" "64" "an unknown engine is a usage error"
