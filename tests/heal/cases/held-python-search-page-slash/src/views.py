PER_PAGE = 2


def search(packages, GET):
    found = [p for p in packages
             if p["type"] == GET.get("type", "") and GET.get("name", "") in p["name"]]
    page_no = int(GET.get("page", 1))
    start = (page_no - 1) * PER_PAGE
    return {"page": page_no, "count": len(found), "packages": found[start:start + PER_PAGE]}
