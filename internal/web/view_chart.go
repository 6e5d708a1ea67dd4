package web

// Chart is a horizontal bar chart of scores out of 100, drawn as inline
// SVG (no style attributes: bars are coloured by the class of their risk,
// and the risk's word is written beside each bar). A page shows it beside
// a table of the same numbers; the template writes both numbers with
// View.Score, so they cannot differ.
type Chart struct {
	Width, Height int
	// AxisBottom is the y where the axis ends and the scale's labels sit.
	AxisBottom int
	Bars       []ChartBar
	Ticks      []ChartTick
}

// ChartBar is one bar: its label (above it), its score and risk, and
// where they are drawn.
type ChartBar struct {
	Label string
	Score *float64
	Risk  string
	// Shown is the score and the risk as the page writes them.
	Shown Shown
	// LabelY is the label's baseline; BarY the bar's top; BarWidth its
	// length (0 when there is no score); ValueX and ValueY where the
	// score and the risk's word are written.
	LabelY, BarY, BarWidth, ValueX, ValueY int
}

// ChartTick is one mark of the scale under the bars.
type ChartTick struct {
	X     int
	Label string
	// Anchor is the label's text-anchor: "start", "middle" or "end".
	Anchor string
}

// Chart geometry, in the SVG's own units: a bar of score 100 is
// chartScale·100 long, with room on its right for the score and the
// risk's word. The SVG scales down with the page (max-width: 100%).
const (
	chartWidth  = 400
	chartScale  = 2
	chartRow    = 46
	chartBar    = 18
	chartTop    = 4
	chartBottom = 22
)

// ChartInput is one bar to draw.
type ChartInput struct {
	Label string
	Score *float64
	Risk  string
	Shown Shown
}

// NewChart lays out one bar per input, in order. The template writes each
// bar's Shown.
func NewChart(in []ChartInput) Chart {
	c := Chart{Width: chartWidth}
	y := chartTop
	for _, b := range in {
		bar := ChartBar{Label: b.Label, Score: b.Score, Risk: b.Risk, Shown: b.Shown, LabelY: y + 14, BarY: y + 20}
		if bar.Risk == "" {
			bar.Risk = "insufficient"
		}
		if b.Score != nil {
			s := min(max(*b.Score, 0), 100)
			bar.BarWidth = int(s*chartScale + 0.5)
		}
		bar.ValueX, bar.ValueY = bar.BarWidth+6, bar.BarY+chartBar-4
		c.Bars = append(c.Bars, bar)
		y += chartRow
	}
	c.AxisBottom = y
	c.Ticks = []ChartTick{{0, "0", "start"}, {50 * chartScale, "50", "middle"}, {100 * chartScale, "100", "middle"}}
	c.Height = y + chartBottom
	return c
}

// BarHeight is the height of every bar.
func (Chart) BarHeight() int { return chartBar }

// ScaleEnd is the x of a score of 100, where the axis ends.
func (Chart) ScaleEnd() int { return 100 * chartScale }

// TickY is the baseline of the scale's labels.
func (c Chart) TickY() int { return c.AxisBottom + 16 }
