def latest(orders):
    return {"latest": orders[-1]}
