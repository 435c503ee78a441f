package model_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/model"
)

// asOf is the planning instant of every test batch.
var asOf = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)

// at returns a point dx km east and dy km north of (31.2°, 121.5°).
func at(dx, dy float64) paidan.Point {
	const kmPerDegLat = 111.19508                                                          // 2π·6371.0088/360
	return paidan.Point{Lat: 31.2 + dy/kmPerDegLat, Lon: 121.5 + dx/(kmPerDegLat*0.85536)} // cos 31.2°
}

// simpleRules are rules without balancing or waiting costs, so that
// objectives are easy to check by hand: travel 1 per km at resolution
// 0.001, penalty 1000 + 500 per priority.
func simpleRules() paidan.Rules {
	r := paidan.DefaultRules()
	r.Balance = nil
	r.Unassigned.PerWaitingHour = 0
	return r
}

func mustPlan(tb testing.TB, b *paidan.Batch, r paidan.Rules) *paidan.Plan {
	tb.Helper()
	p, _, err := model.Plan(context.Background(), b, r, model.Options{})
	if err != nil {
		tb.Fatalf("Plan: %v", err)
	}
	if p.Certificate != paidan.CertificateVerified || p.DualBound != p.ObjectiveUnits {
		tb.Fatalf("certificate %v, dual bound %d, objective %d; want verified and equal", p.Certificate, p.DualBound, p.ObjectiveUnits)
	}
	return p
}

// assignedTo maps each assigned task to its worker.
func assignedTo(p *paidan.Plan) map[paidan.TaskID]paidan.WorkerID {
	m := map[paidan.TaskID]paidan.WorkerID{}
	for _, a := range p.Assignments {
		m[a.Task] = a.Worker
	}
	return m
}

func unassigned(p *paidan.Plan, id paidan.TaskID) (paidan.Unassigned, bool) {
	for _, u := range p.Unassigned {
		if u.Task == id {
			return u, true
		}
	}
	return paidan.Unassigned{}, false
}

// genBatch returns a random city-sized batch: tasks and workers spread over
// a 60 km square around (31.2°, 121.5°) in four regions by quadrant, with
// five skills, shifts, deadlines, pins and previous workers.
func genBatch(seed uint64, tasks, workers int) *paidan.Batch {
	rng := rand.New(rand.NewPCG(seed, 1))
	skills := []string{"forklift", "hazmat", "install", "repair", "van"}
	region := func(p paidan.Point) string {
		r := "n"
		if p.Lat < 31.2 {
			r = "s"
		}
		if p.Lon < 121.5 {
			return r + "w"
		}
		return r + "e"
	}
	b := &paidan.Batch{AsOf: asOf}
	for i := range workers {
		loc := at(rng.Float64()*60-30, rng.Float64()*60-30)
		w := paidan.Worker{
			ID:       paidan.WorkerID(fmt.Sprintf("w%d", i)),
			Capacity: 5 + rng.IntN(30),
			Location: loc,
		}
		w.Load = rng.IntN(w.Capacity/2 + 1)
		for _, s := range skills {
			if rng.IntN(3) > 0 {
				w.Skills = append(w.Skills, s)
			}
		}
		if rng.IntN(4) > 0 {
			w.Regions = []string{region(loc)}
		}
		if rng.IntN(5) == 0 {
			w.ShiftStart = asOf.Add(time.Duration(rng.IntN(120)) * time.Minute)
			w.ShiftEnd = w.ShiftStart.Add(time.Duration(1+rng.IntN(8)) * time.Hour)
		}
		if rng.IntN(5) == 0 {
			w.MaxDistanceKm = 5 + rng.Float64()*30
		}
		b.Workers = append(b.Workers, w)
	}
	for i := range tasks {
		loc := at(rng.Float64()*60-30, rng.Float64()*60-30)
		t := paidan.Task{
			ID:        paidan.TaskID(fmt.Sprintf("t%d", i)),
			Region:    region(loc),
			Priority:  rng.IntN(3),
			Location:  loc,
			CreatedAt: asOf.Add(-time.Duration(rng.IntN(100*60)) * time.Minute),
		}
		if rng.IntN(2) == 0 {
			t.Skills = []string{skills[rng.IntN(len(skills))]}
		}
		if rng.IntN(6) == 0 {
			t.DueAt = asOf.Add(time.Duration(20+rng.IntN(180)) * time.Minute)
		}
		if workers > 0 && rng.IntN(50) == 0 {
			t.PinnedWorker = b.Workers[rng.IntN(workers)].ID
		}
		if workers > 0 && rng.IntN(10) == 0 {
			t.PreviousWorker = b.Workers[rng.IntN(workers)].ID
		}
		b.Tasks = append(b.Tasks, t)
	}
	return b
}
