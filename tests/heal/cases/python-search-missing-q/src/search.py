def run(products, query):
    term = query["q"].strip().lower()
    hits = [p for p in products if term in p["name"].lower()]
    return {"q": term, "count": len(hits), "results": hits[:10]}
