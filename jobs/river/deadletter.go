package river

import (
	"context"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/prometheus/client_golang/prometheus"
)

// DeadDelivery is a delivery River discarded after its last attempt failed.
type DeadDelivery struct {
	JobID          int64     `db:"id" json:"job_id"`
	Subscriber     int64     `db:"subscriber" json:"subscriber"`
	SubscriberName string    `db:"subscriber_name" json:"subscriber_name"` // "#ID" when it was removed since
	Key            string    `db:"key" json:"key"`
	RunID          string    `db:"run_id" json:"run_id"`
	Partition      string    `db:"partition" json:"partition"`
	Attempts       int       `db:"attempt" json:"attempts"`
	LastError      string    `db:"last_error" json:"last_error"`
	DiedAt         time.Time `db:"finalized_at" json:"died_at"`
}

const deadQuery = `SELECT j.id, (j.args->>'subscriber')::bigint AS subscriber,
       COALESCE(s.name, '#' || (j.args->>'subscriber')) AS subscriber_name, j.args->>'key' AS key,
       j.args->>'run_id' AS run_id, j.args->>'partition' AS partition, j.attempt,
       COALESCE(j.errors[array_length(j.errors, 1)]->>'error', '') AS last_error, j.finalized_at
FROM paidan_river.river_job j
LEFT JOIN paidan.subscriber s ON s.id = (j.args->>'subscriber')::bigint
WHERE j.kind = 'paidan_deliver' AND j.state = 'discarded'
ORDER BY j.finalized_at DESC, j.id DESC
LIMIT $1`

// DeadDeliveries lists the newest limit dead deliveries, newest first,
// with their subscribers' names. db needs SELECT on
// paidan_river.river_job and paidan.subscriber (runtime or console role).
func DeadDeliveries(ctx context.Context, db sqlx.QueryerContext, limit int) ([]DeadDelivery, error) {
	var out []DeadDelivery
	if err := sqlx.SelectContext(ctx, db, &out, deadQuery, limit); err != nil {
		return nil, fmt.Errorf("list dead deliveries: %w", err)
	}
	return out, nil
}

// DeliveryCounts counts deliveries by River state (available, running,
// retryable, completed, discarded, cancelled, ...); states without a job
// are absent.
func DeliveryCounts(ctx context.Context, db sqlx.QueryerContext) (map[string]int64, error) {
	rows, err := db.QueryxContext(ctx, `SELECT state::text, count(*) FROM paidan_river.river_job
		WHERE kind = 'paidan_deliver' GROUP BY state`)
	if err != nil {
		return nil, fmt.Errorf("count deliveries: %w", err)
	}
	defer rows.Close()
	out := make(map[string]int64)
	for rows.Next() {
		var (
			state string
			n     int64
		)
		if err := rows.Scan(&state, &n); err != nil {
			return nil, fmt.Errorf("count deliveries: %w", err)
		}
		out[state] = n
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("count deliveries: %w", err)
	}
	return out, nil
}

// Collector exposes the deliveries' states to Prometheus, read at each
// scrape: paidan_push_deliveries{state} (gauge) — discarded is the
// dead-letter count — and paidan_push_scrape_errors_total. Register it
// once; build it with NewCollector.
type Collector struct {
	DB      sqlx.QueryerContext
	Timeout time.Duration // of the count query; zero means 5 seconds

	desc *prometheus.Desc
	errs prometheus.Counter
}

// NewCollector returns a Collector reading db.
func NewCollector(db sqlx.QueryerContext) *Collector {
	return &Collector{DB: db,
		desc: prometheus.NewDesc("paidan_push_deliveries",
			"Push deliveries by River state; state=\"discarded\" counts the dead ones (every attempt failed).",
			[]string{"state"}, nil),
		errs: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "paidan_push_scrape_errors_total", Help: "Scrapes whose count of push deliveries failed.",
		})}
}

// Describe implements prometheus.Collector.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.desc
	c.errs.Describe(ch)
}

// Collect implements prometheus.Collector. The states that matter for
// alerting (discarded, retryable, available) are always present.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), orDefault(c.Timeout, 5*time.Second))
	defer cancel()
	counts, err := DeliveryCounts(ctx, c.DB)
	if err != nil {
		c.errs.Inc()
	} else {
		for _, s := range []string{"available", "retryable", "discarded"} {
			if _, ok := counts[s]; !ok {
				counts[s] = 0
			}
		}
		for state, n := range counts {
			ch <- prometheus.MustNewConstMetric(c.desc, prometheus.GaugeValue, float64(n), state)
		}
	}
	c.errs.Collect(ch)
}
