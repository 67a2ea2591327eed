import hashlib


def token_for(username):
    return hashlib.sha256(("tok:" + username).encode()).hexdigest()[:32]


def login(request, users):
    username = request.json.get("username", None)
    password = request.json.get("password", None)
    if users.get(username) != password:
        return 401, {"msg": "Bad username or password"}
    return 200, {"access_token": token_for(username)}
