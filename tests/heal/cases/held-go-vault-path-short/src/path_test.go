package main

import "testing"

func TestDocID(t *testing.T) {
	if got := docID([]string{"encrypted-data-vaults", "v", "documents", "d1"}); got != "d1" {
		t.Fatal(got)
	}
}
