module edv

go 1.19
