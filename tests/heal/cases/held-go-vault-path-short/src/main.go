// An encrypted data vault: GET /encrypted-data-vaults/VAULT/documents/DOC
// answers a stored document.  One http.Handler type routes by path segments;
// a panic is recovered by net/http itself (it logs the stack, drops the
// connection).
package main

import (
	"encoding/json"
	"log"
	"net/http"
	"os"
	"strings"
)

type httpHandler struct{ store map[string]map[string]string }

func (h *httpHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	if parts[0] != "encrypted-data-vaults" {
		http.NotFound(w, r)
		return
	}
	vault, ok := h.store[parts[1]]
	if !ok {
		http.Error(w, `{"error":"no such vault"}`, http.StatusNotFound)
		return
	}
	if len(parts) > 2 && parts[2] == "documents" {
		doc, ok := vault[docID(parts)]
		if !ok {
			http.Error(w, `{"error":"no such document"}`, http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]string{"id": docID(parts), "jwe": doc})
		return
	}
	http.NotFound(w, r)
}

func main() {
	h := &httpHandler{store: map[string]map[string]string{
		"z19uMCiPNET4YbcPpBcab5mEE": {"VJYHHJx4C8J9Fsgz7rZqSp": "eyJwcm90ZWN0ZWQiOi..."},
	}}
	log.Fatal(http.ListenAndServe("127.0.0.1:"+os.Getenv("PORT"), h))
}
