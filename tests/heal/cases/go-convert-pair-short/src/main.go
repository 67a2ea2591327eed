// Currency pair quotes: GET /quote?pair=FROM,TO answers a made-up rate.
// Uses a ServeMux with a recovering middleware that logs the panic's stack.
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
)

var rates = map[string]float64{"EUR": 1.0, "USD": 1.08, "GBP": 0.86}

func quote(w http.ResponseWriter, r *http.Request) {
	codes := strings.Split(r.URL.Query().Get("pair"), ",")
	from, to := codes[0], codes[1]
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"from": from, "to": to, "rate": rates[to] / rates[from]})
}

func recovering(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if e := recover(); e != nil {
				log.Printf("panic: %v\n%s", e, debug.Stack())
				http.Error(w, `{"error":"internal server error"}`, http.StatusInternalServerError)
			}
		}()
		h.ServeHTTP(w, r)
	})
}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/quote", quote)
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	log.Fatal(http.ListenAndServe("127.0.0.1:"+port, recovering(mux)))
}
