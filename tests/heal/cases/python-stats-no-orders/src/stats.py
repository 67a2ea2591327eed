def summary(orders):
    amounts = [o["amount"] for o in orders]
    return {"count": len(amounts), "revenue": round(sum(amounts), 2),
            "average": round(sum(amounts) / len(amounts), 2)}
