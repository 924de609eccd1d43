package report

import (
	"fmt"
	"strings"
)

// Title is the report's one-line title.
func Title(r *Report) string {
	return fmt.Sprintf("%s营商环境月报（%s）", r.EntityName, monthZH(r.Period))
}

// Markdown is a short summary for group robots (WeCom, DingTalk): the rank,
// the streak, the worst few indicators and a link to the full report. Both
// robots read headings, bold, lists and links.
func Markdown(r *Report, link string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "### %s\n", Title(r))
	fmt.Fprintf(&b, "**全市考核排名：第%s名**", rankOfText(r.Rank))
	if r.Rank.Previous != nil {
		fmt.Fprintf(&b, "（上月第%d名", *r.Rank.Previous)
		if c := r.Rank.Change; c != nil && *c < 0 {
			fmt.Fprintf(&b, "，下降%d位", -*c)
		} else if c != nil && *c > 0 {
			fmt.Fprintf(&b, "，上升%d位", *c)
		}
		b.WriteString("）")
	}
	b.WriteString("\n\n")
	if r.DeclineStreak > 0 {
		fmt.Fprintf(&b, "**排名连续下滑%d个月**", r.DeclineStreak)
		if r.DeclineSince != nil {
			fmt.Fprintf(&b, "（自%s第%s名起）", monthZH(*r.DeclineSince), rankText(r.DeclineFrom))
		}
		b.WriteString("\n\n")
	}
	if r.Score.Value != nil {
		fmt.Fprintf(&b, "考核得分：%s", Show(*r.Score.Value, "score"))
		if r.Score.Benchmark != nil {
			fmt.Fprintf(&b, "（%s %s）", r.BenchmarkName, Show(*r.Score.Benchmark, "score"))
		}
		b.WriteString("\n\n")
	}
	if len(r.Declined) > 0 {
		b.WriteString("**下滑最多**\n")
		for _, c := range r.Declined[:min(3, len(r.Declined))] {
			fmt.Fprintf(&b, "- %s：%s（%s%s）\n", c.NameZH, Show(c.Value, c.Unit), c.Before(), Show(c.Previous, c.Unit))
		}
		b.WriteString("\n")
	}
	if len(r.BelowBenchmark) > 0 {
		fmt.Fprintf(&b, "**低于%s：%d项**\n", r.BenchmarkName, len(r.BelowBenchmark))
		for _, g := range r.BelowBenchmark[:min(3, len(r.BelowBenchmark))] {
			fmt.Fprintf(&b, "- %s：%s（%s）\n", g.NameZH, Show(g.Value, g.Unit), Show(g.Benchmark, g.Unit))
		}
		b.WriteString("\n")
	}
	if len(r.TargetsMissed) > 0 {
		fmt.Fprintf(&b, "**未达目标：%d项**\n\n", len(r.TargetsMissed))
	}
	if link != "" {
		fmt.Fprintf(&b, "[查看完整报告](%s)\n", link)
	}
	return b.String()
}
