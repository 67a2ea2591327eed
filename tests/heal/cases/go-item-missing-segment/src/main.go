// go-item-missing-segment - GET /item/NAME answers {"item": NAME}.  PORT
// from the environment; net/http answers a panic by closing the
// connection and logs it with its stack.
package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"
)

func item(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	fmt.Fprintf(w, "{\"item\": %q}\n", parts[1])
}

func main() {
	http.HandleFunc("/item", item)
	http.HandleFunc("/item/", item)
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	http.ListenAndServe("127.0.0.1:"+port, nil)
}
