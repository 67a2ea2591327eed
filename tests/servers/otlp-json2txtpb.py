#!/usr/bin/env python3
"""otlp-json2txtpb.py FILE - print an OTLP/JSON export request as protobuf
text format for proto/otlp.proto, so that `protoc --encode` can build the
protobuf request carrying the same data.  Follows the OTLP/JSON mapping:
lowerCamelCase names become snake_case, hex ids become bytes, enums named
as strings become their numbers, 64-bit integers given as strings become
numbers.  Fields proto/otlp.proto does not declare (scope, kind, dropped
counts, ...) are left out.  Used by tests/0602-otlp-protobuf.t."""
import json
import re
import sys

ENUMS = {"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": 1, "STATUS_CODE_ERROR": 2,
         "SEVERITY_NUMBER_ERROR": 17, "SEVERITY_NUMBER_FATAL": 21,
         "SEVERITY_NUMBER_INFO": 9, "SEVERITY_NUMBER_WARN": 13}
# The fields each message of proto/otlp.proto declares (JSON names).
KNOWN = {"resourceSpans", "resourceLogs", "resource", "attributes", "scopeSpans",
         "scopeLogs", "spans", "logRecords", "traceId", "spanId", "name",
         "startTimeUnixNano", "endTimeUnixNano", "events", "timeUnixNano", "status",
         "message", "code", "severityNumber", "severityText", "body",
         "observedTimeUnixNano", "key", "value", "stringValue", "boolValue",
         "intValue", "doubleValue", "arrayValue", "kvlistValue", "bytesValue",
         "values"}
IDS = {"traceId", "spanId"}


def snake(k):
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), k)


def quote(s):
    return '"' + "".join(c if 32 <= ord(c) < 127 and c not in '"\\' else
                         "".join("\\%03o" % b for b in c.encode()) for c in s) + '"'


def emit(key, v, out, ind):
    pad = "  " * ind
    if isinstance(v, list):
        for x in v:
            emit(key, x, out, ind)
    elif isinstance(v, dict):
        out.append("%s%s {" % (pad, snake(key)))
        for k, x in v.items():
            if k in KNOWN:
                emit(k, x, out, ind + 1)
        out.append(pad + "}")
    elif key in IDS:
        out.append("%s%s: \"%s\"" % (pad, snake(key), "".join(
            "\\x" + v[i:i + 2] for i in range(0, len(v), 2))))
    elif isinstance(v, bool):
        out.append("%s%s: %s" % (pad, snake(key), "true" if v else "false"))
    elif isinstance(v, str) and v in ENUMS:
        out.append("%s%s: %d" % (pad, snake(key), ENUMS[v]))
    elif isinstance(v, str) and key != "stringValue" and re.fullmatch(r"-?\d+", v):
        out.append("%s%s: %s" % (pad, snake(key), v))
    elif isinstance(v, str):
        out.append("%s%s: %s" % (pad, snake(key), quote(v)))
    else:
        out.append("%s%s: %s" % (pad, snake(key), json.dumps(v)))


doc = json.load(open(sys.argv[1]))
lines = []
for k, v in doc.items():
    if k in KNOWN:
        emit(k, v, lines, 0)
print("\n".join(lines))
