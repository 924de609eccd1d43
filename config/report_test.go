package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bizenv/bizenv/config"
)

func getenv(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestReportConfig(t *testing.T) {
	dir := t.TempDir()
	secretFile := filepath.Join(dir, "ding.secret")
	os.WriteFile(secretFile, []byte("SECfromfile\n"), 0o600)
	text := `
timezone: Asia/Shanghai
report:
  schedule: "0 9 3 * *"
  base_url: https://bizenv.example.org
  channels:
    - name: managers-wecom
      wecom: {webhook_url: "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=${WECOM_KEY}"}
    - name: managers-dingtalk
      dingtalk: {webhook_url: "https://oapi.dingtalk.com/robot/send?access_token=t", secret_file: ` + secretFile + `}
    - name: managers-mail
      email: {host: smtp.example.org, from: bizenv@example.org, to: [boss@example.org], password: "${SMTP_PASSWORD}", username: bizenv}
`
	c, err := config.Parse("test.yml", []byte(text), getenv(map[string]string{"WECOM_KEY": "k1", "SMTP_PASSWORD": "pw"}))
	if err != nil {
		t.Fatal(err)
	}
	r := c.Delivery
	if got, want := strings.Join(r.Entities, ","), "wuhan-edz"; got != want {
		t.Errorf("entities: got %s, want %s", got, want)
	}
	if r.Attempts != 3 || r.Backoff != 30*time.Second {
		t.Errorf("defaults: got %d attempts, backoff %s", r.Attempts, r.Backoff)
	}
	if got := r.Channels[0].WebhookURL; !strings.HasSuffix(got, "key=k1") {
		t.Errorf("wecom url: got %s", got)
	}
	if got, want := r.Channels[1].Secret, "SECfromfile"; got != want {
		t.Errorf("dingtalk secret: got %q, want %q", got, want)
	}
	e := r.Channels[2].SMTP
	if e.Port != 587 || e.StartTLS != "auto" || e.Timeout != 30*time.Second || e.Password != "pw" {
		t.Errorf("email defaults: got %+v", e)
	}
	if got, want := r.Channels[2].Kind, "email"; got != want {
		t.Errorf("kind: got %s, want %s", got, want)
	}
	if got := c.Report.Channels[1].DingTalk.Secret; got != "" {
		t.Errorf("dingtalk secret as written: got %q, want it left empty (the file's content goes into the validated channel)", got)
	}
	if got := c.Report.Attempts; got != 0 {
		t.Errorf("attempts as written: got %d, want 0 (defaults are not written into the file's values)", got)
	}
}

func TestReportConfigErrors(t *testing.T) {
	wecom := `{name: w, wecom: {webhook_url: "https://x/send"}}`
	for _, tc := range []struct{ name, report, want string }{
		{"no schedule", `{channels: [` + wecom + `]}`, "config t.yml: report: schedule is required"},
		{"bad schedule", `{schedule: "61 * * * *", channels: [` + wecom + `]}`, `config t.yml: report: schedule "61 * * * *": end of range (61) above maximum (59): 61`},
		{"no channel", `{schedule: "0 9 3 * *"}`, "config t.yml: report: at least one channel is required"},
		{"no name", `{schedule: "0 9 3 * *", channels: [{wecom: {webhook_url: "https://x"}}]}`, "config t.yml: report: channel 1: name is required"},
		{"twice", `{schedule: "0 9 3 * *", channels: [` + wecom + `, ` + wecom + `]}`, "config t.yml: report: channel w: listed twice"},
		{"two kinds", `{schedule: "0 9 3 * *", channels: [{name: w, wecom: {webhook_url: "https://x"}, dingtalk: {webhook_url: "https://x"}}]}`, "config t.yml: report: channel w: exactly one of wecom, dingtalk or email is required"},
		{"none kind", `{schedule: "0 9 3 * *", channels: [{name: w}]}`, "config t.yml: report: channel w: exactly one of wecom, dingtalk or email is required"},
		{"no url", `{schedule: "0 9 3 * *", channels: [{name: w, wecom: {}}]}`, "config t.yml: report: channel w: wecom.webhook_url is required"},
		{"bad url", `{schedule: "0 9 3 * *", channels: [{name: d, dingtalk: {webhook_url: "ftp://x?access_token=SECRET"}}]}`, "config t.yml: report: channel d: dingtalk.webhook_url: want an http or https URL"},
		{"secret twice", `{schedule: "0 9 3 * *", channels: [{name: d, dingtalk: {webhook_url: "https://x", secret: a, secret_file: /nonexistent}}]}`, "config t.yml: report: channel d: set dingtalk.secret or dingtalk.secret_file, not both"},
		{"missing secret file", `{schedule: "0 9 3 * *", channels: [{name: d, dingtalk: {webhook_url: "https://x", secret_file: /nonexistent}}]}`, "config t.yml: report: channel d: dingtalk.secret_file: open /nonexistent: no such file or directory"},
		{"email host", `{schedule: "0 9 3 * *", channels: [{name: m, email: {from: a@b, to: [c@d]}}]}`, "config t.yml: report: channel m: email.host is required"},
		{"email from", `{schedule: "0 9 3 * *", channels: [{name: m, email: {host: h, to: [c@d]}}]}`, "config t.yml: report: channel m: email.from is required"},
		{"email to", `{schedule: "0 9 3 * *", channels: [{name: m, email: {host: h, from: a@b}}]}`, "config t.yml: report: channel m: email.to is required"},
		{"email starttls", `{schedule: "0 9 3 * *", channels: [{name: m, email: {host: h, from: a@b, to: [c@d], starttls: maybe}}]}`, `config t.yml: report: channel m: email.starttls "maybe": want auto, always or never`},
		{"email port", `{schedule: "0 9 3 * *", channels: [{name: m, email: {host: h, port: 70000, from: a@b, to: [c@d]}}]}`, "config t.yml: report: channel m: email.port 70000: want 1 to 65535"},
		{"base url", `{schedule: "0 9 3 * *", base_url: "bizenv", channels: [` + wecom + `]}`, `config t.yml: report: base_url "bizenv": want an http or https URL`},
		{"attempts", `{schedule: "0 9 3 * *", attempts: -1, channels: [` + wecom + `]}`, "config t.yml: report: attempts must not be negative"},
		{"unknown key", `{schedule: "0 9 3 * *", channel: []}`, "config t.yml: yaml: unmarshal errors:\n  line 1: field channel not found in type config.Report"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := config.Parse("t.yml", []byte("report: "+tc.report+"\n"), getenv(nil))
			if err == nil || err.Error() != tc.want {
				t.Errorf("got %v\nwant %s", err, tc.want)
			}
		})
	}
}

// TestReportEntity: a report named for no entity is for the first entity
// the report section lists, else config.DefaultEntity.
func TestReportEntity(t *testing.T) {
	for _, tc := range []struct{ name, text, want string }{
		{"no report section", "timezone: Asia/Shanghai\n", config.DefaultEntity},
		{"entities unset", "report:\n  schedule: \"0 9 3 * *\"\n  channels: [{name: w, wecom: {webhook_url: \"https://x/send\"}}]\n", config.DefaultEntity},
		{"entities listed", "report:\n  schedule: \"0 9 3 * *\"\n  entities: [wuhan-jiangan, wuhan-edz]\n  channels: [{name: w, wecom: {webhook_url: \"https://x/send\"}}]\n", "wuhan-jiangan"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := config.Parse("test.yml", []byte(tc.text), getenv(nil))
			if err != nil {
				t.Fatal(err)
			}
			if got := c.ReportEntity(); got != tc.want {
				t.Errorf("got %s, want %s", got, tc.want)
			}
		})
	}
}
