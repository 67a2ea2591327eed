// An admin API with a per-tenant rate limiter: POST /hits?tenant=T counts a
// call and answers whether it is allowed.  RATE_LIMIT (calls per tenant)
// configures the limiter; a recovering middleware logs a panic's stack.
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
)

var limiter = newLimiter(os.Getenv("RATE_LIMIT"))

func hits(w http.ResponseWriter, r *http.Request) {
	tenant := r.URL.Query().Get("tenant")
	n, ok := limiter.add(tenant)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"tenant": tenant, "count": n, "allowed": ok})
}

func newLimiter(conf string) *rateLimiter {
	if conf == "" {
		return &rateLimiter{max: 1000}
	}
	max, err := strconv.Atoi(conf)
	if err != nil {
		log.Fatalf("RATE_LIMIT: %v", err)
	}
	return &rateLimiter{max: max, counts: map[string]int{}}
}

func recovering(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if e := recover(); e != nil {
				log.Printf("caught panic: %v\n%s", e, debug.Stack())
				http.Error(w, `{"error":"internal server error"}`, http.StatusInternalServerError)
			}
		}()
		h.ServeHTTP(w, r)
	})
}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/hits", hits)
	log.Fatal(http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), recovering(mux)))
}
