KEYWORDS = {"travelled": "travel", "met": "contact", "lives": "family"}


def relation(text):
    for word, rel in KEYWORDS.items():
        if word in text:
            return rel
    return "unknown"


def process_records(records):
    return [{"text": r["text"], "relation": relation(r["text"])} for r in records]
