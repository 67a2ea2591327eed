#!/usr/bin/env bash
# bench/otlp.sh - spans/s that otlp ingests from a load generator (wrk,
# POSTing a batch of 100 spans, one in ten with an exception event, as the
# SDKs' batch processors send them), against the loopback ceiling: the same
# wrk and the same body against nginx answering 200 without reading more.
# otlp's records go through a pipe to `wc -l`, as they would to detect.
#
# otlp reads JSON with a streaming pass that cuts the healthy spans out
# before jq parses the rest (lib/otlp_json.c); MEND_BASE_BIN=DIR adds, in
# the same run, the otlp in DIR (one built from a tree before that change,
# which parsed the whole body with jq) as "before".
#
#   tests/bench/otlp.sh [SECONDS]      (default 5 per run)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${MEND_BIN:-$top/bin}
secs=${1:-5}
spans=100
for p in wrk nginx; do
	command -v "$p" >/dev/null || sudo=$( [ "$(id -u)" = 0 ] || echo sudo ) ||
		true
done
if ! command -v wrk >/dev/null || ! command -v nginx >/dev/null; then
	${sudo:-} apt-get install -y -qq wrk nginx-light >/dev/null
fi
T=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$T"; }
trap cleanup EXIT
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
up() { for _ in $(seq 100); do curl -s -o /dev/null "$1" && return 0; sleep 0.05; done; return 1; }

# One export request: 100 spans of one service, every tenth failed with a
# Python traceback, as an SDK's batch would carry them.
python3 "$top/tests/servers/otlp-batch.py" "$spans" >"$T/body.json"
gzip -c "$T/body.json" >"$T/body.json.gz"
# The same request in the protobuf encoding.
python3 "$top/tests/servers/otlp-json2txtpb.py" "$T/body.json" |
	protoc --encode=otlp.ExportTraceServiceRequest --proto_path="$top/proto" "$top/proto/otlp.proto" >"$T/body.pb"
gzip -c "$T/body.pb" >"$T/body.pb.gz"

# wrk's POST script: the body from a file, optionally gzip.
cat >"$T/post.lua" <<'LUA'
local f = assert(io.open(os.getenv("BODY"), "rb"))
wrk.method = "POST"
wrk.body = f:read("*a")
f:close()
wrk.headers["Content-Type"] = os.getenv("CT") or "application/json"
if os.getenv("GZIP") == "1" then wrk.headers["Content-Encoding"] = "gzip" end
function done(summary, latency, requests)
	io.write(string.format("RESULT %d %d %d\n", summary.requests,
		summary.errors.status + summary.errors.connect + summary.errors.read +
		summary.errors.write + summary.errors.timeout, summary.duration))
end
LUA

# run URL BODY GZIP [CONTENT-TYPE]: requests/s, failing on any error.
run() {
	local out n errs us
	out=$(BODY=$2 GZIP=$3 CT=${4:-application/json} wrk -t1 -c8 -d"${secs}s" -s "$T/post.lua" "$1")
	read -r _ n errs us < <(grep '^RESULT' <<<"$out")
	[ "$errs" -eq 0 ] || { echo "bench: $errs errors against $1" >&2; echo "$out" >&2; exit 1; }
	echo $(( n * 1000000 / us ))
}

# The ceiling: nginx, one worker, answering every POST with 200.
np=$(port)
mkdir -p "$T/nginx"
cat >"$T/nginx/nginx.conf" <<NGX
daemon off;
worker_processes 1;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 256; }
http {
	access_log off;
	client_body_temp_path $T/nginx;
	client_max_body_size 64m;
	client_body_buffer_size 1m;
	server {
		listen 127.0.0.1:$np;
		location / { return 200 '{}'; }
	}
}
NGX
nginx -p "$T/nginx" -c "$T/nginx/nginx.conf" &
pids+=($!)
up "http://127.0.0.1:$np/"

op=$(port)
"$bin/otlp" --listen "127.0.0.1:$op" 2>/dev/null > >(wc -l >"$T/records") &
pids+=($!)
up "http://127.0.0.1:$op/"

if [ -n "${MEND_BASE_BIN:-}" ]; then
	ob=$(port)
	"$MEND_BASE_BIN/otlp" --listen "127.0.0.1:$ob" 2>/dev/null >/dev/null &
	pids+=($!)
	up "http://127.0.0.1:$ob/"
fi

op2=$(port)
"$bin/otlp" --listen "127.0.0.1:$op2" --threads 2 2>/dev/null >/dev/null &
pids+=($!)
up "http://127.0.0.1:$op2/"

# The JSON parsing ceiling: jq (libjq, the parser otlp uses) parsing the
# same body, nothing else, 200 times.
for _ in $(seq 200); do cat "$T/body.json"; done >"$T/bodies.jsonl"
t0=$(date +%s.%N)
jq empty "$T/bodies.jsonl"
t1=$(date +%s.%N)
parse=$(echo "200 / ($t1 - $t0)" | bc)

bytes=$(wc -c <"$T/body.json")
gzbytes=$(wc -c <"$T/body.json.gz")
pbbytes=$(wc -c <"$T/body.pb")
echo "otlp ingest: $spans spans per request ($bytes bytes JSON, $gzbytes gzip, $pbbytes protobuf), wrk -t1 -c8, ${secs}s runs"
ceiling=$(run "http://127.0.0.1:$np/v1/traces" "$T/body.json" 0)
plain=$(run "http://127.0.0.1:$op/v1/traces" "$T/body.json" 0)
[ -z "${MEND_BASE_BIN:-}" ] || before=$(run "http://127.0.0.1:$ob/v1/traces" "$T/body.json" 0)
gz=$(run "http://127.0.0.1:$op/v1/traces" "$T/body.json.gz" 1)
threads2=$(run "http://127.0.0.1:$op2/v1/traces" "$T/body.json" 0)
pb=$(run "http://127.0.0.1:$op/v1/traces" "$T/body.pb" 0 application/x-protobuf)
pbgz=$(run "http://127.0.0.1:$op/v1/traces" "$T/body.pb.gz" 1 application/x-protobuf)
pb2=$(run "http://127.0.0.1:$op2/v1/traces" "$T/body.pb" 0 application/x-protobuf)
line() { printf '%-40s %7d req/s %9d spans/s  %5.3fx ceiling  %4.2fx jq parse\n' "$1" "$2" \
	$(($2 * spans)) "$(echo "$2 / $ceiling" | bc -l)" "$(echo "$2 / $parse" | bc -l)"; }
printf '%-40s %7d req/s %9d spans/s\n' "loopback ceiling (nginx, 200, body drained)" "$ceiling" $((ceiling * spans))
printf '%-40s %7d req/s %9d spans/s\n' "jq parse only (jq empty, one core)" "$parse" $((parse * spans))
[ -z "${MEND_BASE_BIN:-}" ] || line "otlp before (MEND_BASE_BIN), JSON" "$before"
line "otlp, JSON" "$plain"
line "otlp, JSON + gzip" "$gz"
line "otlp --threads 2, JSON" "$threads2"
line "otlp, protobuf" "$pb"
line "otlp, protobuf + gzip" "$pbgz"
line "otlp --threads 2, protobuf" "$pb2"
[ -z "${MEND_BASE_BIN:-}" ] || printf 'JSON now / before: %.2fx; JSON / protobuf: %.2fx\n' \
	"$(echo "$plain / $before" | bc -l)" "$(echo "$plain / $pb" | bc -l)"
# Every tenth span failed: check the records the single-threaded otlp wrote.
kill "${pids[1]}"
wait "${pids[1]}" 2>/dev/null || true
sleep 0.2
echo "error records written by otlp: $(cat "$T/records") for $(( (plain + gz + pb + pbgz) * secs * spans / 10 )) failed spans (approx.)"
