package jobs

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// Pause is a partition whose scheduled runs a planner paused (in the
// console). Runs of it are skipped until the pause is lifted.
type Pause struct {
	Partition string
	By        string    // who paused it
	At        time.Time // when
	Note      string    // why, as the planner wrote it; may be empty
}

// PauseLister is implemented by a Source that knows which partitions are
// paused. RunAll and RunEach leave a paused partition out (unless
// Runner.IgnorePause); a Source that does not implement it pauses
// nothing.
type PauseLister interface {
	// Paused lists the paused partitions, in name order.
	Paused(ctx context.Context) ([]Pause, error)
}

// Paused returns the pauses of the given partitions, in name order: none
// when the Source is no PauseLister.
func (r *Runner) Paused(ctx context.Context, partitions []string) ([]Pause, error) {
	pl, ok := r.Source.(PauseLister)
	if !ok {
		return nil, nil
	}
	all, err := pl.Paused(ctx)
	if err != nil {
		return nil, fmt.Errorf("list paused partitions: %w", err)
	}
	var out []Pause
	for _, p := range all {
		if slices.Contains(partitions, p.Partition) {
			out = append(out, p)
		}
	}
	return out, nil
}

// unpaused returns partitions without the paused ones, keeping their
// order. It reads the pauses once, so a pause made while the partitions
// run takes effect at the next call. A partition that becomes paused is
// logged once, as is one whose pause was lifted; one that stays paused is
// not logged again. With IgnorePause, or a Source that is no PauseLister,
// it returns partitions as they are.
func (r *Runner) unpaused(ctx context.Context, partitions []string) ([]string, error) {
	if r.IgnorePause {
		return partitions, nil
	}
	if _, ok := r.Source.(PauseLister); !ok {
		return partitions, nil
	}
	paused, err := r.Paused(ctx, partitions)
	if err != nil {
		return nil, err
	}
	byName := make(map[string]Pause, len(paused))
	for _, p := range paused {
		byName[p.Partition] = p
	}
	log := r.logger()
	out := make([]string, 0, len(partitions))
	r.pauseMu.Lock()
	defer r.pauseMu.Unlock()
	for _, part := range partitions {
		p, isPaused := byName[part]
		switch {
		case isPaused && !r.lastPaused[part]:
			log.Warn("partition paused; its runs are skipped until it is resumed", "partition", part,
				"paused_by", p.By, "paused_at", p.At.UTC().Format(time.RFC3339), "note", p.Note)
			if r.lastPaused == nil {
				r.lastPaused = make(map[string]bool)
			}
			r.lastPaused[part] = true
		case !isPaused && r.lastPaused[part]:
			log.Warn("partition resumed; its runs go on", "partition", part)
			delete(r.lastPaused, part)
		}
		if !isPaused {
			out = append(out, part)
		}
	}
	return out, nil
}
