package main

import (
	"net/http/httptest"
	"strings"
	"testing"
)

func TestVerse(t *testing.T) {
	w := httptest.NewRecorder()
	verseHandler(w, httptest.NewRequest("GET", "/apb/verse?ref=Ps+23:1", nil))
	if !strings.Contains(w.Body.String(), "shepherd") {
		t.Fatalf("got %d %s", w.Code, w.Body.String())
	}
}
