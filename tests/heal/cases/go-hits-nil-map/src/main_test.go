package main

import "testing"

func TestHitCounts(t *testing.T) {
	c := &Counter{hits: map[string]int{}}
	c.Hit("a")
	if n := c.Hit("a"); n != 2 {
		t.Fatalf("hits %d, want 2", n)
	}
}
