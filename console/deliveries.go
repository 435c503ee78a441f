package console

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// DeadDelivery is a push delivery whose every attempt failed (River's
// discarded state): the dead-letter list of "paidan subscriber".
type DeadDelivery struct {
	JobID      int64     `json:"job_id"`
	Subscriber string    `json:"subscriber"` // its name; "#ID" when it was removed since
	Key        string    `json:"key"`        // the delivery's idempotency key
	RunID      string    `json:"run_id"`
	Partition  string    `json:"partition"`
	Attempts   int       `json:"attempts"`
	LastError  string    `json:"last_error"`
	DiedAt     time.Time `json:"died_at"`
}

// DeliveryStore is a Store that can also list dead push deliveries
// (console/postgres.Store is one). A Store that is not serves 404 on the
// dead-delivery page and API.
type DeliveryStore interface {
	// DeadDeliveries returns the newest limit dead deliveries, newest
	// first.
	DeadDeliveries(ctx context.Context, limit int) ([]DeadDelivery, error)
}

// deadDeliveriesView is the page's and the API's data.
type deadDeliveriesView struct {
	Deliveries []DeadDelivery `json:"deliveries"`
	Limit      int            `json:"limit"`
}

// loadDeadDeliveries reads ?limit (1-1000, default 100).
func (s *Server) loadDeadDeliveries(r *http.Request) (deadDeliveriesView, error) {
	v := deadDeliveriesView{Limit: 100}
	ds, ok := s.o.Store.(DeliveryStore)
	if !ok {
		return v, fmt.Errorf("dead deliveries: %w", ErrNotFound)
	}
	if q := r.URL.Query().Get("limit"); q != "" {
		n, err := strconv.Atoi(q)
		if err != nil || n < 1 || n > 1000 {
			return v, invalidInput("limit %q: want 1 to 1000", q)
		}
		v.Limit = n
	}
	var err error
	v.Deliveries, err = ds.DeadDeliveries(r.Context(), v.Limit)
	return v, err
}

func (s *Server) deadDeliveriesPage(w http.ResponseWriter, r *http.Request) error {
	return pageOfLoader(s, "deliveries", "Dead deliveries", s.loadDeadDeliveries)(w, r)
}

func (s *Server) apiDeadDeliveries(w http.ResponseWriter, r *http.Request) error {
	return jsonOf(s.loadDeadDeliveries)(w, r)
}
