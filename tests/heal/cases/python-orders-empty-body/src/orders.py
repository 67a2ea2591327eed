import json


def create(raw, prices):
    order = json.loads(raw)
    qty = int(order.get("qty", 1))
    return {"id": 1000 + qty, "sku": order["sku"], "qty": qty,
            "total": round(prices.get(order["sku"], 0) * qty, 2)}
