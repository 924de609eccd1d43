package deliver

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// WeCom posts the markdown summary to a WeCom group robot.
type WeCom struct {
	URL    string
	Client *http.Client // a 15s-timeout client when nil
}

// wecomLimit is the most a WeCom markdown message may carry, in bytes.
const wecomLimit = 4096

// Send posts {"msgtype":"markdown","markdown":{"content":...}}.
func (w *WeCom) Send(ctx context.Context, m Message) error {
	content := truncate(m.Markdown, wecomLimit)
	body := map[string]any{"msgtype": "markdown", "markdown": map[string]string{"content": content}}
	return postRobot(ctx, w.Client, w.URL, body)
}

// DingTalk posts the markdown summary to a DingTalk group robot, signing
// the request when the robot has a secret.
type DingTalk struct {
	URL    string
	Secret string
	Client *http.Client
	Now    func() time.Time // time.Now when nil
}

// Send posts {"msgtype":"markdown","markdown":{"title":...,"text":...}}.
func (d *DingTalk) Send(ctx context.Context, m Message) error {
	u := d.URL
	if d.Secret != "" {
		now := time.Now
		if d.Now != nil {
			now = d.Now
		}
		ts := now().UnixMilli()
		u += sep(u) + "timestamp=" + strconv.FormatInt(ts, 10) + "&sign=" + url.QueryEscape(DingTalkSign(ts, d.Secret))
	}
	body := map[string]any{"msgtype": "markdown", "markdown": map[string]string{"title": m.Title, "text": m.Markdown}}
	return postRobot(ctx, d.Client, u, body)
}

// DingTalkSign is DingTalk's signature of a request made at ts (Unix
// milliseconds): base64 of HMAC-SHA256, keyed with the secret, of
// ts + "\n" + secret.
func DingTalkSign(ts int64, secret string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ts, 10) + "\n" + secret))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func sep(u string) string {
	if strings.Contains(u, "?") {
		return "&"
	}
	return "?"
}

// postRobot posts body as JSON and reads the robots' common answer,
// {"errcode":0,"errmsg":"ok"}. Errors never carry the URL: its access
// token is a secret.
func postRobot(ctx context.Context, client *http.Client, u string, body any) error {
	if client == nil {
		client = &http.Client{Timeout: 15 * time.Second}
	}
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(b))
	if err != nil {
		return errors.New("bad webhook URL")
	}
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("post webhook: %w", err)
	}
	defer resp.Body.Close()
	answer, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("webhook answered %s", resp.Status)
	}
	var r struct {
		ErrCode *int   `json:"errcode"`
		ErrMsg  string `json:"errmsg"`
	}
	if err := json.Unmarshal(answer, &r); err != nil || r.ErrCode == nil {
		return fmt.Errorf("webhook answered something else than {errcode, errmsg}")
	}
	if *r.ErrCode != 0 {
		return fmt.Errorf("webhook refused the message: errcode %d: %s", *r.ErrCode, r.ErrMsg)
	}
	return nil
}

// truncate cuts s to at most n bytes on a rune boundary.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	s = s[:n]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
