package main

import (
	"net/http/httptest"
	"testing"
)

func TestItem(t *testing.T) {
	w := httptest.NewRecorder()
	item(w, httptest.NewRequest("GET", "/item/tea", nil))
	if got := w.Body.String(); got != "{\"item\": \"tea\"}\n" {
		t.Fatalf("got %q", got)
	}
}
