package main

import "encoding/json"

type statement struct {
	Relation []string `json:"relation"`
	Target   struct {
		Namespace   string   `json:"namespace"`
		PackageName string   `json:"package_name"`
		Prints      []string `json:"sha256_cert_fingerprints"`
	} `json:"target"`
}

type result struct {
	Valid       bool   `json:"valid"`
	PackageName string `json:"package_name"`
	Fingerprint string `json:"fingerprint"`
}

func evaluate(b []byte) (*result, error) {
	var stmts []statement
	if err := json.Unmarshal(b, &stmts); err != nil {
		return nil, err
	}
	first := stmts[0]
	return &result{Valid: len(first.Target.Prints) > 0, PackageName: first.Target.PackageName,
		Fingerprint: first.Target.Prints[0]}, nil
}
