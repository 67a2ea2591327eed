#!/usr/bin/env bash
# probe keeps what the known-good answers need: the content type, the
# shape of a JSON body (bounded), the request body it sent.
. "$(dirname "$0")/lib.sh"
plan 8
PORT=$(free_port)
big=$(python3 -c 'import json; print(json.dumps(json.dumps({"x": "a" * 70000})))')
cat > "$T/state" <<EOF2
{"/cat": {"status": 200, "body": "{\"total\":45,\"pages\":3,\"items\":[{\"id\":1,\"tag\":null}],\"q\":\"undefined,undefined\"}"},
 "/text": {"status": 200, "type": "text/html", "body": "<p>{\"a\":1}</p>"},
 "/big": {"status": 200, "body": $big},
 "/bad": {"status": 200, "body": "{\"a\":"}}
EOF2
python3 "$TOP/tests/servers/answers.py" "$PORT" "$T/state" & cleanup "kill $!"
wait_for 10 test -e "$T/state.ready" || { echo "Bail out! the service did not start"; exit 1; }
B=http://127.0.0.1:$PORT
printf '%s\n' "$B/cat name=cat" "$B/text name=text" "$B/big name=big" "$B/bad name=bad" \
	"$B/cat name=post method=POST body=" '{"url":"'"$B"'/cat","name":"json","body":"{\"sku\":\"A1\"}"}' |
	probe > "$T/out"
r() { jq -c "select(.monitor == \"$1\") | $2" "$T/out"; }
is "$(r cat .shape)" \
	'{"$":"obj","$.total":"num","$.pages":"num","$.items":"arr","$.items[]":"obj","$.items[].id":"num","$.items[].tag":"null","$.q":"bad"}' \
	"a JSON body's shape: members, empty or not, zero or not, null, formatted from a missing value"
is "$(r cat .content_type)" '"application/json"' "the content type"
is "$(r text '[.content_type, has("shape")]')" '["text/html",false]' "no shape for a body that is not JSON"
is "$(r big '[.bytes > 65536, has("shape")]')" '[true,false]' "no shape for a body over 64 KiB (it is not kept)"
is "$(r bad '[.ok, has("shape")]')" '[true,false]' "no shape for JSON that does not parse; the check still passes"
is "$(r post '[.method, .request_body]')" '["POST",""]' "an empty request body is recorded as sent"
is "$(r json .request_body)" '"{\"sku\":\"A1\"}"' "and a JSON one"
is "$(r cat 'has("request_body")')" false "a GET without a body has none"
