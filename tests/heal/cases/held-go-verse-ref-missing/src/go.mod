module apiary

go 1.19
