#!/usr/bin/env bash
# watch: one verdict per deploy from the records' own time; failures,
# latency and new errors make it worse; state in the spool makes runs
# from cron continue one another; bad lines are reported and skipped.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-watch.sh"
plan 31
v='[.verdict.worse, (.verdict.monitors[] | select(.monitor == "api") | .reason)]'

stream fail=1 > "$T/fail.jsonl"
watch -s "$T/s1" "$T/fail.jsonl" > "$T/out" 2> "$T/err"
is "$?" 0 "a worse deploy exits 0"
is "$(wc -l < "$T/out")" 1 "one verdict record"
is "$(jq -c "$v" "$T/out")" '[true,"56% of checks failed after the deploy, 0% before (p<0.001)"]' \
	"failures after the deploy: worse, with the test's p-value"
is "$(jq -c '.verdict.monitors[] | select(.monitor == "api") | [.before, .after]' "$T/out")" \
	'[{"checks":60,"failures":0,"fail_rate":0,"median_ms":43,"p95_ms":46},{"checks":9,"failures":5,"fail_rate":0.5556,"median_ms":41,"p95_ms":45}]' \
	"30 min before, 5 min after less the 60 s warm-up: checks, failures, rate, median, p95"
is "$(jq -c '[.type, .deploy.commit, .deploy.ts, .verdict.window_s, .verdict.baseline_s]' "$T/out")" \
	"[\"verdict\",\"$(printf 'a%.0s' {1..40})\",\"2026-11-24T10:30:00.000Z\",300,1800]" \
	"the record names the deploy and the windows"
is "$(jq -c '[.verdict.monitors[] | select(.monitor == "web") | .worse]' "$T/out")" '[false]' \
	"a monitor that did not change is not worse"
is "$(jq -r .verdict.verdict "$T/out")" worse "the verdict in a word"
like "$(jq -r .verdict.summary "$T/out")" "Deploy aaaaaaaaaaaa made things worse within 300 s: api: 56% of checks failed*" \
	"the summary says what got worse"
like "$(cat "$T/err")" "*made things worse*" "and so does stderr"

stream > "$T/good.jsonl"
watch -s "$T/s2" "$T/good.jsonl" > "$T/out" 2>/dev/null
is "$(jq -c "$v" "$T/out")" '[false,"no worse"]' "the same service without a change: not worse"
like "$(jq -r .verdict.summary "$T/out")" "*no monitor got worse within 300 s (2 compared*" "and says so"

stream ms=400 > "$T/slow.jsonl"
watch -s "$T/s3" "$T/slow.jsonl" > "$T/out" 2>/dev/null
is "$(jq -c "$v" "$T/out")" \
	'[true,"median latency 403 ms after, 43 ms before (p<0.001; 100% of checks after were slower than those before)"]' \
	"every check 360 ms slower: worse"
stream ms=80 > "$T/slower.jsonl"
watch -s "$T/s4" "$T/slower.jsonl" > "$T/out" 2>/dev/null
is "$(jq -c "$v" "$T/out")" '[false,"no worse"]' "40 ms slower only: not worse"

stream error=1 > "$T/err.jsonl"
watch -s "$T/s5" "$T/err.jsonl" > "$T/out" 2>/dev/null
is "$(jq -c "$v" "$T/out")" \
	'[true,"new error: TypeError at /srv/app/views.py in total"]' \
	"an error never seen in the baseline: worse"
is "$(jq -c '.verdict.monitors[] | select(.monitor == "api") | .new_errors' "$T/out")" \
	'["TypeError at /srv/app/views.py in total"]' "listed in new_errors (the old KeyError is not)"
stream error=once > "$T/err1.jsonl"
watch -s "$T/s5b" "$T/err1.jsonl" > "$T/out" 2>/dev/null
is "$(jq -c "$v" "$T/out")" '[false,"no worse; 1 new error seen once, not enough to call it worse"]' \
	"a new error seen once, early, is not evidence"

stream fail=1 > "$T/f.jsonl"
watch -s "$T/s6" --min-checks 12 "$T/f.jsonl" > "$T/out" 2>/dev/null
is "$(jq -c "$v" "$T/out")" '[false,"too few checks to compare (60 before, 9 after, 12 needed)"]' \
	"--min-checks: too few checks after the deploy decide nothing"
watch -s "$T/s7" --window 2m --baseline 10m --warmup 0 "$T/f.jsonl" > "$T/out" 2>/dev/null
is "$(jq -c '[.verdict.monitors[0].before.checks, .verdict.monitors[0].after.checks]' "$T/out")" \
	'[20,5]' "--window, --baseline and --warmup set the sides"

stream fail=1 monitors='["web"]' > "$T/m.jsonl"
watch -s "$T/s8" "$T/m.jsonl" > "$T/out" 2>/dev/null
is "$(jq -c '[.verdict.worse, [.verdict.monitors[].monitor]]' "$T/out")" '[false,["web"]]' \
	"the deploy's monitors list limits what is compared"

# Incomplete window: nothing printed, the deploy waits in the spool.
stream fail=1 end=1950 > "$T/part1.jsonl"
stream fail=1 from=1980 > "$T/part2.jsonl"
watch -s "$T/s9" "$T/part1.jsonl" > "$T/out" 2> "$T/err"
is "$?:$(wc -c < "$T/out")" "0:0" "a window not yet complete prints nothing"
like "$(cat "$T/err")" "*1 deploy waiting for 300 s of records*" "and says a deploy waits"
watch -s "$T/s9" "$T/part2.jsonl" > "$T/out" 2>/dev/null
watch -s "$T/s1b" "$T/fail.jsonl" > "$T/whole" 2>/dev/null
test_cmp "$T/whole" "$T/out" "the next run (a cron run) decides what one long run does"

# One run per line, as from cron every record: the same verdict.
: > "$T/lines"
while IFS= read -r line; do
	printf '%s\n' "$line" | watch -s "$T/s10" >> "$T/lines" 2>/dev/null
done < <(head -n 200 "$T/fail.jsonl"; tail -n +201 "$T/fail.jsonl" | head -n 30)
test_cmp "$T/whole" "$T/lines" "a run per record gives the same verdict"

watch -s "$T/s1" "$T/fail.jsonl" > "$T/out" 2>/dev/null
is "$?:$(wc -c < "$T/out")" "0:0" "a replay into the same spool judges no deploy twice"

# A merged pr record with an incident: the verdict joins its timeline.
stream fail=1 deploy=pr > "$T/pr.jsonl"
watch -s "$T/s11" "$T/pr.jsonl" > "$T/out" 2>/dev/null
is "$(jq -c '[.incident.id, .deploy.commit == ("a" * 40), .deploy.pr.branch, .verdict.worse]' "$T/out")" \
	'["inc_0000000000000f01",true,"mend/fix-inc_0000000000000f01",true]' \
	"a pr record with pr.merged_commit is a deploy; the verdict carries its incident"
is "$(spool -s "$T/s11" show inc_0000000000000f01 | jq -c '[.timeline[].type]')" '["verdict"]' \
	"and is appended to the incident's timeline"

# Bad lines: reported with FILE:LINE, skipped; the rest counts.
{ head -n 3 "$T/fail.jsonl"; echo 'not json'; echo '{"type":"probe","ok":true}';
  echo '{"type":"deploy","ts":"2026-11-24T10:00:00Z"}'; tail -n +4 "$T/fail.jsonl"; } > "$T/bad.jsonl"
watch -s "$T/s12" "$T/bad.jsonl" > "$T/out" 2> "$T/err"
is "$?" 65 "bad lines: exit 65"
like "$(cat "$T/err")" "*bad.jsonl:4:*bad.jsonl:5: probe record without monitor or a valid ts*bad.jsonl:6: deploy without a commit*" \
	"each reported as FILE:LINE: reason"
is "$(jq -c "$v" "$T/out")" '[true,"56% of checks failed after the deploy, 0% before (p<0.001)"]' "and the rest is judged"

# A spool that cannot be opened: 69.
touch "$T/notadir"
watch -s "$T/notadir/spool" "$T/fail.jsonl" > "$T/out" 2> "$T/err"
is "$?:$(wc -c < "$T/out")" "69:0" "a spool that cannot be opened: 69, nothing printed"
watch --window 0 < /dev/null 2> "$T/err"
is "$?" 64 "a zero --window is a usage error"
