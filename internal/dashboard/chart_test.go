package dashboard

import (
	"strconv"
	"testing"

	"github.com/samo-brain/samo/internal/secevent"
)

func TestNiceMax(t *testing.T) {
	cases := []struct{ in, want int }{{0, 1}, {1, 1}, {2, 2}, {3, 5}, {7, 10}, {10, 10}, {11, 20}, {120, 200}, {501, 1000}}
	for _, c := range cases {
		if got := niceMax(c.in); got != c.want {
			t.Errorf("niceMax(%d) = %d, want %d", c.in, got, c.want)
		}
	}
}

func parse(t *testing.T, s string) float64 {
	t.Helper()
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		t.Fatalf("chart coordinate %q: %v", s, err)
	}
	return f
}

func TestStackedChart(t *testing.T) {
	cols := []column{
		{Label: "00:00", Tick: true, Title: "h0", Counts: map[secevent.Severity]int{secevent.Low: 2, secevent.Critical: 1}},
		{Label: "01:00", Title: "h1", Counts: map[secevent.Severity]int{}},
		{Label: "02:00", Title: "h2", Counts: map[secevent.Severity]int{secevent.Medium: 4, secevent.High: 1}},
	}
	c := stackedChart("test", cols)
	if c.Total != 8 {
		t.Errorf("Total = %d, want 8", c.Total)
	}
	if len(c.Segments) != 4 {
		t.Fatalf("%d segments, want 4 (empty severities and columns draw nothing)", len(c.Segments))
	}
	plotH := float64(c.PlotBottom - c.PlotTop)
	// The tallest column (5) fills the plot exactly: the scale tops at 5.
	var h2 float64
	for _, s := range c.Segments[2:] {
		h2 += parse(t, s.H)
	}
	if h2 < plotH-0.2 || h2 > plotH+0.2 {
		t.Errorf("tallest column height %.1f, want %.1f", h2, plotH)
	}
	// Segments stack bottom-up in severity order without gaps.
	low, crit := c.Segments[0], c.Segments[1]
	if low.Class != "sev-low" || crit.Class != "sev-critical" {
		t.Errorf("stack order %s, %s; want sev-low then sev-critical", low.Class, crit.Class)
	}
	if y, h := parse(t, low.Y), parse(t, low.H); y+h < float64(c.PlotBottom)-0.2 || y+h > float64(c.PlotBottom)+0.2 {
		t.Errorf("lowest segment ends at %.1f, want the baseline %d", y+h, c.PlotBottom)
	}
	if gap := parse(t, low.Y) - (parse(t, crit.Y) + parse(t, crit.H)); gap < -0.2 || gap > 0.2 {
		t.Errorf("gap between stacked segments %.1f, want 0", gap)
	}
	if parse(t, crit.H)*2 < parse(t, low.H)-0.2 || parse(t, crit.H)*2 > parse(t, low.H)+0.2 {
		t.Errorf("heights %s and %s are not proportional to 1 and 2", crit.H, low.H)
	}
	if len(c.XTicks) != 1 || c.XTicks[0].Label != "00:00" {
		t.Errorf("x ticks %+v, want only 00:00", c.XTicks)
	}
	if crit.Title != "h0: 1 critical" {
		t.Errorf("tooltip %q", crit.Title)
	}
}

func TestBarChart(t *testing.T) {
	c := barChart([]namedCount{{"joy", 6}, {"fear", 3}, {"anger", 0}})
	if c.Total != 9 || len(c.Rows) != 3 {
		t.Fatalf("total %d rows %d, want 9 and 3", c.Total, len(c.Rows))
	}
	if w0, w1 := parse(t, c.Rows[0].W), parse(t, c.Rows[1].W); w1*2 < w0-0.2 || w1*2 > w0+0.2 {
		t.Errorf("bar widths %.1f and %.1f not proportional to 6 and 3", w0, w1)
	}
	if c.Rows[2].W != "0.0" {
		t.Errorf("zero count bar width %s", c.Rows[2].W)
	}
	if s := c.Rows[1].Share; s < 0.333 || s > 0.334 {
		t.Errorf("share %.4f, want 1/3", s)
	}
	if empty := barChart(nil); len(empty.Rows) != 0 || empty.Total != 0 {
		t.Errorf("empty chart %+v", empty)
	}
}
