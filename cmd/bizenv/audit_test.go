package main

import (
	"net/http"
	"os/user"
	"testing"

	"github.com/bizenv/bizenv/postgres/pgtest"
)

// TestAuditNamesWhoWrote: every revision records who made it. A collector
// run through the API is the token's; a CLI import is the OS user's, even
// when $USER is not set (cron, systemd).
func TestAuditNamesWhoWrote(t *testing.T) {
	dsn := pgtest.DSN(t)
	db := openDB(t, dsn)

	t.Run("CLI import without $USER", func(t *testing.T) {
		u, err := user.Current()
		if err != nil {
			t.Skipf("no OS user to compare with: %v", err)
		}
		f := writeFile(t, "a.csv", header+"2020-06,wuhan-edz,city_assessment_rank,8,seed,\n")
		if r := runBizenv(t, dsn, "import", f); r.code() != exitOK {
			t.Fatalf("import: exit %d: %v\n%s", r.code(), r.err, r.stderr)
		}
		var changedBy, runActor string
		if err := db.Get(&changedBy, `SELECT changed_by FROM observations WHERE indicator = 'city_assessment_rank' AND period = '2020-06-01'`); err != nil {
			t.Fatal(err)
		}
		if err := db.Get(&runActor, `SELECT actor FROM runs WHERE kind = 'import' ORDER BY id DESC LIMIT 1`); err != nil {
			t.Fatal(err)
		}
		if changedBy != u.Username || runActor != u.Username {
			t.Errorf("changed_by %q, run actor %q; want the OS user %q", changedBy, runActor, u.Username)
		}
	})

	t.Run("collector run through the API", func(t *testing.T) {
		base := startInboxServe(t, dsn)
		if code, body := postEmpty(t, base+"/api/v1/collectors/inbox/run", inboxToken); code != http.StatusOK {
			t.Fatalf("run: status %d: %v", code, body)
		}
		var changedBy, runActor, runName string
		if err := db.Get(&changedBy, `SELECT changed_by FROM observations WHERE indicator = 'city_assessment_rank' AND period = '2021-09-01'`); err != nil {
			t.Fatal(err)
		}
		if err := db.QueryRow(`SELECT actor, name FROM runs WHERE kind = 'collector' ORDER BY id DESC LIMIT 1`).Scan(&runActor, &runName); err != nil {
			t.Fatal(err)
		}
		if changedBy != "analyst" || runActor != "analyst" || runName != "inbox" {
			t.Errorf("changed_by %q, run actor %q, run name %q; want analyst, analyst, inbox", changedBy, runActor, runName)
		}
	})
	mustVerify(t, dsn)
}
