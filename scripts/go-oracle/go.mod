module sockwarden/go-oracle

go 1.19
