package api_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/api"
	"github.com/bizenv/bizenv/internal/bomb"
	"github.com/bizenv/bizenv/postgres"
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

// TestObservationsCaps posts arrays past the caps: a 2-million-element
// array is refused once it passes the record cap, storing nothing; a batch
// of many bad records stores and lists only the first rejects, and the run
// counts them all.
func TestObservationsCaps(t *testing.T) {
	e := newEnv(t)
	t.Run("2 million elements", func(t *testing.T) {
		var body bytes.Buffer
		if err := bomb.WriteArray(&body, 2_000_000); err != nil {
			t.Fatal(err)
		}
		// Sent without the OpenAPI check, which would decode all of it.
		req, err := http.NewRequest("POST", e.srv.URL+"/api/v1/observations", &body)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+analystToken)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		got, _ := io.ReadAll(resp.Body)
		wantError(t, resp.StatusCode, got, 413, bizenv.ETOOLARGE)
		if want := fmt.Sprintf(`{"error":{"code":"too_large","message":"body: more than %d observations; send them in several requests","message_zh":"请求体超过 %[1]d 条观测值；请分几次发送"}}`+"\n", api.DefaultMaxRecords); string(got) != want {
			t.Errorf("got  %s\nwant %s", got, want)
		}
		if n := e.count(`SELECT count(*) FROM runs`) + e.count(`SELECT count(*) FROM rejects`); n != 0 {
			t.Errorf("a refused request left %d runs and rejects", n)
		}
	})
	t.Run("rejects stored and listed are the first ones", func(t *testing.T) {
		var records []obs
		for i := range 2500 {
			records = append(records, obs{"period": "2020-10", "entity": "wuhan-edz", "indicator": fmt.Sprintf("no_such_%d", i), "value": 1})
		}
		status, got := e.postJSON("/api/v1/observations", analystToken, records)
		wantError(t, status, got, 400, bizenv.EINVALID)
		r := decode[struct {
			Error   struct{ Message string }
			Run     bizenv.Run
			Results []any
			Rejects []bizenv.Reject
		}](t, got)
		if want := "2500 record(s) rejected: nothing stored (allow_partial stores the good ones); the first 1000 are listed"; r.Error.Message != want {
			t.Errorf("message: got %q, want %q", r.Error.Message, want)
		}
		if len(r.Results) != 2500 || len(r.Rejects) != bizenv.MaxStoredRejects || r.Rejects[999].Line != 1000 || r.Run.Rejected != 2500 {
			t.Errorf("got %d results, %d rejects (last line %d), run rejected %d; want 2500, 1000 (1000), 2500",
				len(r.Results), len(r.Rejects), r.Rejects[len(r.Rejects)-1].Line, r.Run.Rejected)
		}
		if got, want := e.count(`SELECT count(*) FROM rejects WHERE run_id = $1`, r.Run.ID), bizenv.MaxStoredRejects; got != want {
			t.Errorf("stored %d rejects, want %d", got, want)
		}
		v, err := e.db.Verify(context.Background(), postgres.VerifyOptions{})
		if err != nil || !v.OK() {
			t.Errorf("verify: %v %q", err, v.Violations)
		}
	})
	t.Run("a configured cap", func(t *testing.T) {
		e := newEnv(t, func(c *api.Config) { c.MaxRecords = 2 })
		one := obs{"period": "2020-10", "entity": "wuhan-edz", "indicator": "city_assessment_rank", "value": 1}
		status, got := e.postJSON("/api/v1/observations", analystToken, []obs{one, one, one})
		wantError(t, status, got, 413, bizenv.ETOOLARGE)
		status, got = e.postJSON("/api/v1/observations", analystToken, []obs{one, one})
		if status != 200 {
			t.Errorf("at the cap: got %d %s", status, got)
		}
	})
	t.Run("body errors", func(t *testing.T) {
		for _, body := range []string{`{}`, `[{"period":"2020-10"}`, `[] []`, `[1,]`, `null`} {
			status, got := e.post("/api/v1/observations", analystToken, "application/json", []byte(body))
			wantError(t, status, got, 400, bizenv.EINVALID)
		}
	})
}
