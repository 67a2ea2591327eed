#!/usr/bin/env bash
# analyze --engine rules, fix templates, end to end on the template cases of
# the heal corpus (tests/heal/cases/{tpl-*,ruby-*,go-*,java-*,php-*}): the
# trace each broken service printed becomes an analysis; where the case says
# a template applies, its diff applies to the service, and the patched
# service answers the failing request the way the case's judge wants (a
# clean 400/404, or the right answer); where the case says none may apply,
# there is no diff and the analysis says why.
. "$(dirname "$0")/lib.sh"

CASES=$TOP/tests/heal/cases
cases=()
for d in "$CASES"/*/; do
	[ -f "$d/trace.txt" ] && jq -e 'has("template")' "$d/case.json" >/dev/null && cases+=("$(basename "$d")")
done
napplied=$(for c in "${cases[@]}"; do jq -r '.template // empty' "$CASES/$c/case.json"; done | wc -l)
plan $(( napplied * 4 + (${#cases[@]} - napplied) * 2 + 1 ))
ok "the corpus has template cases in five languages" test "$(printf '%s\n' "${cases[@]}" |
	sed 's/^tpl-//; s/-.*//' | sort -u | tr '\n' ' ')" = "go java node php python ruby "

skip_one() { _n=$((_n + 1)); echo "ok $_n # skip $*"; }

# runtime LANG: the command a case's service needs, or nothing.
runtime() { case $1 in python) echo python3 ;; node) echo node ;; ruby) echo ruby ;; go) echo go ;;
	java) echo java ;; php) echo php ;; esac; }
# parser LANG: the parser analyze proves a patched file with.
parser() { case $1 in python) echo python3 ;; node) echo node ;; ruby) echo ruby ;; go) echo gofmt ;;
	java) echo java ;; php) echo php ;; esac; }

# answer DIR CASE: start the service in DIR, send the failing request,
# print "STATUS BODY" (STATUS 000 when it gave no answer).
answer() {
	local dir=$1 c=$CASES/$2/case.json port pid method path body out
	port=$(free_port)
	(cd "$dir" && PORT=$port exec sh -c "exec $(jq -r .serve "$c")") >"$T/svc.log" 2>&1 &
	pid=$!
	cleanup "kill $pid 2>/dev/null"
	wait_for 60 curl -s -o /dev/null "http://127.0.0.1:$port/" || { echo "000 service did not start"; return; }
	method=$(jq -r .fail.method "$c")
	path=$(jq -r .fail.path "$c")
	body=$(jq -r '.fail.body // empty' "$c")
	if [ "$method" = GET ]; then
		out=$(curl -s -o "$T/body" -w '%{http_code}' "http://127.0.0.1:$port$path")
	else
		out=$(curl -s -o "$T/body" -w '%{http_code}' -X "$method" --data-binary "$body" \
			"http://127.0.0.1:$port$path")
	fi
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	echo "$out $(cat "$T/body" 2>/dev/null)"
}

# judged CASE STATUS BODY: does the answer satisfy the case's expect?
judged() {
	python3 - "$CASES/$1/case.json" "$2" "$3" <<'PY'
import json, sys
c = json.load(open(sys.argv[1]))["expect"]
st = int(sys.argv[2])
try:
    d = json.loads(sys.argv[3] or "null")
except ValueError:
    d = None
ok = {"4xx": 400 <= st < 500, "2xx": 200 <= st < 300}.get(c["status"], st != 500)
try:
    ok = ok and bool(eval(c["check"], {"json": json}, {"d": d if d is not None else {}, "status": st}))
except Exception:
    ok = False
sys.exit(0 if ok else 1)
PY
}

for c in "${cases[@]}"; do
	cj=$CASES/$c/case.json
	lang=$(jq -r .lang "$cj")
	want=$(jq -r '.template // empty' "$cj")
	# The incident: the error record carrying the trace the service printed.
	jq -cn --arg tb "$(cat "$CASES/$c/trace.txt")" '{type: "incident", incident: {
		id: "inc_0000000000000920", event: "open", monitor: "svc", url: "http://127.0.0.1:9/",
		reason: "status", summary: "the service failed", evidence: [{type: "error",
		ts: "2026-11-24T06:00:00.000Z", monitor: "svc", message: "request failed",
		stacktrace: $tb, attributes: {}}]}}' > "$T/inc.json"
	rm -rf "$T/repo" && cp -r "$CASES/$c/src" "$T/repo"
	analyze --no-spool -r "$T/repo" "$T/inc.json" > "$T/out.json" 2> "$T/err"
	if [ -z "$want" ]; then
		is "$(jq -r .analysis.diff "$T/out.json")" "null" "$c: no diff (no template may apply)"
		is "$(jq '.analysis.templates | length > 0 and
			all(.applied == false and (.reason | length) > 10)' "$T/out.json")" "true" \
			"$c: the analysis says why each template declined"
		continue
	fi
	if ! command -v "$(parser "$lang")" >/dev/null; then
		for i in 1 2 3 4; do skip_one "$c: $(parser "$lang") is not installed"; done
		continue
	fi
	is "$(jq -r '[.analysis.templates[] | select(.applied) | .template] | join(",")' "$T/out.json")" \
		"$want" "$c: template $want applies"
	jq -r '.analysis.diff // empty' "$T/out.json" > "$T/fix.diff"
	ok "$c: the diff applies" git -C "$T/repo" apply "$T/fix.diff"
	if command -v "$(runtime "$lang")" >/dev/null; then
		a=$(answer "$T/repo" "$c")
		ok "$c: the patched service answers as the case wants (got $(printf %s "$a" |
			tr -s '\n\t ' ' ' | cut -c1-60))" \
			judged "$c" "${a%% *}" "${a#* }"
	else
		skip_one "$c: $(runtime "$lang") is not installed"
	fi
	case $lang in
	python) ok "$c: the project's own tests pass" sh -c "cd '$T/repo' && python3 -m unittest -q 2>/dev/null" ;;
	node) ok "$c: the project's own tests pass" sh -c "cd '$T/repo' && node --test >/dev/null 2>&1" ;;
	*) skip_one "$c: the project's own $lang tests are run by the heal runner, not here" ;;
	esac
done
