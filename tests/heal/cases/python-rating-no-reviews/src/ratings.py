def rating(product, reviews):
    stars = [r["stars"] for r in reviews]
    return {"product": product, "review_count": len(stars),
            "rating": round(sum(stars) / len(stars), 1)}
