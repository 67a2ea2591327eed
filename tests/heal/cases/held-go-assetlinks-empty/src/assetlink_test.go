package main

import "testing"

func TestEvaluate(t *testing.T) {
	r, err := evaluate([]byte(`[{"relation":["delegate_permission/common.handle_all_urls"],"target":{"namespace":"android_app","package_name":"com.shop.app","sha256_cert_fingerprints":["AB:CD"]}}]`))
	if err != nil || !r.Valid || r.PackageName != "com.shop.app" {
		t.Fatalf("got %+v %v", r, err)
	}
}
