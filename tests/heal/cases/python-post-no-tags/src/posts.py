def tags(post):
    out = []
    for t in post["tags"]:
        out.append(t.lower())
    return {"title": post["title"], "tags": out}
