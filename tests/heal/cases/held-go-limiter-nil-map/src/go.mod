module admin

go 1.19
