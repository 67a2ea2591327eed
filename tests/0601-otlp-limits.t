#!/usr/bin/env bash
# otlp: body limits (413, before and after gzip), usage, a port in use,
# a write error on stdout is fatal, SIGINT.
. "$(dirname "$0")/lib.sh"
plan 14

F=$TOP/tests/fixtures/otlp
P=$(free_port)
otlp --listen "127.0.0.1:$P" --max-body 4k >>"$T/out" 2>"$T/err" &
pid=$!
cleanup "kill $pid"
wait_for 5 curl -s -o /dev/null "http://127.0.0.1:$P/"

post() {
	_p=$1 _f=$2
	shift 2
	curl -s -w '\n%{http_code}' -H 'Content-Type: application/json' "$@" \
		--data-binary "@$_f" "http://127.0.0.1:$P$_p"
}

# A body over the limit, announced by Content-Length: refused unread.
{ printf '{"resourceSpans":[],"pad":"'; head -c 8000 /dev/zero | tr '\0' x; printf '"}'; } >"$T/big"
like "$(post /v1/traces "$T/big")" '*larger than the limit of 4096*413' \
	"a Content-Length over --max-body is 413"
like "$(post /v1/traces "$T/big" -H 'Transfer-Encoding: chunked')" '*larger than the limit*413' \
	"a chunked body that grows over --max-body is 413"
head -c 200000 /dev/zero | gzip -c >"$T/bomb.gz"
like "$(post /v1/traces "$T/bomb.gz" -H 'Content-Encoding: gzip')" '*inflates to more than 4096*413' \
	"a small gzip body that inflates past --max-body is 413"
is "$(post /v1/traces "$F/trace-partial.json" | tail -1)" 200 "a body under the limit is fine"
is "$(post /v1/traces "$F/trace-partial.json" -H 'Transfer-Encoding: chunked' | tail -1)" 200 \
	"chunked too"

kill -INT "$pid"
wait "$pid"
is "$?" 0 "SIGINT stops it with status 0"

otlp --listen "127.0.0.1:$P" >/dev/full 2>"$T/err2" &
pid2=$!
cleanup "kill $pid2"
wait_for 5 curl -s -o /dev/null "http://127.0.0.1:$P/"
like "$(post /v1/traces "$F/trace-errors.json")" '*cannot pass records on*503' \
	"a write error is answered 503, so the exporter retries"
wait "$pid2"
is "$?" 74 "and is fatal: exit 74 (EX_IOERR)"
like "$(cat "$T/err2")" '*write error*' "saying why"

Q=$(free_port)
python3 -c 'import socket,sys,time; s=socket.socket(); s.bind(("127.0.0.1",int(sys.argv[1]))); s.listen(); time.sleep(30)' "$Q" &
busy=$!
cleanup "kill $busy"
wait_for 5 bash -c "! python3 -c 'import socket; socket.socket().bind((\"127.0.0.1\",$Q))' 2>/dev/null"
otlp --listen "127.0.0.1:$Q" 2>"$T/err3"
is "$?" 69 "a port in use is exit 69"
like "$(cat "$T/err3")" "otlp: cannot listen on '127.0.0.1:$Q': Address already in use" \
	"saying which address"

otlp --max-body nonsense 2>/dev/null
is "$?" 64 "a bad option value is a usage error"
otlp --listen 127.0.0.1: 2>"$T/err4"
is "$?" 69 "an address without a port is refused"
like "$(otlp --version)" "otlp *" "--version"
