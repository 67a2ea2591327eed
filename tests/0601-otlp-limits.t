#!/usr/bin/env bash
# otlp: body limits (413, before and after gzip), usage, a port in use,
# a write error on stdout is fatal, SIGINT.
. "$(dirname "$0")/lib.sh"
plan 17

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

# Bodies held by all connections together are bounded (8 x --max-body):
# eight clients each holding 3 kB of an unfinished body fill the budget,
# and a ninth request is told to come back later.
python3 - "$P" "$F/trace-partial.json" >"$T/budget" <<'PY'
import socket, sys
port, body = int(sys.argv[1]), open(sys.argv[2], "rb").read()
def start(n, length):
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(b"POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
              b"Content-Length: %d\r\n\r\n" % length + b" " * n)
    return s
def status(s):
    return s.recv(4096).split(b" ", 2)[1].decode()
def ask():
    s = start(0, len(body)); s.sendall(body); st = status(s); s.close(); return st
def until(want):
    # The holders' bytes are read by the server at its own pace: ask again
    # until the answer changes (an event), for at most 60 s.
    import time
    end = time.time() + 60
    while True:
        st = ask()
        if st == want or time.time() > end:
            return st
        time.sleep(0.05)
holders = [start(3000, 4000) for _ in range(8)]
for h in holders:
    h.sendall(b" ")  # make sure each one's bytes were read
print(until("503"), flush=True)
for h in holders:
    h.close()
print(until("200"), flush=True)
PY
is "$(sed -n 1p "$T/budget")" 503 "past the memory budget a request is answered 503"
is "$(sed -n 2p "$T/budget")" 200 "and served again once the others are gone"
like "$(post /v1/traces "$F/trace-partial.json" | tail -1)" 200 "the receiver is still fine"

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
