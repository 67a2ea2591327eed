def usage(used, limit):
    return {"used": used, "limit": limit, "percent": round(used / limit * 100, 1)}
