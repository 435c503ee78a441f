package solver_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/paidan/paidan/internal/dispatchgen"
	"github.com/paidan/paidan/solver"
)

// BenchmarkSolveDispatch times SolveDispatch on the benchmark shape of
// package dispatchgen: T tasks, W workers of capacity c, k candidates each.
// The instance is generated outside the timed loop; T=300k takes tens of
// seconds per solve, so run it with -benchtime=1x.
func BenchmarkSolveDispatch(b *testing.B) {
	for _, c := range []dispatchgen.Config{
		{Tasks: 1_000, Workers: 50, Capacity: 25, K: 20},
		{Tasks: 10_000, Workers: 500, Capacity: 25, K: 20},
		{Tasks: 10_000, Workers: 500, Capacity: 21, K: 8},
		{Tasks: 100_000, Workers: 5_000, Capacity: 25, K: 20},
		{Tasks: 300_000, Workers: 10_000, Capacity: 35, K: 16},
		{Tasks: 10_000, Workers: 500, Capacity: 15, K: 20}, // capacity short
		{Tasks: 10_000, Workers: 500, Capacity: 25, K: 20, // convex tiers
			Tiers: []solver.Tier{{Units: 10}, {Units: 10, Cost: 3000}, {Units: 5, Cost: 9000}}},
	} {
		c.Seed = 1
		name := fmt.Sprintf("T=%dk/W=%d/c=%d/k=%d", c.Tasks/1000, c.Workers, c.Capacity, c.K)
		if c.Tiers != nil {
			name += "/tiers"
		}
		b.Run(name, func(b *testing.B) {
			d := dispatchgen.Generate(c)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := solver.SolveDispatch(context.Background(), d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSolveDispatchMetro times SolveDispatch on the metro shape of
// package dispatchgen (clustered, regions and skills, balance tiers,
// capacity 1.05 times the tasks), the shape package model builds. T=100k
// takes about a minute per solve: run it with -benchtime=1x.
func BenchmarkSolveDispatchMetro(b *testing.B) {
	for _, c := range []dispatchgen.MetroConfig{
		{Tasks: 10_000, Workers: 500},
		{Tasks: 100_000, Workers: 5_000},
		{Tasks: 10_000, Workers: 500, Slack: 1.3},
	} {
		c.Seed = 1
		name := fmt.Sprintf("T=%dk/W=%d/slack=%.2f", c.Tasks/1000, c.Workers, max(c.Slack, 1.05))
		b.Run(name, func(b *testing.B) {
			d := dispatchgen.GenerateMetro(c)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := solver.SolveDispatch(context.Background(), d); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
