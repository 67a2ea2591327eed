// go-hits-nil-map - GET /hit?page=P counts a visit to P and answers the
// count; GET /count?page=P answers it without counting.  PORT from the
// environment; net/http answers a panic by closing the connection and
// logs it with its stack.
package main

import (
	"fmt"
	"net/http"
	"os"
	"sync"
)

type Counter struct {
	mu   sync.Mutex
	hits map[string]int
}

func (c *Counter) Hit(page string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.hits[page]++
	return c.hits[page]
}

func (c *Counter) Count(page string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hits[page]
}

func main() {
	c := &Counter{}
	http.HandleFunc("/hit", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "{\"hits\": %d}\n", c.Hit(r.URL.Query().Get("page")))
	})
	http.HandleFunc("/count", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "{\"hits\": %d}\n", c.Count(r.URL.Query().Get("page")))
	})
	port := os.Getenv("PORT")
	if port == "" {
		port = "8080"
	}
	http.ListenAndServe("127.0.0.1:"+port, nil)
}
