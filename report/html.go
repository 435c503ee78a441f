package report

import (
	"bytes"
	"fmt"
	"html/template"
	"io"
	"time"
)

// GeneratedClass is the class of the one HTML element that holds the
// generation time: everything else in the HTML depends only on the data.
const GeneratedClass = "generated"

var page = template.Must(template.New("report").Funcs(template.FuncMap{
	"value": FormatValue,
	"head": func(t *Table, n int, list bool) [][]any {
		k := t.Len()
		if list && k > n {
			k = n
		}
		rows := make([][]any, k)
		for i := range rows {
			rows[i] = t.Row(i)
		}
		return rows
	},
	"numeric": func(v any) bool {
		switch v.(type) {
		case int64, float64:
			return true
		}
		return false
	},
	"more": func(t *Table, n int, list bool) int {
		if list && t.Len() > n {
			return t.Len() - n
		}
		return 0
	},
}).Parse(`<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{{.Title}}</title>
<style>
@page { size: A4 landscape; margin: 12mm; }
body { font-family: "Liberation Sans", Arial, Helvetica, sans-serif; color: #222; margin: 1.5em; font-size: 11pt; }
h1 { font-size: 18pt; margin-bottom: 0.2em; }
h2 { font-size: 15pt; border-bottom: 2px solid #0072b2; padding-bottom: 0.2em; }
h3 { font-size: 12pt; margin: 1.2em 0 0.3em; }
section { break-before: page; }
.meta td { padding: 0 1em 0 0; }
.item { break-inside: avoid-page; margin-bottom: 1.2em; overflow-x: auto; }
.plot svg { max-width: 100%; height: auto; }
table.figures { border-collapse: collapse; font-size: 8pt; margin-top: 0.4em; }
table.figures th, table.figures td { border: 1px solid #ccc; padding: 2px 5px; }
table.figures th { background: #eef4f9; text-align: left; }
table.figures td.n { text-align: right; font-variant-numeric: tabular-nums; }
p.note, p.more, p.generated { font-size: 9pt; color: #555; }
nav li { display: inline; margin-right: 1.5em; }
</style>
</head>
<body>
<h1>{{.Title}}</h1>
<table class="meta">
<tr><td>Range</td><td>{{.From}} to {{.To}} (UTC, end excluded)</td></tr>
<tr><td>Partition</td><td>{{.Partition}}</td></tr>
<tr><td>Period</td><td>{{.Period}}</td></tr>
<tr><td>Dispatch latency target</td><td>{{.Target}}</td></tr>
<tr><td>Pending threshold</td><td>{{.Pending}}</td></tr>
<tr><td>Schedule</td><td>{{.Schedule}}</td></tr>
</table>
<p class="` + GeneratedClass + `">Generated {{.Generated}}</p>
<nav><ul>{{range .Sections}}<li><a href="#{{.ID}}">{{.Title}}</a></li>{{end}}</ul></nav>
{{range .Sections}}{{$limit := $.Limit}}
<section id="{{.ID}}">
<h2>{{.Title}}</h2>
<p>{{.Intro}}</p>
{{range .Items}}<div class="item" id="{{.ID}}">
<h3>{{.Table.Title}}</h3>
{{if .SVG}}<div class="plot">{{.SVG}}</div>{{end}}{{if .Empty}}<p class="note">{{.Plot.Title}}: no data in the range.</p>{{end}}
{{if .Note}}<p class="note">{{.Note}}</p>{{end}}
{{if .ShowTable}}<table class="figures" data-table="{{.Table.Name}}">
<thead><tr>{{range .Table.Columns}}<th>{{.Name}}{{if .Unit}} ({{.Unit}}){{end}}</th>{{end}}</tr></thead>
<tbody>{{range head .Table $limit .List}}
<tr>{{range .}}<td{{if numeric .}} class="n"{{end}}>{{value .}}</td>{{end}}</tr>{{else}}
<tr><td colspan="{{len .Table.Columns}}">no rows</td></tr>{{end}}
</tbody>
</table>
{{with more .Table $limit .List}}<p class="more">… {{.}} more rows in the CSV and Parquet files.</p>{{end}}{{end}}
</div>
{{end}}</section>
{{end}}
</body>
</html>
`))

type htmlItem struct {
	Item
	ID        string // the table's name, with -2, -3 for its further plots
	SVG       template.HTML
	Empty     bool // a plot without data: a line says so
	ShowTable bool
}

type htmlSection struct {
	ID, Title, Intro string
	Items            []htmlItem
}

// WriteHTML writes the report as one self-contained HTML page: inline CSS
// and SVG, no scripts, no external resources. Given the same report it
// writes the same bytes, except the element of class GeneratedClass, which
// holds generated (in UTC).
func (r *Report) WriteHTML(w io.Writer, generated time.Time) error {
	q := r.Query
	part := q.Partition
	if part == "" {
		part = "all"
	}
	sched := q.ScheduleText
	if q.Schedule == nil {
		sched = "none given"
	}
	data := struct {
		Title, From, To, Partition, Period, Target, Pending, Schedule, Generated string
		Limit                                                                    int
		Sections                                                                 []htmlSection
	}{
		Title: "paidan operations report", From: q.From.UTC().Format(time.RFC3339), To: q.To.UTC().Format(time.RFC3339),
		Partition: part, Period: string(q.Period), Target: q.Target().String(), Pending: q.Pending().String(),
		Schedule: sched, Generated: generated.UTC().Format(time.RFC3339), Limit: q.Limit(),
	}
	ids := map[string]int{}
	for _, s := range r.Sections {
		hs := htmlSection{ID: s.ID, Title: s.Title, Intro: s.Intro}
		for i, it := range s.Items {
			hi := htmlItem{Item: it, ID: it.Table.Name, ShowTable: true}
			if n := ids[it.Table.Name]; n > 0 {
				hi.ID = fmt.Sprintf("%s-%d", it.Table.Name, n+1)
			}
			ids[it.Table.Name]++
			// A table drawn by several plots is shown after the last.
			if i+1 < len(s.Items) && s.Items[i+1].Table == it.Table {
				hi.ShowTable = false
			}
			if it.Plot != nil && it.Plot.Empty() {
				hi.Empty = true
			} else if it.Plot != nil {
				svg, err := it.Plot.SVG()
				if err != nil {
					return fmt.Errorf("report html: %w", err)
				}
				hi.SVG = template.HTML(svg) // #nosec G203 -- gonum/plot's SVG escapes every text it draws (labels, titles, legends)
			}
			hs.Items = append(hs.Items, hi)
		}
		data.Sections = append(data.Sections, hs)
	}
	var buf bytes.Buffer
	if err := page.Execute(&buf, data); err != nil {
		return fmt.Errorf("report html: %w", err)
	}
	_, err := w.Write(buf.Bytes())
	return err
}
