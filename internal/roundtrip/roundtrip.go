// Package roundtrip is how tests talk to a server they started: a request
// made, sent with the default client and its answer read whole, any
// failure on the way fatal to the test.
package roundtrip

import (
	"io"
	"net/http"
	"testing"
)

// Request makes a request bound to t's context, failing t when it cannot
// (a malformed URL or method).
func Request(t testing.TB, method, url string, body io.Reader) *http.Request {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), method, url, body)
	if err != nil {
		t.Fatal(err)
	}
	return req
}

// Do sends req and returns its answer with the body read and closed.
func Do(t testing.TB, req *http.Request) (*http.Response, []byte) {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, body
}
