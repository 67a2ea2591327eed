// yurl: GET /assetlinks?domain=D checks a domain's Digital Asset Links file
// ($STATE_DIR/D.assetlinks.json, as fetched) and answers the app it links.
// Plain net/http: a panic is recovered by the server itself (connection closed).
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"
	"path/filepath"
)

func check(w http.ResponseWriter, r *http.Request) {
	domain := filepath.Base(r.URL.Query().Get("domain"))
	b, err := os.ReadFile(filepath.Join(os.Getenv("STATE_DIR"), domain+".assetlinks.json"))
	if err != nil {
		http.Error(w, `{"error":"no asset links file"}`, http.StatusNotFound)
		return
	}
	res, err := evaluate(b)
	if err != nil {
		http.Error(w, `{"error":"invalid asset links file"}`, http.StatusUnprocessableEntity)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(res)
}

func main() {
	http.HandleFunc("/assetlinks", check)
	log.Fatal(http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), nil))
}
