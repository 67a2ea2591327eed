#!/usr/bin/env bash
# otlp: OTLP/HTTP in the protobuf encoding.  Requests are built with
# `protoc --encode` from the same data as the JSON fixtures, and must give
# the same records; answers are protobuf (decoded with `protoc --decode`).
. "$(dirname "$0")/lib.sh"
command -v protoc >/dev/null || skip_all "protoc is not installed (scripts/install-deps)"
plan 17

. "$TOP/tests/lib-otlp.sh"
otlp_start
# post PATH FILE OUT [curl args...]: the answer's body in OUT; prints
# "STATUS CONTENT-TYPE".
post() {
	_p=$1 _f=$2 _o=$3
	shift 3
	curl -s -o "$_o" -w '%{http_code} %{content_type}' -H "Content-Type: ${CT:-application/x-protobuf}" \
		"$@" --data-binary "@$_f" "http://127.0.0.1:$P$_p"
}
# decode MESSAGE FILE: the protobuf answer as text.
decode() {
	# shellcheck disable=SC2086
	protoc --decode="otlp.$1" $PROTO <"$2" | tr '\n' ' ' | sed 's/  */ /g; s/ $//'
}
records() { jq -c . "$T/out"; }

for f in trace-errors:ExportTraceServiceRequest:traces logs-errors:ExportLogsServiceRequest:logs \
	trace:ExportTraceServiceRequest:traces logs:ExportLogsServiceRequest:logs; do
	IFS=: read -r name msg path <<<"$f"
	otlp_encode "$msg" "$F/$name.json" "$T/$name.pb"
	: >"$T/out"
	CT=application/json post "/v1/$path" "$F/$name.json" "$T/resp" >/dev/null
	records >"$T/$name.want"
	: >"$T/out"
	is "$(post "/v1/$path" "$T/$name.pb" "$T/resp")" "200 application/x-protobuf" \
		"$name: a protobuf request is answered 200 in protobuf"
	test_cmp "$T/$name.want" <(records) "$name: the same records as its JSON encoding"
done
is "$(wc -l <"$T/trace-errors.want" | tr -d ' ')" 3 "(and those records are not none)"
is "$(stat -c %s "$T/resp")" 0 "a full success is an empty Export*ServiceResponse"

# Fields the receiver does not know (a newer OTLP) are skipped: field 1000,
# varint 1, after the request's own fields.
{ cat "$T/trace-errors.pb"; printf '\300\076\001'; } >"$T/unknown.pb"
: >"$T/out"
post /v1/traces "$T/unknown.pb" "$T/resp" >/dev/null
test_cmp "$T/trace-errors.want" <(records) "unknown fields are skipped"

# A span whose trace id is not 16 bytes is rejected: a partial success.
cat >"$T/partial.txt" <<'TXT'
resource_spans {
  scope_spans {
    spans { trace_id: "\001\002\003" span_id: "\001\002\003\004\005\006\007\010" name: "bad" status { code: 2 } }
    spans { trace_id: "\001\002\003\004\005\006\007\010\001\002\003\004\005\006\007\010"
            span_id: "\001\002\003\004\005\006\007\010" name: "good" status { code: 2 message: "boom" } }
  }
}
TXT
# shellcheck disable=SC2086
protoc --encode=otlp.ExportTraceServiceRequest $PROTO <"$T/partial.txt" >"$T/partial.pb"
: >"$T/out"
post /v1/traces "$T/partial.pb" "$T/resp" >/dev/null
like "$(decode ExportTraceServiceResponse "$T/resp")" \
	'partial_success { rejected_spans: 1 error_message: "1 of 2 spans rejected*" }' \
	"a malformed span is rejected with a protobuf partial success"
is "$(jq -r .message "$T/out")" "boom" "and the good span still counts"

printf 'this is not protobuf at all' >"$T/garbage"
is "$(post /v1/traces "$T/garbage" "$T/resp")" "400 application/x-protobuf" "a body that is not protobuf is 400"
like "$(decode RpcStatus "$T/resp")" 'code: 3 message: "not an OTLP ExportTraceServiceRequest*"' \
	"with a google.rpc.Status in protobuf"

gzip -c "$T/trace-errors.pb" >"$T/t.pb.gz"
: >"$T/out"
post /v1/traces "$T/t.pb.gz" "$T/resp" -H 'Content-Encoding: gzip' >/dev/null
test_cmp "$T/trace-errors.want" <(records) "gzip protobuf is decoded"

kill "$pid"
wait "$pid"
otlp --listen "127.0.0.1:$P" --max-body 100 >/dev/null 2>>"$T/err" &
pid=$!
cleanup "kill $pid"
wait_for 5 curl -s -o /dev/null "http://127.0.0.1:$P/"
post /v1/traces "$T/trace-errors.pb" "$T/resp" >/dev/null
like "$(decode RpcStatus "$T/resp")" 'code: 8 message: "request body of * bytes is larger than the limit of 100"' \
	"a body over --max-body is 413 with a protobuf Status"
