package deliver

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/base64"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"net"
	"net/smtp"
	"net/textproto"
	"strconv"
	"strings"
	"time"

	"github.com/bizenv/bizenv/config"
)

// Email sends the HTML report as the body of a mail with the CSV attached.
type Email struct {
	Config config.SMTP
	// TLSConfig is used for STARTTLS; one naming Config.Host when nil.
	TLSConfig *tls.Config
	Now       func() time.Time
}

// Send delivers m to every recipient in one SMTP session, using STARTTLS
// when the server offers it (Config.StartTLS auto), or insisting on it
// (always). Every step is bounded by Config.Timeout.
func (e *Email) Send(ctx context.Context, m Message) error {
	c := e.Config
	timeout := c.Timeout
	if timeout <= 0 {
		timeout = config.DefaultSMTPTimeout
	}
	msg, err := e.compose(m)
	if err != nil {
		return err
	}
	addr := net.JoinHostPort(c.Host, strconv.Itoa(max(c.Port, 0)))
	dctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	conn, err := (&net.Dialer{}).DialContext(dctx, "tcp", addr)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", addr, err)
	}
	defer conn.Close()
	deadline := time.Now().Add(timeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	conn.SetDeadline(deadline)
	client, err := smtp.NewClient(conn, c.Host)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", addr, err)
	}
	defer client.Close()
	if err := client.Hello("bizenv"); err != nil {
		return fmt.Errorf("smtp %s: %w", addr, err)
	}
	if ok, _ := client.Extension("STARTTLS"); ok && c.StartTLS != "never" {
		tc := e.TLSConfig
		if tc == nil {
			tc = &tls.Config{ServerName: c.Host, MinVersion: tls.VersionTLS12}
		}
		if err := client.StartTLS(tc); err != nil {
			return fmt.Errorf("smtp %s: starttls: %w", addr, err)
		}
	} else if c.StartTLS == "always" {
		return fmt.Errorf("smtp %s: the server does not offer STARTTLS", addr)
	}
	if c.Username != "" {
		if err := client.Auth(smtp.PlainAuth("", c.Username, c.Password, c.Host)); err != nil {
			return fmt.Errorf("smtp %s: auth: %w", addr, err)
		}
	}
	if err := client.Mail(c.From); err != nil {
		return fmt.Errorf("smtp %s: from: %w", addr, err)
	}
	for _, to := range c.To {
		if err := client.Rcpt(to); err != nil {
			return fmt.Errorf("smtp %s: to %s: %w", addr, to, err)
		}
	}
	w, err := client.Data()
	if err != nil {
		return fmt.Errorf("smtp %s: data: %w", addr, err)
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("smtp %s: data: %w", addr, err)
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp %s: data: %w", addr, err)
	}
	if err := client.Quit(); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("smtp %s: quit: %w", addr, err)
	}
	return nil
}

// compose writes a multipart/mixed mail: the HTML page, then the CSV.
func (e *Email) compose(m Message) ([]byte, error) {
	now := time.Now
	if e.Now != nil {
		now = e.Now
	}
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	id := make([]byte, 12)
	rand.Read(id)
	host := e.Config.From[strings.LastIndex(e.Config.From, "@")+1:]
	hdr := []string{
		"From: " + e.Config.From,
		"To: " + strings.Join(e.Config.To, ", "),
		"Subject: " + mime.BEncoding.Encode("utf-8", m.Title),
		"Date: " + now().Format(time.RFC1123Z),
		"Message-ID: <" + base64.RawURLEncoding.EncodeToString(id) + "@" + host + ">",
		"MIME-Version: 1.0",
		"Content-Type: multipart/mixed; boundary=" + mw.Boundary(),
	}
	var out bytes.Buffer
	out.WriteString(strings.Join(hdr, "\r\n") + "\r\n\r\n")
	part := func(h textproto.MIMEHeader, content []byte) error {
		h.Set("Content-Transfer-Encoding", "base64")
		w, err := mw.CreatePart(h)
		if err != nil {
			return err
		}
		enc := base64.StdEncoding.EncodeToString(content)
		for len(enc) > 76 {
			fmt.Fprintf(w, "%s\r\n", enc[:76])
			enc = enc[76:]
		}
		_, err = fmt.Fprintf(w, "%s\r\n", enc)
		return err
	}
	if err := part(textproto.MIMEHeader{"Content-Type": {"text/html; charset=utf-8"}}, m.HTML); err != nil {
		return nil, err
	}
	name := fmt.Sprintf("report-%s-%s.csv", m.Report.Entity, m.Report.Period)
	if err := part(textproto.MIMEHeader{
		"Content-Type":        {"text/csv; charset=utf-8; name=\"" + name + "\""},
		"Content-Disposition": {"attachment; filename=\"" + name + "\""},
	}, m.CSV); err != nil {
		return nil, err
	}
	if err := mw.Close(); err != nil {
		return nil, err
	}
	out.Write(b.Bytes())
	return out.Bytes(), nil
}
