package prometheus_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bizenv/bizenv/deploy/demo/demotest"
	"github.com/bizenv/bizenv/internal/roundtrip"
)

const streakAlert = "BizEnvIndicatorDeclineStreak"

// rankAlert fires for the demo's two-place drops of 2021-12 (东西湖区 8th ->
// 10th, 洪山区 7th -> 9th) and for the seed report's national EDZ index
// (20th in 2019, 25th in 2020).
const rankAlert = "BizEnvRankDropped"

// The labels the district's two-month rank decline (2021-11, 2021-12 in the
// demo data, from 5th in 2021-10) must fire with (the names and unit joined from the info series
// among them), and the figures its annotations must state.
var (
	wantLabels = map[string]string{
		"alertname": streakAlert,
		"indicator": "city_assessment_rank",
		"entity":    "wuhan-edz",
		"severity":  "warning",
		"name_zh":   "全市营商环境考核排名",
		"unit":      "rank",
		"entity_zh": "武汉经开区（汉南区）",
	}
	wantAnnotations = map[string]string{
		"summary":     "武汉经开区（汉南区）全市营商环境考核排名连续2个月下滑",
		"description": "武汉经开区（汉南区）全市营商环境考核排名自2021年10月第5位起连续2个月下滑，本月第7位（上月第6位）。",
		"dashboard":   grafanaURL + "/d/bizenv-overview?var-entity=wuhan-edz&var-indicator=city_assessment_rank",
	}
)

// grafanaURL is where readers open Grafana, given to Prometheus as the
// external label grafana_url: the alerts link to it.
const grafanaURL = "https://grafana.bizenv.example.gov.cn"

// alert is an alert as Prometheus's /api/v1/alerts and Alertmanager's
// webhook both give it.
type alert struct {
	Status      string            `json:"status"` // webhook: firing or resolved
	State       string            `json:"state"`  // Prometheus: pending or firing
	Labels      map[string]string `json:"labels"`
	Annotations map[string]string `json:"annotations"`
}

func (a alert) is(want map[string]string) bool {
	for k, v := range want {
		if a.Labels[k] != v {
			return false
		}
	}
	return true
}

// A real bizenv serve with the demo data, scraped by a real Prometheus that
// evaluates the repository's rules and sends to a real Alertmanager, which
// delivers BizEnvIndicatorDeclineStreak for the district's rank to a webhook.
func TestDeclineStreakReachesWebhook(t *testing.T) {
	prometheusBin := lookPath(t, "prometheus")
	alertmanagerBin := lookPath(t, "prometheus-alertmanager", "alertmanager")
	dir := t.TempDir()

	_, dsn := demotest.NewDB(t)
	bizenvURL, err := url.Parse(demotest.Serve(t, dsn))
	if err != nil {
		t.Fatal(err)
	}

	delivered := make(chan []alert, 100)
	webhook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var msg struct {
			Receiver string  `json:"receiver"`
			Alerts   []alert `json:"alerts"`
		}
		if err := json.NewDecoder(r.Body).Decode(&msg); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		select {
		case delivered <- msg.Alerts:
		default:
		}
	}))
	t.Cleanup(webhook.Close)

	amAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	amConfig := writeFile(t, dir, "alertmanager.yml", `
route:
  receiver: discard
  group_by: [alertname, entity]
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
  routes:
    - receiver: webhook
      matchers: ['alertname="`+streakAlert+`"']
receivers:
  - name: discard
  - name: webhook
    webhook_configs:
      - url: `+webhook.URL+`/
        send_resolved: false
`)
	start(t, "alertmanager", alertmanagerBin,
		"--config.file="+amConfig,
		"--storage.path="+filepath.Join(dir, "alertmanager"),
		"--web.listen-address="+amAddr,
		"--cluster.listen-address=")
	waitReady(t, "http://"+amAddr)

	// The rules wait 15m before firing, so that an import caught half way
	// never alerts; the test shortens that "for" of this one alert to 1s in
	// a copy of the rule file. The expressions are the repository's.
	rules := ruleFileFor(t, dir, "1s", streakAlert, rankAlert)
	promAddr := fmt.Sprintf("127.0.0.1:%d", freePort(t))
	promConfig := writeFile(t, dir, "prometheus.yml", `
global:
  scrape_interval: 1s
  evaluation_interval: 1s
  external_labels:
    grafana_url: `+grafanaURL+`
rule_files: ['`+rules+`']
alerting:
  alertmanagers:
    - static_configs:
        - targets: ['`+amAddr+`']
scrape_configs:
  - job_name: bizenv
    static_configs:
      - targets: ['`+bizenvURL.Host+`']
`)
	start(t, "prometheus", prometheusBin,
		"--config.file="+promConfig,
		"--storage.tsdb.path="+filepath.Join(dir, "prometheus"),
		"--web.listen-address="+promAddr)
	waitReady(t, "http://"+promAddr)

	deadline := time.Now().Add(3 * time.Minute)
	t.Run("prometheus fires", func(t *testing.T) {
		checkStreakFires(t, "http://"+promAddr, deadline)
	})
	t.Run("rank dropped", func(t *testing.T) {
		want := map[string]string{
			"wuhan-dongxihu city_assessment_rank": "东西湖区全市营商环境考核排名下降2位：本期第10位（上期第8位）。",
			"wuhan-hongshan city_assessment_rank": "洪山区全市营商环境考核排名下降2位：本期第9位（上期第7位）。",
			"wuhan-edz edz_index_rank":            "武汉经开区（汉南区）全国经开区营商环境指数排名下降5位：本期第25位（上期第20位）。",
		}
		var got map[string]string
		for time.Now().Before(deadline) {
			got = map[string]string{}
			for _, a := range prometheusAlerts(t, "http://"+promAddr) {
				// The demo's synthetic units move many places a month;
				// the districts' and the national ranks are checked here.
				if a.Labels["alertname"] == rankAlert && a.State == "firing" && strings.HasPrefix(a.Labels["entity"], "wuhan-") {
					got[a.Labels["entity"]+" "+a.Labels["indicator"]] = a.Annotations["description"]
				}
			}
			if len(got) >= len(want) {
				break
			}
			time.Sleep(time.Second)
		}
		if !maps.Equal(got, want) {
			t.Errorf("firing %s: got %v, want %v", rankAlert, got, want)
		}
	})
	var received *alert
	t.Run("webhook receives", func(t *testing.T) {
		var got []alert
		for {
			select {
			case alerts := <-delivered:
				for _, a := range alerts {
					got = append(got, a)
					if a.is(wantLabels) {
						if a.Status != "firing" {
							t.Errorf("got status %q, want firing", a.Status)
						}
						if a.Labels["grafana_url"] != grafanaURL {
							t.Errorf("label grafana_url: got %q, want Prometheus's external label %q", a.Labels["grafana_url"], grafanaURL)
						}
						checkAnnotations(t, a)
						received = &a
						return
					}
				}
			case <-time.After(time.Until(deadline)):
				t.Fatalf("the webhook received no %s with %v; got %v", streakAlert, wantLabels, summarize(got))
			}
		}
	})
	// The WeCom message of the delivered alert, rendered from the
	// repository's templates by the Alertmanager release the stack deploys.
	t.Run("wecom message", func(t *testing.T) {
		if received == nil {
			t.Skip("no alert delivered")
		}
		got := renderWeCom(t, dir, *received)
		want := "【营商环境监测·告警】\n" +
			"[警告] 武汉经开区（汉南区）全市营商环境考核排名自2021年10月第5位起连续2个月下滑，本月第7位（上月第6位）。\n" +
			"详情：" + grafanaURL + "/d/bizenv-overview?var-entity=wuhan-edz&var-indicator=city_assessment_rank\n"
		if got != want {
			t.Errorf("WeCom message:\ngot:\n%s\nwant:\n%s", got, want)
		}
	})
}

// amtool is the Alertmanager release of deploy/docker-compose.yml (Debian's
// predates the templates' functions), as the Makefile runs it.
const amtool = "github.com/prometheus/alertmanager/cmd/amtool@v0.31.1"

// renderWeCom renders template bizenv.wecom.message for a notification of
// the one alert a with amtool template render.
func renderWeCom(t *testing.T, dir string, a alert) string {
	t.Helper()
	data, err := json.Marshal(map[string]any{
		"receiver": "wecom", "status": a.Status,
		"alerts": []map[string]any{{
			"status": a.Status, "labels": a.Labels, "annotations": a.Annotations,
			"startsAt": time.Now().UTC().Format(time.RFC3339),
		}},
		"groupLabels": map[string]string{}, "commonLabels": a.Labels, "commonAnnotations": a.Annotations,
	})
	if err != nil {
		t.Fatal(err)
	}
	templates, err := filepath.Abs("../alertmanager/templates")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "run", amtool, "template", "render",
		"--template.glob="+filepath.Join(templates, "*.tmpl"),
		"--template.text={{ template \"bizenv.wecom.message\" . }}",
		"--template.data="+writeFile(t, dir, "wecom.json", string(data)))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("amtool template render: %v\n%s", err, stderr.String())
	}
	return string(out)
}

func checkAnnotations(t *testing.T, a alert) {
	t.Helper()
	for k, want := range wantAnnotations {
		if got := a.Annotations[k]; got != want {
			t.Errorf("annotation %s: got %q, want %q", k, got, want)
		}
	}
}

// checkStreakFires waits until the Prometheus at base reports the decline
// streak with wantLabels firing, and checks its annotations.
func checkStreakFires(t *testing.T, base string, deadline time.Time) {
	t.Helper()
	var last []alert
	for time.Now().Before(deadline) {
		last = prometheusAlerts(t, base)
		for _, a := range last {
			if a.is(wantLabels) && a.State == "firing" {
				checkAnnotations(t, a)
				return
			}
		}
		time.Sleep(time.Second)
	}
	t.Fatalf("Prometheus reports no firing %s with %v; got %d alerts: %v", streakAlert, wantLabels, len(last), summarize(last))
}

func summarize(alerts []alert) []string {
	var s []string
	for _, a := range alerts {
		s = append(s, fmt.Sprintf("%s{indicator=%s,entity=%s}", a.Labels["alertname"], a.Labels["indicator"], a.Labels["entity"]))
		if len(s) == 20 {
			s = append(s, "...")
			break
		}
	}
	return s
}

func prometheusAlerts(t *testing.T, base string) []alert {
	t.Helper()
	var resp struct {
		Status string `json:"status"`
		Data   struct {
			Alerts []alert `json:"alerts"`
		} `json:"data"`
	}
	body := get(t, base+"/api/v1/alerts")
	if err := json.Unmarshal(body, &resp); err != nil {
		t.Fatalf("/api/v1/alerts: %v", err)
	}
	if resp.Status != "success" {
		t.Fatalf("/api/v1/alerts: status %q", resp.Status)
	}
	return resp.Data.Alerts
}

func get(t *testing.T, u string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 10*time.Second)
	defer cancel()
	resp, body := roundtrip.Do(t, roundtrip.Request(t, http.MethodGet, u, nil).WithContext(ctx))
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s\n%s", u, resp.Status, body)
	}
	return body
}

// lookPath finds the first of names on PATH, or skips t: the servers come
// from the machine (Debian's prometheus and prometheus-alertmanager).
func lookPath(t *testing.T, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	t.Skipf("none of %v on PATH", names)
	return ""
}

// freePort returns a loopback port that was free a moment ago: Prometheus
// and Alertmanager need a concrete one.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// lockedBuffer is a process's output, written by exec's copying goroutine
// and read by the test.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// start runs a server until t ends; its output is logged if t fails.
func start(t *testing.T, name, bin string, args ...string) {
	t.Helper()
	var out lockedBuffer
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	exited := make(chan struct{})
	go func() {
		cmd.Wait()
		close(exited)
	}()
	t.Cleanup(func() {
		demotest.Stop(cmd.Process, exited)
		if t.Failed() {
			t.Logf("%s output:\n%s", name, out.String())
		}
	})
}

// waitReady polls base/-/ready, which Prometheus and Alertmanager both serve.
func waitReady(t *testing.T, base string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/-/ready", nil)
		if err != nil {
			cancel()
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			resp.Body.Close()
		}
		cancel()
		if err == nil && resp.StatusCode == http.StatusOK {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready within 30s: %v", base, err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}
