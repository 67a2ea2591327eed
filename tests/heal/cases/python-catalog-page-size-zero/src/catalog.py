import math


def page(products, number, size):
    total = len(products)
    pages = math.ceil(total / size)
    start = (number - 1) * size
    return {"total": total, "page": number, "pages": pages,
            "items": products[start:start + size]}
