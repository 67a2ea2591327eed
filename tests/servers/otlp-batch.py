#!/usr/bin/env python3
"""otlp-batch.py N [traces|logs] - print one OTLP/JSON export request of N
spans (or log records) of one service, as an SDK's batch processor sends
them: every tenth failed (a span with an exception event and status ERROR
carrying a Python traceback; a log record at ERROR with the traceback as
its body), the others healthy (INFO logs).  Used by tests/bench/otlp.sh
and tests/0670-otlp-encodings.t."""
import json
import sys

n = int(sys.argv[1])
signal = sys.argv[2] if len(sys.argv) > 2 else "traces"
tb = ('Traceback (most recent call last):\n  File "/srv/shop/app.py", line 73, in do_GET\n'
      '    self.send_json(200, stats(load_orders()))\n  File "/srv/shop/app.py", line 42, in average\n'
      '    return total / count\nZeroDivisionError: division by zero\n')
resource = {"attributes": [{"key": "service.name", "value": {"stringValue": "shop"}}]}
items = []
for i in range(n):
    tid = "%032x" % (0x5b8efff798038103d269b633813fc60c + i)
    sid = "%016x" % (0xeee19b7ec3c1b174 + i)
    t = str(1544712660000000000 + i * 1000000)
    if signal == "logs":
        r = {"timeUnixNano": t, "severityNumber": 9, "severityText": "INFO",
             "body": {"stringValue": "GET /stats 200"}, "traceId": tid, "spanId": sid,
             "attributes": [{"key": "http.route", "value": {"stringValue": "/stats"}}]}
        if i % 10 == 0:
            r.update(severityNumber=17, severityText="ERROR", body={"stringValue": tb})
        items.append(r)
        continue
    s = {"traceId": tid, "spanId": sid, "name": "GET /stats", "kind": 2,
         "startTimeUnixNano": t, "endTimeUnixNano": str(int(t) + 250000),
         "attributes": [{"key": "http.request.method", "value": {"stringValue": "GET"}},
                        {"key": "http.route", "value": {"stringValue": "/stats"}},
                        {"key": "url.full", "value": {"stringValue": "http://127.0.0.1:8080/stats"}},
                        {"key": "http.response.status_code", "value": {"intValue": "200"}}],
         "status": {"code": 0}}
    if i % 10 == 0:
        s["events"] = [{"name": "exception", "timeUnixNano": s["endTimeUnixNano"], "attributes": [
            {"key": "exception.type", "value": {"stringValue": "ZeroDivisionError"}},
            {"key": "exception.message", "value": {"stringValue": "division by zero"}},
            {"key": "exception.stacktrace", "value": {"stringValue": tb}}]}]
        s["status"] = {"code": 2, "message": "division by zero"}
    items.append(s)
if signal == "logs":
    req = {"resourceLogs": [{"resource": resource, "scopeLogs": [
        {"scope": {"name": "bench"}, "logRecords": items}]}]}
else:
    req = {"resourceSpans": [{"resource": resource, "scopeSpans": [
        {"scope": {"name": "bench"}, "spans": items}]}]}
print(json.dumps(req))
