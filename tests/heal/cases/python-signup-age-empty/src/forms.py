def age(fields):
    return int(fields["age"][0])
