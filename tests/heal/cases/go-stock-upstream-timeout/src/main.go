// Stock levels: GET /stock?sku=S asks the warehouse service
// ($UPSTREAM_URL) and answers what it said.
package main

import (
	"encoding/json"
	"io"
	"log"
	"net/http"
	"os"
)

func stock(w http.ResponseWriter, r *http.Request) {
	resp, err := http.Get(os.Getenv("UPSTREAM_URL") + "/levels?sku=" + r.URL.Query().Get("sku"))
	if err != nil {
		log.Printf("warehouse: %v", err)
		http.Error(w, `{"error":"warehouse unavailable"}`, http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	var levels map[string]any
	b, _ := io.ReadAll(resp.Body)
	json.Unmarshal(b, &levels)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"sku": r.URL.Query().Get("sku"), "stock": levels})
}

func main() {
	http.HandleFunc("/stock", stock)
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	log.Fatal(http.ListenAndServe("127.0.0.1:"+port, nil))
}
