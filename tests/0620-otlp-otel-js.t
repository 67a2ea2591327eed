#!/usr/bin/env bash
# otlp with the real OpenTelemetry JavaScript SDK exporting to it (OTLP/HTTP
# JSON and protobuf, plain and gzip).  Needs `npm ci --prefix tests/node`;
# skips without.
. "$(dirname "$0")/lib.sh"
N=$TOP/tests/node
command -v node >/dev/null || skip_all "node is not installed"
[ -d "$N/node_modules/@opentelemetry/exporter-trace-otlp-http" ] ||
	skip_all "OpenTelemetry JS SDK not installed (npm ci --prefix tests/node)"
plan 16

P=$(free_port)
otlp --listen "127.0.0.1:$P" >>"$T/out" 2>"$T/err" &
pid=$!
cleanup "kill $pid"
wait_for 5 curl -s -o /dev/null "http://127.0.0.1:$P/"

tid=$(node "$N/otel-export.js" "http://127.0.0.1:$P" 2>"$T/node.err")
is "$?" 0 "the SDK exports spans and logs without an error"
sed 's/^/# /' "$T/node.err"
jq -c 'select(.signal == "trace") | {monitor, exception, message, trace_id}' "$T/out" >"$T/got"
is "$(cat "$T/got")" "{\"monitor\":\"checkout-js /cart/:id\",\"exception\":\"RangeError\",\"message\":\"cannot average an empty list\",\"trace_id\":\"$tid\"}" \
	"the recorded exception is one error record with the SDK's trace id"
like "$(jq -r 'select(.signal == "trace") | .stacktrace' "$T/out")" \
	"RangeError: cannot average an empty list*at average (*otel-export.js:*" \
	"with the JavaScript stack trace"
is "$(jq -c 'select(.signal == "log") | {monitor, exception, message, severity}' "$T/out")" \
	'{"monitor":"checkout-js /pay","exception":"PaymentError","message":"card declined","severity":17}' \
	"the ERROR log is an error record, the INFO log is not"
is "$(wc -l <"$T/out" | tr -d ' ')" 2 "the healthy span makes no record"

: >"$T/out"
tid2=$(node "$N/otel-export.js" "http://127.0.0.1:$P" gzip 2>"$T/node.err")
is "$?" 0 "the SDK exports with gzip compression"
is "$(jq -r 'select(.signal == "trace") | .trace_id' "$T/out")" "$tid2" "and the records arrive"

# The protobuf exporters (the SDKs' default transport): the same records.
: >"$T/out"
tid3=$(node "$N/otel-export.js" "http://127.0.0.1:$P" none proto 2>"$T/node.err")
is "$?" 0 "the SDK's protobuf exporters export spans and logs without an error"
sed 's/^/# /' "$T/node.err"
jq -c 'select(.signal == "trace") | {monitor, exception, message, trace_id}' "$T/out" >"$T/got"
is "$(cat "$T/got")" "{\"monitor\":\"checkout-js /cart/:id\",\"exception\":\"RangeError\",\"message\":\"cannot average an empty list\",\"trace_id\":\"$tid3\"}" \
	"protobuf: the exception is one error record with the SDK's trace id"
like "$(jq -r 'select(.signal == "trace") | .stacktrace' "$T/out")" \
	"RangeError: cannot average an empty list*at average (*otel-export.js:*" \
	"protobuf: with the JavaScript stack trace"
is "$(jq -c 'select(.signal == "log") | {monitor, exception, message, severity}' "$T/out")" \
	'{"monitor":"checkout-js /pay","exception":"PaymentError","message":"card declined","severity":17}' \
	"protobuf: the ERROR log is an error record, the INFO log is not"
is "$(wc -l <"$T/out" | tr -d ' ')" 2 "protobuf: the healthy span makes no record"
: >"$T/out"
tid4=$(node "$N/otel-export.js" "http://127.0.0.1:$P" gzip proto 2>"$T/node.err")
is "$?" 0 "the protobuf exporters with gzip compression"
is "$(jq -r 'select(.signal == "trace") | .trace_id' "$T/out")" "$tid4" "and the records arrive"
kill "$pid"
wait "$pid"

# The same SDK against a receiver that refuses it: the run must fail.
otlp --listen "127.0.0.1:$P" --max-body 100 >/dev/null 2>>"$T/err" &
pid=$!
cleanup "kill $pid"
wait_for 5 curl -s -o /dev/null "http://127.0.0.1:$P/"
node "$N/otel-export.js" "http://127.0.0.1:$P" >/dev/null 2>"$T/node.err"
is "$?" 1 "an export the receiver refuses (413) is seen by the SDK"
like "$(cat "$T/node.err")" "*export failed*" "and reported"
