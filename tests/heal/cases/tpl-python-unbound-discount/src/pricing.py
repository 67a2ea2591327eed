"""Prices with a member discount."""


def price(kind, base):
    if kind == "member":
        rate = 0.9
    return round(base * rate, 2)
