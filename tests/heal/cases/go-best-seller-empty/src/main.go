// Best seller: GET /best answers the first product of $STATE_DIR/ranking.json.
// Plain net/http: a panicking handler is logged by the server with its stack.
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"
	"path/filepath"
)

type Product struct {
	Name string `json:"name"`
	Sold int    `json:"sold"`
}

// first is the top of a ranking sorted best first.
func first(ranking []Product) Product {
	return ranking[0]
}

func best(w http.ResponseWriter, r *http.Request) {
	var ranking []Product
	b, err := os.ReadFile(filepath.Join(os.Getenv("STATE_DIR"), "ranking.json"))
	if err == nil {
		err = json.Unmarshal(b, &ranking)
	}
	if err != nil {
		http.Error(w, `{"error":"no ranking"}`, http.StatusServiceUnavailable)
		return
	}
	top := first(ranking)
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"best": top.Name, "sold": top.Sold})
}

func main() {
	http.HandleFunc("/best", best)
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	log.Fatal(http.ListenAndServe("127.0.0.1:"+port, nil))
}
