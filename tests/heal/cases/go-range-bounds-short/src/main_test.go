package main

import "testing"

func TestBounds(t *testing.T) {
	if lo, hi := bounds([]string{"2", "5"}); lo != 2 || hi != 5 {
		t.Fatalf("bounds %d %d", lo, hi)
	}
}
