package model_test

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/ingest/file"
)

// TestRegressionDatasetsCertified gives the expected objective of every
// checked-in regression dataset an independent source: the rules restated
// pair by pair (bruteforce_test.go) over every eligible pair, solved by
// plain successive shortest paths (ssp below, no code of package solver or
// model), and for the hand-written datasets also by exhaustive enumeration
// of every assignment. expected.json was first recorded from paidan
// itself; this test is what certifies it.
func TestRegressionDatasetsCertified(t *testing.T) {
	t.Parallel()
	dirs, err := filepath.Glob("../datasets/*/expected.json")
	if err != nil || len(dirs) < 6 {
		t.Fatalf("found %d datasets (%v); want at least 6", len(dirs), err)
	}
	for _, path := range dirs {
		dir := filepath.Dir(path)
		t.Run(filepath.Base(dir), func(t *testing.T) {
			t.Parallel()
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var want struct {
				ObjectiveUnits int64 `json:"objective_units"`
			}
			if err := json.Unmarshal(data, &want); err != nil {
				t.Fatal(err)
			}
			ds, err := file.Load(t.Context(), dir, file.Options{})
			if err != nil {
				t.Fatal(err)
			}
			b, r := ds.Batch, ds.Rules
			if got := ssp(b, r); got != want.ObjectiveUnits {
				t.Errorf("successive shortest paths over every eligible pair: %d units; expected.json %d", got, want.ObjectiveUnits)
			}
			if len(b.Tasks) <= 10 {
				if got := bruteForce(b, r); got != want.ObjectiveUnits {
					t.Errorf("exhaustive enumeration: %d units; expected.json %d", got, want.ObjectiveUnits)
				}
			}
			p := mustPlan(t, b, r)
			checkPlan(t, b, r, p)
			for _, u := range p.Unassigned {
				ti := mustIndex(t, b, u.Task)
				if want := bfReason(b, r, p, ti); u.Reason != want {
					t.Errorf("task %s: reason %v; the restated rules give %v", u.Task, u.Reason, want)
				}
			}
		})
	}
}

// ssp returns the minimum total cost in units of the batch under the
// rules, as a min-cost flow solved by successive shortest paths with
// Bellman-Ford (queue-based) on the residual network: source → each task
// (1 unit); task → sink at its penalty (none for a feasible pin); task →
// every eligible worker at bfArc (only its worker for a feasible pin);
// worker → sink one arc per remaining unit j at bfUnit(j), convex. Every
// task sends its unit, so the flow value is the number of tasks.
func ssp(b *paidan.Batch, r paidan.Rules) int64 {
	T, W := len(b.Tasks), len(b.Workers)
	src, sink := T+W, T+W+1
	type arc struct {
		to, rev int
		cap     int
		cost    int64
	}
	g := make([][]arc, T+W+2)
	add := func(u, v int, cost int64) {
		g[u] = append(g[u], arc{to: v, rev: len(g[v]), cap: 1, cost: cost})
		g[v] = append(g[v], arc{to: u, rev: len(g[u]) - 1, cost: -cost})
	}
	forced, infeasible := bfPins(b, r)
	for ti := range b.Tasks {
		t := &b.Tasks[ti]
		add(src, ti, 0)
		switch {
		case forced[ti] >= 0:
			w := forced[ti]
			d, _ := bfEligible(b, r, t, &b.Workers[w])
			add(ti, T+w, bfArc(r, t, &b.Workers[w], d))
		case infeasible[ti] || t.PinnedWorker != "":
			add(ti, sink, bfPenalty(b, r, t))
		default:
			add(ti, sink, bfPenalty(b, r, t))
			for w := range b.Workers {
				if d, ok := bfEligible(b, r, t, &b.Workers[w]); ok {
					add(ti, T+w, bfArc(r, t, &b.Workers[w], d))
				}
			}
		}
	}
	for w := range b.Workers {
		for j := 1; j <= b.Workers[w].Remaining(); j++ {
			add(T+w, sink, bfUnit(r, &b.Workers[w], j))
		}
	}
	var total int64
	dist := make([]int64, len(g))
	inQueue := make([]bool, len(g))
	prevNode, prevArc := make([]int, len(g)), make([]int, len(g))
	for range T {
		for i := range dist {
			dist[i] = math.MaxInt64
		}
		dist[src] = 0
		queue := []int{src}
		for len(queue) > 0 {
			u := queue[0]
			queue = queue[1:]
			inQueue[u] = false
			for i, a := range g[u] {
				if a.cap > 0 && dist[u]+a.cost < dist[a.to] {
					dist[a.to] = dist[u] + a.cost
					prevNode[a.to], prevArc[a.to] = u, i
					if !inQueue[a.to] {
						inQueue[a.to] = true
						queue = append(queue, a.to)
					}
				}
			}
		}
		if dist[sink] == math.MaxInt64 {
			panic("ssp: a task cannot send its unit")
		}
		for v := sink; v != src; v = prevNode[v] {
			a := &g[prevNode[v]][prevArc[v]]
			a.cap--
			g[v][a.rev].cap++
		}
		total += dist[sink]
	}
	return total
}
