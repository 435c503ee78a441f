package report

import (
	"bytes"
	"fmt"
	"image/color"
	"strings"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgsvg"
)

// Plot is a chart of some of a Table's figures, drawn as inline SVG. Its
// numbers are always those of the table shown beside it.
type Plot struct {
	Title  string
	XLabel string // with the unit, e.g. "period start (UTC)"
	YLabel string // with the unit, e.g. "tasks"
	Kind   PlotKind

	// Lines: X values are Unix seconds, drawn as dates.
	Series []Series
	// Bars: one bar per label.
	Labels []string
	Values []float64
	// Boxes: one box per label.
	Boxes []Box
}

// PlotKind is the shape of a Plot.
type PlotKind uint8

// The plot shapes.
const (
	Lines PlotKind = iota // time series, one line per Series
	Bars                  // one bar per label (histograms, categories)
	Boxes                 // box plots: whiskers Low–High, box Q1–Q3, line at Median
)

// Series is one line of a time series plot.
type Series struct {
	Name string
	X, Y []float64
}

// Box is one box of a box plot.
type Box struct {
	Label                     string
	Low, Q1, Median, Q3, High float64
}

// palette is a colour-blind safe set (Okabe–Ito).
var palette = []color.Color{
	color.RGBA{0, 114, 178, 255}, color.RGBA{230, 159, 0, 255}, color.RGBA{0, 158, 115, 255},
	color.RGBA{204, 121, 167, 255}, color.RGBA{86, 180, 233, 255}, color.RGBA{213, 94, 0, 255},
	color.RGBA{240, 228, 66, 255}, color.RGBA{0, 0, 0, 255},
}

// Empty reports whether the plot has nothing to draw: no point, bar or box.
func (p *Plot) Empty() bool {
	switch p.Kind {
	case Bars:
		return len(p.Values) == 0
	case Boxes:
		return len(p.Boxes) == 0
	}
	for _, s := range p.Series {
		if len(s.X) > 0 {
			return false
		}
	}
	return true
}

// SVG draws the plot as an SVG element (no XML prolog), 16 × 7 cm. The
// output depends only on the plot's values.
func (p *Plot) SVG() (string, error) {
	pl := plot.New()
	pl.Title.Text = p.Title
	pl.X.Label.Text = p.XLabel
	pl.Y.Label.Text = p.YLabel
	pl.Y.Min = 0
	sans(pl)
	switch p.Kind {
	case Lines:
		pl.X.Tick.Marker = periodTicks(p.Series)
		pl.Add(plotter.NewGrid())
		for i, s := range p.Series {
			xys := make(plotter.XYs, len(s.X))
			for j := range s.X {
				xys[j] = plotter.XY{X: s.X[j], Y: s.Y[j]}
			}
			line, points, err := plotter.NewLinePoints(xys)
			if err != nil {
				return "", fmt.Errorf("plot %q series %q: %w", p.Title, s.Name, err)
			}
			c := palette[i%len(palette)]
			line.Color, points.Color = c, c
			points.Shape = draw.CircleGlyph{}
			points.Radius = vg.Points(1.5)
			pl.Add(line, points)
			pl.Legend.Add(s.Name, line)
		}
		pl.Legend.Top = true
		pl.Legend.Left = true
		pl.Legend.XOffs = vg.Points(8)
		pl.Legend.YOffs = vg.Points(-2)
		// Head room for the legend above the lines.
		ymax := 0.0
		for _, s := range p.Series {
			for _, y := range s.Y {
				ymax = max(ymax, y)
			}
		}
		pl.Y.Max = max(ymax, 1) * (1 + 0.12*float64(len(p.Series)))
	case Bars:
		bars, err := plotter.NewBarChart(plotter.Values(p.Values), vg.Points(max(4, min(40, 360/float64(max(len(p.Values), 1))))))
		if err != nil {
			return "", fmt.Errorf("plot %q: %w", p.Title, err)
		}
		bars.Color = palette[0]
		bars.LineStyle.Width = 0
		pl.Add(plotter.NewGrid(), bars)
		pl.NominalX(p.Labels...)
	case Boxes:
		pl.Add(plotter.NewGrid(), boxes(p.Boxes))
		labels := make([]string, len(p.Boxes))
		for i, b := range p.Boxes {
			labels[i] = b.Label
		}
		pl.NominalX(labels...)
		pl.X.Min, pl.X.Max = -0.5, float64(len(p.Boxes))-0.5
	}
	// Slanted labels where a row of them would overlap (more than 8 names,
	// or more than 6 dates along a time axis).
	if len(p.Labels) > 8 || len(p.Boxes) > 8 || (p.Kind == Lines && len(p.Series) > 0 && len(p.Series[0].X) > 6) {
		pl.X.Tick.Label.Rotation = 0.6
		pl.X.Tick.Label.XAlign = draw.XRight
	}
	c := vgsvg.NewWith(vgsvg.UseWH(16*vg.Centimeter, 7*vg.Centimeter))
	pl.Draw(draw.New(c))
	var buf bytes.Buffer
	if _, err := c.WriteTo(&buf); err != nil {
		return "", fmt.Errorf("plot %q: %w", p.Title, err)
	}
	s := buf.String()
	if i := strings.Index(s, "<svg"); i >= 0 {
		s = s[i:]
	}
	return s, nil
}

// sans sets every text of pl in Liberation Sans (gonum's default is the
// serif face), the HTML's font.
func sans(pl *plot.Plot) {
	for _, f := range []*font.Font{&pl.Title.TextStyle.Font, &pl.X.Label.TextStyle.Font, &pl.Y.Label.TextStyle.Font,
		&pl.X.Tick.Label.Font, &pl.Y.Tick.Label.Font, &pl.Legend.TextStyle.Font} {
		f.Variant = "Sans"
	}
}

// periodTicks labels the x axis of a time series at its periods (at most
// 12 labels, every k-th period).
func periodTicks(series []Series) plot.Ticker {
	var xs []float64
	if len(series) > 0 {
		xs = series[0].X
	}
	step := (len(xs) + 11) / 12
	return plot.TickerFunc(func(lo, hi float64) []plot.Tick {
		var ticks []plot.Tick
		for i, x := range xs {
			label := ""
			if i%max(step, 1) == 0 {
				label = time.Unix(int64(x), 0).UTC().Format("2006-01-02")
			}
			ticks = append(ticks, plot.Tick{Value: x, Label: label})
		}
		return ticks
	})
}

// boxes draws Box values at x = 0, 1, ...
type boxes []Box

func (bs boxes) Plot(c draw.Canvas, plt *plot.Plot) {
	trX, trY := plt.Transforms(&c)
	half := vg.Points(12)
	style := draw.LineStyle{Color: color.Black, Width: vg.Points(1)}
	for i, b := range bs {
		x := trX(float64(i))
		lo, q1, med, q3, hi := trY(b.Low), trY(b.Q1), trY(b.Median), trY(b.Q3), trY(b.High)
		c.FillPolygon(palette[4], []vg.Point{{X: x - half, Y: q1}, {X: x + half, Y: q1}, {X: x + half, Y: q3}, {X: x - half, Y: q3}})
		c.StrokeLines(style, []vg.Point{{X: x - half, Y: q1}, {X: x + half, Y: q1}, {X: x + half, Y: q3}, {X: x - half, Y: q3}, {X: x - half, Y: q1}})
		c.StrokeLine2(draw.LineStyle{Color: palette[5], Width: vg.Points(2)}, x-half, med, x+half, med)
		c.StrokeLine2(style, x, q3, x, hi)
		c.StrokeLine2(style, x, q1, x, lo)
		c.StrokeLine2(style, x-half/2, hi, x+half/2, hi)
		c.StrokeLine2(style, x-half/2, lo, x+half/2, lo)
	}
}

func (bs boxes) DataRange() (xmin, xmax, ymin, ymax float64) {
	if len(bs) == 0 {
		return 0, 1, 0, 1
	}
	ymin, ymax = bs[0].Low, bs[0].High
	for _, b := range bs {
		ymin, ymax = min(ymin, b.Low), max(ymax, b.High)
	}
	return -0.5, float64(len(bs)) - 0.5, ymin, ymax
}
