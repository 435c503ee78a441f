package console

import "time"

// Maintenance is an announced maintenance window (paidan.maintenance):
// the scheduler skips Partition (every partition when it is "") from Start
// to End, and every console page shows it as a banner until it ends.
type Maintenance struct {
	ID          int64
	Start, End  time.Time
	Partition   string // "" for every partition
	Message     string
	AnnouncedBy string
	AnnouncedAt time.Time
	CancelledBy string    // "" while not cancelled
	CancelledAt time.Time // zero while not cancelled
}

// Active reports whether the window is in force at now.
func (m Maintenance) Active(now time.Time) bool {
	return m.CancelledAt.IsZero() && !now.Before(m.Start) && now.Before(m.End)
}

// MaintenanceFilter selects maintenance windows. The zero value selects
// every window ever announced.
type MaintenanceFilter struct {
	// EndsAfter, when not zero, keeps only the windows not cancelled that
	// end after it: the active and upcoming ones.
	EndsAfter time.Time
}
