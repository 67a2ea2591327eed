# tests/lib-dash.sh - drive the spool for the dashboard tests the way a
# deployment does: probe records through detect, which opens and resolves
# incidents in the spool.
#   probe_line MONITOR OK MS [DETAIL] [URL]   one probe record
#   break_monitor MONITOR [DETAIL] [URL]      failing checks until it opens
#   heal_monitor MONITOR                      passing checks until it resolves
probe_line() {
	jq -nc --arg m "$1" --argjson ok "$2" --argjson ms "$3" --arg d "${4:-}" \
		--arg u "${5:-http://127.0.0.1:9/health}" '{type: "probe",
		ts: (now | strftime("%Y-%m-%dT%H:%M:%SZ")), monitor: $m, url: $u,
		method: "GET", ok: $ok, status: (if $ok then 200 else 500 end), ms: $ms,
		bytes: 2, error: (if $ok then null else "status" end),
		detail: (if $d == "" then null else $d end)}'
}
break_monitor() {
	{ probe_line "$1" false 120 "${2:-}" "${3:-}"; probe_line "$1" false 150 "${2:-}" "${3:-}"
	  probe_line "$1" false 90 "${2:-}" "${3:-}"; } | detect >>"$T/detect.out"
}
heal_monitor() {
	{ probe_line "$1" true 12; probe_line "$1" true 15; probe_line "$1" true 11; } |
		detect >>"$T/detect.out"
}
# A non-loopback IPv4 address of this machine, or nothing.
outside_addr() {
	hostname -I 2>/dev/null | tr ' ' '\n' | grep -E '^[0-9.]+$' | grep -v '^127\.' | head -1
}
