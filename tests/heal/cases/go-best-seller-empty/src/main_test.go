package main

import "testing"

func TestFirst(t *testing.T) {
	if p := first([]Product{{"tea", 9}, {"cake", 3}}); p.Name != "tea" {
		t.Fatalf("first %v", p)
	}
}
