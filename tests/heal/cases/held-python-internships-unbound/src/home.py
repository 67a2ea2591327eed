def internships_home(user, people, internships):
    person = people.get(user, {})
    if person.get("role") == "student":
        noma = person["registration_id"]
    open_ones = [i["title"] for i in internships if i["open"]]
    return {"user": user, "noma": noma, "internships": open_ones}
