package main

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestQuery(t *testing.T) {
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`{"threats":[]}`))
	}))
	defer s.Close()
	v, err := query(s.URL, "http://shop.example/")
	if err != nil || v["url"] != "http://shop.example/" {
		t.Fatalf("%v %v", v, err)
	}
}
