package main

import (
	"bytes"
	"html/template"
	"net/http"
)

// landingPage is what a person opening bizenv's address in a browser sees:
// the district office's staff first, so in Chinese, with the monthly report
// and the API one click away. It offers no profiling downloads: pprof is
// not served, and a page for anonymous visitors should not point at it.
const landingPage = `<!doctype html>
<html lang="zh">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>营商环境月度监测 · bizenv</title>
<style>
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "PingFang SC", "Microsoft YaHei", sans-serif; margin: 2em auto; max-width: 44em; padding: 0 1em; color: #222; line-height: 1.6; }
h1 { font-size: 1.6em; margin-bottom: .2em; }
.en { color: #666; font-size: .9em; }
form { margin: .5em 0 1.5em; }
input { font: inherit; }
li { margin: .3em 0; }
</style>
</head>
<body>
<h1>营商环境月度监测</h1>
<p class="en">bizenv · business-environment indicators month by month · 版本 {{.Version}}</p>

<h2>月度报告 <span class="en">Monthly report</span></h2>
<form action="/api/v1/reports/monthly" method="get">
<label>月份 <input type="month" name="period" required placeholder="2020-11"></label>
<label>主体代码 <input type="text" name="entity" placeholder="默认：本区"></label>
<input type="hidden" name="format" value="html">
<input type="submit" value="查看报告">
</form>

<h2>数据接口 <span class="en">API</span></h2>
<ul>
<li><a href="/api/v1/openapi.json">接口说明（OpenAPI）</a> <span class="en">API description</span></li>
<li><a href="/api/v1/indicators">指标目录</a> <span class="en">indicators</span></li>
<li><a href="/api/v1/entities">主体目录</a> <span class="en">entities</span></li>
<li><a href="/api/v1/collectors">采集任务</a> <span class="en">collectors</span></li>
</ul>

<h2>运维 <span class="en">Operations</span></h2>
<ul>
<li><a href="/metrics">Prometheus 指标</a> <span class="en">metrics</span></li>
<li><a href="/readyz">就绪检查</a> <span class="en">readiness</span></li>
</ul>
</body>
</html>
`

// newLandingPage renders the page once; it changes only with the version.
func newLandingPage(version string) (http.Handler, error) {
	t, err := template.New("landing").Parse(landingPage)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, struct{ Version string }{version}); err != nil {
		return nil, err
	}
	page := buf.Bytes()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}), nil
}
