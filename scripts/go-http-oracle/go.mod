module sockwarden/go-http-oracle

go 1.19
