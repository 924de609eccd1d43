package collectors_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/collectors"
	"github.com/bizenv/bizenv/ingest"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
)

// A drop folder with a link to a secrets file outside it, a dangling link
// and a file over the size limit beside the notice: the notice is stored,
// each bad entry is one reject, the run is partial, and the secret is
// nowhere in the database, where the dashboards' role could read it.
func TestDropFolderBadEntriesStored(t *testing.T) {
	const secret = "postgres://bizenv:hunter2-n0t-for-payloads@db/bizenv"
	db, _ := newDB(t)
	ctx := context.Background()
	outside := t.TempDir()
	secrets := filepath.Join(outside, "credentials")
	if err := os.WriteFile(secrets, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := dropFolder(t)
	for link, target := range map[string]string{"2021年10月排名.xlsx": secrets, "2021年11月排名.xlsx": filepath.Join(dir, "gone.xlsx")} {
		if err := os.Symlink(target, filepath.Join(dir, link)); err != nil {
			t.Fatal(err)
		}
	}
	big, err := os.Create(filepath.Join(dir, "2021年12月排名.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	if err := big.Truncate(ingest.DefaultMaxBytes + 1); err != nil {
		t.Fatal(err)
	}
	big.Close()

	logger, _ := newLogger()
	r := collectors.NewRunner(db, parse(t, fmt.Sprintf(noticeConfig, dir)), logger, atNow)
	wantRejects := strings.Join([]string{
		dir + "/2021年10月排名.xlsx: " + dir + "/2021年10月排名.xlsx: a symbolic link; only regular files in the folder are read",
		dir + "/2021年11月排名.xlsx: " + dir + "/2021年11月排名.xlsx: a symbolic link; only regular files in the folder are read",
		fmt.Sprintf("%s/2021年12月排名.xlsx: %s/2021年12月排名.xlsx: %d bytes, larger than the limit of %d", dir, dir, ingest.DefaultMaxBytes+1, ingest.DefaultMaxBytes),
	}, "\n")
	for i, want := range []bizenv.Counts{{Inserted: 31, Rejected: 3}, {Rejected: 3}} {
		t.Run(fmt.Sprintf("run %d", i+1), func(t *testing.T) {
			res, err := r.Run(ctx, "city-assessment", collectors.Request{})
			if err != nil {
				t.Fatal(err)
			}
			if got := res[0].Run; got.Counts != want || got.Outcome != bizenv.OutcomePartial {
				t.Errorf("got %+v, %s; want %+v, partial", got.Counts, got.Outcome, want)
			}
			var got []string
			if err := pgtest.SQL(t, db).Select(&got, "SELECT file || ': ' || reason FROM rejects WHERE run_id = $1 ORDER BY id", res[0].Run.ID); err != nil {
				t.Fatal(err)
			}
			if strings.Join(got, "\n") != wantRejects {
				t.Errorf("rejects: got\n%s\nwant\n%s", strings.Join(got, "\n"), wantRejects)
			}
		})
	}
	if got, want := count(t, db, "SELECT count(*) FROM payloads WHERE name = $1", filepath.Join(dir, noticeName)), 1; got != want {
		t.Errorf("payloads of the notice: got %d, want %d", got, want)
	}
	if got, want := count(t, db, "SELECT count(*) FROM payloads"), 1; got != want {
		t.Errorf("payloads: got %d, want %d", got, want)
	}
	for _, q := range []string{
		"SELECT count(*) FROM payloads WHERE position(convert_to($1, 'UTF8') in content) > 0",
		"SELECT count(*) FROM rejects WHERE strpos(record || reason, $1) > 0",
		"SELECT count(*) FROM runs WHERE strpos(coalesce(error, ''), $1) > 0",
	} {
		if got := count(t, db, q, "hunter2"); got != 0 {
			t.Errorf("%s: got %d, want 0", q, got)
		}
	}
	v, err := db.Verify(ctx, postgres.VerifyOptions{})
	if err != nil || !v.OK() || len(v.Warnings) > 0 {
		t.Errorf("verify: %v violations %q warnings %q", err, v.Violations, v.Warnings)
	}
}
