package main

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	w := httptest.NewRecorder()
	quote(w, httptest.NewRequest("GET", "/quote?pair=EUR,USD", nil))
	if !strings.Contains(w.Body.String(), `"rate":1.08`) {
		t.Fatalf("got %s", w.Body.String())
	}
}
