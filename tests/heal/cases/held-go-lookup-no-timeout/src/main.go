// URL reputation: GET /lookup?url=U asks the threat list service
// ($UPSTREAM_URL) and answers its verdict.
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"
)

func lookup(w http.ResponseWriter, r *http.Request) {
	verdict, err := query(os.Getenv("UPSTREAM_URL"), r.URL.Query().Get("url"))
	if err != nil {
		log.Printf("threat list: %v", err)
		http.Error(w, `{"error":"threat list unavailable"}`, http.StatusBadGateway)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(verdict)
}

func main() {
	http.HandleFunc("/lookup", lookup)
	log.Fatal(http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), nil))
}
