#!/usr/bin/env bash
# otlp: the OTLP specification's JSON examples, exception events, error
# spans and error logs as error records; the HTTP answers of the spec.
. "$(dirname "$0")/lib.sh"
plan 27

F=$TOP/tests/fixtures/otlp
P=$(free_port)
# Appending, so that the test can empty the file under the running otlp.
otlp --listen "127.0.0.1:$P" >>"$T/out" 2>"$T/err" &
pid=$!
cleanup "kill $pid"
wait_for 5 curl -s -o /dev/null "http://127.0.0.1:$P/" || echo "# otlp did not start: $(cat "$T/err")"

# post PATH FILE [curl args...]: prints the body, then the status on its own
# line.  The Content-Type is $CT, application/json by default.
post() {
	_p=$1 _f=$2
	shift 2
	curl -s -w '\n%{http_code}' -H "Content-Type: ${CT:-application/json}" "$@" \
		--data-binary "@$_f" "http://127.0.0.1:$P$_p"
}
# Records written so far (otlp flushes each line before it answers).
lines() { wc -l <"$T/out" | tr -d ' '; }

is "$(post /v1/traces "$F/trace.json")" "{}
200" "the spec's trace example is accepted, full success"
is "$(post /v1/logs "$F/logs.json")" "{}
200" "the spec's logs example is accepted, full success"
is "$(lines)" 0 "spans and logs without errors make no records"

is "$(post /v1/traces "$F/trace-errors.json")" "{}
200" "spans with errors are accepted"
jq -c '{monitor, message, exception, trace_id, span_id, ts, url, signal}' "$T/out" >"$T/got"
cat >"$T/want" <<'EOF'
{"monitor":"shop /avg","message":"division by zero","exception":"ZeroDivisionError","trace_id":"5b8efff798038103d269b633813fc60c","span_id":"eee19b7ec3c1b174","ts":"2018-12-13T14:51:00.500Z","url":"http://127.0.0.1:8080/avg?n=3","signal":"trace"}
{"monitor":"shop /checkout","message":"payment gateway timed out","exception":null,"trace_id":"5b8efff798038103d269b633813fc60d","span_id":"eee19b7ec3c1b175","ts":"2018-12-13T14:51:02.250Z","url":null,"signal":"trace"}
{"monitor":"shop charge card","message":"span 'charge card' ended with status ERROR","exception":null,"trace_id":"5b8efff798038103d269b633813fc60e","span_id":"eee19b7ec3c1b176","ts":"2018-12-13T14:51:03.100Z","url":null,"signal":"trace"}
EOF
test_cmp "$T/want" "$T/got" "an exception event and error statuses become error records"
is "$(jq -r 'select(.exception) | .stacktrace' "$T/out" | sed -n 3p)" "    return total / count" \
	"the stack trace is kept whole"
is "$(jq -c 'select(.exception) | [.type, .attributes["exception.escaped"], .attributes["http.response.status_code"], .resource["service.version"]]' "$T/out")" \
	'["error",true,500,"1.4.2"]' "attributes and resource come along as plain JSON"

: >"$T/out"
is "$(post /v1/logs "$F/logs-errors.json")" "{}
200" "logs are accepted"
jq -c '{monitor, severity, message, exception, trace_id}' "$T/out" >"$T/got"
cat >"$T/want" <<'EOF'
{"monitor":"shop /avg","severity":17,"message":"division by zero","exception":"ZeroDivisionError","trace_id":"5b8efff798038103d269b633813fc60c"}
{"monitor":"shop","severity":21,"message":"pool exhausted","exception":"ConnectionError","trace_id":null}
{"monitor":"shop","severity":0,"message":"{\"msg\":\"disk full\"}","exception":null,"trace_id":null}
EOF
test_cmp "$T/want" "$T/got" "ERROR and FATAL logs become error records, INFO and WARN do not"

: >"$T/out"
is "$(post /v1/traces "$F/trace-partial.json")" '{"partialSuccess":{"rejectedSpans":"3","errorMessage":"3 of 4 spans rejected: not an object, or a traceId/spanId that is not hex of the right length"}}
200' "malformed spans are rejected with a partial success"
is "$(jq -r .message "$T/out")" "boom" "the good span of a partly bad request still counts"

: >"$T/out"
gzip -c "$F/trace-errors.json" >"$T/t.gz"
is "$(post /v1/traces "$T/t.gz" -H 'Content-Encoding: gzip' | tail -1)" 200 "a gzip body is accepted"
is "$(lines)" 3 "and decoded"
printf 'not gzip at all' >"$T/bad.gz"
like "$(post /v1/traces "$T/bad.gz" -H 'Content-Encoding: gzip')" '*"code":3*400' \
	"a corrupt gzip body is a 400 with a Status"

is "$(CT=application/x-protobuf post /v1/traces "$F/trace.json" | tail -1)" 400 \
	"JSON sent as protobuf is a 400 (protobuf itself: tests/0602-otlp-protobuf.t)"
like "$(CT=text/plain post /v1/traces "$F/trace.json")" \
	"*unsupported Content-Type 'text/plain'*415" "an unknown content type is 415"
like "$(post /v1/traces "$F/trace.json" -H 'Content-Encoding: br')" \
	"*unsupported Content-Encoding 'br'*415" "an unknown encoding is 415"
like "$(CT='application/json; charset=utf-8' post /v1/traces "$F/trace.json" | tail -1)" \
	200 "a charset parameter is fine"
printf '{"resourceSpans": [' >"$T/trunc"
like "$(post /v1/traces "$T/trunc")" '{"code":3,"message":"bad JSON*400' "bad JSON is a 400"
printf '{"resourceSpans": 5}' >"$T/shape"
like "$(post /v1/traces "$T/shape")" "*'resourceSpans' is not an array*400" \
	"a body that is not an export request is a 400"
: >"$T/empty"
is "$(post /v1/logs "$T/empty")" "{}
200" "an empty request succeeds, as the spec asks"
like "$(curl -s -w '\n%{http_code}' "http://127.0.0.1:$P/v1/traces")" '*use POST*405' "GET is 405"
like "$(post /v1/metrics "$F/trace.json")" '*/v1/traces and /v1/logs*404' "other paths are 404"

# Garbage of every kind, then a good request: the receiver still answers.
for i in 1 2 3 4 5 6 7 8; do
	head -c $((i * 997)) /dev/urandom >"$T/junk"
	post /v1/logs "$T/junk" >/dev/null
	post /v1/traces "$T/junk" -H 'Content-Encoding: gzip' >/dev/null
done
printf '{"resourceSpans":[{"scopeSpans":[{"spans":[{"events":[{"name":"exception","attributes":"x"}],"status":"x"},[],null,{"name":{},"events":[null,1,{"name":"exception"}]}]},7]},"x"],"resourceLogs":{}}' >"$T/weird"
is "$(post /v1/traces "$T/weird" | tail -1)" 200 "odd shapes inside a request are answered, not fatal"
is "$(post /v1/traces "$F/trace.json" | tail -1)" 200 "the receiver survives garbage"

kill -TERM "$pid"
wait "$pid"
is "$?" 0 "SIGTERM stops it cleanly with status 0"
like "$(cat "$T/err")" "otlp: listening on 127.0.0.1:$P" "it says where it listens"
