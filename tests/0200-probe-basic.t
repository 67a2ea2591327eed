#!/usr/bin/env bash
# probe: one record per target, each field a user relies on, per failure kind.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/servers/probe-env.sh"
plan 42

start_http web
B=http://127.0.0.1:$PORT
DEAD=$(free_port)
cat > "$T/urls" <<EOF2
# a comment, then a blank line

$B/ok contains=hello
$B/503
$B/500 name=api-500
$B/hang timeout=300ms
$B/close
$B/redirect
$B/redirect follow=yes name=followed
http://127.0.0.1:$DEAD/ name=dead
http://nothing.invalid/ name=nodns timeout=3s
$B/ok contains=absent name=nobody
$B/503 expect=500-503,2xx name=want503
$B/echo method=post body=ping "header=X-Mend: yes" contains="X-Mend" name=echo
$B/ok method=HEAD name=head
http://user:s3cret@127.0.0.1:$PORT/ok name=secret
EOF2
probe "$T/urls" > "$T/out" 2> "$T/err"
is "$?" 0 "probe exits 0 when checks fail (failures are data)"
is "$(wc -l < "$T/out")" 14 "one record per target"
is "$(cat "$T/err")" "" "nothing on stderr"
r() { jq -c "select(.monitor == \"$1\") | $2" "$T/out"; }
is "$(r "127.0.0.1:$PORT/ok" '[.type,.url,.method,.ok,.status,.bytes,.error,.detail]')" \
	"[\"probe\",\"$B/ok\",\"GET\",true,200,22,null,\"HTTP 200\"]" "ok: the fields"
like "$(r "127.0.0.1:$PORT/ok" .ts)" '"20[0-9][0-9]-[01][0-9]-[0-3][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9]Z"' "ts is RFC 3339 UTC with ms"
is "$(r "127.0.0.1:$PORT/ok" '.timings | keys_unsorted')" '["dns","connect","tls","ttfb","total"]' "timings split"
is "$(r "127.0.0.1:$PORT/ok" '(.ms > 0) and (.ms == .timings.total) and (.timings.connect > 0) and (.timings.ttfb > 0) and .timings.tls == null')" true "timings are numbers, tls null over http"
is "$(r "127.0.0.1:$PORT/ok" 'has("cert_days")')" false "no cert_days over http"
is "$(r "127.0.0.1:$PORT/ok" '.source | type')" '"string"' "source names the prober"
is "$(r "127.0.0.1:$PORT/503" '[.ok,.status,.error,.detail]')" '[false,503,"status","HTTP 503, expected 200-399"]' "503 is a status failure"
is "$(r api-500 '[.ok,.status,.error]')" '[false,500,"status"]' "500 with name= as monitor"
is "$(r "127.0.0.1:$PORT/hang" '[.ok,.status,.error]')" '[false,0,"timeout"]' "hang times out"
is "$(r "127.0.0.1:$PORT/hang" '(.ms >= 290 and .ms < 2000)')" true "after the target's timeout"
like "$(r "127.0.0.1:$PORT/hang" .detail)" '*timed out*' "timeout detail"
is "$(r "127.0.0.1:$PORT/close" '[.ok,.status,.error]')" '[false,0,"http"]' "closed connection is an http error"
like "$(r "127.0.0.1:$PORT/close" .detail)" '*Empty reply*' "closed connection detail"
is "$(r "127.0.0.1:$PORT/redirect" '[.ok,.status,.location]')" "[true,302,\"$B/ok\"]" "redirect not followed by default"
is "$(r followed '[.ok,.status,.redirects,.bytes]')" '[true,200,1,22]' "follow=yes follows"
is "$(r dead '[.ok,.status,.error]')" '[false,0,"connect"]' "refused connection"
like "$(r dead .detail)" "*127.0.0.1 port $DEAD*" "connect detail names the port"
is "$(r nodns '[.ok,.status,.error]')" '[false,0,"dns"]' "unresolvable name"
is "$(r nobody '[.ok,.status,.error,.detail]')" "[false,200,\"body\",\"HTTP 200, body does not contain 'absent'\"]" "contains= missing is a body failure"
is "$(r want503 '[.ok,.status,.error]')" '[true,503,null]' "expect= ranges"
is "$(r echo '[.ok,.method,.status]')" '[true,"POST",200]' "method, body and header sent"
is "$(r head '[.ok,.method,.bytes]')" '[true,"HEAD",0]' "HEAD has no body"
is "$(r secret .url)" "\"http://user:***@127.0.0.1:$PORT/ok\"" "password masked in url"
not_ok "password nowhere in output" grep -q s3cret "$T/out"

# The echo endpoint reflects what was sent: check it directly too.
printf '%s\n' "$B/echo method=PUT body=hello \"header=X-Mend: yes\" contains='X-Mend\": \"yes' name=put" > "$T/put"
echo "$B/echo body=hello contains=\"\\\"method\\\": \\\"POST\\\"\" name=post" >> "$T/put"
probe "$T/put" > "$T/out2"
is "$(jq -c '[.monitor,.ok]' "$T/out2" | sort | tr -d '\n')" '["post",true]["put",true]' "body alone means POST; PUT with header"

# JSON target lines, and bad lines: diagnostics with FILE:LINE, rest still probed.
cat > "$T/mixed" <<EOF2
{"url":"$B/ok","name":"json","expect":[200,"204"],"header":["X-A: 1"],"contains":"hello","timeout":2}
not-a-url
$B/ok bogus=1
$B/ok expect=abc
ftp://127.0.0.1/
{"url":"$B/ok","name":
$B/ok name=last
EOF2
probe "$T/mixed" > "$T/out3" 2> "$T/err3"
is "$?" 65 "bad lines: exit 65"
is "$(jq -c '[.monitor,.ok]' "$T/out3" | sort | tr -d '\n')" '["json",true]["last",true]' "good lines still probed"
is "$(wc -l < "$T/err3")" 5 "one diagnostic per bad line"
like "$(sed -n 1p "$T/err3")" "probe: $T/mixed:2: bad URL 'not-a-url'*" "diagnostic names FILE:LINE"
like "$(sed -n 2p "$T/err3")" "probe: $T/mixed:3: unknown key 'bogus'" "unknown key"
like "$(sed -n 3p "$T/err3")" "probe: $T/mixed:4: bad expect 'abc'*" "bad expect"
like "$(sed -n 4p "$T/err3")" "probe: $T/mixed:5: *only http and https*" "other schemes refused"
like "$(sed -n 5p "$T/err3")" "probe: $T/mixed:6: bad JSON*" "bad JSON line"

# records are written by hand, not by libjq: escaping and UTF-8
{ printf '%s\n' "$B/ok name='q\"uo\\te	tab'"
  printf '%s name=caf\303\251\n' "$B/ok"
  printf '%s name=bad\377byte\n' "$B/ok"; } > "$T/esc"
probe "$T/esc" > "$T/out6"
is "$(jq -r .monitor "$T/out6" | sort | od -An -c | tr -s ' \n' ' ')" \
	"$(printf 'bad\357\277\275byte\ncaf\303\251\nq"uo\\te\ttab\n' | sort | od -An -c | tr -s ' \n' ' ')" \
	"quotes, backslashes and tabs escaped; UTF-8 kept; invalid bytes become U+FFFD"
is "$(jq -c . "$T/out6" | wc -l)" 3 "every line is valid JSON"

# stdin, missing files, usage.
echo "$B/ok" | probe > "$T/out4"
is "$(jq -r .monitor "$T/out4")" "127.0.0.1:$PORT/ok" "targets from stdin"
probe "$T/nope" 2> "$T/err5" > /dev/null
is "$?" 66 "missing file: exit 66"
like "$(cat "$T/err5")" "probe: cannot open '$T/nope': No such file*" "missing file diagnostic"
probe -c 0 < /dev/null 2>/dev/null
is "$?" 64 "bad option: exit 64"
