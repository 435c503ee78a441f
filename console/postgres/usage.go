package postgres

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/paidan/paidan/console"
)

// stageOrder is the order of a run's stages in the pipeline; stages not
// listed follow, by name.
var stageOrder = []string{"lock", "load", "plan", "write", "export", "record"}

// runUsage decodes a run's paidan.run_usage row: stages is the JSON
// object of seconds per stage.
func runUsage(cpu float64, peak int64, stages []byte) (*console.RunUsage, error) {
	u := &console.RunUsage{CPUSeconds: cpu, PeakMemoryBytes: peak, Stages: []console.StageDuration{}}
	if len(stages) == 0 {
		return u, nil
	}
	var m map[string]float64
	if err := json.Unmarshal(stages, &m); err != nil {
		return nil, fmt.Errorf("stages: %w", err)
	}
	for name, sec := range m {
		u.Stages = append(u.Stages, console.StageDuration{Stage: name, Seconds: sec})
	}
	rank := func(name string) int {
		if i := slices.Index(stageOrder, name); i >= 0 {
			return i
		}
		return len(stageOrder)
	}
	slices.SortFunc(u.Stages, func(a, b console.StageDuration) int {
		if ra, rb := rank(a.Stage), rank(b.Stage); ra != rb {
			return ra - rb
		}
		return strings.Compare(a.Stage, b.Stage)
	})
	return u, nil
}
