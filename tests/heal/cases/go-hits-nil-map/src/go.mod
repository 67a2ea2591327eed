module hits

go 1.19
