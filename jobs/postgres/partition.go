package postgres

import (
	"context"
	"fmt"
)

// HasPartition reports whether partition has any task or worker, in any
// state: a partition that yields nothing to plan and has neither is a name
// that matches nothing (jobs.PartitionChecker).
func (s *Source) HasPartition(ctx context.Context, partition string) (bool, error) {
	var known bool
	err := s.DB.GetContext(ctx, &known, `SELECT EXISTS (SELECT 1 FROM paidan.task WHERE partition = $1)
		OR EXISTS (SELECT 1 FROM paidan.worker WHERE partition = $1)`, partition)
	if err != nil {
		return false, fmt.Errorf("look up partition %q: %w", partition, err)
	}
	return known, nil
}
