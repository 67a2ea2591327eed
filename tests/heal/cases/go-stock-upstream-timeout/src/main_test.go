package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
)

func TestStock(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"USD": 3}`))
	}))
	defer up.Close()
	os.Setenv("UPSTREAM_URL", up.URL)
	w := httptest.NewRecorder()
	stock(w, httptest.NewRequest("GET", "/stock?sku=tea", nil))
	if !strings.Contains(w.Body.String(), `"stock"`) {
		t.Fatalf("got %s", w.Body.String())
	}
}
