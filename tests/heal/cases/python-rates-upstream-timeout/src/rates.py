import json
import os
import urllib.request


def fetch():
    url = os.environ["UPSTREAM_URL"] + "/rates"
    with urllib.request.urlopen(url, timeout=1) as r:
        return json.load(r)


def convert(amount, currency):
    rates = fetch()
    return {"amount": amount, "currency": currency,
            "converted": round(amount * rates[currency], 2)}
