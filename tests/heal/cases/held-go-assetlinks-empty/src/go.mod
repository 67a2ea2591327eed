module yurl

go 1.19
