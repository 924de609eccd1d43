package tabular_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/collectors/kind"
	"github.com/bizenv/bizenv/collectors/tabular"
	"github.com/bizenv/bizenv/ingest"
)

const longConfig = `
collectors:
  - name: drop
    schedule: "0 9 * * *"
    tabular:
      path: %s
`

func longCSV(entity string, value string) string {
	return "period,entity,indicator,value\n2021-09," + entity + ",city_assessment_score," + value + "\n"
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

func symlink(t *testing.T, target, link string) {
	t.Helper()
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
}

// A drop folder holding links out of it, a dangling link and a file over
// the size limit beside good files: the good files are read, each bad
// entry is one reject, and nothing outside the folder is read or kept.
func TestDropFolderBadEntries(t *testing.T) {
	const secret = "DB_PASSWORD=hunter2-do-not-store"
	outside := t.TempDir()
	writeFile(t, filepath.Join(outside, "secrets.csv"), "period,entity,indicator,value\n"+secret+"\n")
	writeFile(t, filepath.Join(outside, "sub", "a.csv"), longCSV("wuhan-qiaokou", "80")+secret+"\n")

	dir := t.TempDir()
	writeFile(t, filepath.Join(dir, "in", "1-good.csv"), longCSV("wuhan-jiangan", "88.5"))
	writeFile(t, filepath.Join(dir, "in", "9-good.csv"), longCSV("wuhan-jianghan", "90.25"))
	symlink(t, filepath.Join(outside, "secrets.csv"), filepath.Join(dir, "in", "2-secrets.csv"))
	symlink(t, filepath.Join(dir, "in", "1-good.csv"), filepath.Join(dir, "in", "3-inside.csv"))
	symlink(t, filepath.Join(dir, "in", "gone.csv"), filepath.Join(dir, "in", "4-dangling.csv"))
	big, err := os.Create(filepath.Join(dir, "in", "5-big.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := big.Truncate(ingest.DefaultMaxBytes + 1); err != nil {
		t.Fatal(err)
	}
	big.Close()
	// A folder the pattern's wildcard matches, linked out of the folder.
	symlink(t, filepath.Join(outside, "sub"), filepath.Join(dir, "linked"))

	for _, tc := range []struct{ name, pattern, obs, rejects string }{
		{"files", dir + "/in/*.csv",
			"2021-09 wuhan-jiangan city_assessment_score 88.5 1-good.csv\n2021-09 wuhan-jianghan city_assessment_score 90.25 9-good.csv",
			"2-secrets.csv:0: " + dir + "/in/2-secrets.csv: a symbolic link; only regular files in the folder are read\n" +
				"3-inside.csv:0: " + dir + "/in/3-inside.csv: a symbolic link; only regular files in the folder are read\n" +
				"4-dangling.csv:0: " + dir + "/in/4-dangling.csv: a symbolic link; only regular files in the folder are read\n" +
				fmt.Sprintf("5-big.csv:0: %s/in/5-big.csv: %d bytes, larger than the limit of %d", dir, ingest.DefaultMaxBytes+1, ingest.DefaultMaxBytes)},
		{"folders", dir + "/*/*good.csv",
			"2021-09 wuhan-jiangan city_assessment_score 88.5 1-good.csv\n2021-09 wuhan-jianghan city_assessment_score 90.25 9-good.csv",
			""},
		{"linked folder", dir + "/*/a.csv", "",
			"a.csv:0: " + dir + "/linked/a.csv: in " + dir + "/linked, a symbolic link; only files inside " + dir + " are read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			col := parseConfig(t, fmt.Sprintf(longConfig, tc.pattern))
			cat := bizenv.DefaultCatalog()
			src := tabular.New(col, kind.Deps{})
			b, err := src.Fetch(context.Background(), kind.Job{Catalog: cat, Validator: ingest.NewValidator(cat, now), Stored: neverStored})
			if err != nil {
				t.Fatalf("got %v, want the good files read", err)
			}
			if got := observations(b); got != tc.obs {
				t.Errorf("observations: got\n%s\nwant\n%s", got, tc.obs)
			}
			if got := rejects(b); got != tc.rejects {
				t.Errorf("rejects: got\n%s\nwant\n%s", got, tc.rejects)
			}
			var kept []string
			for _, p := range b.Payloads {
				kept = append(kept, filepath.Base(p.Name))
				if strings.Contains(string(p.Content), secret) {
					t.Errorf("payload %s holds the secret", p.Name)
				}
			}
			if got, want := strings.Join(kept, " "), strings.Join(map[bool][]string{true: {"1-good.csv", "9-good.csv"}}[tc.obs != ""], " "); got != want {
				t.Errorf("payloads: got %q, want %q", got, want)
			}
		})
	}
}

// A file whose size and modification time have not changed since it was
// stored is not read again. The proof: its content is replaced by other
// content of the same size, and the modification time put back; the
// second run does not see the new content. Once the modification time
// moves, it does.
func TestDropFolderUnchangedFilesNotRead(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "scores.csv")
	writeFile(t, path, longCSV("wuhan-jiangan", "88.5"))
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	col := parseConfig(t, fmt.Sprintf(longConfig, dir+"/*.csv"))
	cat := bizenv.DefaultCatalog()
	src := tabular.New(col, kind.Deps{})
	stored := map[string]bool{}
	run := func(t *testing.T) bizenv.Batch {
		t.Helper()
		b, err := src.Fetch(context.Background(), kind.Job{Catalog: cat, Validator: ingest.NewValidator(cat, now), Stored: func(_ context.Context, sum string) (bool, error) {
			return stored[sum], nil
		}})
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range b.Payloads {
			stored[p.SHA256] = true
		}
		return b
	}

	if got, want := observations(run(t)), "2021-09 wuhan-jiangan city_assessment_score 88.5 scores.csv"; got != want {
		t.Fatalf("first run: got\n%s\nwant\n%s", got, want)
	}
	writeFile(t, path, longCSV("wuhan-jiangan", "77.5"))
	if err := os.Chtimes(path, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	t.Run("same size and time", func(t *testing.T) {
		if b := run(t); len(b.Observations)+len(b.Rejects)+len(b.Payloads) != 0 {
			t.Errorf("the file was read again: got\n%s", observations(b))
		}
	})
	if err := os.Chtimes(path, st.ModTime().Add(time.Second), st.ModTime().Add(time.Second)); err != nil {
		t.Fatal(err)
	}
	t.Run("newer", func(t *testing.T) {
		if got, want := observations(run(t)), "2021-09 wuhan-jiangan city_assessment_score 77.5 scores.csv"; got != want {
			t.Errorf("got\n%s\nwant\n%s", got, want)
		}
	})
}
