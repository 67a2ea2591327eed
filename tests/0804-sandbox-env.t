#!/usr/bin/env bash
# Issue 9, attack 3: secrets the deny-list did not know (webhook URLs,
# any *_KEY / *_TOKEN / *_SECRET, an sk_live_ value under a plain name)
# reached the tests.  Now their environment is an allow-list: PATH,
# LANG, LC_*, TERM, TZ, HOME, PWD, what testloop sets, and the names
# the user lists in MEND_SANDBOX_ENV (never one of mend's credentials).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sandbox.sh"
need_bwrap
plan 8
sandbox_patch inc_0000000000000804

bare SLACK_WEBHOOK_URL=https://hooks.example.invalid/T0/B0/slacksecret \
	DISCORD_WEBHOOK=https://discord.example.invalid/api/webhooks/1/discordsecret \
	STRIPE_KEY=sk_live_keysecret MY_TOKEN=tokensecret APP_SECRET=appsecret \
	PAYMENTS=sk_live_plainsecret LANG=C.UTF-8 LC_ALL=C TZ=UTC TERM=dumb \
	MEND_FORGE_TOKEN=forgesecret MEND_GIT_TOKEN=gitsecret \
	testloop -t env -n 1 "$T/patch.json" > "$T/out" 2> "$T/err"
is "$(jq -r .testrun.passed "$T/out")" true "the test ran"
testloop_log "$T/out" | grep -E '^[A-Za-z_][A-Za-z0-9_]*=' > "$T/env"
not_ok "no secret value reaches the tests" grep -q secret "$T/env"
cut -d= -f1 "$T/env" | sort > "$T/names"
printf '%s\n' CI HOME LANG LC_ALL MEND_TESTLOOP PATH PWD TERM TMPDIR TZ > "$T/expected"
test_cmp "$T/expected" "$T/names" "only the allow-listed names"
ok "PWD is the checkout" grep -qx "PWD=$WD" "$T/env"

PLAIN=visible MEND_SANDBOX_ENV=PLAIN,NOT_SET testloop -t env -n 1 "$T/patch.json" > "$T/out2" 2>/dev/null
ok "a name in MEND_SANDBOX_ENV is passed" grep -qx PLAIN=visible <<<"$(testloop_log "$T/out2")"

for name in MEND_FORGE_TOKEN MEND_GIT_TOKEN GITHUB_TOKEN MEND_TRIGGER_SECRET; do
	env "$name=owncredential" MEND_SANDBOX_ENV="PLAIN,$name" \
		testloop -t env -n 1 "$T/patch.json" > "$T/out3" 2> "$T/err3"
	echo "$? $(grep -c "'$name' is mend's own credential" "$T/err3") $(wc -c < "$T/out3")"
done > "$T/refused"
printf '64 1 0\n64 1 0\n64 1 0\n64 1 0\n' > "$T/refused.expected"
test_cmp "$T/refused.expected" "$T/refused" \
	"mend's own credentials in MEND_SANDBOX_ENV are refused (exit 64, clear message, no run)"

MEND_SANDBOX_ENV='BAD-NAME' testloop -t env -n 1 "$T/patch.json" > /dev/null 2> "$T/err4"
is "$?" 64 "a bad name in MEND_SANDBOX_ENV is a usage error"

# The replayed service gets the allow-list too, with PORT.
bare testloop -t true -n 1 --serve 'env; exec python3 app.py' "$T/patch.json" > "$T/out5" 2>/dev/null
grep -E '^[A-Za-z_][A-Za-z0-9_]*=' "$MEND_SPOOL/logs/serve-inc_0000000000000804.log" |
	cut -d= -f1 | sort -u > "$T/names5"
printf '%s\n' HOME PATH PORT PWD TMPDIR > "$T/expected5"
test_cmp "$T/expected5" "$T/names5" "the service under replay sees the allow-list and PORT"
