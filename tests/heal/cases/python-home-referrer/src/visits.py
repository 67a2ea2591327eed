COUNTS = {}


def home(query, featured):
    source = query["ref"]
    COUNTS[source] = COUNTS.get(source, 0) + 1
    return {"title": "Welcome", "featured": featured[:3]}
