package deliver_test

import (
	"bufio"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/httptest"
	"net/mail"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/bizenv/bizenv"
	"github.com/bizenv/bizenv/config"
	"github.com/bizenv/bizenv/postgres"
	"github.com/bizenv/bizenv/postgres/pgtest"
	"github.com/bizenv/bizenv/report/deliver"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var nov2020 = bizenv.NewPeriod(2020, 11)

// edz is the entity the tests report on.
var edz = []string{"wuhan-edz"}

// seeded returns a database with wuhan-edz sliding from 8th to 15th.
func seeded(t *testing.T) *postgres.DB {
	t.Helper()
	db := pgtest.New(t)
	var obs []bizenv.Observation
	for i, r := range []float64{8, 9, 11, 12, 14, 15} {
		obs = append(obs, bizenv.Observation{Indicator: "city_assessment_rank", Entity: "wuhan-edz", Period: bizenv.NewPeriod(2020, time.Month(6+i)), Value: r})
	}
	obs = append(obs,
		bizenv.Observation{Indicator: "ywtb_case_volume", Entity: "wuhan-edz", Period: nov2020, Value: 0.6667},
		bizenv.Observation{Indicator: "ywtb_case_volume", Entity: "wuhan-avg", Period: nov2020, Value: 0.8833})
	if _, err := db.Store(context.Background(), bizenv.Batch{Kind: bizenv.RunImport, Name: "import", Observations: obs}); err != nil {
		t.Fatal(err)
	}
	return db
}

// robot is a group-robot webhook receiver that checks the message shape
// and answers errcode 0, or fails the first failures requests.
type robot struct {
	t        *testing.T
	kind     string // wecom or dingtalk
	secret   string
	failures int32
	calls    atomic.Int32
	mu       sync.Mutex
	bodies   []map[string]any
}

func (r *robot) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	n := r.calls.Add(1)
	if n <= r.failures {
		http.Error(w, "busy", http.StatusServiceUnavailable)
		return
	}
	var body map[string]any
	if err := json.NewDecoder(req.Body).Decode(&body); err != nil {
		r.t.Errorf("%s: body: %v", r.kind, err)
	}
	md, _ := body["markdown"].(map[string]any)
	switch {
	case body["msgtype"] != "markdown" || md == nil:
		r.t.Errorf("%s: got %v, want msgtype markdown with a markdown object", r.kind, body)
	case r.kind == "wecom" && (len(md) != 1 || md["content"] == nil):
		r.t.Errorf("wecom: markdown must hold content only, got %v", md)
	case r.kind == "dingtalk" && (len(md) != 2 || md["title"] == nil || md["text"] == nil):
		r.t.Errorf("dingtalk: markdown must hold title and text, got %v", md)
	}
	if r.kind == "dingtalk" && r.secret != "" {
		q := req.URL.Query()
		ts, err := strconv.ParseInt(q.Get("timestamp"), 10, 64)
		if err != nil || time.Since(time.UnixMilli(ts)).Abs() > time.Hour {
			r.t.Errorf("dingtalk: timestamp %q is not now in milliseconds", q.Get("timestamp"))
		}
		mac := hmac.New(sha256.New, []byte(r.secret))
		mac.Write([]byte(q.Get("timestamp") + "\n" + r.secret))
		if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); q.Get("sign") != want {
			r.t.Errorf("dingtalk: sign %q, want %q", q.Get("sign"), want)
		}
		if q.Get("access_token") != "tok" {
			r.t.Errorf("dingtalk: access_token lost: %s", req.URL.RawQuery)
		}
	}
	r.mu.Lock()
	r.bodies = append(r.bodies, body)
	r.mu.Unlock()
	w.Write([]byte(`{"errcode":0,"errmsg":"ok"}`))
}

func serve(t *testing.T, h http.Handler) string {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv.URL
}

// smtpServer is a minimal SMTP server, after net/smtp's tests: it speaks
// just enough ESMTP to take mails and keeps them.
type smtpServer struct {
	addr string
	mu   sync.Mutex
	mail []string
}

func newSMTPServer(t *testing.T) *smtpServer {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	s := &smtpServer{addr: l.Addr().String()}
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go s.session(c)
		}
	}()
	return s
}

func (s *smtpServer) session(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) { io.WriteString(c, line+"\r\n") }
	say("220 localhost ESMTP test")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"):
			say("250-localhost")
			say("250 8BITMIME")
		case strings.HasPrefix(cmd, "MAIL"), strings.HasPrefix(cmd, "RCPT"):
			say("250 ok")
		case cmd == "DATA":
			say("354 go ahead")
			var b strings.Builder
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
				b.WriteString(strings.TrimPrefix(l, "."))
			}
			s.mu.Lock()
			s.mail = append(s.mail, b.String())
			s.mu.Unlock()
			say("250 queued")
		case cmd == "QUIT":
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func (s *smtpServer) mails() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.mail...)
}

func emailSender(s *smtpServer) *deliver.Email {
	host, port, _ := net.SplitHostPort(s.addr)
	p, _ := strconv.Atoi(port)
	return &deliver.Email{Config: config.SMTP{Host: host, Port: p, From: "bizenv@example.org",
		To: []string{"manager@example.org", "deputy@example.org"}, StartTLS: "auto", Timeout: 5 * time.Second}}
}

func TestDeliverEveryChannel(t *testing.T) {
	db := seeded(t)
	wecom := &robot{t: t, kind: "wecom"}
	ding := &robot{t: t, kind: "dingtalk", secret: "SEC0123456789"}
	smtpd := newSMTPServer(t)
	d := deliver.New(db, []deliver.Channel{
		{Name: "wecom", Sender: &deliver.WeCom{URL: serve(t, wecom) + "/cgi-bin/webhook/send?key=k"}},
		{Name: "dingtalk", Sender: &deliver.DingTalk{URL: serve(t, ding) + "/robot/send?access_token=tok", Secret: ding.secret}},
		{Name: "email", Sender: emailSender(smtpd)},
	}, deliver.Options{Entities: edz, BaseURL: "https://bizenv.example.org", Backoff: time.Millisecond})
	if err := d.Deliver(context.Background(), nov2020); err != nil {
		t.Fatal(err)
	}

	t.Run("wecom", func(t *testing.T) {
		if len(wecom.bodies) != 1 {
			t.Fatalf("got %d messages, want 1", len(wecom.bodies))
		}
		content := wecom.bodies[0]["markdown"].(map[string]any)["content"].(string)
		for _, s := range []string{"全市考核排名：第15名**", "上月第14名，下降1位", "排名连续下滑5个月", "2020年6月第8名", "一网通办办件量成效：66.67%（88.33%）",
			"https://bizenv.example.org/api/v1/reports/monthly?entity=wuhan-edz&format=html&period=2020-11"} {
			if !strings.Contains(content, s) {
				t.Errorf("content lacks %q:\n%s", s, content)
			}
		}
	})
	t.Run("dingtalk", func(t *testing.T) {
		if len(ding.bodies) != 1 {
			t.Fatalf("got %d messages, want 1", len(ding.bodies))
		}
		if got := ding.bodies[0]["markdown"].(map[string]any)["title"]; got != "武汉经开区（汉南区）营商环境月报（2020年11月）" {
			t.Errorf("title: got %q", got)
		}
	})
	t.Run("email", func(t *testing.T) {
		mails := smtpd.mails()
		if len(mails) != 1 {
			t.Fatalf("got %d mails, want 1", len(mails))
		}
		msg, err := mail.ReadMessage(strings.NewReader(mails[0]))
		if err != nil {
			t.Fatal(err)
		}
		subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if subject != "武汉经开区（汉南区）营商环境月报（2020年11月）" {
			t.Errorf("subject: got %q", subject)
		}
		mt, params, _ := mime.ParseMediaType(msg.Header.Get("Content-Type"))
		if mt != "multipart/mixed" {
			t.Fatalf("content type: got %q", mt)
		}
		mr := multipart.NewReader(msg.Body, params["boundary"])
		var parts []string
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				break
			} else if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(base64.NewDecoder(base64.StdEncoding, p))
			parts = append(parts, p.Header.Get("Content-Type")+"|"+p.FileName()+"|"+string(b))
		}
		if len(parts) != 2 {
			t.Fatalf("got %d parts, want html and csv", len(parts))
		}
		if !strings.HasPrefix(parts[0], "text/html; charset=utf-8||<!DOCTYPE html>") || !strings.Contains(parts[0], "<svg") {
			t.Errorf("first part is not the HTML report: %.200s", parts[0])
		}
		if !strings.HasPrefix(parts[1], `text/csv; charset=utf-8; name="report-wuhan-edz-2020-11.csv"|report-wuhan-edz-2020-11.csv|`) ||
			!strings.Contains(parts[1], "rank,2020-11,wuhan-edz,city_assessment_rank") {
			t.Errorf("second part is not the CSV attachment: %.200s", parts[1])
		}
	})
	t.Run("recorded", func(t *testing.T) {
		ds, err := deliveries(t, db)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range ds {
			if d.Status != "sent" || d.Attempts != 1 || d.SentAt == nil {
				t.Errorf("%s: got %+v", d.Channel, d)
			}
		}
		if len(ds) != 3 {
			t.Errorf("got %d deliveries, want 3", len(ds))
		}
	})
	t.Run("never twice", func(t *testing.T) {
		if err := d.Deliver(context.Background(), nov2020); err != nil {
			t.Fatal(err)
		}
		if got := int(wecom.calls.Load()+ding.calls.Load()) + len(smtpd.mails()); got != 3 {
			t.Errorf("a second run sent again: %d sends in all, want 3", got)
		}
	})
}

func TestExactlyOnceAcrossReplicas(t *testing.T) {
	db := seeded(t)
	wecom := &robot{t: t, kind: "wecom"}
	smtpd := newSMTPServer(t)
	url := serve(t, wecom)
	replica := func(name string) *deliver.Deliverer {
		return deliver.New(db, []deliver.Channel{
			{Name: "wecom", Sender: &deliver.WeCom{URL: url}},
			{Name: "email", Sender: emailSender(smtpd)},
		}, deliver.Options{Entities: edz, Owner: name, Backoff: time.Millisecond})
	}
	replicas := []*deliver.Deliverer{replica("a"), replica("b"), replica("c")}
	var wg sync.WaitGroup
	for _, r := range replicas {
		wg.Go(func() {
			if err := r.Deliver(context.Background(), nov2020); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got, want := wecom.calls.Load(), int32(1); got != want {
		t.Errorf("wecom messages: got %d, want %d", got, want)
	}
	if got, want := len(smtpd.mails()), 1; got != want {
		t.Errorf("mails: got %d, want %d", got, want)
	}
}

func TestFailingChannel(t *testing.T) {
	db := seeded(t)
	flaky := &robot{t: t, kind: "wecom", failures: 2}      // fails twice, then takes it
	down := &robot{t: t, kind: "dingtalk", failures: 1000} // always fails
	fine := &robot{t: t, kind: "wecom"}
	d := deliver.New(db, []deliver.Channel{
		{Name: "flaky", Sender: &deliver.WeCom{URL: serve(t, flaky)}},
		{Name: "down", Sender: &deliver.DingTalk{URL: serve(t, down)}},
		{Name: "fine", Sender: &deliver.WeCom{URL: serve(t, fine)}},
	}, deliver.Options{Entities: edz, Attempts: 3, Backoff: time.Millisecond})

	err := d.Deliver(context.Background(), nov2020)
	if err == nil || !strings.Contains(err.Error(), "channel down: webhook answered 503 Service Unavailable") {
		t.Errorf("got %v, want the down channel's failure", err)
	}
	status := map[string]delivery{}
	ds, _ := deliveries(t, db)
	for _, d := range ds {
		status[d.Channel] = d
	}
	t.Run("retried until sent", func(t *testing.T) {
		if got := status["flaky"]; got.Status != "sent" || got.Attempts != 3 || got.Failures != 2 {
			t.Errorf("got %+v", got)
		}
	})
	t.Run("others not blocked", func(t *testing.T) {
		if got := status["fine"]; got.Status != "sent" || fine.calls.Load() != 1 {
			t.Errorf("got %+v after %d calls", got, fine.calls.Load())
		}
	})
	t.Run("given up until the next schedule", func(t *testing.T) {
		if got := status["down"]; got.Status != "failed" || got.Attempts != 3 || !strings.Contains(got.Error, "503") {
			t.Errorf("got %+v", got)
		}
		down.failures = 0 // the robot is back
		if err := d.Deliver(context.Background(), nov2020); err != nil {
			t.Fatal(err)
		}
		if got, want := down.calls.Load(), int32(4); got != want {
			t.Errorf("down robot calls: got %d, want %d", got, want)
		}
		if got, want := flaky.calls.Load()+fine.calls.Load(), int32(4); got != want {
			t.Errorf("sent channels were sent again: %d calls, want %d", got, want)
		}
	})
	t.Run("metrics", func(t *testing.T) {
		want := `
# HELP bizenv_report_deliveries_total Monthly reports sent (result success) and sends that failed (result failure), by channel.
# TYPE bizenv_report_deliveries_total counter
bizenv_report_deliveries_total{channel="down",result="failure"} 3
bizenv_report_deliveries_total{channel="down",result="success"} 1
bizenv_report_deliveries_total{channel="fine",result="failure"} 0
bizenv_report_deliveries_total{channel="fine",result="success"} 1
bizenv_report_deliveries_total{channel="flaky",result="failure"} 2
bizenv_report_deliveries_total{channel="flaky",result="success"} 1
`
		if err := testutil.CollectAndCompare(deliver.NewCollector(db, nil), strings.NewReader(want)); err != nil {
			t.Error(err)
		}
	})
}

// TestNoEntities: a Deliverer given no entity fails rather than report on
// one it was not configured for, or on none in silence.
func TestNoEntities(t *testing.T) {
	db := seeded(t)
	wecom := &robot{t: t, kind: "wecom"}
	d := deliver.New(db, []deliver.Channel{{Name: "wecom", Sender: &deliver.WeCom{URL: serve(t, wecom)}}}, deliver.Options{Attempts: 1})
	err := d.Deliver(context.Background(), nov2020)
	if want := "report: no entities to report on"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %s", err, want)
	}
	if n := wecom.calls.Load(); n != 0 {
		t.Errorf("sent %d messages, want none", n)
	}
}

func TestSecretsStayOutOfErrors(t *testing.T) {
	db := seeded(t)
	d := deliver.New(db, []deliver.Channel{
		{Name: "gone", Sender: &deliver.WeCom{URL: "http://127.0.0.1:1/send?key=SECRET-KEY"}},
	}, deliver.Options{Entities: edz, Attempts: 1})
	err := d.Deliver(context.Background(), nov2020)
	if err == nil || strings.Contains(err.Error(), "SECRET-KEY") {
		t.Errorf("got %v, want an error without the webhook key", err)
	}
}

// beijing is the schedule's time zone in these tests.
var beijing = time.FixedZone("CST", 8*60*60)

func store(t *testing.T, db *postgres.DB, obs ...bizenv.Observation) {
	t.Helper()
	if _, err := db.Store(context.Background(), bizenv.Batch{Kind: bizenv.RunImport, Name: "import", Observations: obs}); err != nil {
		t.Fatal(err)
	}
}

// TestDeliveryWaitsForData: a month without figures is not sent (no
// all-clear page) and not claimed, so it goes out once its figures arrive,
// even after the next month has closed.
func TestDeliveryWaitsForData(t *testing.T) {
	db := seeded(t) // figures up to 2020-11
	wecom := &robot{t: t, kind: "wecom"}
	d := deliver.New(db, []deliver.Channel{{Name: "wecom", Sender: &deliver.WeCom{URL: serve(t, wecom)}}},
		deliver.Options{Entities: edz, Backoff: time.Millisecond})
	dec2020 := bizenv.NewPeriod(2020, 12)

	for _, now := range []time.Time{time.Date(2020, 12, 5, 9, 0, 0, 0, beijing), time.Date(2021, 1, 5, 9, 0, 0, 0, beijing)} {
		if err := d.Run(context.Background(), now, beijing); err != nil {
			t.Fatal(err)
		}
	}
	ds, _ := deliveries(t, db)
	if len(ds) != 1 || ds[0].Period != nov2020 || wecom.calls.Load() != 1 {
		t.Fatalf("got %+v after %d sends, want November sent and December waiting", ds, wecom.calls.Load())
	}

	// December's figures arrive after January has closed.
	store(t, db, bizenv.Observation{Indicator: "city_assessment_rank", Entity: "wuhan-edz", Period: dec2020, Value: 13})
	if err := d.Run(context.Background(), time.Date(2021, 2, 3, 9, 0, 0, 0, beijing), beijing); err != nil {
		t.Fatal(err)
	}
	ds, _ = deliveries(t, db)
	if len(ds) != 2 || ds[1].Period != dec2020 || ds[1].Status != "sent" || wecom.calls.Load() != 2 {
		t.Fatalf("got %+v after %d sends, want December sent once its figures arrived", ds, wecom.calls.Load())
	}
	content := wecom.bodies[1]["markdown"].(map[string]any)["content"].(string)
	if !strings.Contains(content, "第13名") || strings.Contains(content, "更正") {
		t.Errorf("December's report: %s", content)
	}
}

// TestDeliveryCorrection: when a delivered month's figures are revised,
// the next scheduled check sends the report again, marked 更正, once.
func TestDeliveryCorrection(t *testing.T) {
	db := seeded(t)
	wecom := &robot{t: t, kind: "wecom"}
	ding := &robot{t: t, kind: "dingtalk"}
	smtpd := newSMTPServer(t)
	d := deliver.New(db, []deliver.Channel{
		{Name: "wecom", Sender: &deliver.WeCom{URL: serve(t, wecom)}},
		{Name: "dingtalk", Sender: &deliver.DingTalk{URL: serve(t, ding)}},
		{Name: "email", Sender: emailSender(smtpd)},
	}, deliver.Options{Entities: edz, Backoff: time.Millisecond})
	check := func(now time.Time) {
		t.Helper()
		if err := d.Run(context.Background(), now, beijing); err != nil {
			t.Fatal(err)
		}
	}
	sends := func() int { return int(wecom.calls.Load()+ding.calls.Load()) + len(smtpd.mails()) }

	check(time.Date(2020, 12, 2, 9, 0, 0, 0, beijing))
	check(time.Date(2020, 12, 3, 9, 0, 0, 0, beijing))
	if got := sends(); got != 3 {
		t.Fatalf("got %d sends, want 3: one per channel, not repeated without a revision", got)
	}

	// The city revises November's figure for 一网通办办件量成效 in January.
	store(t, db, bizenv.Observation{Indicator: "ywtb_case_volume", Entity: "wuhan-edz", Period: nov2020, Value: 0.7})
	check(time.Date(2021, 1, 4, 9, 0, 0, 0, beijing))
	if got := sends(); got != 6 {
		t.Fatalf("got %d sends, want 6: the correction to every channel", got)
	}
	t.Run("wecom", func(t *testing.T) {
		content := wecom.bodies[1]["markdown"].(map[string]any)["content"].(string)
		if !strings.Contains(content, "【更正】") || !strings.Contains(content, "70%（88.33%）") {
			t.Errorf("correction lacks the mark or the revised figure:\n%s", content)
		}
		if first := wecom.bodies[0]["markdown"].(map[string]any)["content"].(string); strings.Contains(first, "更正") {
			t.Errorf("the first delivery is marked as a correction:\n%s", first)
		}
	})
	t.Run("dingtalk", func(t *testing.T) {
		if got, want := ding.bodies[1]["markdown"].(map[string]any)["title"], "【更正】武汉经开区（汉南区）营商环境月报（2020年11月）"; got != want {
			t.Errorf("title: got %q, want %q", got, want)
		}
	})
	t.Run("email", func(t *testing.T) {
		msg, err := mail.ReadMessage(strings.NewReader(smtpd.mails()[1]))
		if err != nil {
			t.Fatal(err)
		}
		subject, _ := new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
		if want := "【更正】武汉经开区（汉南区）营商环境月报（2020年11月）"; subject != want {
			t.Errorf("subject: got %q, want %q", subject, want)
		}
	})
	t.Run("recorded once", func(t *testing.T) {
		check(time.Date(2021, 1, 5, 9, 0, 0, 0, beijing))
		if got := sends(); got != 6 {
			t.Errorf("got %d sends, want 6: a correction goes out once", got)
		}
		ds, _ := deliveries(t, db)
		for _, d := range ds {
			if d.Status != "sent" || d.Corrections != 1 {
				t.Errorf("%s: got %+v, want sent with 1 correction", d.Channel, d)
			}
		}
	})
}
