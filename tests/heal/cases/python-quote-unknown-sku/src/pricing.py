PRICES = {"tea": 4.5, "cake": 3.0}


def total(items):
    sum_ = 0
    for item in items:
        sum_ += PRICES[item["sku"]] * item["qty"]
    return round(sum_, 2)
