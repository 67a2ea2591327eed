package main

import (
	"encoding/json"
	"net/http"
	"net/url"
)

// query asks the threat list service about u.
func query(base, u string) (map[string]any, error) {
	resp, err := http.DefaultClient.Get(base + "/v4/threatMatches?url=" + url.QueryEscape(u))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var matches map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&matches); err != nil {
		return nil, err
	}
	return map[string]any{"url": u, "matches": matches}, nil
}
