module sales

go 1.19
