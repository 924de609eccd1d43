package api_test

import (
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/internal/bomb"
)

// TestUploadXLSXBombs uploads workbooks that unpack to far more than their
// size: each is refused with 413 too_large before it is unpacked, and
// nothing of the request is stored.
func TestUploadXLSXBombs(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name string
		data []byte
	}{
		{"1 GiB junk part", bomb.JunkPart(1 << 30)},
		{"shared-strings bomb", bomb.SharedStrings(256 << 20 / 17)},
		{"white-space padded sheet", bomb.PaddedSheet(1 << 30)},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ct, body := multipartBody(t, map[string]string{"bomb.xlsx": string(tc.data)}, map[string]string{"dry_run": "true"})
			status, got := e.post("/api/v1/import", analystToken, ct, body)
			wantError(t, status, got, 413, bizenv.ETOOLARGE)
			ct, body = multipartBody(t, map[string]string{"bomb.xlsx": string(tc.data)}, nil)
			status, got = e.post("/api/v1/import", analystToken, ct, body)
			wantError(t, status, got, 413, bizenv.ETOOLARGE)
		})
	}
	if n := e.count(`SELECT count(*) FROM runs`) + e.count(`SELECT count(*) FROM payloads`); n != 0 {
		t.Errorf("refused uploads left %d runs and payloads", n)
	}
}
