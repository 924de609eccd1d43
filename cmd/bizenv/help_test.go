package main

import (
	"strings"
	"testing"
)

// TestHelpDoesNothingElse runs every command with --help and -h against a
// database that cannot be reached: a command that went on to connect,
// migrate or listen would fail instead of exiting 0.
func TestHelpDoesNothingElse(t *testing.T) {
	const unreachable = "postgres://bizenv@127.0.0.1:1/nowhere?sslmode=disable&connect_timeout=1"
	commands := [][]string{
		{"serve"}, {"migrate"}, {"import"}, {"collect"}, {"report"},
		{"catalog", "apply"}, {"catalog", "show"}, {"verify"},
	}
	for _, cmd := range commands {
		for _, help := range []string{"--help", "-h"} {
			args := append(append([]string{}, cmd...), help)
			t.Run(strings.Join(args, " "), func(t *testing.T) {
				r := runBizenv(t, unreachable, args...)
				if r.err != nil {
					t.Fatalf("exit %d: %v\nstderr:\n%s", r.code(), r.err, r.stderr)
				}
				if want := "usage: bizenv " + strings.Join(cmd, " "); !strings.Contains(r.stdout, want) {
					t.Errorf("stdout lacks %q:\n%s", want, r.stdout)
				}
				if !strings.Contains(r.stdout, "-log.level") {
					t.Errorf("stdout lacks the flags:\n%s", r.stdout)
				}
				if strings.Contains(r.stdout+r.stderr, "panic") {
					t.Errorf("usage mentions a panic:\n%s%s", r.stdout, r.stderr)
				}
				if r.stderr != "" {
					t.Errorf("stderr: %s", r.stderr)
				}
			})
		}
	}
}

func TestTopLevelHelpListsCommands(t *testing.T) {
	for _, arg := range []string{"--help", "-h", "help"} {
		r := runBizenv(t, "", arg)
		if r.err != nil {
			t.Fatalf("%s: %v", arg, r.err)
		}
		for _, cmd := range []string{"serve", "migrate", "import", "collect", "report", "catalog", "verify", "version"} {
			if !strings.Contains(r.stdout, "\n  "+cmd+" ") {
				t.Errorf("%s: command %s not listed:\n%s", arg, cmd, r.stdout)
			}
		}
	}
	r := runBizenv(t, "", "catalog", "--help")
	if r.err != nil || !strings.Contains(r.stdout, "catalog apply") {
		t.Errorf("catalog --help: %v\n%s", r.err, r.stdout)
	}
}

// TestFlagMistakeIsUsageError keeps a wrong flag an exit-2 error with the
// usage on stderr.
func TestFlagMistakeIsUsageError(t *testing.T) {
	r := runBizenv(t, "", "report", "--no-such-flag")
	if r.code() != exitUsage {
		t.Fatalf("exit %d, want %d", r.code(), exitUsage)
	}
	if !strings.Contains(r.stderr, "usage: bizenv report") || r.stdout != "" {
		t.Errorf("stdout %q, stderr %q", r.stdout, r.stderr)
	}
}
