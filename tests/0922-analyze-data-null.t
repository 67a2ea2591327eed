#!/usr/bin/env bash
# analyze --engine rules on a null in the data and an upstream that timed
# out: a null field answered as it is becomes null (py-null-field), a null
# list mapped becomes [] with the assumption said (node-null-map), and an
# upstream timeout gets no template but says why (upstream-504).
. "$(dirname "$0")/lib.sh"
plan 8

incident() {	# FILE ID: the trace on stdin as an incident's error evidence
	jq -Rsc --arg id "$2" '{type: "incident", incident: {id: $id, event: "open",
		monitor: "svc", evidence: [{type: "error", message: "request failed",
		stacktrace: .}]}}' > "$1"
}
cases=$TOP/tests/heal/cases

# Python: user["address"] is None in the data, its city answered as is.
incident "$T/py.json" inc_0000000000000922 <<'TB'
Traceback (most recent call last):
  File "/srv/app/app.py", line 24, in route
    return 200, users.card(load("user.json"))
                ^^^^^^^^^^^^^^^^^^^^^^^^^^^^^
  File "/srv/app/users.py", line 2, in card
    return {"name": user["name"], "city": user["address"]["city"]}
                                          ~~~~~~~~~~~~~~~^^^^^^^^
TypeError: 'NoneType' object is not subscriptable
TB
analyze --no-spool -r "$cases/python-profile-no-address/src" "$T/py.json" > "$T/out"
like "$(jq -r '.analysis.diff' "$T/out")" \
	'*"city": (user?"address"??"city"? if user?"address"? is not None else None)}*' \
	"a null field's field, answered as is: None there"
is "$(jq -r '[.analysis.templates[] | select(.applied) | .template] | join(",")' "$T/out")" \
	"py-null-field" "the template that applied is named"
is "$(jq -r '[.analysis.templates[] | select(.applied) | has("assumes")] | join(",")' "$T/out")" \
	"false" "and it assumes nothing: the data says unknown"

# Node: post.tags is null, mapped in the object returned.
incident "$T/node.json" inc_0000000000000923 <<'TB'
TypeError: Cannot read properties of null (reading 'map')
    at Object.tags (/srv/app/posts.js:3:47)
    at route (/srv/app/app.js:17:70)
    at IncomingMessage.<anonymous> (/srv/app/app.js:29:29)
    at IncomingMessage.emit (node:events:524:28)
TB
analyze --no-spool -r "$cases/node-post-no-tags/src" "$T/node.json" > "$T/out"
like "$(jq -r '.analysis.diff' "$T/out")" "*tags: (post.tags === null ? [] : post.tags.map(*" \
	"a null list mapped: no items"
like "$(jq -r '.analysis.templates[] | select(.applied) | .assumes' "$T/out")" \
	"that a null post.tags means none*" "which the fix says it assumes"

# A null in the data formatted into a string: refused, with why.
incident "$T/store.json" inc_0000000000000924 <<'TB'
Traceback (most recent call last):
  File "/srv/app/stores.py", line 2, in label
    return {"id": store["id"], "label": "%s (%s)" % (store["name"], store["region"]["name"])}
                                                                    ~~~~~~~~~~~~~~~^^^^^^^^
TypeError: 'NoneType' object is not subscriptable
TB
analyze --no-spool -r "$cases/python-store-no-region/src" "$T/store.json" > "$T/out"
is "$(jq -r '.analysis.diff' "$T/out")" "null" "a null formatted into a string: no diff"
like "$(jq -r '.analysis.templates[0].reason' "$T/out")" \
	'*store?"region"? is None (null in the data)*the author'"'"'s call*' "and the reason says why"

# An upstream that timed out: no template, the reason in the record.
incident "$T/up.json" inc_0000000000000925 <<'TB'
Traceback (most recent call last):
  File "/srv/app/app.py", line 24, in route
    return 200, rates.convert(float(query.get("amount", "1")), query.get("to", "USD"))
  File "/srv/app/rates.py", line 13, in convert
    rates = fetch()
  File "/srv/app/rates.py", line 8, in fetch
    with urllib.request.urlopen(url, timeout=1) as r:
  File "/usr/lib/python3.11/socket.py", line 706, in readinto
    return self._sock.recv_into(b)
TimeoutError: timed out
TB
analyze --no-spool -r "$cases/python-rates-upstream-timeout/src" "$T/up.json" > "$T/out"
like "$(jq -r '.analysis.templates[] | select(.template == "upstream-504") | .reason' "$T/out")" \
	"*rates.py:8 already has a timeout*judges every 5xx a failure*" \
	"an upstream timeout says why no template answers it"
