def label(store):
    return {"id": store["id"], "label": "%s (%s)" % (store["name"], store["region"]["name"])}
