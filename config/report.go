package config

import (
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// DefaultEntity is the entity a report is for when none is named and the
// report section lists none: the district bizenv watches first.
const DefaultEntity = "wuhan-edz"

// Report is the monthly report's delivery: when it goes out, for which
// entities, through which channels.
type Report struct {
	// Schedule is a cron line (CRON_TZ= allowed; else the config's zone).
	// Each run sends the last closed month in that zone.
	Schedule string   `yaml:"schedule"`
	Entities []string `yaml:"entities"` // default DefaultEntity
	// BaseURL is where this server is reached; messages link the full
	// report there. Optional.
	BaseURL string `yaml:"base_url"`
	// Attempts per channel per run (default DefaultReportAttempts), Backoff
	// before the first retry (default DefaultReportBackoff), doubled each
	// time.
	Attempts int           `yaml:"attempts"`
	Backoff  time.Duration `yaml:"backoff"`
	Channels []Channel     `yaml:"channels"`
}

// Channel is one destination: exactly one of WeCom, DingTalk or Email.
type Channel struct {
	Name     string    `yaml:"name"`
	WeCom    *WeCom    `yaml:"wecom"`
	DingTalk *DingTalk `yaml:"dingtalk"`
	Email    *Email    `yaml:"email"`
}

// WeCom is a WeCom (企业微信) group robot.
type WeCom struct {
	WebhookURL     string `yaml:"webhook_url"`
	WebhookURLFile string `yaml:"webhook_url_file"`
}

// DingTalk is a DingTalk (钉钉) group robot, with its signing secret when
// the robot has "加签" enabled.
type DingTalk struct {
	WebhookURL     string `yaml:"webhook_url"`
	WebhookURLFile string `yaml:"webhook_url_file"`
	Secret         string `yaml:"secret"`
	SecretFile     string `yaml:"secret_file"`
}

// Email sends the HTML report with the CSV attached over SMTP, with
// STARTTLS when the server offers it (or always, when required).
type Email struct {
	Host         string        `yaml:"host"`
	Port         int           `yaml:"port"` // default DefaultSMTPPort
	Username     string        `yaml:"username"`
	Password     string        `yaml:"password"`
	PasswordFile string        `yaml:"password_file"`
	From         string        `yaml:"from"`
	To           []string      `yaml:"to"`
	StartTLS     string        `yaml:"starttls"` // auto (default), always or never
	Timeout      time.Duration `yaml:"timeout"`  // default DefaultSMTPTimeout
}

// Kind returns "wecom", "dingtalk" or "email".
func (c Channel) Kind() string {
	switch {
	case c.WeCom != nil:
		return "wecom"
	case c.DingTalk != nil:
		return "dingtalk"
	}
	return "email"
}

// Defaults of the report delivery, written here once.
const (
	DefaultReportAttempts = 3
	DefaultReportBackoff  = 30 * time.Second
	DefaultSMTPPort       = 587
	DefaultSMTPTimeout    = 30 * time.Second
)

// Delivery is the report section as validated: the secrets read from their
// files and the defaults filled in. The Report it comes from stays as
// written in the file.
type Delivery struct {
	Schedule string // a cron line, checked
	Entities []string
	BaseURL  string
	Attempts int
	Backoff  time.Duration
	Channels []DeliveryChannel
}

// DeliveryChannel is one channel as validated.
type DeliveryChannel struct {
	Name       string
	Kind       string // wecom, dingtalk or email
	WebhookURL string // wecom and dingtalk; a secret
	Secret     string // dingtalk's signing secret, when set
	SMTP       *SMTP  // email
}

// SMTP is an email channel as validated.
type SMTP struct {
	Host     string
	Port     int
	Username string
	Password string
	From     string
	To       []string
	StartTLS string // auto, always or never
	Timeout  time.Duration
}

// ReportEntity returns the entity a report is for when none is named: the
// first of the delivery's entities (report.entities, DefaultEntity when it
// lists none), or DefaultEntity without a report section.
func (c *Config) ReportEntity() string {
	if c.Delivery != nil {
		return c.Delivery.Entities[0]
	}
	return DefaultEntity
}

func (c *Config) validateReport() error {
	r := c.Report
	if r == nil {
		return nil
	}
	d := &Delivery{Schedule: r.Schedule, Entities: r.Entities, BaseURL: r.BaseURL,
		Attempts: r.Attempts, Backoff: r.Backoff}
	if r.Schedule == "" {
		return fmt.Errorf("report: schedule is required")
	}
	if _, err := cron.ParseStandard(r.Schedule); err != nil {
		return fmt.Errorf("report: schedule %q: %v", r.Schedule, err)
	}
	if len(d.Entities) == 0 {
		d.Entities = []string{DefaultEntity}
	}
	if r.BaseURL != "" && checkURL(r.BaseURL) != nil {
		return fmt.Errorf("report: base_url %q: want an http or https URL", r.BaseURL)
	}
	switch {
	case r.Attempts < 0:
		return fmt.Errorf("report: attempts must not be negative")
	case r.Attempts == 0:
		d.Attempts = DefaultReportAttempts
	}
	switch {
	case r.Backoff < 0:
		return fmt.Errorf("report: backoff must not be negative")
	case r.Backoff == 0:
		d.Backoff = DefaultReportBackoff
	}
	if len(r.Channels) == 0 {
		return fmt.Errorf("report: at least one channel is required")
	}
	seen := map[string]bool{}
	for i, ch := range r.Channels {
		if ch.Name == "" {
			return fmt.Errorf("report: channel %d: name is required", i+1)
		}
		if seen[ch.Name] {
			return fmt.Errorf("report: channel %s: listed twice", ch.Name)
		}
		seen[ch.Name] = true
		n := 0
		for _, set := range []bool{ch.WeCom != nil, ch.DingTalk != nil, ch.Email != nil} {
			if set {
				n++
			}
		}
		if n != 1 {
			return fmt.Errorf("report: channel %s: exactly one of wecom, dingtalk or email is required", ch.Name)
		}
		v, err := ch.validate()
		if err != nil {
			return fmt.Errorf("report: channel %s: %w", ch.Name, err)
		}
		d.Channels = append(d.Channels, v)
	}
	c.Delivery = d
	return nil
}

func (ch Channel) validate() (DeliveryChannel, error) {
	v := DeliveryChannel{Name: ch.Name, Kind: ch.Kind()}
	var err error
	switch {
	case ch.WeCom != nil:
		v.WebhookURL, err = webhook("wecom", ch.WeCom.WebhookURL, ch.WeCom.WebhookURLFile)
		return v, err
	case ch.DingTalk != nil:
		d := ch.DingTalk
		if v.WebhookURL, err = webhook("dingtalk", d.WebhookURL, d.WebhookURLFile); err != nil {
			return v, err
		}
		v.Secret, err = secret("dingtalk.secret", d.Secret, d.SecretFile)
		return v, err
	}
	e := ch.Email
	switch {
	case e.Host == "":
		return v, fmt.Errorf("email.host is required")
	case e.Port < 0 || e.Port > 65535:
		return v, fmt.Errorf("email.port %d: want 1 to 65535", e.Port)
	case e.From == "":
		return v, fmt.Errorf("email.from is required")
	case len(e.To) == 0:
		return v, fmt.Errorf("email.to is required")
	}
	m := &SMTP{Host: e.Host, Port: e.Port, Username: e.Username, From: e.From, To: e.To, StartTLS: e.StartTLS, Timeout: e.Timeout}
	if m.Port == 0 {
		m.Port = DefaultSMTPPort
	}
	switch e.StartTLS {
	case "":
		m.StartTLS = "auto"
	case "auto", "always", "never":
	default:
		return v, fmt.Errorf("email.starttls %q: want auto, always or never", e.StartTLS)
	}
	if m.Timeout <= 0 {
		m.Timeout = DefaultSMTPTimeout
	}
	if m.Password, err = secret("email.password", e.Password, e.PasswordFile); err != nil {
		return v, err
	}
	v.SMTP = m
	return v, nil
}

// webhook returns the URL, read from its file when given one, checked. The
// URL carries the robot's access token: errors never quote it.
func webhook(kind, u, file string) (string, error) {
	u, err := secret(kind+".webhook_url", u, file)
	if err != nil {
		return "", err
	}
	if u == "" {
		return "", fmt.Errorf("%s.webhook_url is required", kind)
	}
	if checkURL(u) != nil {
		return "", fmt.Errorf("%s.webhook_url: want an http or https URL", kind)
	}
	return u, nil
}

// secret returns value, or the content of file when file is set.
func secret(key, value, file string) (string, error) {
	if file == "" {
		return value, nil
	}
	if value != "" {
		return "", fmt.Errorf("set %s or %s_file, not both", key, key)
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return "", fmt.Errorf("%s_file: %v", key, err)
	}
	return strings.TrimSpace(string(b)), nil
}
