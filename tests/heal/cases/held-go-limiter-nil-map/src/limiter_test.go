package main

import "testing"

func TestAdd(t *testing.T) {
	l := newLimiter("2")
	l.add("a")
	l.add("a")
	if n, ok := l.add("a"); n != 3 || ok {
		t.Fatalf("got %d %v", n, ok)
	}
}
