def card(user):
    return {"name": user["name"], "city": user["address"]["city"]}
