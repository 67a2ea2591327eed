#!/usr/bin/env bash
# sample: metric records from a /metrics endpoint (Prometheus text and
# OpenMetrics), a process by pid and by name, a cgroup v2 directory and a
# disk; "up" for every target; cycles; bad target lines.
. "$(dirname "$0")/lib.sh"
plan 22

F=$TOP/tests/fixtures/metrics
P=$(free_port)
python3 -m http.server --bind 127.0.0.1 --directory "$F" "$P" >/dev/null 2>&1 &
cleanup "kill $!"
wait_for 10 curl -sf -o /dev/null "http://127.0.0.1:$P/openmetrics.txt"
B=http://127.0.0.1:$P
pick() { jq -c "select(.name == \"$1\") | $2" "$T/out"; }

echo "$B/prometheus-text.txt name=shop metrics=http_requests_total,request_duration_seconds_*,queue_depth" |
	sample > "$T/out"
is "$?" 0 "sample reads a /metrics endpoint"
is "$(pick process_resident_memory_bytes '[.value, .kind, .monitor, .target]')" \
	"[42504192,\"gauge\",\"shop\",\"$B/prometheus-text.txt\"]" "resident memory, a gauge, with monitor and target"
is "$(pick process_cpu_seconds_total '[.value, .kind]')" '[12.47,"counter"]' "CPU seconds, a counter (# TYPE)"
is "$(pick process_open_fds .value)" 23 "open fds"
is "$(pick process_virtual_memory_bytes .value)" "" "metrics not asked for are left out"
is "$(pick http_requests_total '[.labels.status, .value]' | paste -sd' ')" '["200",1027] ["500",31] ["200",3]' \
	"metrics= names bring their labelled series"
is "$(pick http_requests_total '.labels.route' | sed -n 3p)" '"/say \"hi\"\nnow"' "label values unescaped"
is "$(pick request_duration_seconds_count .kind),$(pick request_duration_seconds_bucket .kind | sort -u)" \
	'"counter","counter"' "a histogram's _count and _bucket series are counters (patterns match)"
is "$(pick queue_depth .value)" "" "NaN is not a JSON number: the sample is left out"
is "$(pick up '[.value, .error]')" '[1,null]' "up 1"

echo "$B/openmetrics.txt name=worker metrics=jobs_failed_total" | sample > "$T/out"
is "$(pick jobs_failed_total '[.value, .kind, .labels.queue]')" '[17,"counter","mail"]' \
	"OpenMetrics: a counter's _total sample, its TYPE named without _total"
is "$(pick process_resident_memory_bytes .value)" 88000000 "a sample with a timestamp"

Q=$(free_port)
echo "http://127.0.0.1:$Q/metrics name=gone" | sample > "$T/out"
like "$(pick up '[.value, .error]')" '\[0,"*"\]' "a target that does not answer is up 0, saying why"
echo "$B/nope.txt name=missing" | sample > "$T/out"
is "$(pick up '[.value, .error]')" '[0,"HTTP 404"]' "a 404 is up 0"

echo "pid:$$ name=me" | sample > "$T/out"
is "$(jq -s 'map(select(.name == "process_resident_memory_bytes" or .name == "process_open_fds") | .value > 0) | all' "$T/out")" \
	true "pid: resident memory and open fds of a live process"
is "$(pick process_cpu_seconds_total .kind)" '"counter"' "and its CPU seconds"

bash -c 'exec -a mend-sample-probe sleep 300' &
sp=$!
cleanup "kill $sp"
wait_for 10 grep -q mend-sample-probe "/proc/$sp/cmdline"
echo "process:mend-sample-probe" | sample > "$T/out"
is "$(pick process_count .value),$(pick up .value)" "1,1" "process: finds a process by its name"

mkdir -p "$T/cg"
printf '104857600\n' > "$T/cg/memory.current"
printf 'max\n' > "$T/cg/memory.max"
printf 'usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\n' > "$T/cg/cpu.stat"
printf '7\n' > "$T/cg/pids.current"
printf 'low 0\nhigh 0\nmax 0\noom 1\noom_kill 1\n' > "$T/cg/memory.events"
echo "cgroup:$T/cg name=svc" | sample > "$T/out"
is "$(jq -c 'select(.name != "up") | [.name, .value]' "$T/out" | paste -sd' ')" \
	'["cgroup_memory_bytes",104857600] ["cgroup_cpu_seconds_total",2.5] ["cgroup_pids",7] ["cgroup_oom_kills_total",1]' \
	"cgroup: memory, CPU seconds, pids and OOM kills (no limit: no max record)"

echo "disk:/ name=root" | sample > "$T/out"
is "$(pick disk_used_ratio '.value >= 0 and .value <= 1')" true "disk: the used share of a file system"

printf 'pid:%s\n' $$ | sample -n 2 -e 0.2 > "$T/out"
is "$(pick up .ts | sort -u | wc -l | tr -d ' ')" 2 "-n 2 -e 0.2: two cycles, each its own time"

printf 'pid:%s\nftp://nope\nunit:x.service name=a b\n' $$ > "$T/targets"
sample "$T/targets" > "$T/out" 2> "$T/err"
is "$?" 65 "bad target lines: exit 65"
is "$(cat "$T/err")" "sample: $T/targets:2: 'ftp://nope' is not a target: want a /metrics URL, pid:N, process:NAME, unit:NAME, cgroup:DIR or disk:PATH
sample: $T/targets:3: unknown option 'b': want name=, metrics= or timeout=" "named by file and line; the good target is still read"
