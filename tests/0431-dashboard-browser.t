#!/usr/bin/env bash
# The dashboard in a real browser (headless Chromium over the DevTools
# protocol, tests/servers/cdp.py): an incident appears and then resolves
# on the open page over Server-Sent Events while detect writes to the
# spool, without the page reloading; a PR stage arrives the same way.
# The same page with hostile incident text (<script>, "><img onerror>, a
# javascript: URL) runs none of it (each would set document.title) and
# shows it as text.  Screenshots at laptop and phone width are kept in
# $MEND_TEST_ARTIFACTS (default tests/artifacts/).  With scripts off, the
# page still lists everything and refreshes itself.
. "$(dirname "$0")/lib.sh"
command -v chromium >/dev/null || skip_all "chromium is not installed (scripts/install-deps installs it)"
. "$TOP/tests/servers/trigger.sh"
. "$TOP/tests/lib-dash.sh"
plan 18
export MEND_TRIGGER_SECRET=s3cr3t-0123456789-never-shown
art=${MEND_TEST_ARTIFACTS:-$TOP/tests/artifacts}
mkdir -p "$art"
start_trigger

pwn="document.title='pwned'"
evil="evil\"><img src=x onerror=\"$pwn\">"
{ probe_line shop true 18; probe_line shop true 25; probe_line api true 40; } | detect >/dev/null
break_monitor api "<script>$pwn</script>"
break_monitor "$evil" "<script>$pwn</script> \"><img src=x onerror=\"$pwn\">"
bad=$(spool incidents | jq -r 'select(.monitor | startswith("evil")) | .id')
like "$bad" "inc_*" "an incident with hostile text is in the spool"

# Scripts the browser driver runs between its steps.
cat >"$T/break" <<EOS
. "$TOP/tests/lib-dash.sh"; break_monitor shop
EOS
cat >"$T/heal" <<EOS
. "$TOP/tests/lib-dash.sh"; heal_monitor shop
EOS
# A pull request record as openpr stores it, with a javascript: URL.
cat >"$T/pr" <<EOS
sqlite3 "$MEND_SPOOL/mend.db" ".timeout 10000" "INSERT INTO timeline (incident, type, ts, record)
VALUES ('$bad', 'pr', strftime('%s', 'now'), json_object('type', 'pr', 'incident',
json_object('id', '$bad'), 'pr', json_object('forge', 'github', 'number', 7,
'url', 'javascript:$(printf %s "$pwn" | sed "s/'/''/g")', 'branch', 'mend/fix-$bad', 'created', json('true'))))"
EOS

python3 "$TOP/tests/servers/cdp.py" --profile "$T/chromium" \
	size 1280x800 open "$TRIG/" \
	wait "document.getElementById('live').textContent === 'live'" \
	eval "window.mark = 'same page'; document.title" \
	sh "bash $T/break" \
	wait "document.querySelector('#open') && /shop/.test(document.querySelector('#open').textContent)" \
	eval "window.mark" \
	sh "bash $T/heal" \
	wait "/shop/.test((document.querySelector('#resolved') || {}).textContent || '') && !/\\bshop\\b/.test((document.querySelector('#open') || {}).textContent || '')" \
	eval "window.mark" \
	sh "bash $T/pr" \
	wait "document.querySelector('#open .s-pr-open')" \
	eval "document.title" \
	shot "$art/dashboard-laptop.png" \
	size 390x844:mobile shot "$art/dashboard-phone.png" \
	size 1280x800 open "$TRIG/incident/$bad" \
	wait "document.getElementById('live').textContent === 'live'" \
	eval "document.title" \
	eval "document.querySelectorAll('img').length + ' ' + document.querySelectorAll('script').length" \
	eval "[...document.querySelectorAll('a')].filter(a => /^\\s*javascript:/i.test(a.getAttribute('href') || '')).length" \
	eval "document.body.innerText.includes(\"<script>$pwn</script>\") && document.body.innerText.includes('<img src=x onerror=')" \
	shot "$art/dashboard-incident-laptop.png" \
	size 390x844:mobile shot "$art/dashboard-incident-phone.png" \
	errors \
	size 1280x800 nojs open "$TRIG/" \
	eval "document.getElementById('live').textContent" \
	eval "/shop/.test(document.querySelector('#resolved').textContent) + ' ' + document.querySelectorAll('noscript meta[http-equiv=refresh]').length" \
	>"$T/cdp.out" 2>"$T/cdp.err"
rc=$?
is "$rc" 0 "the browser session ran every step"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$T/cdp.out" "$T/cdp.err" "$T/chromium/chromium.log" 2>/dev/null | tail -40
evals() { sed -n 's/^eval: //p' "$T/cdp.out" | sed -n "$1p"; }
like "$(cat "$T/cdp.out")" "*wait: document.getElementById('live')*" "the page says it is live (its event stream is open)"
like "$(cat "$T/cdp.out")" "*wait: document.querySelector('#open') && /shop/*" "a new incident appears on the open page"
is "$(evals 2)" '"same page"' "without a reload"
like "$(cat "$T/cdp.out")" "*wait: /shop/.test*" "then it moves to resolved"
is "$(evals 3)" '"same page"' "still without a reload"
like "$(cat "$T/cdp.out")" "*wait: document.querySelector('#open .s-pr-open')*" "a pull request shows as 'PR open'"
is "$(evals 4)" '"mend: incidents open"' "no hostile script ran on the list (document.title)"
like "$(evals 5)" '"evil\\"><img src=x onerror=*' "the incident page's title is the monitor's name, as text"
is "$(evals 6)" '"0 1"' "no <img> was made from the text, and the only script is /dashboard.js"
is "$(evals 7)" 0 "no javascript: link"
is "$(evals 8)" true "the hostile text is shown as text"
is "$(sed -n 's/^errors: //p' "$T/cdp.out")" "[]" "no script errors and no CSP violations"
is "$(evals 9)" '"not live: refresh"' "without JavaScript the page says it is not live and links to a refresh"
is "$(evals 10)" '"true 1"' "and still lists the incidents, and refreshes itself"
ok "a screenshot at laptop width" test -s "$art/dashboard-laptop.png"
ok "and at phone width" test -s "$art/dashboard-phone.png"
