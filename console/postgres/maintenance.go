package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/console"
)

// maintenanceRow is a row of paidan.maintenance.
type maintenanceRow struct {
	ID          int64          `db:"id"`
	Start       time.Time      `db:"starts_at"`
	End         time.Time      `db:"ends_at"`
	Partition   sql.NullString `db:"partition"`
	Message     string         `db:"message"`
	AnnouncedBy string         `db:"announced_by"`
	AnnouncedAt time.Time      `db:"announced_at"`
	CancelledBy sql.NullString `db:"cancelled_by"`
	CancelledAt sql.NullTime   `db:"cancelled_at"`
}

func (r maintenanceRow) maintenance() console.Maintenance {
	return console.Maintenance{ID: r.ID, Start: r.Start, End: r.End, Partition: r.Partition.String,
		Message: r.Message, AnnouncedBy: r.AnnouncedBy, AnnouncedAt: r.AnnouncedAt,
		CancelledBy: r.CancelledBy.String, CancelledAt: r.CancelledAt.Time}
}

// maintenanceAudit is a window as the audit trail records it.
type maintenanceAudit struct {
	Start     time.Time `json:"starts_at"`
	End       time.Time `json:"ends_at"`
	Partition string    `json:"partition,omitempty"`
	Message   string    `json:"message"`
	Cancelled bool      `json:"cancelled"`
}

func auditOfMaintenance(m console.Maintenance) maintenanceAudit {
	return maintenanceAudit{Start: m.Start, End: m.End, Partition: m.Partition, Message: m.Message, Cancelled: !m.CancelledAt.IsZero()}
}

// AnnounceMaintenance records the window m (its Start, End, Partition and
// Message) announced by by, and audits it (maintenance.announce). A window
// that ends before it starts, or an empty message, returns an error
// wrapping console.ErrInvalidInput.
func (s *Store) AnnounceMaintenance(ctx context.Context, by console.Actor, m console.Maintenance) (console.Maintenance, error) {
	var out console.Maintenance
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var part any
		if m.Partition != "" {
			part = m.Partition
		}
		var r maintenanceRow
		err := tx.GetContext(ctx, &r, query("maintenance_insert"), m.Start, m.End, part, m.Message, by.Name)
		if isCheck(err) {
			return fmt.Errorf("%w: %v", console.ErrInvalidInput, err)
		} else if err != nil {
			return err
		}
		out = r.maintenance()
		return audit(ctx, tx, by, "maintenance.announce", fmt.Sprintf("maintenance:%d", out.ID), nil, auditOfMaintenance(out))
	})
	if err != nil {
		return console.Maintenance{}, fmt.Errorf("announce maintenance: %w", err)
	}
	return out, nil
}

// CancelMaintenance cancels window id and audits it (maintenance.cancel).
// An unknown id returns an error wrapping console.ErrNotFound; a window
// cancelled already, console.ErrConflict.
func (s *Store) CancelMaintenance(ctx context.Context, by console.Actor, id int64) (console.Maintenance, error) {
	var out console.Maintenance
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		var before maintenanceRow
		if err := tx.GetContext(ctx, &before, query("maintenance_lock"), id); errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("%w: no maintenance window %d", console.ErrNotFound, id)
		} else if err != nil {
			return err
		}
		if before.CancelledAt.Valid {
			return fmt.Errorf("%w: maintenance window %d was cancelled already", console.ErrConflict, id)
		}
		var r maintenanceRow
		if err := tx.GetContext(ctx, &r, query("maintenance_cancel"), id, by.Name); err != nil {
			return err
		}
		out = r.maintenance()
		return audit(ctx, tx, by, "maintenance.cancel", fmt.Sprintf("maintenance:%d", id),
			auditOfMaintenance(before.maintenance()), auditOfMaintenance(out))
	})
	if err != nil {
		return console.Maintenance{}, fmt.Errorf("cancel maintenance window %d: %w", id, err)
	}
	return out, nil
}

// Maintenance returns the windows f selects, by start then id.
func (s *Store) Maintenance(ctx context.Context, f console.MaintenanceFilter) ([]console.Maintenance, error) {
	var after any
	if !f.EndsAfter.IsZero() {
		after = f.EndsAfter
	}
	var rows []maintenanceRow
	if err := s.DB.SelectContext(ctx, &rows, query("maintenance_list"), after); err != nil {
		return nil, fmt.Errorf("list maintenance windows: %w", err)
	}
	out := make([]console.Maintenance, len(rows))
	for i, r := range rows {
		out[i] = r.maintenance()
	}
	return out, nil
}
