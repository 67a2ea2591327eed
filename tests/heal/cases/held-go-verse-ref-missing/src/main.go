// Verses API: GET /apb/verse?ref=R answers a verse's text.  Handlers are
// wrapped in a recovery handler that logs the panic's stack and answers a
// bodyless 500, as gorilla's handlers.RecoveryHandler does.
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"
	"runtime/debug"
)

var verses = map[string]string{
	"John 3:16": "For God so loved the world...",
	"Ps 23:1":   "The Lord is my shepherd; I shall not want.",
}

type Verse struct {
	Reference string `json:"reference"`
	Text      string `json:"text"`
}

func verseHandler(w http.ResponseWriter, r *http.Request) {
	refs := r.URL.Query()["ref"]

	var result Verse
	text, ok := verses[refs[0]]
	if !ok {
		http.Error(w, "404 Not found.", http.StatusNotFound)
		return
	}
	result.Reference, result.Text = refs[0], text
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(result)
}

func recoveryHandler(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if err := recover(); err != nil {
				w.WriteHeader(http.StatusInternalServerError)
				log.Printf("%v\n%s", err, debug.Stack())
			}
		}()
		h.ServeHTTP(w, r)
	})
}

func main() {
	mux := http.NewServeMux()
	mux.HandleFunc("/apb/verse", verseHandler)
	log.Fatal(http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), recoveryHandler(mux)))
}
