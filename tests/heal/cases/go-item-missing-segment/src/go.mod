module items

go 1.19
