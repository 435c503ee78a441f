package push

import "time"

// Delivery is the JSON body of one delivery.
type Delivery struct {
	// Key is the delivery's idempotency key, also sent as the
	// Idempotency-Key header: the same on every attempt, unique per run,
	// subscriber and (for single-event subscribers) event.
	Key string `json:"key"`
	// Sequence increases with every delivery of a partition in the order
	// its runs were applied (runs of one partition never overlap). A
	// receiver that must keep a worker's events in order applies a
	// delivery only if its Sequence is above the last one it applied for
	// that partition (or worker).
	Sequence  int64     `json:"sequence"`
	RunID     string    `json:"run_id"`
	Partition string    `json:"partition"`
	AppliedAt time.Time `json:"applied_at"`
	Events    []Event   `json:"events"`
}
