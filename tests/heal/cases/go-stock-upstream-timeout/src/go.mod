module stock

go 1.19
