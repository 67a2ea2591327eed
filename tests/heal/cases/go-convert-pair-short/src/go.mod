module quotes

go 1.19
