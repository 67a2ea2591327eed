import os


def config():
    if "CURRENCY" in os.environ:
        return {"currency": os.environ["CURRENCY"]}
    return {}


def label(amount, cfg):
    return {"amount": amount, "label": "%.2f %s" % (amount, cfg["currency"])}
