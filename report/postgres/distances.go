package postgres

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/report"
)

// distanceTables fills the distance_summary and distance_histogram tables
// from the rollups' sorted distance arrays (distances.sql): the same
// figures distance_summary.sql and distance_histogram.sql compute from the
// assignment rows, with PostgreSQL's percentile_cont (report.Quantile)
// and width_bucket.
func distanceTables(ctx context.Context, tx *sqlx.Tx, args []any, data *report.Data) error {
	var n int64
	if err := tx.GetContext(ctx, &n, mustQuery("distance_count"), args...); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, mustQuery("distances"), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	all := make([]float64, 0, n)
	var arr []byte
	for rows.Next() {
		if err := rows.Scan(&arr); err != nil {
			return err
		}
		if all, err = appendFloat8s(all, arr); err != nil {
			return fmt.Errorf("distances: %w", err)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if int64(len(all)) != n {
		return fmt.Errorf("distances: %d in the arrays, %d assignments in their rows", len(all), n)
	}
	slices.Sort(all)
	summary, hist := distanceSummary(all)
	data.Tables[summary.Name] = summary
	data.Tables[hist.Name] = hist
	if err := summary.Check(); err != nil {
		return err
	}
	return hist.Check()
}

// distanceSummary computes both distance tables from the sorted distances.
func distanceSummary(sorted []float64) (summary, hist *report.Table) {
	for _, t := range report.Inputs() {
		switch t.Name {
		case report.TableDistanceSummary:
			summary = t
		case report.TableDistanceHistogram:
			hist = t
		}
	}
	n := len(sorted)
	row := []any{int64(n), nil, nil, nil, nil, nil}
	var maxKm float64
	if n > 0 {
		var sum float64
		for _, v := range sorted {
			sum += v
		}
		maxKm = sorted[n-1]
		row = []any{int64(n), sum / float64(n), report.Quantile(sorted, 0.5), report.Quantile(sorted, 0.9),
			report.Quantile(sorted, 0.99), maxKm}
	}
	summary.Rows = append(summary.Rows, row)
	top := report.NiceCeil(maxKm)
	counts := make([]int64, report.DistanceBins)
	for _, v := range sorted {
		counts[widthBucket(v, top, report.DistanceBins)-1]++
	}
	for g := 1; g <= report.DistanceBins; g++ {
		hist.Rows = append(hist.Rows, []any{float64(g-1) * top / report.DistanceBins,
			float64(g) * top / report.DistanceBins, counts[g-1]})
	}
	return summary, hist
}

// widthBucket is least(width_bucket(v, 0, top, bins), bins) for 0 ≤ v, as
// PostgreSQL computes width_bucket over float8: the bucket of v among bins
// equal ones from 0 to top, counted from 1; v ≥ top falls in the last.
func widthBucket(v, top float64, bins int) int {
	if v >= top {
		return bins
	}
	b := int(math.Floor(float64(bins) * (v / top)))
	return min(b, bins-1) + 1
}
