#!/usr/bin/env bash
# The heal corpus is sound: every case is complete, its service's own tests
# pass on the buggy code (the bug is one they miss), the broken state makes
# the failing request fail and the healthy one answers it; and the runner
# takes a case through the whole offline loop and judges it.
. "$(dirname "$0")/lib.sh"
command -v node >/dev/null || skip_all "node is not installed"
export PYTHONDONTWRITEBYTECODE=1
cases=$(ls -d "$TOP"/tests/heal/cases/python-*/ "$TOP"/tests/heal/cases/node-*/ | wc -l)
plan 12
ok "at least 20 Python and Node.js cases" test "$cases" -ge 20
bad=
for d in "$TOP"/tests/heal/cases/*/; do
	n=$(basename "$d")
	jq -e '.class and .lang and .serve and (.good | length > 0) and .fail and .expect.status and .expect.check' \
		"$d/case.json" >/dev/null || bad="$bad $n(case.json)"
	case $n in
	python-*|held-python-*) (cd "$d/src" && python3 -m unittest -q >/dev/null 2>&1) || bad="$bad $n(tests)" ;;
	node-*|held-node-*) (cd "$d/src" && node --test >/dev/null 2>&1) || bad="$bad $n(tests)" ;;
	*) ;;	# other languages: their own runners check them
	esac
done
is "$bad" "" "every case is complete and its own tests pass"
ok "both languages" test "$(ls -d "$TOP"/tests/heal/cases/python-*/ | wc -l)" -ge 10 -a \
	"$(ls -d "$TOP"/tests/heal/cases/node-*/ | wc -l)" -ge 10

# The held-out set: bugs from public reports, each naming its origin, in
# every language, marked so the runner counts them apart.
held=
langs=
for d in "$TOP"/tests/heal/cases/held-*/; do
	n=$(basename "$d")
	l=$(jq -r '.lang' "$d/case.json")
	langs="$langs $l"
	jq -e '.heldout == true and (.origin | test("^https://github\\.com/[^/]+/[^/]+/(issues|pull)/[0-9]+$"))' \
		"$d/case.json" >/dev/null && [ "${n#held-"$l"-}" != "$n" ] || held="$held $n"
done
is "$held" "" "every held-out case is marked, named held-LANG-NAME and says which bug report it comes from"
ok "at least 20 held-out cases" test "$(ls -d "$TOP"/tests/heal/cases/held-*/ | wc -l)" -ge 20
is "$(echo $langs | tr ' ' '\n' | sort -u | tr '\n' ' ')" "go java node php python ruby " \
	"held-out cases in all six languages"

# One case by hand: healthy it answers, broken it fails.
c=$TOP/tests/heal/cases/python-catalog-page-size-zero
cp -r "$c/state/good" "$T/state"
PORT=$(free_port)
(cd "$c/src" && STATE_DIR=$T/state PAGE_SIZE=0 PORT=$PORT exec python3 -B app.py 2>"$T/svc.err") & cleanup "kill $!"
wait_for 10 curl -s -o /dev/null "http://127.0.0.1:$PORT/products" || { echo "Bail out! no service"; exit 1; }
is "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/products?page=1")" 500 \
	"PAGE_SIZE=0 breaks the catalog"
like "$(cat "$T/svc.err")" "*ZeroDivisionError*catalog.py*" "with a traceback into the code"

# The runner, on a case it refuses and one it heals.
"$TOP/tests/heal/run" --json "$T/r.json" python-wsgi-points-null python-stats-no-orders \
	held-python-index-record-keyerror > "$T/out" 2>&1
is "$?" 0 "the runner runs"
is "$(jq -c '[.[] | select(.heldout | not) | [.case, .outcome, .confidence, .draft]]' "$T/r.json")" \
	'[["python-wsgi-points-null","refused",null,null],["python-stats-no-orders","correct",0.5,true]]' \
	"None + int from a null in the data is refused (no default may be invented); the empty average becomes null, right, but a draft (the answer lost a number)"
like "$(cat "$T/out")" "*0.50-0.69   1 PRs (0 ready), 1 correct: precision 1.00*failure -> PR: median*" \
	"it prints precision per confidence band and failure->PR time"
like "$(cat "$T/out")" "*all                 2 cases:*held-out cases (real bug reports, not tuned to):*all                 1 cases:*" \
	"held-out cases are counted apart from the rest"
