# probe-records.sh - write probe and error records for detect's tests.
#
#   rec MONITOR SECONDS OK [STATUS [ERROR [MS [SOURCE]]]]
#       a probe record at 2026-11-24T00:00:00Z + SECONDS; OK is true or
#       false; STATUS defaults to 200 when OK else 503, ERROR to null or
#       "status", MS to 10, SOURCE to "p1"
#   err MONITOR SECONDS EXCEPTION LINE FUNCTION
#       an error record whose Python stack trace ends in app.py:LINE, FUNCTION
#   ts SECONDS    the RFC 3339 time of SECONDS

ts() { printf '2026-11-24T%02d:%02d:%02d.000Z' $(($1 / 3600)) $(($1 / 60 % 60)) $(($1 % 60)); }

rec() {
	_ok=$3
	_st=${4:-$([ "$_ok" = true ] && echo 200 || echo 503)}
	_er=${5:-$([ "$_ok" = true ] && echo null || echo '"status"')}
	printf '{"type":"probe","ts":"%s","monitor":"%s","url":"http://%s.test/","method":"GET","ok":%s,"status":%s,"ms":%s,"bytes":7,"error":%s,"detail":"HTTP %s","source":"%s"}\n' \
		"$(ts "$2")" "$1" "$1" "$_ok" "$_st" "${6:-10}" "$_er" "$_st" "${7:-p1}"
}

err() {
	printf '{"type":"error","ts":"%s","monitor":"%s","message":"boom","exception":"%s","stacktrace":"Traceback (most recent call last):\\n  File \\"app.py\\", line 3, in main\\n    f()\\n  File \\"app.py\\", line %s, in %s\\n    x = 1 / 0\\n%s: boom\\n","trace_id":null,"attributes":{}}\n' \
		"$(ts "$2")" "$1" "$3" "$4" "$5" "$3"
}
