#!/usr/bin/env bash
# detect: each rule opens and resolves, once; the incident's fields.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/servers/probe-records.sh"
plan 53

# consecutive failures
{ rec api 0 true; rec api 10 false; rec api 20 false; } > "$T/a"
detect "$T/a" > "$T/o1"
is "$?" 0 "detect exits 0"
is "$(wc -l < "$T/o1")" 1 "two failures in a row: one incident"
i() { jq -r ".incident | $1" "$T/o1"; }
is "$(jq -r .type "$T/o1")" incident "type incident"
like "$(i .id)" 'inc_[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]' "id is inc_ + 16 hex"
is "$(i '.id | length')" 20 "id length"
is "$(i '[.event,.monitor,.url,.reason,.class,.flapping] | @csv')" '"open","api","http://api.test/","down","status:5xx",false' "open fields"
is "$(i .summary)" "2 of 2 checks failed with HTTP 503 over 10 s" "summary says what happened"
is "$(i '[.first_seen,.last_seen] | @csv')" "\"$(ts 10)\",\"$(ts 20)\"" "first_seen: first failure, last_seen: the deciding one"
like "$(i .fingerprint)" '[0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f][0-9a-f]' "fingerprint is 16 hex"
is "$(i '[.evidence[] | .ts] | @csv')" "\"$(ts 0)\",\"$(ts 10)\",\"$(ts 20)\"" "evidence: the last records, whole"
is "$(i '.evidence[-1] | [.type,.status] | @csv')" '"probe",503' "evidence records intact"
id=$(i .id)
fp=$(i .fingerprint)

# still failing: no new incident; then recovery resolves it once
{ rec api 30 false; rec api 40 false; rec api 50 true; } > "$T/b"
detect "$T/b" > "$T/o2"
is "$(wc -l < "$T/o2")" 0 "still failing, one recovery: nothing new"
{ rec api 60 true; rec api 70 true; } > "$T/c"
detect "$T/c" > "$T/o3"
is "$(jq -r '.incident | [.event,.id] | @csv' "$T/o3")" "\"resolve\",\"$id\"" "recover-after 2: resolved, same id"
is "$(jq -r '.incident.summary' "$T/o3")" "recovered after 50 s: 2 checks in a row succeeded" "resolve summary"
is "$(jq -r '.incident.last_seen' "$T/o3")" "$(ts 60)" "resolve last_seen: the recovering check"
is "$(sqlite3 -cmd ".timeout 5000" "$MEND_SPOOL/mend.db" "select state || ' ' || fingerprint || ' ' || (resolved - opened) from incidents where id = '$id'")" "resolved $fp 50.0" "spool: the incident with its open and resolve times"
is "$(sqlite3 -cmd ".timeout 5000" "$MEND_SPOOL/mend.db" "select count(*) from timeline where incident = '$id'")" 2 "spool: open and resolve in the timeline"

# the next outage is a new episode: new id, same fingerprint
{ rec api 80 false; rec api 90 false; } | detect > "$T/o4"
is "$(jq -r '.incident | .id != "'"$id"'" and .fingerprint == "'"$fp"'"' "$T/o4")" true "new episode: new id, same fingerprint"
# the same failure class on another machine (another spool): same fingerprint
{ rec api 0 false; rec api 10 false; } | MEND_SPOOL=$T/other detect > "$T/o5"
is "$(jq -r .incident.fingerprint "$T/o5")" "$fp" "fingerprint stable across spools"
{ rec api 0 false 0 '"timeout"'; rec api 10 false 0 '"timeout"'; } | MEND_SPOOL=$T/other2 detect > "$T/o6"
is "$(jq -r '.incident | [.class, .fingerprint != "'"$fp"'"] | @csv' "$T/o6")" '"timeout",true' "another failure class: another fingerprint"
like "$(jq -r .incident.summary "$T/o6")" "2 of 2 checks failed with timeouts over 10 s" "timeout summary"

# --fail-after / one failure
export MEND_SPOOL=$T/s2
{ rec b 0 false; rec b 10 true; rec b 20 false; rec b 30 true; } | detect --flap 0 > "$T/o7"
is "$(wc -l < "$T/o7")" 0 "single failures open nothing"
{ rec c 0 false; rec c 10 false; } | detect --fail-after 3 > "$T/o8"
is "$(wc -l < "$T/o8")" 0 "--fail-after 3: two failures are not enough"
rec c 20 false | detect --fail-after 3 > "$T/o8"
is "$(jq -r .incident.summary "$T/o8")" "3 of 3 checks failed with HTTP 503 over 20 s" "--fail-after 3: the third opens"
{ rec c 30 true; rec c 40 true; } | detect --recover-after 3 > "$T/o9"
is "$(wc -l < "$T/o9")" 0 "--recover-after 3: two successes are not enough"
rec c 50 true | detect --recover-after 3 > "$T/o9"
is "$(jq -r .incident.event "$T/o9")" resolve "--recover-after 3: the third resolves"

# error rate: failing every other request never fails twice in a row
export MEND_SPOOL=$T/s3
for s in 0 10 20 30 40 50 60 70 80 90; do
	if [ $((s / 10 % 2)) = 0 ]; then rec d $s false; else rec d $s true; fi
done > "$T/alt"
detect --flap 0 "$T/alt" > "$T/o10"
is "$(wc -l < "$T/o10")" 0 "alternating failures: consecutive rule alone never opens"
MEND_SPOOL=$T/s4 detect --flap 0 --error-rate 40 "$T/alt" > "$T/o11"
is "$(jq -r '.incident | [.event,.reason] | @csv' "$T/o11")" '"open","error_rate"' "--error-rate 40 opens"
is "$(jq -r .incident.summary "$T/o11")" "3 of 5 checks failed (60%) over 40 s, the last with HTTP 503" "rate summary (after --min-samples 5)"
is "$(jq -r .incident.first_seen "$T/o11")" "$(ts 0)" "rate first_seen: oldest failure in the window"
MEND_SPOOL=$T/s5 detect --flap 0 --error-rate 40 --window 30s "$T/alt" > "$T/o12"
is "$(wc -l < "$T/o12")" 0 "--window 30s holds too few samples for the rate"
MEND_SPOOL=$T/s6 detect --flap 0 --error-rate 40 --min-samples 3 "$T/alt" > "$T/o13"
is "$(jq -r .incident.last_seen "$T/o13")" "$(ts 20)" "--min-samples 3 decides at the third check"

# latency: p95 over the window, never one slow check
export MEND_SPOOL=$T/s7
for s in 0 10 20 30 40 50 60 70 80; do rec e $s true 200 null 20; done > "$T/lat"
rec e 90 true 200 null 900 >> "$T/lat"
detect --latency 500 "$T/lat" > "$T/o14"
is "$(wc -l < "$T/o14")" 0 "one slow check of ten opens nothing"
for s in 100 110; do rec e $s true 200 null 900; done | detect --latency 500 > "$T/o15"
is "$(jq -r '.incident | [.reason,.class] | @csv' "$T/o15")" '"latency","latency"' "a slow p95 opens"
is "$(jq -r .incident.summary "$T/o15")" "p95 latency 900 ms over 11 checks in 100 s (limit 500 ms)" "latency summary: the second slow check decides"
for s in 120 130 140 150 160 170 180 190 200 210 220 230 240 250 260 270 280 290 300 310 320 330 340 350 360 370 380 390 400 410 420 430 440 450 460 470 480 490 500 510 520 530 540 550 560 570 580 590 600 610 620 630 640 650 660 670 680 690 700 710 720; do
	rec e $s true 200 null 20
done | detect --latency 500 > "$T/o16"
# nearest-rank p95 of 60 samples is the 57th: 3 slow ones no longer reach it
is "$(jq -r '.incident | [.event,.last_seen] | @csv' "$T/o16")" "\"resolve\",\"$(ts 590)\"" "resolved once the p95 is back under the limit"
{ rec f 0 true 200 null 900; rec f 10 true 200 null 900; } | detect --latency 500 > "$T/o17"
is "$(wc -l < "$T/o17")" 0 "too few samples for a p95"

# --when marks records failing
export MEND_SPOOL=$T/s8
{ rec g 0 true 200 null 3000; rec g 10 true 200 null 3000; } | detect --when '.ms > 2000' > "$T/o18"
is "$(jq -r '.incident | [.reason,.class,.summary] | @csv' "$T/o18")" '"down","when","2 of 2 checks failed with the --when condition over 10 s"' "--when opens"
detect --when '.ms >' < /dev/null 2> "$T/e18"
is "$?" 64 "bad --when: exit 64"
like "$(cat "$T/e18")" "detect: bad jq program*" "bad --when diagnostic"

# error records: one incident per exception type and innermost frame
export MEND_SPOOL=$T/s9
{ err web 0 ZeroDivisionError 9 div; err web 5 ZeroDivisionError 9 div; err web 6 KeyError 9 div;
  err web 7 ZeroDivisionError 12 other; rec web 8 true; } > "$T/errs"
detect "$T/errs" > "$T/o19"
is "$(jq -r '.incident | [.event,.reason,.exception,.frame] | @csv' "$T/o19" | tr '\n' ' ')" \
	'"open","exception","ZeroDivisionError","app.py:9 in div" "open","exception","KeyError","app.py:9 in div" "open","exception","ZeroDivisionError","app.py:12 in other" ' \
	"repeats deduplicated; type and innermost frame key the incident"
is "$(jq -r 'select(.incident.exception == "KeyError") | .incident.summary' "$T/o19")" 'KeyError: boom (at app.py:9 in div)' "error summary"
zfp=$(jq -r 'select(.incident.exception == "ZeroDivisionError") | .incident.fingerprint' "$T/o19" | head -1)
err web 700 ZeroDivisionError 9 div | MEND_SPOOL=$T/s10 detect > "$T/o20"
is "$(jq -r .incident.fingerprint "$T/o20")" "$zfp" "error fingerprint stable across spools"
{ rec web 300 true; rec web 605 true; rec web 610 true; } | detect > "$T/o21"
is "$(jq -r '.incident | [.event, .exception, .last_seen, .count] | @csv' "$T/o21" | sort | tr '\n' ' ')" \
	"\"resolve\",\"KeyError\",\"$(ts 6)\",1 \"resolve\",\"ZeroDivisionError\",\"$(ts 5)\",2 \"resolve\",\"ZeroDivisionError\",\"$(ts 7)\",1 " \
	"quiet for a window: resolved, dated by the last occurrence"
is "$(sqlite3 -cmd ".timeout 5000" "$MEND_SPOOL/mend.db" "select count(*) from state where ns = 'detect' and key like 'e:%'")" 0 \
	"resolved exception groups leave no state behind"

# bad lines and other records
export MEND_SPOOL=$T/s11
{ echo '{"type":"job","id":1}'; echo 'not json'; echo '{"type":"probe","ok":false}';
  rec h 0 false; echo '[1]'; rec h 10 false; } > "$T/bad"
detect "$T/bad" > "$T/o22" 2> "$T/e22"
is "$?" 65 "bad lines: exit 65"
is "$(jq -r .incident.monitor "$T/o22")" h "good records still used"
is "$(cut -d: -f1-3 "$T/e22" | tr '\n' ' ')" "detect: $T/bad:2 detect: $T/bad:3 detect: $T/bad:5 " "each bad line named with FILE:LINE"

# the fast path and libjq agree: an escaped name is the same monitor
export MEND_SPOOL=$T/s12
{ rec esc 0 false; rec esc 10 false | sed 's/"monitor":"esc"/"monitor":"\\u0065sc"/'; } > "$T/esc"
detect "$T/esc" > "$T/o23"
is "$(jq -r '.incident | [.monitor, (.evidence | length)] | @csv' "$T/o23")" '"esc",2' "\\u escapes: the same monitor"
# --evidence, and records without ok (status and error decide)
{ for s in 0 10 20 30; do printf '{"type":"probe","ts":"%s","monitor":"nook","status":%s}\n' "$(ts $s)" $((s < 20 ? 200 : 500)); done; } |
	MEND_SPOOL=$T/s13 detect --evidence 1 > "$T/o24"
is "$(jq -c '.incident | [.summary, (.evidence | map(.status))]' "$T/o24")" '["2 of 2 checks failed with HTTP 500 over 10 s",[500]]' "no ok field: status decides; --evidence 1"
# error records: frames as an array (innermost first), Java and Go traces
export MEND_SPOOL=$T/s14
{ printf '{"type":"error","ts":"%s","monitor":"m","exception":"E","stacktrace":[{"path":"a.c","line":3,"function":"f"},{"path":"b.c","line":9,"function":"g"}]}\n' "$(ts 0)"
  printf '{"type":"error","ts":"%s","monitor":"j","exception":"java.lang.NullPointerException","stacktrace":"java.lang.NullPointerException: x\\n\\tat com.acme.Foo.bar(Foo.java:42)\\n\\tat com.acme.Main.main(Main.java:7)\\n"}\n' "$(ts 0)"
  printf '{"type":"error","ts":"%s","monitor":"g","exception":"panic","stacktrace":"panic: boom\\n\\ngoroutine 1 [running]:\\nmain.f(0x1)\\n\\t/app/main.go:12 +0x1d\\nmain.main()\\n\\t/app/main.go:20 +0x25\\n"}\n' "$(ts 0)"
} | detect > "$T/o25"
is "$(jq -r '.incident.frame' "$T/o25" | tr '\n' '|')" "a.c:3 in f|com/acme/Foo.java:42 in com.acme.Foo.bar|/app/main.go:12 in main.f|" "innermost frames: array, Java, Go (parsed traces)"
is "$(jq -r .incident.exception "$T/o25" | tr '\n' ' ')" "E java.lang.NullPointerException panic " "exception types"
# not a probe or error record: ignored, not an error
echo '{"type":"incident","incident":{"id":"inc_0000000000000000"}}' | MEND_SPOOL=$T/s15 detect > "$T/o26"
is "$?:$(wc -l < "$T/o26")" "0:0" "other records are ignored"
