import hashlib
import json


def post_index_record(body, path):
    hashes = body["hashes"]
    size = body["size"]
    urls = body["urls"]
    did = hashlib.md5(json.dumps([hashes, size, urls], sort_keys=True).encode()).hexdigest()
    with open(path, "a") as f:
        f.write(json.dumps({"did": did, "hashes": hashes, "size": size, "urls": urls}) + "\n")
    return 200, {"did": did, "rev": did[:8]}
