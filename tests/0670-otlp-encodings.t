#!/usr/bin/env bash
# otlp: the same export requests in the JSON and the protobuf encoding give
# the same records.  The requests: the fixtures, SDK-sized batches (healthy
# items, which otlp's JSON reader cuts out before parsing, around failed
# ones), and what the real OpenTelemetry JS SDK's JSON exporters send
# (captured here, then encoded with protoc --encode).
. "$(dirname "$0")/lib.sh"
command -v protoc >/dev/null || skip_all "protoc is not installed (scripts/install-deps)"
command -v jq >/dev/null || skip_all "jq is not installed"
N=$TOP/tests/node
plan 19

. "$TOP/tests/lib-otlp.sh"
otlp_start

# records SIGNAL FILE CONTENT-TYPE: the records otlp makes of one request
# (otlp writes a request's records before it answers).
records() {
	: >"$T/out"
	curl -sf -o /dev/null -H "Content-Type: $3" --data-binary "@$2" \
		"http://127.0.0.1:$P/v1/$1" || echo "POST $2 failed" >>"$T/out"
	jq -c . "$T/out"
}
# pair SIGNAL JSONFILE NAME: the records of the JSON request in
# $T/NAME.json.out, those of its protobuf encoding in $T/NAME.pb.out.
pair() {
	local msg=ExportTraceServiceRequest
	[ "$1" = logs ] && msg=ExportLogsServiceRequest
	otlp_encode "$msg" "$2" "$T/$3.pb"
	records "$1" "$2" application/json >"$T/$3.json.out"
	records "$1" "$T/$3.pb" application/x-protobuf >"$T/$3.pb.out"
}
# both SIGNAL JSONFILE NAME: pair, and the two compared.
both() {
	pair "$@"
	test_cmp "$T/$3.json.out" "$T/$3.pb.out" "$3: the same records from JSON and protobuf"
}

both traces "$F/trace-errors.json" trace-errors
both logs "$F/logs-errors.json" logs-errors
both traces "$F/trace.json" trace
both logs "$F/logs.json" logs
is "$(cat "$T"/{trace-errors,logs-errors,trace,logs}.json.out | wc -l | tr -d ' ')" 6 \
	"(the fixtures make 6 records: 3 from failed spans, 3 from ERROR logs)"

# Batches: 1000 items, one in ten failed.
python3 "$TOP/tests/servers/otlp-batch.py" 1000 traces >"$T/batch-traces.json"
python3 "$TOP/tests/servers/otlp-batch.py" 1000 logs >"$T/batch-logs.json"
both traces "$T/batch-traces.json" batch-traces
both logs "$T/batch-logs.json" batch-logs
is "$(wc -l <"$T/batch-traces.json.out" | tr -d ' ')" 100 "a batch of 1000 spans: the 100 failed ones are records"
is "$(wc -l <"$T/batch-logs.json.out" | tr -d ' ')" 100 "a batch of 1000 log records: the 100 ERROR ones are records"
is "$(jq -r '[.exception, .message, .trace_id] | join(" ")' "$T/batch-traces.json.out" | sort -u | wc -l | tr -d ' ')" 100 \
	"each with its own trace id"
# Pretty-printed, and with healthy spans of every shape otlp_json.c reads
# (status by name, severity by name, snake_case, ids in upper case).
jq . "$T/batch-traces.json" >"$T/pretty.json"
records traces "$T/pretty.json" application/json >"$T/pretty.out"
test_cmp "$T/batch-traces.json.out" "$T/pretty.out" "pretty-printed: the same records"
jq '.resourceSpans[0].scopeSpans[0].spans |= map(.status.code |= (if . == 2 then "STATUS_CODE_ERROR" else "STATUS_CODE_OK" end) | .traceId |= ascii_upcase)' \
	"$T/batch-traces.json" >"$T/named.json"
both traces "$T/named.json" named
test_cmp "$T/batch-traces.json.out" "$T/named.json.out" "enum names and upper-case ids: the same records again"
jq '.resourceLogs[0].scopeLogs[0].logRecords |= map(.severityNumber |= (if . >= 17 then "SEVERITY_NUMBER_ERROR" else "SEVERITY_NUMBER_INFO" end))' \
	"$T/batch-logs.json" >"$T/named-logs.json"
both logs "$T/named-logs.json" named-logs

# What the JS SDK's JSON exporters send, captured by a stand-in receiver.
if [ -d "$N/node_modules/@opentelemetry/exporter-trace-otlp-http" ] && command -v node >/dev/null; then
	cat >"$T/capture.py" <<'PY'
import http.server, os, sys
seen = {}
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = b""
            while True:
                n = int(self.rfile.readline().split(b";")[0], 16)
                chunk = self.rfile.read(n + 2)[:n]
                if n == 0:
                    break
                body += chunk
        else:
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        path = self.path.strip("/").replace("/", "-")
        seen[path] = seen.get(path, 0) + 1
        name = os.path.join(sys.argv[2], "%s-%d.json" % (path, seen[path]))
        with open(name + ".tmp", "wb") as f:
            f.write(body)
        os.rename(name + ".tmp", name)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")
    def log_message(self, *a):
        pass
http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), H).serve_forever()
PY
	C=$(free_port)
	mkdir "$T/sdk"
	python3 "$T/capture.py" "$C" "$T/sdk" >"$T/capture.log" 2>&1 &
	cleanup "kill $!"
	wait_for 5 curl -s -o /dev/null -d '{}' "http://127.0.0.1:$C/ping"
	node "$N/otel-export.js" "http://127.0.0.1:$C" none json >"$T/node.out" 2>"$T/node.err"
	is "$?" 0 "the JS SDK exports its JSON to the stand-in"
	# (one request per span and log record: the SDK's simple processors)
	is "$(ls "$T/sdk" | grep -c traces) $(ls "$T/sdk" | grep -c logs)" "2 2" \
		"(two span and two log requests captured)"
	for f in "$T"/sdk/v1-*.json; do
		s=traces
		case $f in *logs*) s=logs ;; esac
		pair "$s" "$f" "sdk-$(basename "$f" .json)"
	done
	test_cmp <(cat "$T"/sdk-v1-*.json.out) <(cat "$T"/sdk-v1-*.pb.out) \
		"the SDK's four requests: the same records from JSON and protobuf"
	is "$(cat "$T"/sdk-v1-*.json.out | jq -r '"\(.signal) \(.exception)"' | sort | tr '\n' ' ')" \
		"log PaymentError trace RangeError " "the SDK's exception and ERROR log are the records (its healthy span and INFO log are not)"
else
	for i in 1 2 3 4; do
		echo "ok $((_n + 1)) # SKIP OpenTelemetry JS SDK not installed (npm ci --prefix tests/node)"
		_n=$((_n + 1))
	done
fi
kill "$pid"
wait "$pid"
is "$?" 0 "otlp stops cleanly"
