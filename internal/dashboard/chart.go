package dashboard

import (
	"strconv"

	"github.com/samo-brain/samo/internal/secevent"
)

// Charts are inline SVG computed here and emitted by the templates as plain
// elements with fixed class names (colours live in app.css), so they need
// neither script nor inline style and pass the strict CSP.

// severities in stacking order, bottom first.
var severities = []secevent.Severity{secevent.Low, secevent.Medium, secevent.High, secevent.Critical}

// segment is one rectangle of a chart.
type segment struct {
	Class      string
	X, Y, W, H string
	Title      string
}

// tick is an axis label.
type tick struct {
	X, Y  string
	Label string
}

// stacked is a stacked bar chart.
type stacked struct {
	Width, Height int
	PlotTop       int
	PlotBottom    int
	PlotLeft      int
	PlotRight     int
	Segments      []segment
	YTicks        []tick
	XTicks        []tick
	Legend        []segment
	Total         int
	Title         string
}

// column is one bar of a stacked chart: a label and a count per severity.
type column struct {
	Label  string // axis label, shown when Tick is set
	Tick   bool
	Title  string // tooltip prefix, e.g. the hour
	Counts map[secevent.Severity]int
}

func fmtf(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// niceMax rounds n up to 1, 2 or 5 times a power of ten (at least 1).
func niceMax(n int) int {
	if n <= 1 {
		return 1
	}
	for p := 1; ; p *= 10 {
		for _, m := range []int{1, 2, 5} {
			if m*p >= n {
				return m * p
			}
		}
	}
}

// stackedChart lays out cols as bars stacked by severity.
func stackedChart(title string, cols []column) stacked {
	c := stacked{Width: 1000, Height: 250, PlotTop: 12, PlotBottom: 210, PlotLeft: 44, PlotRight: 990, Title: title}
	maxSum := 0
	for _, col := range cols {
		sum := 0
		for _, s := range severities {
			sum += col.Counts[s]
		}
		c.Total += sum
		maxSum = max(maxSum, sum)
	}
	top := niceMax(maxSum)
	plotH := float64(c.PlotBottom - c.PlotTop)
	slot := float64(c.PlotRight-c.PlotLeft) / float64(max(len(cols), 1))
	barW := slot * 0.75
	for i := 0; i <= 4; i++ {
		v := top * i / 4
		if i > 0 && v == top*(i-1)/4 {
			continue
		}
		y := float64(c.PlotBottom) - plotH*float64(v)/float64(top)
		c.YTicks = append(c.YTicks, tick{X: strconv.Itoa(c.PlotLeft - 6), Y: fmtf(y), Label: strconv.Itoa(v)})
	}
	for i, col := range cols {
		x := float64(c.PlotLeft) + slot*float64(i) + (slot-barW)/2
		y := float64(c.PlotBottom)
		for _, s := range severities {
			n := col.Counts[s]
			if n == 0 {
				continue
			}
			h := plotH * float64(n) / float64(top)
			y -= h
			c.Segments = append(c.Segments, segment{Class: sevClass(s), X: fmtf(x), Y: fmtf(y), W: fmtf(barW), H: fmtf(h),
				Title: col.Title + ": " + strconv.Itoa(n) + " " + string(s)})
		}
		if col.Tick {
			c.XTicks = append(c.XTicks, tick{X: fmtf(x + barW/2), Y: strconv.Itoa(c.PlotBottom + 16), Label: col.Label})
		}
	}
	for i, s := range severities {
		c.Legend = append(c.Legend, segment{Class: sevClass(s), X: strconv.Itoa(c.PlotLeft + i*90), Y: strconv.Itoa(c.Height - 14), Title: string(s)})
	}
	return c
}

// hbar is one row of a horizontal bar chart.
type hbar struct {
	Label   string
	Count   int
	Share   float64
	Y, W    string
	TextY   string
	CountX  string
	BarLeft int
}

// hbars is a horizontal bar chart.
type hbars struct {
	Width, Height int
	Rows          []hbar
	Total         int
}

// namedCount is a label and how often it occurred.
type namedCount struct {
	Name  string
	Count int
}

// barChart lays out rows (already sorted) as horizontal bars.
func barChart(rows []namedCount) hbars {
	const rowH, left, width = 22, 120, 560
	c := hbars{Width: width, Height: rowH*len(rows) + 8}
	maxN := 0
	for _, r := range rows {
		c.Total += r.Count
		maxN = max(maxN, r.Count)
	}
	span := float64(width - left - 60)
	for i, r := range rows {
		w := 0.0
		if maxN > 0 {
			w = span * float64(r.Count) / float64(maxN)
		}
		share := 0.0
		if c.Total > 0 {
			share = float64(r.Count) / float64(c.Total)
		}
		y := 4 + i*rowH
		c.Rows = append(c.Rows, hbar{Label: r.Name, Count: r.Count, Share: share, Y: strconv.Itoa(y), W: fmtf(w),
			TextY: strconv.Itoa(y + 14), CountX: fmtf(float64(left) + w + 6), BarLeft: left})
	}
	return c
}
