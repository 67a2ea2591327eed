def item(pid, problem):
    reports = problem["reports"]
    bt_hashes = set(r["bt_hash"] for r in reports)
    k = len(reports)
    return {"id": pid, "component": problem["component"], "reports": k,
            "backtraces": len(bt_hashes), "unique_share": len(bt_hashes) / float(k)}
