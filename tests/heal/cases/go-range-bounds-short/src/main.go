// Pages of a document: GET /pages?range=LO-HI answers the pages from LO to HI.
// Plain net/http: a panicking handler is logged by the server with its stack.
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"
	"strconv"
	"strings"
)

// bounds reads "LO-HI" split on "-".
func bounds(parts []string) (int, int) {
	lo, _ := strconv.Atoi(parts[0])
	hi, _ := strconv.Atoi(parts[1])
	return lo, hi
}

func pages(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(r.URL.Query().Get("range"), "-")
	lo, hi := bounds(parts)
	out := []int{}
	for p := lo; p <= hi && p-lo < 100; p++ {
		out = append(out, p)
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"pages": out})
}

func main() {
	http.HandleFunc("/pages", pages)
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	log.Fatal(http.ListenAndServe("127.0.0.1:"+port, nil))
}
