package main

import (
	"bufio"
	"errors"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/bizenv/bizenv/postgres/pgtest"
)

// TestServeClosesIdleConnections keeps a connection open after one answer
// and waits for the server to close it, as it must to keep idle keep-alive
// connections from piling up to the open-file limit.
func TestServeClosesIdleConnections(t *testing.T) {
	base, _ := startServe(t, pgtest.DSN(t), "--web.idle-timeout=300ms")
	conn, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, "GET /healthz HTTP/1.1\r\nHost: bizenv\r\n\r\n"); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	resp, err := http.ReadResponse(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Close {
		t.Fatalf("got status %d, close %v; want 200 on a kept-alive connection", resp.StatusCode, resp.Close)
	}

	// The deadline only keeps a server that never closes from hanging the
	// test; the server closes after 300ms.
	conn.SetReadDeadline(time.Now().Add(20 * time.Second))
	n, err := r.Read(make([]byte, 1))
	if !errors.Is(err, io.EOF) {
		t.Errorf("idle connection: read %d bytes, %v; want the server to close it (EOF)", n, err)
	}
}

func TestServeTimeoutFlags(t *testing.T) {
	for _, flag := range []string{"--web.read-timeout=0s", "--web.write-timeout=-1s", "--web.idle-timeout=0"} {
		t.Run(flag, func(t *testing.T) {
			r := runBizenv(t, pgtest.DSN(t), "serve", "--web.listen-address=127.0.0.1:0", flag)
			if got, want := r.code(), exitUsage; got != want {
				t.Errorf("exit code: got %d, want %d (%v)", got, want, r.err)
			}
			name := strings.TrimPrefix(strings.Split(flag, "=")[0], "--")
			if r.err == nil || !strings.Contains(r.err.Error(), "--"+name+": must be positive") {
				t.Errorf("error: got %v, want it to name --%s", r.err, name)
			}
		})
	}
}
