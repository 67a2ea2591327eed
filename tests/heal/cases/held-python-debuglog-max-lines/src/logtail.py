def tail(path, n):
    with open(path) as f:
        lines = f.read().splitlines()
    return lines[-n:] if n > 0 else []
