def balance(account, bonus):
    return account["points"] + bonus
