#!/usr/bin/env bash
# analyze --engine rules: known failure classes without a code fault.
. "$(dirname "$0")/lib.sh"

# probe ERROR DETAIL: an incident whose evidence is one failed probe.
probe() {
	jq -cn --arg e "$1" --arg d "$2" '{type: "incident", incident: {id: "inc_0000000000000a01",
		event: "open", monitor: "shop", url: "https://shop.example.com/", reason: $e,
		summary: "shop down", evidence: [{type: "probe", ts: "2026-11-24T06:00:00.000Z",
		monitor: "shop", url: "https://shop.example.com/", method: "GET", ok: false,
		status: (if $e == "status" then 503 else 0 end), ms: 10, bytes: 0,
		error: $e, detail: $d}]}}'
}
# classify ERROR DETAIL [LOGLINE]: category,class
classify() {
	printf '%s\n' "${3:-}" > "$T/log"
	probe "$1" "$2" | analyze --no-spool --log "$T/log" | jq -r '.analysis | [.category, .class] | join(",")'
}

cases=(
	"tls|SSL certificate problem: certificate has expired||config,tls-expired"
	"dns|Could not resolve host: shop.example.com||config,dns"
	"connect|Failed to connect to shop.example.com port 443: Connection refused||resource,down"
	"connect|Connection refused|ConnectionRefusedError: [Errno 111] Connection refused (redis:6379)|upstream,upstream-down"
	"timeout|Operation timed out after 10000 milliseconds||resource,slow"
	"tls|SSL: certificate verify failed||config,tls"
	"status|HTTP 503||unknown,5xx-burst"
	"status|HTTP 500|sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached, connection timed out|resource,pool-exhausted"
	"status|HTTP 500|OSError: [Errno 28] No space left on device|resource,disk-full"
	"status|HTTP 502|upstream connect error or disconnect/reset before headers. reset reason: connection failure|upstream,upstream-down"
	"body||MemoryError|resource,memory"
)
plan $(( ${#cases[@]} + 2 ))
for c in "${cases[@]}"; do
	IFS='|' read -r err detail logline want <<< "$c"
	is "$(classify "$err" "$detail" "$logline")" "$want" "$err ${detail:0:30} ${logline:0:40} -> $want"
done
probe connect "" | analyze --no-spool > "$T/out"
is "$(jq -r '.analysis | [.category, .class] | join(",")' "$T/out")" "resource,down" \
	"connection refused on the service itself: it is down"
is "$(probe timeout "Operation timed out" | analyze --no-spool | jq -r .analysis.diff)" "null" \
	"no diff for infrastructure failures"
