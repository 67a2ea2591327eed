# Helpers for otlp's tests (after lib.sh).
#   otlp_start            starts otlp on a free port $P, records appended
#                         to $T/out, stopped at exit; $pid is its pid
#   otlp_encode MESSAGE JSONFILE OUT
#                         the OTLP/JSON request's data as a protobuf
#                         request (protoc --encode), MESSAGE as in
#                         proto/otlp.proto (ExportTraceServiceRequest)
F=$TOP/tests/fixtures/otlp
PROTO="--proto_path=$TOP/proto $TOP/proto/otlp.proto"
otlp_start() {
	P=$(free_port)
	otlp --listen "127.0.0.1:$P" >>"$T/out" 2>"$T/err" &
	pid=$!
	cleanup "kill $pid"
	wait_for 5 curl -s -o /dev/null "http://127.0.0.1:$P/"
}
otlp_encode() {
	# shellcheck disable=SC2086
	python3 "$TOP/tests/servers/otlp-json2txtpb.py" "$2" | protoc --encode="otlp.$1" $PROTO >"$3"
}
